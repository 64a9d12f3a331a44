"""Machinery for the per-theme reproduction checks: paper headline numbers vs workbench numbers, side by side.

Each theme (every :class:`~workbench.core.manifest.ThemeManifest`) provides ``workbench/<theme>/reproduce.py`` with
``reproduce(quick: bool = False) -> list[ClaimResult]``. :func:`run_reproductions` collects them into one table
(also written as Markdown). Numbers that miss are reported as missing; nothing here tunes them.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from pathlib import Path

from workbench.core.files import atomic_write
from workbench.core.manifest import claim_text, list_manifests


@dataclass(frozen=True)
class ClaimResult:
    """One line of the reproduction table.

    Parameters
    ----------
    claim : str
        Claim id, a row of ``data/reference/claims.csv`` (e.g. ``"M1"``).
    quantity : str
        What is compared, with unit (e.g. ``"peak throughput (TOPS)"``).
    paper : float or str
        The paper's number (a string for ranges such as ``"3.9-4.7"``).
    workbench : float or str
        The workbench's recomputed number.
    tolerance : str
        The tolerance applied, in words (``"+-15%"``, ``"within range"``).
    within : bool or None
        Whether the workbench number is within tolerance; ``None`` when not comparable at this scale.
    scale : str
        The scale used (data set, network, model) when it differs from the paper's.
    note : str
        Why a number misses, or how it was obtained.
    """

    claim: str
    quantity: str
    paper: float | str
    workbench: float | str
    tolerance: str
    within: bool | None
    scale: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        claim_text(self.claim)  # KeyError unless the id is a row of data/reference/claims.csv


def relative_claim(
    claim: str, quantity: str, paper: float, workbench: float, rel_tol: float, *, scale: str = "", note: str = ""
) -> ClaimResult:
    """A claim checked as ``|workbench - paper| <= rel_tol * |paper|``."""
    within = bool(math.isfinite(workbench) and abs(workbench - paper) <= rel_tol * abs(paper))
    return ClaimResult(claim, quantity, paper, workbench, f"+-{rel_tol:.0%}", within, scale, note)


def range_claim(
    claim: str,
    quantity: str,
    low: float,
    high: float,
    workbench: float,
    *,
    slack: float = 0.0,
    scale: str = "",
    note: str = "",
) -> ClaimResult:
    """A claim checked as ``low * (1 - slack) <= workbench <= high * (1 + slack)`` (the paper gives a range)."""
    within = bool(low * (1 - slack) <= workbench <= high * (1 + slack))
    tolerance = "within range" if slack == 0 else f"within range +-{slack:.0%}"
    return ClaimResult(claim, quantity, f"{low:g}-{high:g}", workbench, tolerance, within, scale, note)


def run_reproductions(theme: str | None = None, *, quick: bool = False) -> list[ClaimResult]:
    """Run every theme's ``reproduce`` (or only ``theme``'s), in manifest order, and return all claim results.

    Raises
    ------
    ValueError
        For an unknown theme, or a row whose claim is not one of its theme's declared claims.
    """
    manifests = list_manifests()
    if theme is not None:
        manifests = [m for m in manifests if m.theme == theme]
        if not manifests:
            raise ValueError(f"no theme {theme!r}; themes: {[m.theme for m in list_manifests()]}")
    results: list[ClaimResult] = []
    for manifest in manifests:
        rows = importlib.import_module(f"workbench.{manifest.theme}.reproduce").reproduce(quick=quick)
        foreign = sorted({r.claim for r in rows} - set(manifest.claims))
        if foreign:
            raise ValueError(f"theme {manifest.theme!r} reports claims {foreign} its manifest does not declare")
        results.extend(rows)
    return results


def _format(value: float | str) -> str:
    if isinstance(value, str):
        return value
    if value == 0 or 1e-3 <= abs(value) < 1e6:
        return f"{value:.4g}"
    return f"{value:.3e}"


def format_table(results: list[ClaimResult]) -> str:
    """A Markdown table: claim id | quantity | paper | workbench | tolerance | within | scale | note."""
    header = "| claim | quantity | paper | workbench | tolerance | within tolerance | scale used | note |"
    rule = "|---|---|---|---|---|---|---|---|"
    verdict = {True: "yes", False: "NO", None: "n/a"}
    lines = [header, rule]
    for r in results:
        cells = [r.claim, r.quantity, _format(r.paper), _format(r.workbench), r.tolerance, verdict[r.within],
                 r.scale, r.note]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def write_report(results: list[ClaimResult], path: Path, *, command: str | None = None) -> Path:
    """Write the Markdown table atomically to ``path``, with how it was made (command, commit, versions)."""
    from workbench.core.provenance import provenance

    made = provenance(command)
    git = made["git"]
    commit = f"{git['commit'][:12]}{' (uncommitted changes)' if git['dirty'] else ''}" if git["commit"] else "unknown"
    versions = ", ".join(f"{name} {version}" for name, version in made["versions"].items() if version)
    header = (
        "# Reproduction: paper vs workbench\n\n"
        f"Made by `{command or 'workbench reproduce'}` at commit {commit}; {versions}. "
        "Regenerate it; do not edit it by hand.\n\n"
    )
    return atomic_write(path, header + format_table(results) + "\n")

