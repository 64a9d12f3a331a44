"""Uncertainty bands: the spread of a study's metric at each design point when the assumed knobs vary over their
plausible ranges (Monte Carlo through the point runner), so a chart shows which differences between design points
survive the modelling uncertainty.

Every design point sees the same draws of the assumed knobs (common random numbers): a difference between two
points that keeps its sign in every draw is a difference the assumptions cannot undo (``beats_first``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench.core.executors import Executor
from workbench.core.study import Study
from workbench.explain.assumptions import assumed_knobs
from workbench.explain.sensitivity import metric_values, plausible_value


def band(study: Study, metric: str, points: Sequence[Mapping[str, Any]], *, samples: int = 64, seed: int = 0,
         quantiles: tuple[float, float] = (0.05, 0.95), executor: str | Executor = "serial") -> pd.DataFrame:
    """The band ``metric`` spans at each of ``points`` over ``samples`` joint draws of the assumed knobs (uniform
    over their plausible ranges, the same draws at every point); cached per arguments.

    The assumed knobs a point sets itself (a design choice swept on the chart) keep that value.

    Returns
    -------
    DataFrame
        One row per point: ``value`` (the metric as the point is given), ``low`` and ``high`` (the ``quantiles`` of
        the feasible draws), ``median``, ``feasible`` (share of draws that give a value) and ``beats_first`` (share
        of draws in which the point's metric exceeds the first point's: 0 or 1 means the order survives).

    Raises
    ------
    ValueError
        For an unknown metric, an invalid point, or a study without assumed knobs.
    """
    if not assumed_knobs(study):
        raise ValueError(f"study {study.name!r} has no assumed knobs to draw")
    key = tuple(tuple(sorted(study.validate(dict(p)).items())) for p in points)
    return _band(study, metric, key, tuple(tuple(sorted(dict(p))) for p in points), samples, seed, quantiles,
                 executor).copy()


@functools.lru_cache(maxsize=64)
def _band(study: Study, metric: str, key: tuple, fixed: tuple, samples: int, seed: int,
          quantiles: tuple[float, float], executor: str | Executor) -> pd.DataFrame:
    knobs = assumed_knobs(study)
    draws = np.random.default_rng(seed).random((samples, len(knobs)))
    chosen = [{k.name: plausible_value(k, u) for k, u in zip(knobs, row)} for row in draws]
    designs = [dict(point) for point in key]
    runs = [{**draw, **{n: d[n] for n in names}, **{n: v for n, v in d.items() if n not in draw}}
            for d, names in zip(designs, fixed) for draw in chosen]
    values, _ = metric_values(study, metric, designs + runs, executor=executor)
    at, drawn = values[:len(designs)], values[len(designs):].reshape(len(designs), samples)
    rows = []
    for value, row in zip(at, drawn):
        finite = row[np.isfinite(row)]
        both = np.isfinite(row) & np.isfinite(drawn[0])
        rows.append({"value": value,
                     "low": np.quantile(finite, quantiles[0]) if len(finite) else np.nan,
                     "median": np.median(finite) if len(finite) else np.nan,
                     "high": np.quantile(finite, quantiles[1]) if len(finite) else np.nan,
                     "feasible": len(finite) / samples,
                     "beats_first": float(np.mean(row[both] > drawn[0][both])) if both.any() else np.nan})
    return pd.DataFrame(rows)
