"""The thread setting a training study runs under, importable without loading torch.

Study modules are imported when the registry is first filled, interactive ones included, so what a study declares
must not load torch; the torch import happens when the context is entered, i.e. when a point is evaluated.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """Run the block with one intra-op torch thread (:func:`workbench.nn.device.torch_threads`).

    Training sums gradients in an order that depends on the thread count, and the count differs between a terminal
    (all cores), a process pool (all cores per worker) and a Dask worker (one thread): a seeded tim.quant point gave
    41.111 % with two threads and 40.741 % with one. A batch study declares this context
    (:attr:`workbench.core.study.Study.context`), so its stored result is the same whichever executor computed it.
    """
    from workbench.nn.device import torch_threads

    with torch_threads(1):
        yield
