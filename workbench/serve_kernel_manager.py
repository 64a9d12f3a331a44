"""The kernel manager of ``workbench serve``'s Voila: abandoned kernels culled within a minute, new kernels refused
past a count or memory budget (:mod:`workbench.serve_kernels` describes the policy and holds its defaults)."""

from __future__ import annotations

import time

import psutil
from tornado import web
from traitlets import Float, Integer

from workbench.kernel_pool import ReadyFirstKernelManager
from workbench.serve_kernels import GRACE_S, MAX_KERNELS, MAX_MEMORY_FRACTION, PING_S


class BoundedKernelManager(ReadyFirstKernelManager):
    """A mapping kernel manager (handing out the most ready pooled kernel first) that culls abandoned kernels quickly
    and caps the kernels' count and memory."""

    disconnected_grace_s = Float(GRACE_S, config=True, help="shut a kernel down this long after its last page's "
                                                            "websocket closed (s)")
    websocket_ping_s = Float(PING_S, config=True, help="ping pages' websockets this often; one that has not answered "
                                                       "for twice as long is closed (s; 0: jupyter_server's 30 s)")
    max_kernels = Integer(MAX_KERNELS, config=True, help="refuse a new kernel while this many run")
    max_kernel_memory_gb = Float(round(MAX_MEMORY_FRACTION * psutil.virtual_memory().total / 2**30, 1), config=True,
                                 help="refuse a new kernel while the kernels' resident memory reaches this (GB)")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._alone_since: dict[str, float] = {}  # kernel -> when its last websocket closed (monotonic s)
        # Voila reads its Tornado settings after making its kernel manager: the pings (jupyter_server's websocket
        # keep-alive, in ms; its default is 30 s and 90 s) are set here, beside the grace they serve (an explicit
        # --Voila.tornado_settings wins)
        settings = getattr(self.parent, "tornado_settings", None)
        if isinstance(settings, dict) and self.websocket_ping_s > 0:
            self.parent.tornado_settings = {"ws_ping_interval": int(1000 * self.websocket_ping_s),
                                            "ws_ping_timeout": int(2000 * self.websocket_ping_s), **settings}

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._alone_since.pop(kernel_id, None)

    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        if self._kernel_connections.get(kernel_id, 1) <= 0:
            self._alone_since[kernel_id] = time.monotonic()

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        since = self._alone_since.get(kernel_id)
        if since is not None and time.monotonic() - since >= self.disconnected_grace_s:
            self.log.warning("Shutting down kernel %s: its page's websocket closed %.0f s ago", kernel_id,
                             time.monotonic() - since)
            self._alone_since.pop(kernel_id, None)
            await self.shutdown_kernel(kernel_id)
            return
        await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs) -> None:
        self._alone_since.pop(kernel_id, None)
        await super().shutdown_kernel(kernel_id, *args, **kwargs)

    async def start_kernel(self, *, kernel_id: str | None = None, **kwargs) -> str:
        if kernel_id is None or kernel_id not in self:
            refusal = self.refusal()
            if refusal is not None:
                self.log.warning("Refused a new kernel: %s", refusal)
                raise web.HTTPError(503, refusal, reason=refusal)
        return await super().start_kernel(kernel_id=kernel_id, **kwargs)

    def refusal(self) -> str | None:
        """Why a new kernel would exceed the budget (``None``: it fits)."""
        count = len(self.list_kernel_ids())
        if count >= self.max_kernels:
            return (f"this server already runs {count} kernel{'s' * (count != 1)}, its limit (workbench serve "
                    f"--max-kernels {self.max_kernels}); close a dashboard tab, or try again in a minute")
        used = kernels_memory_gb()
        if used >= self.max_kernel_memory_gb:
            return (f"this server's kernels already use {used:.1f} GB, its limit (workbench serve --max-kernel-memory "
                    f"{self.max_kernel_memory_gb:g}); close a dashboard tab, or try again in a minute")
        return None


def kernels_memory_gb() -> float:
    """Resident memory of this process's kernels (its ``ipykernel`` child processes), GB."""
    total = 0
    for child in psutil.Process().children(recursive=True):
        try:
            if "ipykernel" in " ".join(child.cmdline()):
                total += child.memory_info().rss
        except psutil.Error:  # a kernel that has just exited
            continue
    return total / 2**30
