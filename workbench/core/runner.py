"""The one point runner: validate a list of points once, then evaluate them through an executor.

Every "evaluate many points" in the workbench goes through here: :func:`~workbench.core.sweep.run_sweep` (CLI
sweeps, the sweep panel, a dashboard's Run button, which therefore can use processes or Dask too), an Explorer's
sweep curve and a theme view's model sweep (:func:`evaluate_frame`).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from workbench.core.executors import Executor, Outcome, make_executor
from workbench.core.progress import Reporter, reporting
from workbench.core.study import Study


def validate_points(study: Study, points: Sequence[Mapping[str, Any]], *,
                    skip_invalid: bool = False) -> tuple[list[dict], list[str]]:
    """Each point completed with defaults and validated once.

    Parameters
    ----------
    skip_invalid : bool
        Leave out points that violate a knob range or a joint constraint (a sweep curve over a knob whose far end
        is infeasible) instead of raising.

    Returns
    -------
    points, skipped
        The validated points, and the error message of each point left out.
    """
    valid, skipped = [], []
    for params in points:
        try:
            valid.append(study.validate(params))
        except ValueError as error:
            if not skip_invalid:
                raise
            skipped.append(str(error))
    return valid, skipped


def run_points(study: Study, points: Sequence[dict], *, executor: str | Executor = "serial",
               cancel: threading.Event | None = None,
               on_progress: Callable[[int, int | None, str], None] | None = None) -> Iterator[tuple[int, Outcome]]:
    """Evaluate validated ``points`` on ``executor``, yielding ``(index, Outcome)`` as each finishes.

    With the serial executor the points run in the caller's thread, so ``cancel`` also reaches the model's own
    loops (epochs, batches) and stops the running point at its next step (raising ``Cancelled``), and
    ``on_progress(done, total, description)`` receives those steps. An executor given by name is closed at the end.
    """
    owned = not isinstance(executor, Executor)
    runner = make_executor(executor)
    track = (reporting(Reporter(callback=on_progress, cancel=cancel or threading.Event()))
             if cancel is not None or on_progress is not None else contextlib.nullcontext())
    try:
        with track:
            yield from runner.run(study, points)
    finally:
        if owned:
            runner.close()


def evaluate_frame(study: Study, points: Sequence[Mapping[str, Any]], *, executor: str | Executor = "serial",
                   skip_invalid: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """Evaluate ``points`` and return one row per point (knobs then metrics, in the given order).

    Returns
    -------
    frame, skipped
        The evaluated points, and the messages of points left out as invalid.

    Raises
    ------
    RuntimeError
        When an evaluation fails (the message names the study and the point's error).
    """
    valid, skipped = validate_points(study, points, skip_invalid=skip_invalid)
    rows: list[dict | None] = [None] * len(valid)
    for index, outcome in run_points(study, valid, executor=executor):
        if outcome.metrics is None:
            raise RuntimeError(f"study {study.name!r} failed at {valid[index]}: {outcome.error}")
        rows[index] = {**valid[index], **outcome.metrics}
    return pd.DataFrame(rows), skipped
