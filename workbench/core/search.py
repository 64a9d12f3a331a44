"""Multi-objective search over any study: Optuna's NSGA-II or TPE sampler proposes points, the point runner evaluates
them through the same executors and result store as a sweep.

Search is resumable like a sweep: the stored points of the study (at the same fixed knobs) are handed to the sampler
as finished trials before it proposes anything, and they count towards the trial budget, so an interrupted search run
again continues where it stopped. The budget counts distinct evaluated points. A proposal that violates a joint
constraint costs only its validation and does not count (a Sobol or grid sweep drops those points too); it is told
to the sampler as an infeasible trial (``Trial.set_constraint``), so both samplers learn to stay out of the
infeasible region (told as a plain failure, TPE keeps proposing there). A point proposed again is told its stored
result without counting; at most :data:`MAX_PROPOSALS_PER_TRIAL` such proposals per trial. Quality is measured by
the dominated hypervolume (:func:`hypervolume`), the standard indicator for comparing Pareto fronts (Zitzler &
Thiele 1999).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.core.executors import Executor, make_executor
from workbench.core.knobs import Bool, Choice, Float, Int, Knob
from workbench.core.pareto import pareto_mask
from workbench.core.store import ResultStore, point_key
from workbench.core.study import Study
from workbench.core.sweep import SweepReport, run_sweep

SAMPLERS = ("nsga2", "tpe")
MAX_PROPOSALS_PER_TRIAL = 50
#: The largest trial budget and round size a search accepts (a larger one is a typo such as ``--trials 1e9``, and
#: would hold a sampler's history of that many trials in memory).
MAX_TRIALS = 100_000


def check_budget(name: str, value: int | str) -> int:
    """A trial budget or round size ``value`` (an int, or command-line text: ``"64"``, ``"1e3"``) as an int;
    ``ValueError`` naming ``name``, the value as given and the limit when it is not a whole number from 1 to
    :data:`MAX_TRIALS`."""
    number = value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = math.nan
    whole = isinstance(number, (int, float)) and not isinstance(number, bool) and math.isfinite(number) and \
        number == int(number)
    if not whole or not 1 <= number <= MAX_TRIALS:
        raise ValueError(f"{name}={value!r} is not allowed; allowed: a whole number from 1 to {MAX_TRIALS:,}")
    return int(number)


def parse_objectives(study: Study, specs: Sequence[str]) -> dict[str, str]:
    """``["accuracy:max", "energy:min"]`` -> ``{"accuracy": "max", "energy": "min"}``; a bare metric name takes the
    metric's declared better-direction.

    Raises
    ------
    ValueError
        For an unknown metric, a direction other than min/max, fewer than one objective, or a repeated metric.
    """
    objectives: dict[str, str] = {}
    for spec in specs:
        name, _, direction = spec.partition(":")
        if name not in study.metric_names:
            raise ValueError(f"objective {spec!r}: {name!r} is not a metric of {study.name}; metrics: "
                             f"{study.metric_names}")
        direction = direction or (study.metric(name).better or "")
        if direction not in ("min", "max"):
            raise ValueError(f"objective {spec!r}: the direction must be 'min' or 'max' (metric:min / metric:max)")
        if name in objectives:
            raise ValueError(f"objective {name!r} is given twice")
        objectives[name] = direction
    if not objectives:
        raise ValueError("a search needs at least one objective, e.g. --objectives accuracy:max energy:min")
    return objectives


def _distribution(knob: Knob) -> Any:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if isinstance(knob, Bool):
        return CategoricalDistribution((False, True))
    if isinstance(knob, Choice):
        return CategoricalDistribution(knob.options)
    if isinstance(knob, Int):
        step = 1 if knob.log else (knob.step or 1)
        return IntDistribution(int(knob.low), int(knob.high), log=knob.log, step=step)
    if isinstance(knob, Float):
        return FloatDistribution(knob.low, knob.high, log=knob.log, step=None if knob.log else knob.step)
    raise TypeError(f"knob {knob.name!r}: no search distribution for {type(knob).__name__}")


VIOLATION = "study_constraints"
"""Trial constraint: > 0 for a proposal outside the study's joint constraints, 0 for a feasible point."""


def _sampler(name: str, seed: int, population: int) -> Any:
    from optuna.samplers import NSGAIISampler, TPESampler

    if name == "nsga2":
        return NSGAIISampler(seed=seed, population_size=population)
    if name == "tpe":
        return TPESampler(seed=seed, multivariate=True)
    raise ValueError(f"sampler {name!r} is not allowed; allowed: one of {SAMPLERS}")


