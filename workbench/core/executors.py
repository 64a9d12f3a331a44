"""Executors: run study evaluations serially, on a local process pool, or on a Dask cluster, behind one interface.

Every executor yields ``(index, outcome)`` pairs as evaluations finish (in completion order), where ``outcome`` is an
:class:`Outcome` holding the metrics or the error text. The sweep writes each finished point to the store at once.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from workbench.core.progress import Cancelled
from workbench.core.study import Study

#: Seconds a Dask client waits for the scheduler at an address before the sweep fails naming it.
DASK_CONNECT_TIMEOUT_S = 3
#: Starts of a local Dask cluster before the sweep fails (a worker can die while the cluster starts).
LOCAL_CLUSTER_ATTEMPTS = 2


class ExecutorError(RuntimeError):
    """The executor could not start (no scheduler at an address, a local cluster that failed to start)."""


@dataclass(frozen=True)
class Outcome:
    """The result of one evaluation: ``metrics`` on success, else ``error`` (the formatted exception)."""

    metrics: dict | None
    error: str | None
    elapsed_s: float


def evaluate_point(study: Study, params: dict) -> Outcome:
    """Evaluate one validated point, capturing errors as text (runs inside workers, so it must be module level).

    :class:`~workbench.core.progress.Cancelled` propagates: the sweep was asked to stop.
    """
    start = time.perf_counter()
    try:
        metrics = study.run(params)
    except Cancelled:
        raise  # a cancelled point is not a failed one: the sweep stops
    except Exception as error:  # reported back to the sweep, which decides how to surface it
        message = "".join(traceback.format_exception_only(type(error), error)).strip()
        return Outcome(None, message, time.perf_counter() - start)
    return Outcome(metrics, None, time.perf_counter() - start)


class Executor:
    """Base interface: ``run(study, points)`` yields ``(index, Outcome)`` as points finish."""

    name = "base"

    def run(self, study: Study, points: Sequence[dict]) -> Iterator[tuple[int, Outcome]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers (no-op for the serial executor)."""


class SerialExecutor(Executor):
    """Evaluate in this process, one point after another (progress and cancellation reach the model loops)."""

    name = "serial"

    def run(self, study: Study, points: Sequence[dict]) -> Iterator[tuple[int, Outcome]]:
        for index, params in enumerate(points):
            yield index, evaluate_point(study, params)


class ProcessExecutor(Executor):
    """A local pool of ``workers`` processes (spawned, so torch and threads in the parent are safe)."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"executor 'processes': workers must be >= 1, got {workers}")
        self.workers = workers or max(1, (os.cpu_count() or 2))
        self._pool: ProcessPoolExecutor | None = None

    def run(self, study: Study, points: Sequence[dict]) -> Iterator[tuple[int, Outcome]]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        pending = {self._pool.submit(evaluate_point, study, params): i for i, params in enumerate(points)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield pending.pop(future), future.result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """A Dask ``distributed.Client`` to ``address``, or a ``LocalCluster`` of ``workers`` processes when none given."""

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        self.address = address
        self.workers = workers
        self._client: Any = None
        self._cluster: Any = None

    def _connect(self) -> Any:
        if self._client is None:
            from distributed import Client

            if self.address:
                try:
                    self._client = Client(self.address, timeout=f"{DASK_CONNECT_TIMEOUT_S}s")
                except (OSError, TimeoutError, ValueError, TypeError) as error:
                    raise ExecutorError(
                        f"executor 'dask:{self.address}': no Dask scheduler answered at {self.address} within "
                        f"{DASK_CONNECT_TIMEOUT_S} s ({_first_line(error)}); start one there, or use 'dask' for a "
                        "local cluster"
                    ) from None
            else:
                self._cluster = self._start_local_cluster()
                self._client = Client(self._cluster)
        return self._client

    def _start_local_cluster(self) -> Any:
        """A ``LocalCluster``, started again once when the first start fails (a worker died while starting)."""
        from distributed import LocalCluster

        for attempt in range(1, LOCAL_CLUSTER_ATTEMPTS + 1):
            try:
                return LocalCluster(
                    n_workers=self.workers or 2, threads_per_worker=1, processes=True, dashboard_address=None
                )
            except Exception as error:  # Nanny, scheduler or worker start failures all mean the same here
                if attempt == LOCAL_CLUSTER_ATTEMPTS:
                    raise ExecutorError(
                        f"executor 'dask': the local Dask cluster failed to start {attempt} times "
                        f"({_first_line(error)}); use --executor processes, or start a scheduler and pass its address"
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def run(self, study: Study, points: Sequence[dict]) -> Iterator[tuple[int, Outcome]]:
        from distributed import as_completed

        client = self._connect()
        futures = {
            client.submit(evaluate_point, study, params, pure=False): i for i, params in enumerate(points)
        }
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


def make_executor(spec: str | Executor = "serial") -> Executor:
    """Build an executor from ``"serial"``, ``"processes[:N]"`` or ``"dask[:ADDRESS]"`` (an Executor passes through).

    Raises
    ------
    ValueError
        For an unknown executor name or a malformed worker count.
    """
    if isinstance(spec, Executor):
        return spec
    name, _, argument = spec.partition(":")
    if name == "serial" and not argument:
        return SerialExecutor()
    if name == "processes":
        if argument and not argument.isdigit():
            raise ValueError(f"executor {spec!r}: 'processes:N' needs a whole number of workers, got {argument!r}")
        return ProcessExecutor(int(argument) if argument else None)
    if name == "dask":
        return DaskExecutor(argument or None)
    raise ValueError(f"unknown executor {spec!r}; use 'serial', 'processes[:N]' or 'dask[:ADDRESS]'")
