"""Kernels of ``workbench serve`` bounded under abuse: an abandoned page loses its kernel within a minute, and the
server refuses a new kernel past a count or memory budget with a page saying so.

Voila gives every page a kernel (~0.5 GB with a training theme's dashboard) and shuts it down when the page says
goodbye; a page that cannot (a crashed or killed browser, a closed laptop, a lost network) left its kernel to the idle
cull, ten minutes later, so a few killed browsers held most of the machine's memory.
:class:`~workbench.serve_kernel_manager.BoundedKernelManager`
(Voila's ``VoilaConfiguration.multi_kernel_manager_class``):

* shuts a kernel down once ``disconnected_grace_s`` has passed since its last page's websocket closed (busy or not:
  no page can reconnect to it; a page that reconnects within the grace keeps it). A websocket whose browser vanished
  without closing it (a closed laptop, a lost network) is pinged every ``websocket_ping_s`` seconds and closed when it
  has not answered for twice as long. Kernels no page ever connected to (Voila's preheated pool) are left to Voila
  and the idle cull;
* refuses to start a kernel (HTTP 503 with the reason on Voila's error page) while the server runs ``max_kernels``
  kernels or its kernels' resident memory is ``max_kernel_memory_gb`` or more.

This module holds the budgets' defaults and the arguments that install the manager; it imports nothing of the Jupyter
server (seconds), which only ``workbench serve``'s Voila loads. Like ``cli.py`` it assembles the server; nothing in
``core``, ``viz`` or ``ui`` uses it.
"""

from __future__ import annotations

#: Defaults of ``workbench serve``: at most 26 s from a killed browser to its kernel's end (a grace of 20 s, checked
#: every 6 s), at most a minute from a silent one (30 s more: its unanswered pings), 32 kernels (the 9 dashboards'
#: preheated pool of 2 each and 14 pages), and half the machine's memory.
GRACE_S = 20
PING_S = 10
MAX_KERNELS = 32
MAX_MEMORY_FRACTION = 0.5


def serve_options(*, grace_s: float = GRACE_S, max_kernels: int = MAX_KERNELS,
                  max_memory_gb: float | None = None) -> list[str]:
    """Voila arguments installing :class:`~workbench.serve_kernel_manager.BoundedKernelManager` with these budgets
    (``max_memory_gb`` None: half the machine's memory).

    Raises
    ------
    ValueError
        Naming the ``workbench serve`` option and what is allowed.
    """
    if not 1 <= grace_s <= 3600:
        raise ValueError(f"--kernel-grace {grace_s:g} is not allowed; allowed: 1 to 3600 s")
    if max_kernels < 1:
        raise ValueError(f"--max-kernels {max_kernels} is not allowed; allowed: 1 or more")
    name = "BoundedKernelManager"
    args = [f"--VoilaConfiguration.multi_kernel_manager_class=workbench.serve_kernel_manager.{name}",
            f"--{name}.disconnected_grace_s={grace_s:g}", f"--{name}.max_kernels={max_kernels}",
            f"--{name}.cull_interval={max(1, min(10, int(grace_s) // 3))}"]
    if max_memory_gb is not None:
        if not max_memory_gb > 0:
            raise ValueError(f"--max-kernel-memory {max_memory_gb:g} is not allowed; allowed: more than 0 GB")
        args.append(f"--{name}.max_kernel_memory_gb={max_memory_gb:g}")
    return args
