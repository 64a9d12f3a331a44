"""Wall-clock timing shared by the speed models and the benchmarks: the best of repeated runs."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

__all__ = ["best_time"]


def best_time(fn: Callable[[], object], repeats: int = 1, *, inner: int = 1, warmup: bool = True) -> float:
    """Best wall time (s) of one call of ``fn``.

    ``repeats`` timings of ``inner`` back-to-back calls each (their mean per call), after one untimed warm-up call
    unless ``warmup`` is false; the minimum over the timings filters the noise of a shared machine.
    """
    if warmup:
        fn()
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - start) / inner)
    return best
