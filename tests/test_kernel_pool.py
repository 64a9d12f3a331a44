"""The `workbench serve` kernel pool hands a page the most ready pooled kernel (issue 28: a reopened page waited for
a refill still running its notebook while a finished kernel sat in the pool)."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

from voila.voila_kernel_manager import voila_kernel_manager_factory

from workbench.kernel_pool import ReadyFirstKernelManager, most_ready_first, readiness


async def _pool_entry(kernel_id: str, *, started: bool, rendered: bool) -> asyncio.Future:
    """A pool entry as Voila's ``fill_if_needed`` makes it: a task resolving to the kernel and its render task."""
    loop = asyncio.get_running_loop()
    render = loop.create_future()
    if rendered:
        render.set_result(([], None))
    entry = loop.create_future()
    if started:
        entry.set_result({"kernel_id": kernel_id, "task": render, "renderer": None})
    return entry


def test_a_page_takes_the_finished_kernel_before_older_ones_still_starting_or_executing():
    async def scenario():
        starting = await _pool_entry("a", started=False, rendered=False)
        executing = await _pool_entry("b", started=True, rendered=False)
        finished = await _pool_entry("c", started=True, rendered=True)
        also_finished = await _pool_entry("d", started=True, rendered=True)
        failed = asyncio.get_running_loop().create_future()
        failed.set_exception(RuntimeError("kernel died"))
        assert [readiness(e) for e in (starting, executing, finished, failed)] == [0, 1, 2, 0]

        pool = [starting, executing, finished, also_finished]
        most_ready_first(pool)
        assert pool == [finished, starting, executing, also_finished]  # the oldest finished one; others keep order
        pool = [starting, failed, executing]
        most_ready_first(pool)
        assert pool == [executing, starting, failed]

        # a pooling subclass that takes pool[0], as Voila's does, takes the finished kernel
        class Pooling(ReadyFirstKernelManager):
            async def get_rendered_notebook(self, notebook_name, **kwargs):
                return (await self._pools[notebook_name].pop(0))["kernel_id"]

        manager = SimpleNamespace(_pools={"tim_dnn.ipynb": [executing, finished]}, log=logging.getLogger("voila"))
        assert await Pooling.get_rendered_notebook(manager, "tim_dnn.ipynb") == "c"
        assert manager._pools["tim_dnn.ipynb"] == [executing]

    asyncio.run(scenario())


def test_voila_builds_its_pooling_manager_on_ours_with_the_hand_out_wrapped():
    manager_class = voila_kernel_manager_factory(ReadyFirstKernelManager, True, 2)
    assert issubclass(manager_class, ReadyFirstKernelManager)
    assert manager_class.get_rendered_notebook.__wrapped__.__qualname__ == (
        "voila_kernel_manager_factory.<locals>.VoilaKernelManager.get_rendered_notebook")
