"""What would land a claim row: the smallest joint change of the assumed knobs, inside their plausible ranges, that
brings a row's quantity within the paper's tolerance (Optuna), and the report's "what would land it" cell.

The change is measured in plausible ranges, summed over the knobs (an L1 norm: a change of one knob by half its
range is 0.5, of two knobs by a quarter each also 0.5), so the search prefers moving few knobs. Optuna's TPE sampler
(seeded, so the report regenerates identically) searches the box of plausible ranges (a box of lattice knobs with
no more settings than trials is searched exhaustively); it starts from the row's
point and from each single knob's break-even inside its range (:func:`~workbench.explain.breakeven.claim_break_even`),
so it never reports more than the best single-knob change. Every trial batch runs through the point runner.
A row no setting inside the box lands is *structural*: the miss is not the assumptions' doing.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.core.knobs import Bool, Choice, Float, Int, Knob
from workbench.core.registry import get_study
from workbench.explain.assumptions import assumed_knobs
from workbench.explain.breakeven import (
    ClaimQuantity,
    claim_quantities,
    claim_study,
    plausible_distance,
    quantity_tornado,
    row_break_evens,
    theme_quantities,
)

#: Optuna trials per row, asked and evaluated in batches of :data:`BATCH` (one runner call per batch).
TRIALS = 160
BATCH = 16


@dataclass(frozen=True)
class Landing:
    """The smallest change found that lands a row (``changes`` empty and ``distance`` 0 when it lands already).

    ``landed`` is ``False`` when no trial inside the plausible ranges landed the row; ``changes`` and ``value`` are
    then those of the trial that came closest, ``gap`` its relative distance to the paper's number.
    """

    landed: bool
    changes: dict[str, Any]
    distance: float
    value: float
    gap: float
    trials: int


def _suggest(trial, knob: Knob) -> Any:
    low, high = knob.assumed.low, knob.assumed.high
    if isinstance(knob, Bool):
        return trial.suggest_categorical(knob.name, sorted({low, high}))
    if isinstance(knob, Choice):
        return trial.suggest_categorical(knob.name, [o for o in knob.options if low <= o <= high])
    if isinstance(knob, Int):
        step = knob.step or 1
        first = knob.snap(low)
        return trial.suggest_int(knob.name, first, first + (knob.snap(high) - first) // step * step, step=step)
    if isinstance(knob, Float) and knob.step:
        first = knob.snap(low)
        return trial.suggest_float(knob.name, first, first + math.floor((high - first) / knob.step) * knob.step,
                                   step=knob.step)
    return trial.suggest_float(knob.name, float(low), float(high), log=bool(knob.log and low > 0))


def _lattice(knob: Knob) -> list | None:
    """Every value ``knob`` takes inside its plausible range when that is a lattice (switch, options, whole numbers,
    steps), else ``None``."""
    low, high = knob.assumed.low, knob.assumed.high
    if isinstance(knob, (Bool, Choice)):
        return [v for v in knob.grid() if low <= v <= high]
    if isinstance(knob, Int) or (isinstance(knob, Float) and knob.step):
        step = knob.step or 1
        first = knob.snap(low)
        count = int(math.floor((high - first) / step + 1e-9)) + 1
        return [knob.validate(knob.snap(first + i * step)) for i in range(count)]
    return None


def _gap(q: ClaimQuantity, value: float) -> float:
    """0 when ``value`` lands (to 1e-9), else its relative distance to the paper's nearer number (10 for NaN)."""
    if not np.isfinite(value):
        return 10.0
    target = q.target(value)
    gap = 0.0 if target is None else min(abs(value - target) / max(abs(target), 1e-300), 10.0)
    return 0.0 if gap < 1e-9 else gap  # a root found to 1e-10 lands on the paper's number


