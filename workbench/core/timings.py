"""Wall-clock measurements kept apart from model results.

A metric declared ``Metric(measured=True)`` (a throughput, a time per epoch) is a measurement of one run on one
machine under one load, not a function of the knobs: two runs of a point differ, and so do two executors. The store
therefore keeps it out of the point's row (whose metrics must agree between runs, :mod:`workbench.core.store_rows`)
and records it once per run, with the run's context (:func:`run_context`), in a store of its own
(``<store>/timings``). A read summarises the runs of each point as the median and its spread
(:func:`summarise`), and charts title such a metric as a measurement (:attr:`Metric.title`).
"""

from __future__ import annotations

import os
import platform
from collections.abc import Collection

import pandas as pd

#: Columns a read adds after the measured metrics: how many runs were measured.
RUNS = "runs"
#: Suffix of the column holding a measured metric's spread over the runs (max - min; 0 for one run).
SPREAD = "_spread"


def run_context(executor: str | None) -> dict:
    """Where and how a run was measured: the machine, its 1-minute load average, and the executor's name."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"machine": f"{platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs)", "load": load,
            "executor": executor}


def summarise(runs: pd.DataFrame, measured: Collection[str]) -> pd.DataFrame:
    """The runs of each point (a ``point`` column and one column per measured metric) as one row per point: the
    median of each metric, its spread (``<metric>_spread``, max - min) and the number of runs (``runs``)."""
    names = [m for m in measured if m in runs.columns]
    grouped = runs.groupby("point")[names]
    spread = (grouped.max() - grouped.min()).add_suffix(SPREAD)
    return pd.concat([grouped.median(), spread, runs.groupby("point").size().rename(RUNS)], axis=1)
