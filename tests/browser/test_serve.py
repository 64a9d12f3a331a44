"""`workbench serve`'s Voila in a real browser: every asset comes from the server, and no kernel outlives its page.

The server runs with exactly the arguments and environment of ``workbench serve`` (``cli.voila_serve_options``: the
workbench template, two preheated kernels per notebook handed out most ready first and refilled once pages stop
opening, idle culling, the kernel budgets) over a folder holding only the Explorer test notebook. The kernel budgets
(``serve_kernels.serve_options``: abandoned kernels culled, new ones refused past a count) are driven on servers of
their own without a pool, so every page starts a kernel.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from workbench.cli import SERVE_POOL_SIZE, voila_serve_options
from workbench.testing.dashboards import (
    CHART_SELECTOR,
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    pool_hand_outs,
    voila_server,
    wait_for_idle_kernels,
)

HERE = Path(__file__).resolve().parent
PAGE_TIMEOUT_MS = 240_000
POOL_SIZE = SERVE_POOL_SIZE
REFILL_QUIET_S = 3.0
"""The pool refills once no page has opened for this long (`serve`'s 15 s, shortened so each view waits less)."""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"headless browser tests need Chromium at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``(base URL, server port, server log)`` of a `workbench serve`-configured Voila over one copy of the Explorer
    notebook."""
    folder = tmp_path_factory.mktemp("served")
    shutil.copy(HERE / "explorer_lens.ipynb", folder / "lens.ipynb")
    extra_args, env = voila_serve_options(pool_size=POOL_SIZE, refill_quiet_s=REFILL_QUIET_S)
    log = folder.parent / "voila.log"
    with voila_server(folder, log_path=log, extra_args=tuple(extra_args), env=env) as url:
        yield url, urlsplit(url).port, log


def kernels(port: int) -> list:
    """The kernel processes of the Voila server listening on ``port``."""
    psutil = pytest.importorskip("psutil")
    server = next(p for p in psutil.process_iter(["cmdline"]) if f"--port={port}" in (p.info["cmdline"] or []))
    found = []
    for child in server.children(recursive=True):
        with contextlib.suppress(psutil.Error):  # a kernel that has just exited (or is a zombie) is not running
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(child.cmdline()):
                found.append(child)
    return found


def wait_for_kernels(port: int, count: int, *, steady_s: float = 3, timeout_s: float = 180) -> list:
    """Wait until the server has run exactly ``count`` kernels for ``steady_s`` (a refill of the pool may be about to
    start one); fail naming the last count after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    since = None
    while True:
        running = kernels(port)
        now = time.monotonic()
        since = (since or now) if len(running) == count else None
        if since is not None and now - since >= steady_s:
            return running
        assert now < deadline, f"{len(running)} kernels after {timeout_s} s, expected {count}"
        time.sleep(0.5)


def test_dashboard_and_tree_load_nothing_from_outside_the_server(browser, served):
    url, _, _ = served
    context = browser.new_context()
    outside = []

    def only_local(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    try:
        page.goto(f"{url}/voila/render/lens.ipynb", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_selector(CHART_SELECTOR, timeout=PAGE_TIMEOUT_MS)
        icon = page.locator(".wb-explorer button i.fa-download").first
        assert "Font Awesome" in icon.evaluate("i => getComputedStyle(i, '::before').fontFamily")
        font_loaded = "document.fonts.ready.then(() => document.fonts.check('900 14px \"Font Awesome 5 Free\"'))"
        assert page.evaluate(font_loaded)
        page.goto(f"{url}/voila/tree", timeout=PAGE_TIMEOUT_MS)
        page.get_by_text("lens.ipynb").first.wait_for(timeout=60_000)
    finally:
        context.close()
    assert outside == []


def open_lens(context, url: str):
    """A new page of ``context`` showing the served Explorer notebook, once its first chart is drawn."""
    page = context.new_page()
    page.goto(f"{url}/voila/render/lens.ipynb", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector(CHART_SELECTOR, timeout=PAGE_TIMEOUT_MS)
    return page


def test_closed_and_reloaded_pages_release_their_kernels(browser, served):
    """Five page views, each left by navigating away, reloading or closing the tab: the kernel count and their memory
    come back to the preheated pool's."""
    url, port, _ = served
    wait_for_kernels(port, POOL_SIZE)
    page_kernel_rss = 0  # the largest kernel seen while a page shows its dashboard
    context = browser.new_context()
    try:
        for view in range(5):
            page = open_lens(context, url)
            page_kernel_rss = max([page_kernel_rss] + [p.memory_info().rss for p in kernels(port)])
            if view % 3 == 0:
                page.goto("about:blank", timeout=PAGE_TIMEOUT_MS)
            elif view % 3 == 1:
                page.reload(wait_until="commit", timeout=PAGE_TIMEOUT_MS)
                page.wait_for_selector(CHART_SELECTOR, timeout=PAGE_TIMEOUT_MS)
                page.goto("about:blank", timeout=PAGE_TIMEOUT_MS)
            page.close(run_before_unload=True)
            wait_for_kernels(port, POOL_SIZE)
    finally:
        context.close()
    after = wait_for_kernels(port, POOL_SIZE)
    assert sum(p.memory_info().rss for p in after) < 1.5 * POOL_SIZE * page_kernel_rss


def test_a_page_reopened_at_once_gets_a_ready_kernel_and_the_refills_wait_for_the_pages(browser, served):
    """Issue 28: a page closed and opened again at once takes the pool's spare, whose notebook has run, and neither
    replacement starts its kernel (running its notebook) before pages have stopped opening for the quiet time."""
    url, port, log = served
    wait_for_kernels(port, POOL_SIZE)
    wait_for_idle_kernels(port, at_least=POOL_SIZE)  # both pooled notebooks have run: the first page takes a ready one
    seen = len(log.read_text(errors="replace").splitlines())
    context = browser.new_context()
    try:
        for _ in range(2):
            open_lens(context, url).close(run_before_unload=True)
    finally:
        context.close()
    wait_for_kernels(port, POOL_SIZE)
    lines = log.read_text(errors="replace").splitlines()[seen:]
    assert pool_hand_outs(lines, "lens.ipynb") == ["ready", "ready"], lines
    refills = [float(line.split("starts after ")[1].split(" s")[0]) for line in lines if "Refill of lens.ipynb" in line]
    assert len(refills) == 2 and min(refills) >= REFILL_QUIET_S - 0.5, lines  # each waited for the last page open


@contextlib.contextmanager
def budgeted(folder: Path, **budgets):
    """``(base URL, port)`` of a `workbench serve`-configured Voila without a pool over one copy of the Explorer
    notebook, with ``serve_options(**budgets)``."""
    folder.mkdir()
    shutil.copy(HERE / "explorer_lens.ipynb", folder / "lens.ipynb")
    extra_args, env = voila_serve_options(pool_size=0, **budgets)
    with voila_server(folder, log_path=folder.parent / f"{folder.name}.log", env=env, extra_args=extra_args) as url:
        yield url, urlsplit(url).port


@contextlib.contextmanager
def killable_browser(browser, profile: Path):
    """A Chromium of its own (its own process group), connected over CDP; yields ``(its first page, kill)``, where
    ``kill()`` ends every process of that browser with SIGKILL: no unload handler runs, as when a browser crashes."""
    port = free_port()
    process = subprocess.Popen([str(CHROMIUM), *CHROMIUM_ARGS, f"--remote-debugging-port={port}",
                                f"--user-data-dir={profile}", "about:blank"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)

    def kill():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connected = browser.browser_type.connect_over_cdp(f"http://127.0.0.1:{port}", timeout=5_000)
                break
            except Exception:  # not listening yet
                assert time.monotonic() < deadline, "Chromium did not open its debugging port within 60 s"
                time.sleep(0.5)
        context = connected.contexts[0]
        yield (context.pages[0] if context.pages else context.new_page()), kill
    finally:
        kill()


@pytest.mark.slow
def test_pages_killed_without_unload_lose_their_kernels_within_two_minutes(browser, tmp_path):
    """Ten browsers killed (SIGKILL) while showing a dashboard, so no unload handler runs: each kernel ends after the
    grace, and two minutes after the last kill no kernel is left (the idle cull took ten)."""
    with budgeted(tmp_path / "served") as (url, port):
        wait_for_kernels(port, 0)
        most = 0
        for view in range(10):
            with killable_browser(browser, tmp_path / f"profile{view}") as (page, kill):
                page.goto(f"{url}/voila/render/lens.ipynb", timeout=PAGE_TIMEOUT_MS)
                page.wait_for_selector(CHART_SELECTOR, timeout=PAGE_TIMEOUT_MS)
                most = max(most, len(kernels(port)))
                kill()
        killed = time.monotonic()
        wait_for_kernels(port, 0, timeout_s=120)
        print(f"kernels at most {most} while pages were open; none {time.monotonic() - killed:.0f} s after the last "
              "kill")


def test_a_page_past_the_kernel_budget_is_refused_with_the_reason(browser, tmp_path):
    with budgeted(tmp_path / "served", max_kernels=1) as (url, port):
        context = browser.new_context()
        try:
            first = context.new_page()
            first.goto(f"{url}/voila/render/lens.ipynb", timeout=PAGE_TIMEOUT_MS)
            first.wait_for_selector(CHART_SELECTOR, timeout=PAGE_TIMEOUT_MS)
            second = context.new_page()
            response = second.goto(f"{url}/voila/render/lens.ipynb", timeout=PAGE_TIMEOUT_MS)
            assert response.status == 503
            second.get_by_text("this server already runs 1 kernel, its limit (workbench serve --max-kernels 1); "
                               "close a dashboard tab, or try again in a minute").wait_for(timeout=10_000)
            assert len(kernels(port)) == 1
        finally:
            context.close()