def smallest_change(q: ClaimQuantity, *, trials: int = TRIALS, seed: int = 0, knobs: list[str] | None = None
                    ) -> Landing:
    """The smallest joint change of the assumed knobs (in plausible ranges, summed) that lands ``q``.

    Parameters
    ----------
    q : ClaimQuantity
        The row.
    trials : int
        Optuna trials (besides the enqueued starting points).
    seed : int
        Seed of the TPE sampler.
    knobs : list of str, optional
        The assumed knobs searched (default: those that move the quantity, :func:`quantity_tornado`).
    """
    import optuna

    study = claim_study(q)
    assumed = {k.name: k for k in assumed_knobs(study)}
    names = list(knobs) if knobs is not None else list(quantity_tornado(q)["knob"])
    unknown = sorted(set(names) - set(assumed))
    if unknown:
        raise ValueError(f"study {study.name!r}: {unknown} are not assumed knobs; assumed: {list(assumed)}")
    point = study.validate(dict(q.point))
    base_value = q.values([{}])[0]
    if _gap(q, base_value) == 0 or not names:
        return Landing(_gap(q, base_value) == 0, {}, 0.0, base_value, _gap(q, base_value), 0)

    def distance(changes: dict) -> float:
        return sum(plausible_distance(assumed[n], v, point[n]) for n, v in changes.items())

    lattices = [_lattice(assumed[n]) for n in names]
    if all(lattices) and math.prod(len(values) for values in lattices) <= trials:  # small: try every setting
        settings = [dict(zip(names, combo)) for combo in itertools.product(*lattices)]
        changes = [{n: v for n, v in c.items() if v != point[n]} for c in settings]
        values = q.values(changes)
        gaps = [_gap(q, v) for v in values]
        best = min(range(len(changes)), key=lambda i: (gaps[i] > 0, distance(changes[i]) if gaps[i] == 0 else gaps[i]))
        return Landing(gaps[best] == 0, changes[best], distance(changes[best]), float(values[best]), gaps[best],
                       len(changes))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    search = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed), direction="minimize")
    for record in row_break_evens(q, top=len(names)):  # the single-knob break-evens inside their ranges
        if record["verdict"] == "landable" and record["knob"] in names:
            search.enqueue_trial({**{n: point[n] for n in names}, record["knob"]: record["break_even"]},
                                 skip_if_exists=True)
    total = trials + len(search.get_trials(deepcopy=False))
    best: tuple[float, float, dict, float] | None = None  # (objective, gap, changes, value)
    asked = 0
    while asked < total:
        batch = [search.ask() for _ in range(min(BATCH, total - asked))]
        asked += len(batch)
        changes = [{n: v for n in names if (v := _suggest(t, assumed[n])) != point[n]} for t in batch]
        for trial, change, value in zip(batch, changes, q.values(changes)):
            gap = _gap(q, value)
            objective = distance(change) if gap == 0 else len(names) + 1 + gap
            search.tell(trial, objective)
            if best is None or objective < best[0]:
                best = (objective, gap, change, float(value))
    objective, gap, change, value = best
    change, value, gap = _refine(q, change, point, assumed, value, gap)
    return Landing(gap == 0, change, distance(change), value, gap, asked)


#: Steps of the line search from the defaults towards the best trial (:func:`_refine`).
LINE_STEPS = 24


def _toward(knob: Knob, start: Any, end: Any, t: float) -> Any:
    """The value a fraction ``t`` of the way from ``start`` to ``end``, snapped to what ``knob`` accepts."""
    if isinstance(knob, (Bool, Choice)) or isinstance(start, str):
        return end if t >= 0.5 else start
    return knob.validate(knob.snap(start + t * (end - start)))


def _refine(q: ClaimQuantity, change: dict, point: dict, assumed: dict, value: float, gap: float
            ) -> tuple[dict, float, float]:
    """Tidy the best trial: drop each knob whose return to the row's point keeps the row landed (or, for a row that
    does not land, does not widen its gap), then for a landing change the smallest fraction of the way from the
    point that still lands (a line search in one batch)."""
    for name in sorted(change, key=lambda n: plausible_distance(assumed[n], change[n], point[n])):
        trial = {n: v for n, v in change.items() if n != name}
        new = q.values([trial])[0]
        if _gap(q, new) <= gap:
            change, value, gap = trial, float(new), _gap(q, new)
    if gap == 0 and change:
        fractions = np.linspace(0, 1, LINE_STEPS + 1)[1:]
        lines = [{n: _toward(assumed[n], point[n], v, t) for n, v in change.items()} for t in fractions]
        values = q.values(lines)
        first = next(i for i, v in enumerate(values) if _gap(q, v) == 0 or i == len(values) - 1)
        if _gap(q, values[first]) == 0:
            change, value = {n: v for n, v in lines[first].items() if v != point[n]}, float(values[first])
    return change, value, gap


def _number(value: Any) -> str:
    return str(value) if isinstance(value, (bool, str)) else f"{value:.3g}"


def _range(knob: Knob) -> str:
    return f"{_number(knob.assumed.low)}-{_number(knob.assumed.high)}"


