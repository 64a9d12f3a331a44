"""Provenance of results and figures: git commit of the checkout and versions of the packages that computed them."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.core.paths import PROJECT_ROOT

_PACKAGES = ("torch", "numpy", "scipy", "pandas", "pyarrow", "altair")


def git_commit(root: Path = PROJECT_ROOT, *, ignore: tuple[Path, ...] = ()) -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` of the checkout at ``root`` (``None`` outside git).

    Changes to the files in ``ignore`` do not make it dirty (a report that records the commit it was made at is
    itself a change to the checkout while it is rewritten).
    """
    excluded = [f":(exclude){path.resolve().relative_to(root.resolve())}" for path in ignore
                if path.resolve().is_relative_to(root.resolve())]
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", ".",
                                 *excluded], capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": sha, "dirty": bool(status.strip())}


def versions() -> dict[str, str | None]:
    """Versions of Python, the workbench and the numerical packages that shape results."""
    found: dict[str, str | None] = {"python": platform.python_version(), "workbench": __version__}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def provenance(command: str | None = None) -> dict[str, Any]:
    """Everything needed to say how a result was made: command, versions, git commit."""
    return {"command": command, "versions": versions(), "git": git_commit()}
