"""Break-even: the value of one assumed knob at which a metric reaches a paper's number (``workbench explain``).

Along one knob, the others at their values in the base point, the metric is scanned over the knob's whole study
range; each feasible pair of neighbouring values whose metrics straddle the target is a crossing, refined by
Brent's method (scipy) for a continuous knob, or kept as the first value past the target on the knob's lattice
(integers, a step, options, a switch). The crossing nearest the default, measured in plausible ranges, is
reported and flagged inside or outside the knob's plausible range.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from workbench.core.knobs import Bool, Choice, Float, Knob
from workbench.core.manifest import list_manifests
from workbench.core.registry import get_study
from workbench.core.study import Study
from workbench.explain.sensitivity import metric_values, tornado

#: Values scanned along a continuous knob (a lattice knob scans up to this many of its values).
SCAN_POINTS = 41


@dataclass(frozen=True)
class ClaimQuantity:
    """A claim row's quantity as a study metric at one point: what ``workbench explain`` moves.

    A theme's ``reproduce`` module lists its rows in ``explained()``; a test checks each against the row it names.

    Parameters
    ----------
    claim : str
        Claim id (``"M1"``).
    quantity : str
        The row's quantity, as its :class:`~workbench.core.reproduce.ClaimResult` says it.
    study, metric : str
        The registered study and its metric that equal the row's workbench number at ``point``.
    low, high : float
        The paper's number (``low == high``) or range.
    point : mapping
        Knob values other than the defaults (a network, a batch).
    rel_tol : float
        The row's relative tolerance around a single paper number.
    reference : mapping, optional
        For a reduction against a reference design, as papers state them: the quantity is then
        ``1 - metric(point) / metric(reference)``, both moved together along a knob.
    """

    claim: str
    quantity: str
    study: str
    metric: str
    low: float
    high: float
    point: Mapping[str, Any] = field(default_factory=dict)
    rel_tol: float = 0.0
    reference: Mapping[str, Any] | None = None

    def target(self, value: float) -> float | None:
        """The paper number ``value`` must reach: the number itself, or the nearer end of a range; ``None`` when
        ``value`` already lands (inside the range, or within ``rel_tol`` of the number)."""
        if self.low == self.high:
            return None if abs(value - self.low) <= self.rel_tol * abs(self.low) else self.low
        if self.low <= value <= self.high:
            return None
        return self.low if value < self.low else self.high


@dataclass(frozen=True)
class BreakEven:
    """Where one knob makes a metric reach a target.

    ``value`` is ``None`` when no value in the knob's study range reaches it; ``inside`` says whether ``value`` lies
    in the knob's plausible range; ``distance`` is ``|value - default| / (high - low)`` of that range.
    """

    knob: str
    target: float
    value: Any
    default: Any
    low: Any
    high: Any
    inside: bool | None
    distance: float | None
    note: str


def quantity_values(study: Study, metric: str, points: list[Mapping[str, Any]],
                    references: list[Mapping[str, Any]] | None = None) -> np.ndarray:
    """``metric`` at each of ``points`` (NaN where infeasible), or with ``references`` (one per point) the
    reduction ``1 - metric(point) / metric(reference)``."""
    values = metric_values(study, metric, points)[0]
    if references is None:
        return values
    return 1.0 - values / metric_values(study, metric, references)[0]


def _scan_values(knob: Knob) -> list:
    """The values scanned along ``knob``: its lattice (options, switch, integers or steps) or a grid."""
    if isinstance(knob, (Bool, Choice)):
        return knob.grid()
    values = knob.grid(SCAN_POINTS)
    if isinstance(knob, Float) and knob.step is None and knob.assumed is not None:
        values = [*values, knob.assumed.low, knob.assumed.high, knob.default]
    return sorted(set(values))


def _distance(knob: Knob, value: Any) -> float:
    span = float(knob.assumed.high) - float(knob.assumed.low)
    return abs(float(value) - float(knob.default)) / span if span else np.inf


def break_even(study: Study, metric: str, target: float, knob_name: str,
               base: Mapping[str, Any] | None = None, reference: Mapping[str, Any] | None = None) -> BreakEven:
    """The value of assumed knob ``knob_name`` at which ``metric`` reaches ``target``, the other knobs at ``base``
    (default: the study's defaults); with a ``reference`` point, the reduction of :func:`quantity_values`.

    Raises
    ------
    ValueError
        For an unknown metric or knob, a knob that is not assumed, or an invalid ``base``.
    """
    knob = study.knob(knob_name)
    if knob.assumed is None:
        raise ValueError(f"knob {knob_name!r} of study {study.name!r} is not assumed; assumed knobs have a "
                         "plausible range to compare a break-even with")
    point = study.validate(dict(base or {}))
    against = None if reference is None else study.validate(dict(reference))

    def along(xs: list) -> np.ndarray:
        moved = [{**point, knob.name: x} for x in xs]
        return quantity_values(study, metric, moved, None if against is None else
                               [{**against, knob.name: x} for x in xs])

    xs = _scan_values(knob)
    ys = along(xs)
    gap = ys - target
    crossings = []
    for i in range(len(xs) - 1):
        a, b = gap[i], gap[i + 1]
        if not (np.isfinite(a) and np.isfinite(b)) or a * b > 0 or b == 0:  # b == 0: the next pair (or the end)
            continue
        if a == 0:
            crossings.append(xs[i])
        elif isinstance(knob, Float) and knob.step is None:
            crossings.append(brentq(lambda x: along([x])[0] - target, xs[i], xs[i + 1], xtol=1e-12, rtol=1e-10))
        else:  # on a lattice: the value past the target, seen from the default
            crossings.append(max(xs[i], xs[i + 1], key=lambda x: _distance(knob, x)))
    if gap[-1] == 0:
        crossings.append(xs[-1])
    lo, hi = knob.assumed.low, knob.assumed.high
    if not crossings:
        quantity = metric if against is None else f"1 - {metric} / reference"
        finite = ys[np.isfinite(ys)]
        span = f"{finite.min():.4g} to {finite.max():.4g}" if len(finite) else "nothing feasible"
        return BreakEven(knob.name, target, None, point[knob.name], lo, hi, None, None,
                         f"{quantity} spans {span} over {knob.name} in {xs[0]}..{xs[-1]}: {target:.4g} is out of reach")
    value = min(crossings, key=lambda x: _distance(knob, x))
    inside = bool(lo <= value <= hi)
    where = "inside" if inside else "outside"
    return BreakEven(knob.name, target, value, point[knob.name], lo, hi, inside, _distance(knob, value),
                     f"{knob.name} = {value:.4g} ({where} the plausible {lo}..{hi})")


def claim_quantities(claim: str) -> list[ClaimQuantity]:
    """Every row of ``claim`` that a theme's ``reproduce.explained()`` links to a study metric.

    Raises
    ------
    ValueError
        For a claim no theme declares; a declared claim without linked rows gives an empty list.
    """
    themes = [m.theme for m in list_manifests() if claim in m.claims]
    if not themes:
        known = sorted({c for m in list_manifests() for c in m.claims})
        raise ValueError(f"no theme declares claim {claim!r}; claims: {known}")
    rows = []
    for theme in themes:
        module = importlib.import_module(f"workbench.{theme}.reproduce")
        rows += [q for q in getattr(module, "explained", list)() if q.claim == claim]
    return rows


def explain_claim(claim: str, *, top: int = 3) -> pd.DataFrame:
    """For each linked row of ``claim``: its workbench value, the paper's target and, for the ``top`` assumed knobs
    with the largest relative tornado swing of its metric at its point (or its reference), the break-even value of
    each.

    Returns
    -------
    DataFrame
        One row per (quantity, knob): ``quantity``, ``paper``, ``workbench``, ``knob``, ``break_even``,
        ``plausible``, ``verdict`` ("within" when the row already lands, "landable" when the break-even lies
        inside the plausible range, "implausible" outside it, "out of reach" when no value reaches it) and
        ``note``.
    """
    records = []
    for q in claim_quantities(claim):
        study = get_study(q.study)
        value = quantity_values(study, q.metric, [dict(q.point)], None if q.reference is None else
                                [dict(q.reference)])[0]
        paper = f"{q.low:g}" if q.low == q.high else f"{q.low:g}-{q.high:g}"
        target = q.target(value)
        common = {"quantity": q.quantity, "paper": paper, "workbench": value}
        if target is None:
            records.append({**common, "knob": "", "break_even": None, "plausible": "", "verdict": "within",
                            "note": ""})
            continue
        ranked = pd.concat([tornado(study, q.metric, design) for design in (q.point, q.reference)
                            if design is not None])  # a reduction moves with the reference design's knobs too
        ranked = ranked[ranked["swing"] > 0].sort_values("swing_rel", ascending=False).drop_duplicates("knob")
        for name in ranked["knob"].head(top):
            found = break_even(study, q.metric, target, name, q.point, q.reference)
            verdict = "out of reach" if found.value is None else "landable" if found.inside else "implausible"
            records.append({**common, "knob": name, "break_even": found.value,
                            "plausible": f"{found.low}..{found.high}", "verdict": verdict, "note": found.note})
    return pd.DataFrame(records, columns=["quantity", "paper", "workbench", "knob", "break_even", "plausible",
                                          "verdict", "note"])


def describe_claim(claim: str, *, top: int = 3) -> str:
    """The text ``workbench explain CLAIM`` prints (:func:`explain_claim`): per row its paper and workbench numbers,
    then per knob the break-even and whether it lies inside the plausible range."""
    frame = explain_claim(claim, top=top)
    if frame.empty:
        return f"claim {claim}: no row is linked to an interactive study's metric (nothing to explain here)"
    lines = [f"== claim {claim}: the value of each assumed parameter (the others at their defaults) that reaches "
             f"the paper, for the {top} with the largest swing"]
    for quantity, rows in frame.groupby("quantity", sort=False):
        first = rows.iloc[0]
        lines.append(f"{quantity}: paper {first['paper']}, workbench {first['workbench']:.4g}")
        for row in rows.itertuples(index=False):
            if row.verdict == "within":
                lines.append("    within the paper's range already")
            elif row.verdict == "out of reach":
                lines.append(f"    {row.knob}: out of reach ({row.note.split(': ')[0]})")
            else:
                lines.append(f"    {row.knob} = {row.break_even:.4g} (plausible {row.plausible}): {row.verdict}")
    return "\n".join(lines)