def land_cell(q: ClaimQuantity) -> str:
    """The "what would land it" cell of a linked row: the nearest single-knob break-even (with its verdict), and
    the smallest joint change when it is smaller or when no single knob lands the row; "structural" when nothing
    inside the plausible ranges lands it."""
    study = claim_study(q)
    records = row_break_evens(q)
    if records and records[0]["verdict"] == "within":
        return ""
    found = [r for r in records if r["verdict"] in ("landable", "implausible")]
    single = min(found, key=lambda r: (r["verdict"] != "landable", r["distance"])) if found else None
    parts = []
    landing = smallest_change(q)
    if single is not None:
        knob = study.knob(single["knob"])
        if single["verdict"] == "landable" and not landing.landed:  # a lattice value past the tolerance
            single = {**single, "verdict": "between lattice values, none lands"}
        unit = f" {knob.unit}" if knob.unit else ""
        parts.append(f"{knob.name} = {_number(single['break_even'])}{unit} reaches {q.paper()} (default "
                     f"{_number(single['default'])}, plausible {_range(knob)}): {single['verdict']}")
    if landing.landed and (single is None or single["verdict"] != "landable"
                           or landing.distance < single["distance"] - 1e-6):
        moved = ", ".join(f"{n} = {_number(v)}" for n, v in sorted(landing.changes.items()))
        parts.append(f"within tolerance at {moved} ({landing.distance:.2f} plausible ranges): landable")
    if not landing.landed:
        closest = ", ".join(f"{n} = {_number(v)}" for n, v in sorted(landing.changes.items())) or "the defaults"
        reached = (f"closest {_number(landing.value)} at {closest}" if np.isfinite(landing.value) else
                   "no trial gives a finite value")
        parts.append(f"no setting inside the plausible ranges: structural ({reached})")
    return "; ".join(parts)


def _unlinked_cell(row) -> str:
    """The cell of a row outside tolerance or unresolved that no interactive study computes."""
    if row.interval is not None:
        return (f"cannot be explained without training: a mean over {row.interval.n} trained runs, no interactive "
                "model computes it")
    if row.measured:
        return "a wall-clock measurement on this machine: no model parameter sets it"
    return "not computed by an interactive study: cannot be explained without rerunning its batch computation"


def land_rows(theme: str, rows: list) -> list:
    """``rows`` (a theme's :class:`~workbench.core.reproduce.ClaimResult`) with their ``land`` cell: for each row
    outside tolerance or unresolved, :func:`land_cell` of its linked quantity, or why it cannot be explained."""
    from dataclasses import replace

    from workbench.core.reproduce import NOT_COMPUTED

    linked = {(q.claim, q.quantity): q for q in theme_quantities(theme)}
    out = []
    for row in rows:
        if row.verdict not in ("NO", "unresolved") or row.workbench == NOT_COMPUTED:
            out.append(row)
            continue
        q = linked.get((row.claim, row.quantity))
        out.append(replace(row, land=land_cell(q) if q is not None else _unlinked_cell(row)))
    return out


def describe_claim(claim: str, *, top: int = 3) -> str:
    """The text ``workbench explain CLAIM`` prints: per linked row its paper and workbench numbers, per knob the
    break-even and whether it lies inside the plausible range, then what would land the row (:func:`land_cell`);
    for a claim whose rows no interactive study computes, which studies do and that training would be needed."""
    from workbench.core.manifest import list_manifests
    from workbench.core.registry import list_studies

    quantities = claim_quantities(claim)
    if not quantities:
        themes = [m.theme for m in list_manifests() if claim in m.claims]
        batch = [n for t in themes for n in list_studies(theme=t) if get_study(n).cost != "interactive"]
        return (f"claim {claim}: no row is linked to an interactive study's metric; its rows come from "
                f"{', '.join(batch) or 'batch computations'} (trained or measured): they cannot be explained without "
                "training, and the interactive path trains nothing (stored points and seeds only)")
    lines = [f"== claim {claim}: the value of each assumed parameter (the others at the row's point) that reaches "
             f"the paper, for the {top} that move it most, and the smallest change that lands it"]
    for q in quantities:
        records = row_break_evens(q, top=top)
        lines.append(f"{q.quantity}: paper {q.paper()}, workbench {records[0]['workbench']:.4g}")
        for r in records:
            if r["verdict"] == "within":
                lines.append("    within the paper's tolerance already")
            elif r["verdict"] == "out of reach":
                lines.append(f"    {r['knob']}: out of reach ({r['note'].split(': ')[0]})")
            else:
                lines.append(f"    {r['knob']} = {r['break_even']:.4g} (plausible {r['plausible']}): {r['verdict']}")
        cell = land_cell(q)
        if cell:
            lines.append(f"    what would land it: {cell}")
    return "\n".join(lines)
