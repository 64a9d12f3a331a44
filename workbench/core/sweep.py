"""Design-space sweeps: point generators (grid, random, Sobol) and a resumable runner backed by the result store.

:func:`run_sweep` skips points already in the store, evaluates the rest on an executor, and writes each finished
point to the store the moment it arrives. Interrupt it (Ctrl-C, Cancel, a crash) and run it again: only the missing
points are computed.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench.core.executors import Executor
from workbench.core.progress import Cancelled
from workbench.core.runner import run_points, validate_points
from workbench.core.store import ResultStore, point_key
from workbench.core.study import Study

#: The most points one sweep may ask for; larger requests are refused before anything is allocated.
MAX_POINTS = 1_000_000


def check_count(n: int, what: str) -> int:
    """``n`` when ``1 <= n <= MAX_POINTS``; else ``ValueError`` naming ``what`` (e.g. ``"--random"``) and the limit."""
    if not 1 <= n <= MAX_POINTS:
        raise ValueError(f"{what}: {n:,} points is not allowed; allowed: 1 to {MAX_POINTS:,} points per sweep")
    return n


def parse_count(text: str, what: str) -> int:
    """A point count from the command line (``"64"``, ``"1e3"``), checked by :func:`check_count`."""
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number != int(number):
        raise ValueError(f"{what} expects a whole number of points, got {text!r}; allowed: 1 to {MAX_POINTS:,}")
    return check_count(int(number), what)


def grid_points(study: Study, values: Mapping[str, Sequence[Any]], base: Mapping[str, Any] | None = None) -> list[dict]:
    """The Cartesian product of ``values`` (knob -> list of values), other knobs at ``base`` or their defaults.

    Every point is validated, so a value outside a knob's range raises ``ValueError`` before anything runs; a product
    of more than :data:`MAX_POINTS` points raises before any is built.
    """
    fixed = dict(base or {})
    names = list(values)
    for name in names:
        study.knob(name)  # KeyError naming the study's knobs
    check_count(math.prod(len(values[n]) for n in names), f"the grid over {', '.join(names) or 'no knobs'}")
    points = []
    for combo in itertools.product(*(values[n] for n in names)):
        points.append(study.validate({**fixed, **dict(zip(names, combo))}))
    return points


def parse_grid(study: Study, spec: str) -> tuple[str, list]:
    """Parse a CLI grid spec ``knob=a:b:n`` (n evenly spaced, log-spaced for log knobs, snapped to the knob's step)
    or ``knob=v1,v2,...``; ``ValueError`` for an empty list or more than :data:`MAX_POINTS` values."""
    name, sep, text = spec.partition("=")
    if not sep:
        raise ValueError(f"grid spec {spec!r} must look like knob=a:b:n or knob=v1,v2")
    knob = study.knob(name.strip())
    text = text.strip()
    if text.count(":") == 2 and hasattr(knob, "low"):
        low, high, count = text.split(":")
        n = parse_count(count, f"grid spec {spec!r}")
        low_v, high_v = knob.validate(low), knob.validate(high)
        if n == 1:
            return knob.name, [low_v]
        raw = np.geomspace(low_v, high_v, n) if getattr(knob, "log", False) else np.linspace(low_v, high_v, n)
        return knob.name, list(dict.fromkeys(knob.validate(knob.snap(float(v))) for v in raw))
    values = [knob.parse(v.strip()) for v in text.split(",") if v.strip()]
    if not values:
        raise ValueError(f"grid spec {spec!r} lists no values; use {knob.name}=a:b:n or {knob.name}=v1,v2")
    check_count(len(values), f"grid spec {spec!r}")
    return knob.name, values


def random_points(study: Study, n: int, *, seed: int = 0, knobs: Sequence[str] | None = None,
                  base: Mapping[str, Any] | None = None) -> list[dict]:
    """``n`` uniformly random points over the chosen ``knobs`` (default: all), reproducible by ``seed``."""
    rng = np.random.default_rng(_check_seed(seed))
    check_count(n, "random points")
    return _from_unit_cube(study, rng.random((n, len(knobs or study.knob_names))), knobs, base)


def sobol_points(study: Study, n: int, *, seed: int = 0, knobs: Sequence[str] | None = None,
                 base: Mapping[str, Any] | None = None) -> list[dict]:
    """``n`` scrambled Sobol points (low-discrepancy; ``n`` a power of two balances best) over the chosen knobs."""
    from scipy.stats import qmc

    chosen = list(knobs or study.knob_names)
    check_count(n, "Sobol points")
    sampler = qmc.Sobol(d=len(chosen), scramble=True, seed=_check_seed(seed))
    return _from_unit_cube(study, sampler.random(n), chosen, base)


def _check_seed(seed: int) -> int:
    if not 0 <= seed < 2**63:
        raise ValueError(f"seed={seed} is not allowed; allowed: 0 <= seed < 2**63")
    return seed


def _from_unit_cube(study: Study, unit: np.ndarray, knobs: Sequence[str] | None,
                    base: Mapping[str, Any] | None) -> list[dict]:
    chosen = [study.knob(name) for name in (knobs or study.knob_names)]
    points, seen = [], set()
    for row in unit:
        params = dict(base or {})
        params.update({knob.name: knob.from_unit(u) for knob, u in zip(chosen, row)})
        try:
            full = study.validate(params)
        except ValueError:
            continue  # a joint constraint rules this corner of the space out
        key = point_key(study, full, validated=True)
        if key not in seen:
            seen.add(key)
            points.append(full)
    return points


@dataclass
class SweepReport:
    """What a sweep did: how many points were already stored, computed now, failed (with messages)."""

    total: int
    cached: int = 0
    computed: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False


def run_sweep(
    study: Study,
    points: Sequence[Mapping[str, Any]],
    *,
    store: ResultStore | None = None,
    executor: str | Executor = "serial",
    progress: bool = True,
    on_point: Callable[[dict, dict], None] | None = None,
    cancel: threading.Event | None = None,
    report: SweepReport | None = None,
    on_progress: Callable[[int, int | None, str], None] | None = None,
    remeasure: bool = False,
) -> pd.DataFrame:
    """Evaluate ``points`` (skipping those already stored) and return every requested point as a DataFrame.

    Parameters
    ----------
    study : Study
    points : sequence of dict
        Params of each point (validated here).
    store : ResultStore, optional
        Where finished points go; default the project's store.
    executor : str or Executor
        ``"serial"``, ``"processes[:N]"``, ``"dask[:ADDRESS]"`` or an executor instance (kept open for reuse).
    progress : bool
        Show a tqdm bar.
    on_point : callable, optional
        ``on_point(params, metrics)`` after each finished point (the UI updates its progress bar with it).
    cancel : threading.Event, optional
        When set, no further result is waited for; finished points are already stored. With the serial executor
        the running point itself stops at its next progress step (a training epoch or batch) and is not stored.
    report : SweepReport, optional
        Filled in with counts and failures.
    on_progress : callable, optional
        ``on_progress(done, total, description)`` for the steps inside a point (serial executor: epochs, batches).
    remeasure : bool
        Evaluate points stored by this machine's runs again too: each run adds a timing record (machine, load,
        executor) to the point's measured metrics, and a model result that differs from the stored one is reported
        as a conflict, never silently kept or replaced. Seeded points (shipped results, computed on another machine,
        whose trained metrics may differ here within their measured tolerance: :mod:`workbench.core.seed_spread`)
        are not run again.

    Returns
    -------
    DataFrame
        One row per requested point that has a result (stored earlier or now), knob and metric columns.
    """
    store = store if store is not None else ResultStore()
    store.ensure_seeded(study)
    full_points, _ = validate_points(study, points)
    keys = [point_key(study, p, validated=True) for p in full_points]
    unique = dict(zip(keys, full_points))
    if remeasure:
        frame = store.frame(study)
        seeded = set(frame.loc[frame["seeded"].astype(bool), "key"]) if len(frame) else set()
        todo_keys = [k for k in unique if k not in seeded]
    else:
        stored = store.keys(study)
        todo_keys = [k for k in unique if k not in stored]
    report = report if report is not None else SweepReport(total=len(unique))
    report.total, report.cached = len(unique), len(unique) - len(todo_keys)

    todo = [unique[k] for k in todo_keys]
    executor_name = executor if isinstance(executor, str) else executor.name
    from tqdm.auto import tqdm

    bar = tqdm(total=len(unique), initial=report.cached, desc=study.name, disable=not progress or None)
    try:
        for index, outcome in run_points(study, todo, executor=executor, cancel=cancel, on_progress=on_progress):
            params = todo[index]
            if outcome.metrics is not None:
                store.put(study, params, outcome.metrics, elapsed_s=outcome.elapsed_s, executor=executor_name,
                          validated=True)
                report.computed += 1
                if on_point is not None:
                    on_point(params, outcome.metrics)
            else:
                report.failed[todo_keys[index]] = outcome.error or "unknown error"
            bar.update(1)
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                break
    except Cancelled:
        report.cancelled = True
    finally:
        bar.close()
    frame = store.frame(study)
    if frame.empty:
        return frame
    return frame[frame["key"].isin(set(keys))].reset_index(drop=True)
