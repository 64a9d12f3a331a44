"""Machinery for the per-theme reproduction checks: paper headline numbers vs workbench numbers, side by side.

Each theme's manifest (:class:`~workbench.core.manifest.ThemeManifest`) names its
``reproduce(quick: bool = False) -> list[ClaimResult]``, by convention in ``workbench/<theme>/reproduce.py``.
:func:`run_themes` runs them (all, or one theme's), showing per-theme progress with an estimate when asked;
:func:`summary` says how it went. :func:`write_report` keeps
one Markdown section per theme, each saying how and when it was made, so regenerating one theme rewrites only its
section; :func:`read_report` reads the rows back (the test that regenerated rows equal the committed ones uses it).
Numbers that miss are reported as missing; nothing here tunes them. A number that cannot be computed here (a tool or
data set missing) is a row saying why, never a bare NaN.
"""

from __future__ import annotations

import math
import re
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core.files import atomic_write
from workbench.core.manifest import claim_text, list_manifests, resolve

_INTERVAL_CELL = re.compile(r"^(\S+) \[(\S+), (\S+)\] \((\d+)% CI, n=(\d+)\)")


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

    @classmethod
    def parse(cls, text: str) -> Interval | None:
        """The interval a report cell shows (what ``str`` writes, e.g. ``"0.67 [-0.64, 1.98] (95% CI, n=5)"``), or
        ``None`` for a cell without one."""
        match = _INTERVAL_CELL.match(text)
        if not match:
            return None
        mean, low, high, confidence, n = match.groups()
        return cls(float(mean), float(low), float(high), int(n), float(confidence) / 100)

    def overlaps(self, other: Interval) -> bool:
        """Whether the two intervals share a point (two runs of a trained claim agree within their uncertainty)."""
        return self.low <= other.high and other.low <= self.high


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
    measured : bool
        ``True`` for a wall-clock number (a speed-up timed on this machine): it differs from run to run and machine to
        machine, so regenerated reports are compared on every row but these.
    land : str
        What would land a row outside tolerance or unresolved, filled by ``workbench reproduce`` from
        :mod:`workbench.explain` (the report's "what would land it" column); "" otherwise.
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
    measured: bool = False
    land: str = ""

    @property
    def verdict(self) -> str:
        """``"yes"``, ``"NO"``, ``"unresolved"`` or ``"n/a"`` (not comparable at this scale)."""
        if not self.resolved:
            return "unresolved"
        return {True: "yes", False: "NO", None: "n/a"}[self.within]

    def __post_init__(self) -> None:
        claim_text(self.claim)  # KeyError unless the id is a row of data/reference/claims.csv


def relative_claim(
    claim: str, quantity: str, paper: float, workbench: float, rel_tol: float, *, scale: str = "", note: str = "",
    measured: bool = False,
) -> ClaimResult:
    """A claim checked as ``|workbench - paper| <= rel_tol * |paper|`` (``measured``: see :class:`ClaimResult`)."""
    within = bool(math.isfinite(workbench) and abs(workbench - paper) <= rel_tol * abs(paper))
    return ClaimResult(claim, quantity, paper, workbench, f"+-{rel_tol:.0%}", within, scale, note, measured=measured)


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
    measured: bool = False,
) -> ClaimResult:
    """A claim checked as ``low * (1 - slack) <= workbench <= high * (1 + slack)`` (the paper gives a range; an
    infinite ``low`` or ``high`` makes it a bound; ``measured``: see :class:`ClaimResult`)."""
    within = bool(low * (1 - slack) <= workbench <= high * (1 + slack))
    tolerance = "within range" if slack == 0 else f"within range +-{slack:.0%}"
    return ClaimResult(claim, quantity, _range_text(low, high), workbench, tolerance, within, scale, note,
                       measured=measured)


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


NOT_COMPUTED = "not computed"
"""The workbench value of a row that could not be computed here (its note says why)."""


@dataclass(frozen=True)
class ThemeRun:
    """One theme's reproduction: its rows and how long they took (seconds)."""

    theme: str
    rows: list[ClaimResult]
    seconds: float


def all_rows(runs: Sequence[ThemeRun]) -> list[ClaimResult]:
    """Every row of ``runs``, in order."""
    return [row for run in runs for row in run.rows]


def run_reproductions(theme: str | None = None, *, quick: bool = False, progress: bool = False) -> list[ClaimResult]:
    """The rows of :func:`run_themes` (every theme's, or only ``theme``'s), in manifest order."""
    return all_rows(run_themes(theme, quick=quick, progress=progress))


def run_themes(theme: str | None = None, *, quick: bool = False, progress: bool = False) -> list[ThemeRun]:
    """Run every theme's ``reproduce`` (or only ``theme``'s), in manifest order.

    ``progress`` shows a bar over the themes on stderr (the estimate assumes the themes left take as long as the
    ones done) and a line per finished theme with its time. A theme whose tool or data set is missing
    (``FileNotFoundError``) gives a :data:`NOT_COMPUTED` row per declared claim, naming what is missing, instead of
    stopping the others.

    Raises
    ------
    ValueError
        For an unknown theme, or a row whose claim is not one of its theme's declared claims.
    """
    from tqdm.auto import tqdm

    manifests = list_manifests()
    if theme is not None:
        manifests = [m for m in manifests if m.theme == theme]
        if not manifests:
            raise ValueError(f"no theme {theme!r}; themes: {[m.theme for m in list_manifests()]}")
    runs: list[ThemeRun] = []
    bar = tqdm(manifests, desc="reproduce", unit="theme", file=sys.stderr, disable=not progress)
    for manifest in bar:
        bar.set_postfix_str(manifest.theme)
        started = time.perf_counter()
        try:
            rows = resolve(manifest.reproduce)(quick=quick)
        except FileNotFoundError as error:
            rows = [ClaimResult(claim, claim_text(claim), "", NOT_COMPUTED, "", None, note=f"cannot run here: {error}")
                    for claim in manifest.claims]
        foreign = sorted({r.claim for r in rows} - set(manifest.claims))
        if foreign:
            raise ValueError(f"theme {manifest.theme!r} reports claims {foreign} its manifest does not declare")
        runs.append(ThemeRun(manifest.theme, list(rows), time.perf_counter() - started))
        if progress:
            bar.write(f"{manifest.theme}: {len(rows)} row{'s' * (len(rows) != 1)} in {runs[-1].seconds:.0f} s",
                      file=sys.stderr)
    return runs


