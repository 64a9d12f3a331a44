"""Break-even: the value of one assumed knob at which a metric reaches a paper's number (``workbench explain``).

Along one knob, the others at their values in the base point, the metric is scanned over the knob's whole study
range; each feasible pair of neighbouring values whose metrics straddle the target is a crossing, refined by
Brent's method (scipy) for a continuous knob, or kept as the first value past the target on the knob's lattice
(integers, a step, options, a switch). The crossing nearest the default, measured in plausible ranges, is
reported and flagged inside or outside the knob's plausible range.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from workbench.core.executors import Executor
from workbench.core.knobs import Bool, Choice, Float, Int, Knob
from workbench.core.manifest import list_manifests
from workbench.core.registry import get_study
from workbench.core.study import Study
from workbench.explain.assumptions import assumed_knobs
from workbench.explain.sensitivity import metric_values

#: Values scanned along a continuous knob (a lattice knob scans up to this many of its values).
SCAN_POINTS = 41


@dataclass(frozen=True)
class ClaimQuantity:
    """A claim row's quantity as a study metric at one or several points: what ``workbench explain`` moves.

    A theme's ``reproduce`` module lists its rows in ``explained()``; a test checks each against the row it names.

    Parameters
    ----------
    claim : str
        Claim id (``"M1"``).
    quantity : str
        The row's quantity, as its :class:`~workbench.core.reproduce.ClaimResult` says it.
    study : str or Study
        The registered study (or the study itself)
    metric : str
        The study's metric that give the row's workbench number at ``point``.
    low, high : float
        The paper's number (``low == high``) or range.
    point : mapping
        Knob values other than the defaults (a network, a batch).
    rel_tol : float
        The row's relative tolerance around a single paper number.
    reference : mapping, optional
        Knob values that turn ``point`` into a reference design, as papers compare two designs: the quantity is
        then ``1 - metric(point) / metric(reference)`` (``form="reduction"``) or ``metric(reference) /
        metric(point)`` (``form="ratio"``), both designs moved together along a knob.
    form : str
        ``"reduction"`` or ``"ratio"`` with a ``reference`` (ignored without one).
    over : tuple of mappings
        For a row over several designs (kernels, networks): knob values added to ``point`` per design, the row
        being their ``aggregate`` (``"max"``: the best, NaN designs left out; ``"mean"``).
    aggregate : str
        ``"max"`` or ``"mean"`` over ``over``.
    """

    claim: str
    quantity: str
    study: str | Study
    metric: str
    low: float
    high: float
    point: Mapping[str, Any] = field(default_factory=dict)
    rel_tol: float = 0.0
    reference: Mapping[str, Any] | None = None
    form: str = "reduction"
    over: tuple[Mapping[str, Any], ...] = ()
    aggregate: str = "max"

    def target(self, value: float) -> float | None:
        """The paper number ``value`` must reach: the number itself, or the nearer end of a range; ``None`` when
        ``value`` already lands (inside the range, or within ``rel_tol`` of the number)."""
        if self.low == self.high:
            return None if abs(value - self.low) <= self.rel_tol * abs(self.low) else self.low
        if self.low <= value <= self.high:
            return None
        return self.low if value < self.low else self.high

    def paper(self) -> str:
        """The paper's number or range as the report shows it."""
        return f"{self.low:g}" if self.low == self.high else f"{self.low:g}-{self.high:g}"

    def values(self, changes: list[Mapping[str, Any]], study: Study | None = None,
               executor: str | Executor = "serial") -> np.ndarray:
        """The quantity with each of ``changes`` (knob values) applied to every design it is made of, NaN where a
        design is infeasible; all designs run as one batch through the point runner."""
        return quantity_function(study or claim_study(self), self.metric, self.point, self.reference,
                                 self.form, self.over, self.aggregate, executor)(changes)

    def describe(self) -> str:
        """The quantity in terms of the study's metric (for notes: "1 - write_energy_pj / reference")."""
        term = self.metric if self.reference is None else (
            f"1 - {self.metric} / reference" if self.form == "reduction" else f"reference {self.metric} / design")
        return f"{self.aggregate} over {len(self.over)} designs of {term}" if self.over else term


def claim_study(q: ClaimQuantity) -> Study:
    """The study of ``q``: its ``study`` when that is a :class:`Study` already, else the registered one of that
    name."""
    return q.study if isinstance(q.study, Study) else get_study(q.study)


