"""The kernel manager of `workbench serve`: a page gets the pooled kernel that is furthest along, a ready one first,
and the pool refills only once pages have stopped opening.

Voila's preheated pool (``--preheat_kernel``) starts ``pool_size`` kernels per notebook, each running its notebook
before a page asks for it, and refills the pool ``fill_delay`` after a page takes one (1 s by default). It hands a
page the *oldest* pooled kernel, whether or not its notebook has finished: a page reopened within ~40 s of another got
the refill that was still executing (a spinner, "Executing 2 of 13", 27-45 s on 2 loaded cores; issue 28) while a
finished kernel sat next to it in the pool. And a refill started at a fixed delay after its page ran its whole
notebook while the next pages opened: a reader going from one dashboard to the next met the previous one's refill.

:class:`ReadyFirstKernelManager` is named as Voila's ``VoilaConfiguration.multi_kernel_manager_class``; Voila builds
its pooling manager on top of it (``voila_kernel_manager_factory``), and this class wraps two of that manager's
methods:

* the hand-out reorders the pool so the page takes, in order of preference, a kernel whose notebook has finished,
  then one that is running it, then one still starting (among equals, the oldest). With two kernels per notebook
  (the `serve` default) a page reopened while the refill still runs takes the second, finished kernel;
* a refill (Voila's ``_initialize`` without a kernel) starts its kernel only once no page of any dashboard has taken a
  kernel for ``refill_quiet_s`` seconds (`workbench serve` sets Voila's ``fill_delay`` to 0 and this to
  :data:`workbench.cli.SERVE_REFILL_QUIET_S`), unless a page is waiting for it: a page whose best pooled kernel has
  not started yet starts it at once.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float

READINESS = ("starting", "running its notebook", "ready")
"""Words for :func:`readiness` levels, as the server log names the kernel a page gets."""

QUIET_POLL_S = 0.25
"""How often a waiting refill looks again at the time of the last page open and at pages waiting for it (s)."""


def readiness(entry: asyncio.Future) -> int:
    """How far a pool entry is: 2 its notebook has run, 1 its kernel is running the notebook, 0 still starting (or
    failed: such an entry is left where it is, for Voila to report)."""
    if not entry.done() or entry.cancelled() or entry.exception() is not None:
        return 0
    render = entry.result().get("task")
    return 2 if render is not None and render.done() else 1


def most_ready_first(pool: list) -> None:
    """Move the furthest-along entry of ``pool`` to its front, in place (stable: the oldest among equals)."""
    if len(pool) > 1:
        best = max(range(len(pool)), key=lambda i: (readiness(pool[i]), -i))
        pool.insert(0, pool.pop(best))


class ReadyFirstKernelManager(AsyncMappingKernelManager):
    """Jupyter's mapping kernel manager whose Voila pooling subclass hands out the most ready pooled kernel and
    refills its pools when pages have stopped opening."""

    refill_quiet_s = Float(0.0, min=0.0, config=True,
                           help="start a pool refill's kernel only once no page has taken a kernel for this long (s); "
                                "a page waiting for that kernel starts it at once")
    _quiet_until = 0.0  # event-loop time before which a refill waits (the last hand-out + refill_quiet_s)
    _wanted: frozenset = frozenset()  # notebooks a page waits on a refill for: their next refill starts at once

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap the hand-out (``get_rendered_notebook``, which takes ``pool[0]``) and the kernel start
        (``_initialize``) of Voila's pooling subclass."""
        super().__init_subclass__(**kwargs)
        take, start = cls.__dict__.get("get_rendered_notebook"), cls.__dict__.get("_initialize")
        if take is not None:
            cls.get_rendered_notebook = _most_ready_hand_out(take)
        if start is not None:
            cls._initialize = _refill_when_quiet(start)


def _most_ready_hand_out(take):
    @functools.wraps(take)
    async def get_rendered_notebook(self, notebook_name: str, *args: Any, **kw: Any):
        pool = self._pools.get(notebook_name, [])
        most_ready_first(pool)
        if pool:
            level = readiness(pool[0])
            self.log.info("Page of %s gets a pooled kernel that is %s (%d in the pool)", notebook_name,
                          READINESS[level], len(pool))
            if level == 0:  # the page would wait for a refill: start it now
                self._wanted = self._wanted | {notebook_name}
        self._quiet_until = asyncio.get_running_loop().time() + self.refill_quiet_s
        return await take(self, notebook_name, *args, **kw)

    return get_rendered_notebook


def _refill_when_quiet(start):
    @functools.wraps(start)
    async def _initialize(self, notebook_name: str, kernel_id: str | None = None, **kw: Any):
        if kernel_id is None:  # a pool fill (a restart passes the kernel it restarts)
            loop = asyncio.get_running_loop()
            asked = loop.time()
            while notebook_name not in self._wanted and (wait := self._quiet_until - loop.time()) > 0:
                await asyncio.sleep(min(wait, QUIET_POLL_S))
            if loop.time() - asked >= QUIET_POLL_S:
                self.log.info("Refill of %s starts after %.1f s (%s)", notebook_name, loop.time() - asked,
                              "a page waits for it" if notebook_name in self._wanted else "pages stopped opening")
            self._wanted = self._wanted - {notebook_name}
        return await start(self, notebook_name, kernel_id, **kw)

    return _initialize
