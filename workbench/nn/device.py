"""Device selection (``"auto"`` picks CUDA when present, else the CPU) and CPU thread pinning."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """The ``torch.device`` to run on.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"} or torch.device
        ``"auto"`` gives ``cuda`` when a CUDA device is available and ``cpu`` otherwise; ``"cuda:1"`` style
        indices are accepted.

    Raises
    ------
    ValueError
        For an unknown device name.
    RuntimeError
        When CUDA is asked for but this PyTorch build or machine has none.
    """
    if isinstance(device, torch.device):
        name = device.type
    else:
        name = str(device).strip().lower()
    kind = name.split(":", 1)[0]
    if kind not in DEVICES:
        raise ValueError(f"device={device!r} is not allowed; allowed: one of {DEVICES} (optionally 'cuda:N')")
    if kind == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            f"device={device!r} asked for CUDA, but torch {torch.__version__} sees no CUDA device "
            "(CPU-only build or no GPU); use device='auto' or 'cpu'"
        )
    return torch.device(name if isinstance(device, str) else device)


@contextlib.contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run the block with ``threads`` intra-op torch threads, restoring the previous count afterwards.

    One thread makes CPU timings stable on a shared machine and CPU training bit-reproducible across machines
    (multi-threaded reductions round in a run-dependent order).
    """
    if threads < 1:
        raise ValueError(f"threads={threads} is not allowed; allowed: >= 1")
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
