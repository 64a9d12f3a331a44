"""Machinery for the per-theme reproduction checks: paper headline numbers vs workbench numbers, side by side.

Each theme (every :class:`~workbench.core.manifest.ThemeManifest`) provides ``workbench/<theme>/reproduce.py`` with
``reproduce(quick: bool = False) -> list[ClaimResult]``. :func:`run_reproductions` collects them into one table
(also written as Markdown). Numbers that miss are reported as missing; nothing here tunes them.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core.files import atomic_write
from workbench.core.manifest import claim_text, list_manifests


@dataclass(frozen=True)
class Interval:
    """A mean with its two-sided confidence interval (Student t over ``n`` independent samples, e.g. seeds).

    With one sample the interval is unbounded: one run cannot tell a difference from noise.
    """

    mean: float
    low: float
    high: float
    n: int
    confidence: float = 0.95

    @classmethod
    def of(cls, samples: Sequence[float], confidence: float = 0.95) -> Interval:
        """The t interval of ``samples`` (``ValueError`` for none or for a confidence outside (0, 1))."""
        from scipy import stats

        values = np.asarray(list(samples), dtype=float)
        if values.size == 0 or not 0 < confidence < 1:
            raise ValueError(f"an interval needs >= 1 sample and 0 < confidence < 1; got {values.size} samples, "
                             f"confidence={confidence}")
        mean = float(values.mean())
        if values.size == 1:
            return cls(mean, -math.inf, math.inf, 1, confidence)
        t = stats.t.ppf(0.5 + confidence / 2, values.size - 1)
        half = float(t * values.std(ddof=1) / math.sqrt(values.size))
        return cls(mean, mean - half, mean + half, int(values.size), confidence)

    def __str__(self) -> str:
        bounds = f"[{_format(self.low)}, {_format(self.high)}]"
        return f"{_format(self.mean)} {bounds} ({self.confidence:.0%} CI, n={self.n})"


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
    interval : Interval, optional
        The confidence interval of ``workbench`` when it is a mean over repeated runs (seeds).
    resolved : bool
        ``False`` when the interval overlaps the tolerance's edge: the difference is inside its uncertainty, so the
        row is "unresolved", neither a hit nor a miss (``within`` is then ``None``).
    """

    claim: str
    quantity: str
    paper: float | str
    workbench: float | str
    tolerance: str
    within: bool | None
    scale: str = ""
    note: str = ""
    interval: Interval | None = None
    resolved: bool = True

    @property
    def verdict(self) -> str:
        """``"yes"``, ``"NO"``, ``"unresolved"`` or ``"n/a"`` (not comparable at this scale)."""
        if not self.resolved:
            return "unresolved"
        return {True: "yes", False: "NO", None: "n/a"}[self.within]

    def __post_init__(self) -> None:
        claim_text(self.claim)  # KeyError unless the id is a row of data/reference/claims.csv


def relative_claim(
    claim: str, quantity: str, paper: float, workbench: float, rel_tol: float, *, scale: str = "", note: str = ""
) -> ClaimResult:
    """A claim checked as ``|workbench - paper| <= rel_tol * |paper|``."""
    within = bool(math.isfinite(workbench) and abs(workbench - paper) <= rel_tol * abs(paper))
    return ClaimResult(claim, quantity, paper, workbench, f"+-{rel_tol:.0%}", within, scale, note)


def _range_text(low: float, high: float) -> str:
    """``"3.9-4.7"``, or ``"<= 1"`` for a bound only (a "below 1 %" claim: gains count as within)."""
    if low == -math.inf:
        return f"<= {high:g}"
    if high == math.inf:
        return f">= {low:g}"
    return f"{low:g}-{high:g}"


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
    """A claim checked as ``low * (1 - slack) <= workbench <= high * (1 + slack)`` (the paper gives a range; an
    infinite ``low`` or ``high`` makes it a bound)."""
    within = bool(low * (1 - slack) <= workbench <= high * (1 + slack))
    tolerance = "within range" if slack == 0 else f"within range +-{slack:.0%}"
    return ClaimResult(claim, quantity, _range_text(low, high), workbench, tolerance, within, scale, note)


