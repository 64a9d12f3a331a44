"""The kernel manager of `workbench serve`: a page gets the pooled kernel that is furthest along, a ready one first.

Voila's preheated pool (``--preheat_kernel``) starts ``pool_size`` kernels per notebook, each running its notebook
before a page asks for it, and refills the pool ``fill_delay`` after a page takes one (1 s; `workbench serve` sets
15 s, :data:`workbench.cli.SERVE_REFILL_DELAY_S`). It hands a page the *oldest*
pooled kernel, whether or not its notebook has finished: a page reopened within ~40 s of another got the refill that
was still executing (a spinner, "Executing 2 of 13", 27-45 s on 2 loaded cores; issue 28) while a finished kernel
sat next to it in the pool.

:class:`ReadyFirstKernelManager` is named as Voila's ``VoilaConfiguration.multi_kernel_manager_class``; Voila builds
its pooling manager on top of it (``voila_kernel_manager_factory``), and this class reorders that pool before each
hand-out so the page takes, in order of preference, a kernel whose notebook has finished, then one that is running
it, then one still starting (among equals, the oldest). With two kernels per notebook (the `serve` default) a page
reopened while the refill still runs takes the second, finished kernel.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

READINESS = ("starting", "running its notebook", "ready")
"""Words for :func:`readiness` levels, as the server log names the kernel a page gets."""


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
    """Jupyter's mapping kernel manager whose Voila pooling subclass hands out the most ready pooled kernel."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wrap the hand-out of Voila's pooling subclass (its ``get_rendered_notebook`` takes ``pool[0]``)."""
        super().__init_subclass__(**kwargs)
        take = cls.__dict__.get("get_rendered_notebook")
        if take is None:
            return

        @functools.wraps(take)
        async def get_rendered_notebook(self, notebook_name: str, *args: Any, **kw: Any):
            pool = self._pools.get(notebook_name, [])
            most_ready_first(pool)
            if pool:
                self.log.info("Page of %s gets a pooled kernel that is %s (%d in the pool)", notebook_name,
                              READINESS[readiness(pool[0])], len(pool))
            return await take(self, notebook_name, *args, **kw)

        cls.get_rendered_notebook = get_rendered_notebook