def _snap(knob: Knob, value: Any) -> Any:
    """A sampled float put exactly on the knob's step grid (the sampler's ``low + k * step`` carries rounding)."""
    if isinstance(knob, Float) and knob.step and not knob.log:
        steps = round((value - knob.low) / knob.step)
        return float(f"{knob.low + steps * knob.step:.12g}")
    return value


@dataclass
class SearchReport:
    """What a search did: trials from the store, new points, infeasible and repeated proposals (not counted),
    failures."""

    trials: int
    resumed: int = 0
    evaluated: int = 0
    infeasible: int = 0
    repeated: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False

    @property
    def done(self) -> int:
        """Trials that count towards the budget: stored, evaluated now, or failed."""
        return self.resumed + self.evaluated + len(self.failed)


def space_size(knobs: Sequence[Knob]) -> float:
    """How many distinct points the knobs span: the product of their option counts (``inf`` with a continuous
    knob)."""
    size: float = 1
    for knob in knobs:
        if isinstance(knob, Choice):
            size *= len(knob.options)
        elif isinstance(knob, Bool):
            size *= 2
        elif isinstance(knob, Int) and math.isfinite(knob.low) and math.isfinite(knob.high):
            size *= (int(knob.high) - int(knob.low)) // (knob.step or 1) + 1
        elif isinstance(knob, Float) and knob.step and not knob.log and math.isfinite(knob.high - knob.low):
            size *= math.floor((knob.high - knob.low) / knob.step + 1e-9) + 1
        else:
            return math.inf
    return size


def run_search(study: Study, objectives: Mapping[str, str], trials: int, *, sampler: str = "nsga2", seed: int = 0,
               knobs: Sequence[str] | None = None, base: Mapping[str, Any] | None = None,
               store: ResultStore | None = None, executor: str | Executor = "serial", batch: int = 8,
               cancel: threading.Event | None = None, on_trial: Callable[[int, int], None] | None = None,
               report: SearchReport | None = None) -> pd.DataFrame:
    """Search ``study`` for the Pareto front of ``objectives`` within ``trials`` evaluations.

    Parameters
    ----------
    objectives : mapping
        Metric name -> ``"min"`` or ``"max"`` (see :func:`parse_objectives`).
    trials : int
        Total budget of evaluations, including points already stored at the same fixed knobs (so a rerun resumes).
    sampler : {"nsga2", "tpe"}
        Optuna's NSGA-II (population ``batch``) or multivariate TPE.
    knobs : sequence of str, optional
        Knobs searched (default: all); the others stay at ``base`` or their defaults.
    batch : int
        Points proposed and evaluated together (one executor round, e.g. one per worker).
    on_trial : callable, optional
        ``on_trial(done, total)`` after each round.

    Returns
    -------
    DataFrame
        Every trial point with a result (stored ones included), knob and metric columns, and ``pareto`` (bool).
    """
    import optuna

    trials, batch = check_budget("trials", trials), check_budget("batch", batch)
    objectives = parse_objectives(study, [f"{k}:{v}" for k, v in objectives.items()])
    searched = [study.knob(name) for name in (knobs or study.knob_names)]
    size = space_size(searched)
    if trials > size:
        raise ValueError(f"{study.name}: the searched knobs ({', '.join(k.name for k in searched)}) have only "
                         f"{size:,} points, fewer than trials={trials}; ask for at most {size:,} trials, or sweep "
                         "them all with `workbench sweep`")
    fixed = {k: v for k, v in study.validate(base or {}).items() if k not in {knob.name for knob in searched}}
    distributions = {knob.name: _distribution(knob) for knob in searched}
    store = store if store is not None else ResultStore()
    report = report if report is not None else SearchReport(trials=trials)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    search = optuna.create_study(directions=["minimize" if d == "min" else "maximize" for d in objectives.values()],
                                 sampler=_sampler(sampler, seed, batch))
    owned = not isinstance(executor, Executor)
    runner = make_executor(executor)  # checked before any work, and one pool for every round
    try:
        keys = _resume(study, search, store, objectives, distributions, fixed, trials, report)
        while report.done < trials and not report.cancelled:
            if report.infeasible + report.repeated > MAX_PROPOSALS_PER_TRIAL * trials:
                raise ValueError(f"{study.name}: {report.infeasible} proposals violated the study's constraints and "
                                 f"{report.repeated} repeated a point, for {report.done} new points; fix knobs with "
                                 "--set or search fewer knobs")
            keys |= _round(study, search, store, objectives, distributions, fixed, runner, cancel, report,
                           min(batch, trials - report.done), keys)
            if on_trial is not None:
                on_trial(report.done, trials)
    finally:
        if owned:
            runner.close()
    frame = store.frame(study)
    frame = frame[frame["key"].isin(keys)].reset_index(drop=True) if len(frame) else frame
    if len(frame):
        frame["pareto"] = pareto_mask(frame[list(objectives)], dict(objectives))
    return frame