def interval_claim(claim: str, quantity: str, paper: float | str, low: float, high: float,
                   samples: Sequence[float], tolerance: str, *, confidence: float = 0.95, scale: str = "",
                   note: str = "") -> ClaimResult:
    """A claim on repeated runs: the confidence interval of ``samples`` against the accepted band ``[low, high]``.

    "yes" when the whole interval lies inside the band, "NO" when it lies wholly outside, else "unresolved".
    """
    ci = Interval.of(samples, confidence)
    if low <= ci.low and ci.high <= high:
        within, resolved = True, True
    elif ci.high < low or ci.low > high:
        within, resolved = False, True
    else:
        within, resolved = None, False
    return ClaimResult(claim, quantity, paper, ci.mean, f"{tolerance}, {confidence:.0%} CI", within, scale, note,
                       ci, resolved)


def range_claim_samples(claim: str, quantity: str, low: float, high: float, samples: Sequence[float],
                        **options) -> ClaimResult:
    """:func:`range_claim` on repeated runs (see :func:`interval_claim`)."""
    return interval_claim(claim, quantity, _range_text(low, high), low, high, samples, "within range", **options)


def relative_claim_samples(claim: str, quantity: str, paper: float, samples: Sequence[float], rel_tol: float,
                           **options) -> ClaimResult:
    """:func:`relative_claim` on repeated runs (see :func:`interval_claim`)."""
    band = rel_tol * abs(paper)
    return interval_claim(claim, quantity, paper, paper - band, paper + band, samples, f"+-{rel_tol:.0%}", **options)


def paired_best(claim: str, quantity: str, best: str, samples: Mapping[str, Sequence[float]], *,
                confidence: float = 0.95, scale: str = "", note: str = "") -> ClaimResult:
    """Whether method ``best`` beats every other method, from runs paired by seed (higher is better).

    For each rival the per-seed differences ``best - rival`` give a confidence interval: "yes" when every interval
    lies above 0, "NO" when some rival's interval lies wholly above ``best``'s (below 0), else "unresolved". The
    workbench column is ``best``'s rank by mean (1 = best).
    """
    lengths = {len(v) for v in samples.values()}
    if best not in samples or len(lengths) != 1:
        raise ValueError(f"paired_best needs {best!r} among the methods and the same seeds for each; got "
                         f"{ {k: len(v) for k, v in samples.items()} }")
    means = {name: float(np.mean(values)) for name, values in samples.items()}
    rank = 1 + sum(mean > means[best] for mean in means.values())
    gaps = {rival: Interval.of(np.subtract(samples[best], values), confidence)
            for rival, values in samples.items() if rival != best}
    if all(gap.low > 0 for gap in gaps.values()):
        within, resolved = True, True
    elif any(gap.high < 0 for gap in gaps.values()):
        within, resolved = False, True
    else:
        within, resolved = None, False
    detail = "; ".join(f"{best} - {rival}: {gap}" for rival, gap in gaps.items())
    return ClaimResult(claim, quantity, 1, rank, f"best, paired {confidence:.0%} CI", within, scale,
                       f"{note}; {detail}" if note else detail, None, resolved)


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
    """A Markdown table: claim id | quantity | paper | workbench (mean [CI] for repeated runs) | tolerance | verdict
    (yes / NO / unresolved / n/a) | scale | note."""
    header = "| claim | quantity | paper | workbench | tolerance | within tolerance | scale used | note |"
    rule = "|---|---|---|---|---|---|---|---|"
    lines = [header, rule]
    for r in results:
        value = str(r.interval) if r.interval is not None else _format(r.workbench)
        cells = [r.claim, r.quantity, _format(r.paper), value, r.tolerance, r.verdict, r.scale, r.note]
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

