"""Machinery for the per-theme reproduction checks: paper headline numbers vs workbench numbers, side by side.

Each theme provides ``workbench/<theme>/reproduce.py`` with ``reproduce(quick: bool = False) -> list[ClaimResult]``.
:func:`run_reproductions` collects them into one table (also written as Markdown), showing per-theme progress with
an estimate when asked; :func:`summary` says how it went. Numbers that miss are reported as missing; nothing here
tunes them. A number that cannot be computed here (a tool or data set missing) is a row saying why, never a bare NaN.
"""

from __future__ import annotations

import importlib
import math
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from workbench.core.files import atomic_write
from workbench.core.registry import theme_modules


@dataclass(frozen=True)
class ClaimResult:
    """One line of the reproduction table.

    Parameters
    ----------
    claim : str
        Claim id from ``shared/papers/claims.md`` (e.g. ``"M1"``).
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


NOT_COMPUTED = "not computed"
"""The workbench value of a row that could not be computed here (its note says why)."""


def run_reproductions(theme: str | None = None, *, quick: bool = False, progress: bool = False) -> list[ClaimResult]:
    """Run every theme's ``reproduce`` (or only ``theme``'s) and return all claim results in order.

    ``progress`` shows a bar over the themes on stderr (the estimate assumes the themes left take as long as the
    ones done) and a line per finished theme with its time. A theme whose tool or data set is missing
    (``FileNotFoundError``) gives one :data:`NOT_COMPUTED` row naming what is missing instead of stopping the others.

    Raises
    ------
    ValueError
        For a theme without a reproduction (the message lists those with one).
    """
    from tqdm.auto import tqdm

    modules = theme_modules("reproduce")
    if theme is not None:
        modules = [m for m in modules if m.split(".")[1] == theme]
        if not modules:
            available = [m.split(".")[1] for m in theme_modules("reproduce")]
            raise ValueError(f"no reproduction for theme {theme!r}; themes with one: {available}")
    results: list[ClaimResult] = []
    bar = tqdm(modules, desc="reproduce", unit="theme", file=sys.stderr, disable=not progress)
    for name in bar:
        theme_name = name.split(".")[1]
        bar.set_postfix_str(theme_name)
        started = time.perf_counter()
        try:
            rows = importlib.import_module(name).reproduce(quick=quick)
        except FileNotFoundError as error:
            rows = [ClaimResult(theme_name, "every claim of the theme", "", NOT_COMPUTED, "", None,
                                note=f"cannot run here: {error}")]
        results.extend(rows)
        if progress:
            bar.write(f"{theme_name}: {len(rows)} row{'s' * (len(rows) != 1)} in {time.perf_counter() - started:.0f} s",
                      file=sys.stderr)
    return results


def summary(results: list[ClaimResult], seconds: float) -> str:
    """One line: how many rows are within tolerance, outside it, not comparable and not computed, and the time."""
    counts = Counter("not computed" if r.workbench == NOT_COMPUTED else
                     {True: "within tolerance", False: "outside tolerance", None: "not comparable"}[r.within]
                     for r in results)
    parts = [f"{counts[k]} {k}" for k in ("within tolerance", "outside tolerance", "not comparable", "not computed")
             if counts[k]]
    return f"{len(results)} rows: {', '.join(parts) or 'none'}; {seconds:.0f} s"


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


def as_records(results: list[ClaimResult]) -> list[dict]:
    """The results as plain dicts (for DataFrames and JSON)."""
    return [asdict(r) for r in results]
