"""Sensitivity of a study's metric to its assumed knobs: one-at-a-time (tornado) and Morris elementary effects.

Every point runs through the point runner (:func:`~workbench.core.runner.run_points`, on any executor); a point an
assumed value makes infeasible (a knob range or joint constraint it violates, e.g. TiM's bitline swing at a large
cell-current spread) gives NaN, and the tables say which ends are infeasible instead of failing.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.core.executors import Executor
from workbench.core.knobs import Choice, Knob
from workbench.core.runner import run_points
from workbench.core.study import Study
from workbench.explain.assumptions import assumed_knobs


def metric_values(study: Study, metric: str, points: Sequence[Mapping[str, Any]], *,
                  executor: str | Executor = "serial") -> tuple[np.ndarray, list[str]]:
    """``metric`` at each of ``points`` (missing knobs at their defaults), NaN where a point is infeasible.

    Returns
    -------
    values, errors
        One value per point, and the message of each infeasible point.

    Raises
    ------
    ValueError
        For an unknown metric.
    RuntimeError
        When a feasible point's evaluation fails.
    """
    study.metric(metric)
    values = np.full(len(points), np.nan)
    valid, where, errors = [], [], []
    for index, params in enumerate(points):
        try:
            valid.append(study.validate(params))
        except ValueError as error:
            errors.append(str(error))
        else:
            where.append(index)
    for index, outcome in run_points(study, valid, executor=executor):
        if outcome.metrics is None:
            raise RuntimeError(f"study {study.name!r} failed at {valid[index]}: {outcome.error}")
        values[where[index]] = outcome.metrics[metric]
    return values, errors


def plausible_value(knob: Knob, u: float) -> Any:
    """The value a fraction ``u`` in [0, 1] of the way across ``knob``'s plausible range, snapped to what the knob
    accepts (its step, its integers, its nearest option; a switch is off below 0.5)."""
    low, high = knob.assumed.low, knob.assumed.high
    if isinstance(low, bool):
        return high if u >= 0.5 else low
    value = low + u * (high - low)
    if isinstance(knob, Choice):
        inside = [o for o in knob.options if low <= o <= high]
        return min(inside, key=lambda o: abs(o - value))
    return knob.validate(knob.snap(value))


def _base(study: Study, base: Mapping[str, Any] | None) -> dict[str, Any]:
    return study.validate(dict(base or {}))


def tornado(study: Study, metric: str, base: Mapping[str, Any] | None = None, *,
            executor: str | Executor = "serial") -> pd.DataFrame:
    """One-at-a-time sensitivity of ``metric`` to each assumed knob of ``study`` over its plausible range.

    Each assumed knob is set to the low and the high end of its plausible range, the others staying at ``base``
    (default: the study's defaults): 2 n + 1 points in one batch. Results are cached per study, metric and base.

    Returns
    -------
    DataFrame
        One row per assumed knob, largest swing first: ``knob``, ``title``, ``low``, ``high``, ``default``,
        ``metric_low``, ``metric_default``, ``metric_high``, ``swing`` (max - min of the three, feasible ones),
        ``swing_rel`` (swing / |metric_default|), ``infeasible`` (the ends outside the model's feasible region:
        "", "low", "high" or "low, high") and ``reason`` (of the plausible range).

    Raises
    ------
    ValueError
        For an unknown metric, an invalid ``base``, or a study without assumed knobs.
    """
    key = tuple(sorted(_base(study, base).items()))
    return _tornado(study, metric, key, executor).copy()


@functools.lru_cache(maxsize=64)
def _tornado(study: Study, metric: str, key: tuple, executor: str | Executor) -> pd.DataFrame:
    knobs = assumed_knobs(study)
    if not knobs:
        raise ValueError(f"study {study.name!r} has no assumed knobs to sweep")
    base = dict(key)
    points = [base] + [{**base, k.name: end} for k in knobs for end in (k.assumed.low, k.assumed.high)]
    values, _ = metric_values(study, metric, points, executor=executor)
    at_default, ends = values[0], values[1:].reshape(len(knobs), 2)
    rows = []
    for knob, (at_low, at_high) in zip(knobs, ends):
        feasible = [v for v in (at_low, at_default, at_high) if np.isfinite(v)]
        swing = max(feasible) - min(feasible) if feasible else np.nan
        rows.append({
            "knob": knob.name, "title": knob.title, "low": knob.assumed.low, "high": knob.assumed.high,
            "default": base[knob.name], "metric_low": at_low, "metric_default": at_default, "metric_high": at_high,
            "swing": swing, "swing_rel": swing / abs(at_default) if at_default else np.nan,
            "infeasible": ", ".join(end for end, v in (("low", at_low), ("high", at_high)) if not np.isfinite(v)),
            "reason": knob.assumed.reason})
    return pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def morris(study: Study, metric: str, base: Mapping[str, Any] | None = None, *, trajectories: int = 20,
           levels: int = 4, seed: int = 0, executor: str | Executor = "serial") -> pd.DataFrame:
    """Morris elementary-effect indices of ``metric`` over the assumed knobs' plausible ranges.

    SALib draws the trajectories (Morris 1991, with Campolongo's mu*) on [0, 1] per knob, mapped onto its
    plausible range (:func:`plausible_value`); an effect is the change of the metric divided by the step the
    knob's value actually took, in plausible ranges (a switch flips by one range, a snapped integer by what it
    moved), so effects compare across knobs. They are computed step by step: a step with an infeasible end (NaN),
    or one that snapping left in place, drops that one effect, not the knob; ``effects`` counts the effects kept.

    Returns
    -------
    DataFrame
        One row per assumed knob, largest ``mu_star`` first: ``knob``, ``mu_star`` (mean |effect|), ``mu`` (mean
        effect), ``sigma`` (standard deviation of the effects), ``effects``.

    Raises
    ------
    ValueError
        For a study without assumed knobs, or an unknown metric.
    """
    from SALib.sample import morris as morris_sample  # loaded on first use: a dashboard's tornado does not need it

    knobs = assumed_knobs(study)
    if not knobs:
        raise ValueError(f"study {study.name!r} has no assumed knobs to sweep")
    base_point = _base(study, base)
    problem = {"num_vars": len(knobs), "names": [k.name for k in knobs], "bounds": [[0.0, 1.0]] * len(knobs)}
    units = morris_sample.sample(problem, N=trajectories, num_levels=levels, seed=seed)
    chosen = [[plausible_value(k, u) for k, u in zip(knobs, row)] for row in units]
    points = [{**base_point, **dict(zip(problem["names"], row))} for row in chosen]
    values, _ = metric_values(study, metric, points, executor=executor)
    spans = np.array([float(k.assumed.high) - float(k.assumed.low) for k in knobs])
    fractions = np.array(chosen, dtype=float) / spans  # where each value lies, in plausible ranges (after snapping)
    effects: list[list[float]] = [[] for _ in knobs]
    steps = len(knobs) + 1
    for first in range(0, len(units), steps):
        for j in range(first, first + steps - 1):
            moved = np.flatnonzero(units[j + 1] != units[j])
            step = fractions[j + 1] - fractions[j]
            change = values[j + 1] - values[j]
            if len(moved) == 1 and step[moved[0]] != 0 and np.isfinite(change):
                effects[moved[0]].append(change / step[moved[0]])
    rows = [{"knob": k.name, "mu_star": np.mean(np.abs(e)) if e else np.nan, "mu": np.mean(e) if e else np.nan,
             "sigma": np.std(e, ddof=1) if len(e) > 1 else np.nan, "effects": len(e)} for k, e in zip(knobs, effects)]
    return pd.DataFrame(rows).sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)


def sobol(study: Study, metric: str, base: Mapping[str, Any] | None = None, *, knobs: Sequence[str] | None = None,
          samples: int = 256, seed: int = 0, executor: str | Executor = "serial") -> pd.DataFrame:
    """First-order and total Sobol' indices of ``metric`` over the assumed knobs' plausible ranges (SALib, Saltelli
    sampling without second-order terms: ``samples`` x (n + 2) points through the point runner).

    Variance-based indices need the metric everywhere in the box, so an infeasible point is an error naming the
    share of infeasible points; leave out the knobs whose ranges reach infeasible designs with ``knobs``.

    Returns
    -------
    DataFrame
        One row per knob, largest total index first: ``knob``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.

    Raises
    ------
    ValueError
        For a knob that is not assumed, or infeasible points.
    """
    from SALib.analyze import sobol as sobol_analyze  # loaded on first use
    from SALib.sample import sobol as sobol_sample

    assumed = {k.name: k for k in assumed_knobs(study)}
    names = list(knobs) if knobs is not None else list(assumed)
    unknown = sorted(set(names) - set(assumed))
    if unknown or not names:
        raise ValueError(f"study {study.name!r}: {unknown or 'no knobs'} are not assumed knobs; assumed: "
                         f"{list(assumed)}")
    base_point = _base(study, base)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    units = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    points = [{**base_point, **{n: plausible_value(assumed[n], u) for n, u in zip(names, row)}} for row in units]
    values, errors = metric_values(study, metric, points, executor=executor)
    if errors:
        raise ValueError(f"study {study.name!r}: {len(errors)} of {len(points)} Sobol' points are infeasible over the "
                         f"plausible ranges of {names} (e.g. {errors[0]}); pass knobs= without those reaching them")
    result = sobol_analyze.analyze(problem, values, calc_second_order=False, seed=seed)
    frame = pd.DataFrame({"knob": names, "S1": result["S1"], "S1_conf": result["S1_conf"], "ST": result["ST"],
                          "ST_conf": result["ST_conf"]})
    return frame.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)


def describe_sensitivity(study: Study, metric: str, *, trajectories: int = 0) -> str:
    """The text ``workbench explain STUDY --metric M`` prints: the tornado table, and with ``trajectories`` > 0 the
    Morris indices beside it."""
    declared = study.metric(metric)
    frame = tornado(study, metric)
    lines = [f"== {study.name}: {declared.title} = {frame['metric_default'].iloc[0]:.4g} on the defaults; each "
             "assumed parameter at the ends of its plausible range, largest swing first"]
    for row in frame.itertuples(index=False):
        infeasible = f"  (infeasible at {row.infeasible})" if row.infeasible else ""
        lines.append(f"{row.knob:<22} {row.low!s:>6} .. {row.high!s:<6} -> {row.metric_low:10.4g} .. "
                     f"{row.metric_high:<10.4g} swing {row.swing:.4g} ({row.swing_rel:.1%}){infeasible}")
    if trajectories:
        indices = morris(study, metric, trajectories=trajectories)
        lines.append(f"Morris over the plausible ranges ({trajectories} trajectories; mu* per full range):")
        lines += [f"{row.knob:<22} mu* {row.mu_star:.4g}  mu {row.mu:.4g}  sigma {row.sigma:.4g}  "
                  f"({row.effects} effects)" for row in indices.itertuples(index=False)]
    return "\n".join(lines)
