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
        manager = _manager(0.0, {"tim_dnn.ipynb": [executing, finished]})
        assert await _Pooling.get_rendered_notebook(manager, "tim_dnn.ipynb") == "c"
        assert manager._pools["tim_dnn.ipynb"] == [executing]

    asyncio.run(scenario())


def test_voila_builds_its_pooling_manager_on_ours_with_the_hand_out_and_the_kernel_start_wrapped():
    manager_class = voila_kernel_manager_factory(ReadyFirstKernelManager, True, 2)
    assert issubclass(manager_class, ReadyFirstKernelManager)
    for method in ("get_rendered_notebook", "_initialize"):
        assert getattr(manager_class, method).__wrapped__.__qualname__ == (
            f"voila_kernel_manager_factory.<locals>.VoilaKernelManager.{method}")
    # `workbench serve` configures the quiet time on this class's name, a config section the pooling subclass reads
    assert "ReadyFirstKernelManager" in manager_class.section_names()
    assert manager_class.class_traits()["refill_quiet_s"].metadata["config"]


class _Pooling(ReadyFirstKernelManager):
    """Voila's pooling subclass reduced to what the wrappers see: the hand-out takes ``pool[0]``, and a kernel start
    records when it began."""

    async def get_rendered_notebook(self, notebook_name, **kwargs):
        return (await self._pools[notebook_name].pop(0))["kernel_id"]

    async def _initialize(self, notebook_name, kernel_id=None, **kwargs):
        self.started.append((notebook_name, kernel_id, asyncio.get_running_loop().time()))
        render = asyncio.get_running_loop().create_future()
        render.set_result(([], None))
        return {"kernel_id": kernel_id or f"refill-{len(self.started)}", "task": render, "renderer": None}


def _manager(quiet_s: float, pools: dict) -> SimpleNamespace:
    return SimpleNamespace(_pools=pools, log=logging.getLogger("voila"), refill_quiet_s=quiet_s, started=[],
                           _quiet_until=0.0, _wanted=frozenset())


def test_a_refill_starts_only_once_no_page_has_opened_for_the_quiet_time():
    """Each hand-out (of any dashboard) pushes a waiting refill back to quiet_s after it; a restart, which passes its
    kernel, starts at once."""
    async def scenario():
        loop = asyncio.get_running_loop()
        ready = [await _pool_entry(k, started=True, rendered=True) for k in ("a", "b", "c")]
        manager = _manager(0.4, {"x.ipynb": ready[:2], "y.ipynb": ready[2:]})
        await _Pooling.get_rendered_notebook(manager, "x.ipynb")
        refill = loop.create_task(_Pooling._initialize(manager, "x.ipynb"))
        await asyncio.sleep(0.2)
        second = loop.time()
        await _Pooling.get_rendered_notebook(manager, "y.ipynb")  # another dashboard opens: the refill waits on
        await _Pooling._initialize(manager, "x.ipynb", "kept")  # a restart does not wait
        assert [(n, k) for n, k, _ in manager.started] == [("x.ipynb", "kept")]
        await asyncio.wait_for(refill, timeout=10)
        (_, _, restart_at), (_, _, refill_at) = manager.started
        assert restart_at < second + 0.4 <= refill_at

    asyncio.run(scenario())


def test_a_page_waiting_for_a_refill_not_yet_started_starts_it_at_once():
    async def scenario():
        loop = asyncio.get_running_loop()
        manager = _manager(60.0, {})
        manager._quiet_until = loop.time() + 60.0  # a page has just opened
        manager._pools["x.ipynb"] = [loop.create_task(_Pooling._initialize(manager, "x.ipynb"))]
        await asyncio.sleep(0.3)
        assert manager.started == []  # still waiting for the quiet time
        kernel = await asyncio.wait_for(_Pooling.get_rendered_notebook(manager, "x.ipynb"), timeout=10)
        assert kernel == "refill-1" and manager._wanted == frozenset()

    asyncio.run(scenario())