def summary(results: list[ClaimResult], seconds: float) -> str:
    """One line: how many rows are within tolerance (yes), outside (NO), unresolved, not comparable and not computed,
    and the time taken."""
    counts = Counter(NOT_COMPUTED if r.workbench == NOT_COMPUTED else r.verdict for r in results)
    names = {"yes": "within tolerance", "NO": "outside tolerance", "unresolved": "unresolved",
             "n/a": "not comparable", NOT_COMPUTED: NOT_COMPUTED}
    parts = [f"{counts[key]} {name}" for key, name in names.items() if counts[key]]
    return f"{len(results)} rows: {', '.join(parts) or 'none'}; {seconds:.0f} s"


def _format(value: float | str) -> str:
    if isinstance(value, str):
        return value
    if value == 0 or 1e-3 <= abs(value) < 1e6:
        return f"{value:.4g}"
    return f"{value:.3e}"


def workbench_cell(result: ClaimResult) -> str:
    """The workbench column of ``result`` as the report shows it: the value (mean [CI] for repeated runs), marked
    "(measured)" for a wall-clock number."""
    value = str(result.interval) if result.interval is not None else _format(result.workbench)
    return value + " (measured)" * result.measured


_COLUMNS = ("claim", "quantity", "paper", "workbench", "tolerance", "within tolerance", "scale used", "note",
            "what would land it")


def format_table(results: list[ClaimResult]) -> str:
    """A Markdown table: claim id | quantity | paper | workbench (mean [CI] for repeated runs) | tolerance | verdict
    (yes / NO / unresolved / n/a) | scale | note | what would land it. Wall-clock rows are marked "(measured)" after
    their value."""
    lines = ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    for r in results:
        cells = [r.claim, r.quantity, _format(r.paper), workbench_cell(r), r.tolerance, r.verdict, r.scale, r.note,
                 r.land]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


_TITLE = "# Reproduction: paper vs workbench"
_SECTION = "## "


def _section(run: ThemeRun, command: str | None, path: Path) -> str:
    from workbench.core.provenance import git_commit, versions

    git = git_commit(ignore=(path,))
    commit = f"{git['commit'][:12]}{' (uncommitted changes)' if git['dirty'] else ''}" if git["commit"] else "unknown"
    made_with = ", ".join(f"{name} {version}" for name, version in versions().items() if version)
    return (f"{_SECTION}{run.theme}\n\n"
            f"Made by `{command or f'workbench reproduce {run.theme}'}` at commit {commit}; {made_with}. "
            f"{summary(run.rows, run.seconds)}.\n\n{format_table(run.rows)}\n")


def _sections(text: str) -> dict[str, str]:
    """The theme sections of a report (theme -> its Markdown, heading included), in file order."""
    sections: dict[str, str] = {}
    for chunk in text.split("\n" + _SECTION)[1:]:
        theme = chunk.split("\n", 1)[0].strip()
        sections[theme] = _SECTION + chunk.rstrip("\n") + "\n"
    return sections


def write_report(runs: Sequence[ThemeRun], path: Path, *, command: str | None = None) -> Path:
    """Write the Markdown report atomically to ``path``: one section per theme, in manifest order.

    The sections of ``runs`` are (re)made, each saying how it was made (command, commit, versions, its summary and
    time); the other themes' sections already in ``path`` are kept as they are, so ``workbench reproduce THEME``
    rewrites only that theme's rows. A section of a theme that no longer has a manifest is dropped.
    """
    sections = _sections(path.read_text()) if path.exists() else {}
    sections.update({run.theme: _section(run, command, path) for run in runs})
    intro = (f"{_TITLE}\n\nOne section per theme, each made by `workbench reproduce THEME` (all of them: "
             "`workbench reproduce`) at the commit it names. Regenerate it; do not edit it by hand.\n")
    return atomic_write(path, intro + "".join("\n" + sections[m.theme] for m in list_manifests()
                                              if m.theme in sections))


def read_report(path: Path) -> dict[str, list[dict[str, str]]]:
    """The rows of a report written by :func:`write_report`: theme -> one dict per row, keyed by column name (the
    section's own header names them, so a section written before a column was added reads without it)."""
    report: dict[str, list[dict[str, str]]] = {}
    for theme, section in _sections(path.read_text()).items():
        header, *lines = [line for line in section.splitlines() if line.startswith("| ")]
        names = [name.strip() for name in header.strip().strip("|").split(" | ")]
        report[theme] = [dict(zip(names, (cell.strip() for cell in line.strip().strip("|").split(" | ")),
                                  strict=True)) for line in lines]
    return report