def quantity_function(study: Study, metric: str, point: Mapping[str, Any] | None = None,
                      reference: Mapping[str, Any] | None = None, form: str = "reduction",
                      over: tuple[Mapping[str, Any], ...] = (), aggregate: str = "max",
                      executor: str | Executor = "serial") -> Callable[[list[Mapping[str, Any]]], np.ndarray]:
    """``changes -> values``: the quantity of :class:`ClaimQuantity` (``metric`` of ``study`` at ``point``, against
    ``reference``, over ``over``) with each change set applied, every design of every change in one batch."""
    if form not in ("reduction", "ratio") or aggregate not in ("max", "mean"):
        raise ValueError(f"form={form!r} / aggregate={aggregate!r} are not allowed; allowed: form 'reduction' or "
                         "'ratio', aggregate 'max' or 'mean'")
    designs = [{**dict(point or {}), **dict(extra)} for extra in (over or ({},))]

    def evaluate(changes: list[Mapping[str, Any]]) -> np.ndarray:
        points = [{**d, **dict(c)} for c in changes for d in designs]
        values = metric_values(study, metric, points, executor=executor)[0]
        if reference is not None:
            refs = [{**d, **dict(reference), **dict(c)} for c in changes for d in designs]
            against = metric_values(study, metric, refs, executor=executor)[0]
            values = 1.0 - values / against if form == "reduction" else against / values
        values = values.reshape(len(changes), len(designs))
        if aggregate == "mean":
            return values.mean(axis=1)
        finite = np.where(np.isnan(values), -np.inf, values).max(axis=1)
        return np.where(np.isneginf(finite) & np.isnan(values).all(axis=1), np.nan, finite)

    return evaluate


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


def _scan_values(knob: Knob) -> list:
    """The values scanned along ``knob``: its lattice (options, switch, integers or steps) or a grid."""
    if isinstance(knob, (Bool, Choice)):
        return knob.grid()
    whole = isinstance(knob, Int) and math.isfinite(knob.high)
    if whole and (knob.high - knob.low) / (knob.step or 1) < 4 * SCAN_POINTS:
        return list(range(knob.low, knob.high + 1, knob.step or 1))  # every whole number: none skipped
    values = knob.grid(SCAN_POINTS)
    if isinstance(knob, Float) and knob.step is None and knob.assumed is not None:
        values = [*values, knob.assumed.low, knob.assumed.high, knob.default]
    return sorted(set(values))


def plausible_distance(knob: Knob, value: Any, default: Any = None) -> float:
    """``|value - default| / (high - low)`` of ``knob``'s plausible range (a switch flipped is 1)."""
    span = float(knob.assumed.high) - float(knob.assumed.low)
    start = knob.default if default is None else default
    return abs(float(value) - float(start)) / span if span else np.inf


def break_even(study: Study, metric: str, target: float, knob_name: str,
               base: Mapping[str, Any] | None = None, reference: Mapping[str, Any] | None = None) -> BreakEven:
    """The value of assumed knob ``knob_name`` at which ``metric`` reaches ``target``, the other knobs at ``base``
    (default: the study's defaults); with a ``reference`` point, the reduction ``1 - metric / metric(reference)``.

    Raises
    ------
    ValueError
        For an unknown metric or knob, a knob that is not assumed, or an invalid ``base``.
    """
    study.validate(dict(base or {}))
    if reference is not None:
        study.validate(dict(reference))
    # a reference given as a whole point: the knobs it sets replace the base's
    along = quantity_function(study, metric, base, reference)
    quantity = metric if reference is None else f"1 - {metric} / reference"
    return quantity_break_even(study, along, target, knob_name, study.validate(dict(base or {})), quantity)


def claim_break_even(q: ClaimQuantity, target: float, knob_name: str) -> BreakEven:
    """:func:`break_even` of a claim row's quantity (its points, reference and aggregate)."""
    study = claim_study(q)
    along = quantity_function(study, q.metric, q.point, q.reference, q.form, q.over, q.aggregate)
    return quantity_break_even(study, along, target, knob_name, study.validate(dict(q.point)), q.describe())


def quantity_break_even(study: Study, along: Callable[[list[Mapping[str, Any]]], np.ndarray], target: float,
                        knob_name: str, point: Mapping[str, Any], quantity: str) -> BreakEven:
    """The engine of :func:`break_even`: scan ``along`` (changes -> quantity) over knob ``knob_name``'s study
    range, refine each crossing of ``target``, and keep the one nearest the value at ``point``."""
    knob = study.knob(knob_name)
    if knob.assumed is None:
        raise ValueError(f"knob {knob_name!r} of study {study.name!r} is not assumed; assumed knobs have a "
                         "plausible range to compare a break-even with")
    default = point[knob.name]
    xs = _scan_values(knob)
    ys = along([{knob.name: x} for x in xs])
    gap = ys - target
    crossings = []
    for i in range(len(xs) - 1):
        a, b = gap[i], gap[i + 1]
        if not (np.isfinite(a) and np.isfinite(b)) or a * b > 0 or b == 0:  # b == 0: the next pair (or the end)
            continue
        if a == 0:
            crossings.append(xs[i])
        elif isinstance(knob, Float) and knob.step is None:
            crossings.append(brentq(lambda x: along([{knob.name: x}])[0] - target, xs[i], xs[i + 1], xtol=1e-12,
                                    rtol=1e-10))
        else:  # on a lattice: the value past the target, seen from the default
            crossings.append(max(xs[i], xs[i + 1], key=lambda x: plausible_distance(knob, x, default)))
    if gap[-1] == 0:
        crossings.append(xs[-1])
    lo, hi = knob.assumed.low, knob.assumed.high
    if not crossings:
        finite = ys[np.isfinite(ys)]
        span = f"{finite.min():.4g} to {finite.max():.4g}" if len(finite) else "nothing feasible"
        return BreakEven(knob.name, target, None, default, lo, hi, None, None,
                         f"{quantity} spans {span} over {knob.name} in {xs[0]}..{xs[-1]}: {target:.4g} is out of reach")
    value = min(crossings, key=lambda x: plausible_distance(knob, x, default))
    inside = bool(lo <= value <= hi)
    where = "inside" if inside else "outside"
    return BreakEven(knob.name, target, value, default, lo, hi, inside, plausible_distance(knob, value, default),
                     f"{knob.name} = {value:.4g} ({where} the plausible {lo}..{hi})")