def _resume(study: Study, search: Any, store: ResultStore, objectives: Mapping[str, str], distributions: dict,
            fixed: Mapping[str, Any], trials: int, report: SearchReport) -> set[str]:
    """Hand the stored points at the same fixed knobs to the sampler as finished trials (at most ``trials``)."""
    from optuna.trial import create_trial

    store.ensure_seeded(study)
    frame = store.frame(study)
    keys: set[str] = set()
    if frame.empty:
        return keys
    same = np.ones(len(frame), dtype=bool)
    for name, value in fixed.items():
        same &= (frame[name] == value).to_numpy()
    for _, row in frame[same].head(trials).iterrows():
        values = [float(row[m]) for m in objectives]
        if not all(math.isfinite(v) for v in values):
            continue
        params = {name: (row[name].item() if hasattr(row[name], "item") else row[name]) for name in distributions}
        try:
            search.add_trial(create_trial(params=params, distributions=distributions, values=values,
                                          constraints={VIOLATION: 0.0}))
        except ValueError:
            continue  # a stored point outside today's knob ranges
        keys.add(row["key"])
        report.resumed += 1
    return keys


def _round(study: Study, search: Any, store: ResultStore, objectives: Mapping[str, str], distributions: dict,
           fixed: Mapping[str, Any], executor: str | Executor, cancel: threading.Event | None,
           report: SearchReport, size: int, seen: set[str]) -> set[str]:
    """Ask trials until ``size`` are feasible, evaluate them through :func:`run_sweep`, tell the sampler the
    outcomes; return the keys of the new points."""
    from optuna.trial import TrialState

    asked, points = [], []
    limit = report.infeasible + MAX_PROPOSALS_PER_TRIAL * size
    while len(points) < size and report.infeasible <= limit:
        trial = search.ask(distributions)
        params = {**fixed, **{k: _snap(study.knob(k), v) for k, v in trial.params.items()}}
        try:
            points.append(study.validate(params))
            asked.append(trial)
        except ValueError:  # a joint constraint rules this proposal out: infeasible, whatever its placeholder values
            trial.set_constraint(VIOLATION, 1.0)
            search.tell(trial, [0.0] * len(objectives))
            report.infeasible += 1
    sweep = SweepReport(total=len(points))
    run_sweep(study, points, store=store, executor=executor, progress=False, cancel=cancel, report=sweep)
    report.cancelled = sweep.cancelled
    keys: set[str] = set()
    for trial, params in zip(asked, points):
        key = point_key(study, params, validated=True)
        metrics = store.get(study, params, validated=True)
        if metrics is None:
            search.tell(trial, state=TrialState.FAIL)
            if not sweep.cancelled:
                report.failed[key] = sweep.failed.get(key, "no result")
            continue
        trial.set_constraint(VIOLATION, 0.0)
        search.tell(trial, [float(metrics[m]) for m in objectives])
        if key in seen or key in keys:
            report.repeated += 1
        else:
            report.evaluated += 1
            keys.add(key)
    return keys


def hypervolume(points: np.ndarray, reference: Sequence[float], directions: Sequence[str]) -> float:
    """Volume dominated by ``points`` (rows; one column per objective) and bounded by ``reference``.

    Objectives to maximise are negated, so the volume is that of the region between the front and the reference,
    which must be worse than every point in every objective to count it. Exact, by slicing along the first objective
    (the HSO algorithm; While et al. 2006): fine for the fronts of a few hundred points a study search gives.
    """
    signs = np.array([1.0 if d == "min" else -1.0 for d in directions])
    values = np.asarray(points, dtype=float).reshape(-1, len(signs)) * signs
    ref = np.asarray(reference, dtype=float) * signs
    values = values[np.all(np.isfinite(values), axis=1) & np.all(values < ref, axis=1)]
    return _hso(values, ref)


def _hso(values: np.ndarray, ref: np.ndarray) -> float:
    if len(values) == 0:
        return 0.0
    if values.shape[1] == 1:
        return float(ref[0] - values[:, 0].min())
    front = values[pareto_mask(pd.DataFrame(values), {i: "min" for i in range(values.shape[1])})]
    order = front[np.argsort(front[:, 0])]
    volume = 0.0
    for i, row in enumerate(order):
        right = order[i + 1, 0] if i + 1 < len(order) else ref[0]
        if right > row[0]:
            volume += (right - row[0]) * _hso(order[: i + 1, 1:], ref[1:])
    return volume
