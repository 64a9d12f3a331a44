"""``workbench serve``'s kernel manager: a kernel whose page went away is shut down after the grace, a new kernel past
the budget is refused with the reason (the browser test of ``tests/browser/test_abandoned_kernels.py`` drives it
through real pages)."""

import asyncio

import pytest
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web

from workbench import serve_kernel_manager
from workbench.serve_kernel_manager import BoundedKernelManager
from workbench.serve_kernels import serve_options


@pytest.fixture
def manager(monkeypatch):
    """A manager with one pretend kernel ``k`` and the base class's shutdown and idle cull recorded, not run."""
    made = BoundedKernelManager(disconnected_grace_s=30)
    made._kernel_connections["k"] = 0
    made.calls = []

    async def shutdown(self, kernel_id, *args, **kwargs):
        self.calls.append(("shutdown", kernel_id))

    async def idle_cull(self, kernel_id):
        self.calls.append(("idle cull", kernel_id))

    monkeypatch.setattr(AsyncMappingKernelManager, "shutdown_kernel", shutdown)
    monkeypatch.setattr(AsyncMappingKernelManager, "cull_kernel_if_idle", idle_cull)
    return made


def test_a_kernel_is_shut_down_a_grace_after_its_last_page_left(manager, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(serve_kernel_manager.time, "monotonic", lambda: clock[0])
    cull = lambda: asyncio.run(manager.cull_kernel_if_idle("k"))  # noqa: E731
    cull()
    assert manager.calls == [("idle cull", "k")]  # never connected (a preheated kernel): Voila's and the idle cull's
    manager.notify_connect("k")
    manager.notify_connect("k")  # two tabs
    manager.notify_disconnect("k")
    clock[0] += 100
    cull()
    assert manager.calls[-1] == ("idle cull", "k")  # one page still connected
    manager.notify_disconnect("k")
    clock[0] += 29
    cull()
    assert manager.calls[-1] == ("idle cull", "k")  # within the grace: a reconnecting page keeps it
    manager.notify_connect("k")
    manager.notify_disconnect("k")
    clock[0] += 29
    cull()
    assert manager.calls[-1] == ("idle cull", "k")  # the reconnect restarted the grace
    clock[0] += 1
    cull()
    assert manager.calls[-1] == ("shutdown", "k")
    assert "k" not in manager._alone_since


def test_a_new_kernel_past_the_count_or_memory_budget_is_refused_with_the_reason(manager, monkeypatch):
    started = []

    async def start(self, *args, kernel_id=None, **kwargs):
        started.append(kwargs)
        return "new"

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", start)
    monkeypatch.setattr(serve_kernel_manager, "kernels_memory_gb", lambda: 3.0)
    manager.max_kernels, manager.max_kernel_memory_gb = 3, 4.0
    monkeypatch.setattr(manager, "list_kernel_ids", lambda: ["a", "b"])
    assert asyncio.run(manager.start_kernel(kernel_name="python3")) == "new"
    monkeypatch.setattr(manager, "list_kernel_ids", lambda: ["a", "b", "c"])
    with pytest.raises(web.HTTPError) as refused:
        asyncio.run(manager.start_kernel(kernel_name="python3"))
    assert refused.value.status_code == 503
    assert refused.value.reason == ("this server already runs 3 kernels, its limit (workbench serve --max-kernels 3); "
                                    "close a dashboard tab, or try again in a minute")
    manager.max_kernels = 4
    monkeypatch.setattr(serve_kernel_manager, "kernels_memory_gb", lambda: 4.2)
    with pytest.raises(web.HTTPError, match=r"kernels already use 4.2 GB, its limit \(workbench serve "
                                            r"--max-kernel-memory 4\)"):
        asyncio.run(manager.start_kernel(kernel_name="python3"))
    assert len(started) == 1


def test_the_kernels_memory_is_that_of_this_process_kernels_only():
    assert serve_kernel_manager.kernels_memory_gb() == 0.0  # pytest runs no kernel


def test_serve_installs_the_manager_with_its_budgets():
    assert serve_options(grace_s=20, max_kernels=5, max_memory_gb=2.5) == [
        "--VoilaConfiguration.multi_kernel_manager_class=workbench.serve_kernel_manager.BoundedKernelManager",
        "--BoundedKernelManager.disconnected_grace_s=20", "--BoundedKernelManager.max_kernels=5",
        "--BoundedKernelManager.cull_interval=6", "--BoundedKernelManager.max_kernel_memory_gb=2.5"]
    from traitlets.config import Config
    from voila.app import Voila

    app = Voila()
    app.parse_command_line(serve_options(grace_s=20, max_kernels=5))
    config = Config(app.config)
    made = BoundedKernelManager(config=config, parent=app)
    assert (made.disconnected_grace_s, made.max_kernels, made.cull_interval) == (20, 5, 6)
    assert app.tornado_settings == {"ws_ping_interval": 10_000, "ws_ping_timeout": 20_000}