def theme_quantities(theme: str) -> list[ClaimQuantity]:
    """The rows ``theme``'s reproduce module links to study metrics (its ``explained()``, next to the
    ``reproduce`` its manifest names; none when it has no such function)."""
    manifest = next((m for m in list_manifests() if m.theme == theme), None)
    if manifest is None:
        raise ValueError(f"no theme {theme!r}; themes: {[m.theme for m in list_manifests()]}")
    module = importlib.import_module(manifest.reproduce.partition(":")[0])
    return list(getattr(module, "explained", list)())


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
    return [q for theme in themes for q in theme_quantities(theme) if q.claim == claim]


_SWINGS: dict[str, pd.DataFrame] = {}


def quantity_tornado(q: ClaimQuantity) -> pd.DataFrame:
    """The tornado of a claim row's quantity itself (its designs, reference and aggregate moved together): each
    assumed knob at the ends of its plausible range, the others at the row's point, in one batch; cached.

    Returns
    -------
    DataFrame
        ``knob``, ``at_low``, ``at_high``, ``swing`` (max - min of the feasible ends and the row's value),
        ``swing_rel`` (swing / |value|), largest first; knobs that do not move the quantity are left out.
    """
    key = repr(q)  # the whole row: its points, reference and aggregate
    if key not in _SWINGS:
        knobs = assumed_knobs(claim_study(q))
        changes = [{}] + [{k.name: end} for k in knobs for end in (k.assumed.low, k.assumed.high)]
        values = q.values(changes)
        rows = []
        for knob, (at_low, at_high) in zip(knobs, values[1:].reshape(len(knobs), 2)):
            finite = [v for v in (at_low, values[0], at_high) if np.isfinite(v)]
            swing = max(finite) - min(finite) if finite else 0.0
            rows.append({"knob": knob.name, "at_low": at_low, "at_high": at_high, "swing": swing,
                         "swing_rel": swing / abs(values[0]) if np.isfinite(values[0]) and values[0] else swing})
        frame = pd.DataFrame(rows, columns=["knob", "at_low", "at_high", "swing", "swing_rel"])
        _SWINGS[key] = frame[frame["swing"] > 0].sort_values("swing_rel", ascending=False, kind="stable")
    return _SWINGS[key].reset_index(drop=True)


def explain_claim(claim: str, *, top: int = 3) -> pd.DataFrame:
    """For each linked row of ``claim``: its workbench value, the paper's target and, for the ``top`` assumed knobs
    that move its quantity most (:func:`quantity_tornado`), the break-even value of each.

    Returns
    -------
    DataFrame
        One row per (quantity, knob): ``quantity``, ``paper``, ``workbench``, ``knob``, ``break_even``,
        ``default``, ``plausible``, ``distance`` (in plausible ranges), ``verdict`` ("within" when the row already
        lands, "landable" when the break-even lies inside the plausible range, "implausible" outside it, "out of
        reach" when no value reaches it) and ``note``.
    """
    records = []
    for q in claim_quantities(claim):
        records += [{"quantity": q.quantity, **record} for record in row_break_evens(q, top=top)]
    return pd.DataFrame(records, columns=["quantity", "paper", "workbench", "knob", "break_even", "default",
                                          "plausible", "distance", "verdict", "note"])


def row_break_evens(q: ClaimQuantity, *, top: int = 3) -> list[dict]:
    """The records of :func:`explain_claim` for one row (without its ``quantity``)."""
    value = q.values([{}])[0]
    target = q.target(value)
    common = {"paper": q.paper(), "workbench": value}
    if target is None:
        return [{**common, "knob": "", "break_even": None, "default": None, "plausible": "", "distance": None,
                 "verdict": "within", "note": ""}]
    records = []
    for name in quantity_tornado(q)["knob"].head(top):
        found = claim_break_even(q, target, name)
        verdict = "out of reach" if found.value is None else "landable" if found.inside else "implausible"
        records.append({**common, "knob": name, "break_even": found.value, "default": found.default,
                        "plausible": f"{found.low}..{found.high}", "distance": found.distance, "verdict": verdict,
                        "note": found.note})
    return records
