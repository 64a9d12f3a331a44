"""Serving the dashboards with Voila (or JupyterLab) and driving them in headless Chromium.

Shared by the browser tests, ``benchmarks/bench_ui.py`` and ``docs/gallery.py``: start a Voila or JupyterLab server
on a free loopback port, wait until it answers, stop it with its kernels; launch Debian's Chromium through Playwright
with the flags this machine needs. Like ``cli.py`` this module assembles things; nothing in ``core``, ``viz`` or
``ui`` uses it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Where a rendered Altair chart shows up in the page (SVG or canvas renderer).
CHART_SELECTOR = ".vega-embed svg.marks, .vega-embed canvas"
#: Dashboard widgets (Explorer, ViewPanel, SweepPanel) carry this class.
DASHBOARD_SELECTOR = ".wb-dashboard"

_LAYOUT_JS = """() => {
  const shown = (e) => e.offsetParent !== null && e.clientWidth > 0;
  const text = (e) => (e.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 80);
  const width = document.documentElement.clientWidth;
  const truncated = [], outside = [], covered = [];
  for (const e of document.querySelectorAll(".widget-label, .widget-label-basic, .jupyter-button, .widget-readout")) {
    if (shown(e) && e.scrollWidth > e.clientWidth + 1)
      truncated.push(`${text(e)} (${e.scrollWidth} > ${e.clientWidth} px)`);
  }
  for (const legend of document.querySelectorAll(".vega-embed g.role-legend")) {
    const box = legend.getBoundingClientRect();
    if (box.width === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5)
      outside.push(`${text(legend)} (x ${Math.round(box.left)}-${Math.round(box.right)} px)`);
    const menu = legend.closest(".vega-embed").querySelector("details > summary");
    const title = legend.querySelector(".role-legend-title") || legend;
    if (menu) {
      const m = menu.getBoundingClientRect(), t = title.getBoundingClientRect();
      if (m.width && t.width && m.left < t.right && t.left < m.right && m.top < t.bottom && t.top < m.bottom)
        covered.push(text(title));
    }
  }
  const repeated = [], cut = [];
  for (const legend of document.querySelectorAll(".vega-embed g.role-legend")) {
    const labels = Array.from(legend.querySelectorAll(".role-legend-label text"), (t) => t.textContent);
    const twice = labels.filter((label, i) => labels.indexOf(label) !== i);
    if (twice.length) repeated.push(`${text(legend)}: ${[...new Set(twice)].join(", ")}`);
    const ellipsis = labels.filter((label) => label.endsWith("\u2026"));
    if (ellipsis.length) cut.push(`${text(legend)}: ${ellipsis.join(", ")}`);
  }
  return {truncated, legends_outside: outside, legend_titles_under_menu: covered, legend_labels_repeated: repeated,
          legend_labels_cut: cut};
}"""


DASHBOARD_CALL = re.compile(r"\b(?:Explorer|ViewPanel|SweepPanel)(?:\.deferred)?\(")
"""A code cell's call that builds a dashboard widget, at once or when the reader nears it (``.deferred``)."""


def dashboards_in(notebook: Path) -> int:
    """How many dashboard widgets (Explorer, ViewPanel, SweepPanel) a notebook's code cells build."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    return sum(len(DASHBOARD_CALL.findall("".join(c["source"]))) for c in cells if c["cell_type"] == "code")


VIEW_PANEL = re.compile(r"\bViewPanel(?:\.deferred)?\(\s*[\"']([\w.]+)[\"']")
"""A code cell's ViewPanel call, capturing the name of the view it shows."""


def views_on(notebook: Path) -> set[str]:
    """The names of the views a notebook's code cells show in a ViewPanel."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    return {name for c in cells if c["cell_type"] == "code" for name in VIEW_PANEL.findall("".join(c["source"]))}


def wait_for_dashboards(page, expected: int, timeout_ms: float) -> None:
    """Wait until ``page`` shows ``expected`` dashboards, each with its chart drawn or an error in its status line
    (a SweepPanel draws nothing before its first sweep). Sections (``.deferred``) are built and charts drawn when
    they near the visible page, so the page is scrolled to each one still waiting, and back to the top at the end."""
    page.wait_for_function(
        "([selector, expected]) => { const boards = Array.from(document.querySelectorAll(selector)); "
        "const waiting = Array.from(document.querySelectorAll('.wb-deferred')).concat(boards.filter(b => "
        "!b.classList.contains('wb-sweep') && !b.querySelector('.vega-embed svg.marks, .vega-embed canvas, "
        ".wb-error'))); "
        "if (waiting.length) waiting[0].scrollIntoView(); "
        "return boards.length >= expected && !waiting.length; }",
        arg=[DASHBOARD_SELECTOR, expected], timeout=timeout_ms)
    page.evaluate("document.querySelector('.wb-dashboard')?.scrollIntoView()")


def layout_problems(page) -> dict[str, list[str]]:
    """What reads badly on a Playwright ``page`` at its current width: widget labels, buttons and slider readouts cut
    off (content wider than the element), chart legends reaching past the window's edges, legend titles under a
    chart's menu button, and legends that repeat a label or cut one short with an ellipsis (series that cannot be
    told apart); each a list of descriptions (all empty when the page reads well)."""
    return page.evaluate(_LAYOUT_JS)


def first_chart_top(page) -> float:
    """Pixels from the top of the window to the first drawn chart, with the page scrolled to its top (Voila scrolls
    ``#rendered_cells``, JupyterLab its notebook panel, elsewhere the window); ``inf`` when no chart is drawn."""
    return page.evaluate("""() => {
      for (const box of document.querySelectorAll("#rendered_cells, .jp-WindowedPanel-outer")) box.scrollTop = 0;
      window.scrollTo(0, 0);
      const chart = document.querySelector(".vega-embed svg.marks, .vega-embed canvas");
      return chart ? chart.getBoundingClientRect().top : Infinity;
    }""")


def voila_executable() -> Path:
    """The ``voila`` script beside this interpreter."""
    return Path(sys.executable).with_name("voila")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _server(argv: list[str], *, name: str, cwd: Path, probe_url: str, log_path: Path | None, start_timeout_s: float,
            env: dict[str, str] | None, shutdown=None) -> Iterator[None]:
    """Run a web server command in its own process group until ``probe_url`` answers; stop it on exit.

    ``shutdown`` (optional) asks the server to stop itself with its kernels first; the process group is then sent
    SIGTERM, and SIGKILL after 20 s.
    """
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            try:
                urllib.request.urlopen(probe_url, timeout=5)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start on {probe_url.partition('?')[0]}; "
                                       f"log: {log_path or 'not kept'}") from None
                time.sleep(0.5)
        yield
    finally:
        if shutdown is not None and process.poll() is None:
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                shutdown()
                process.wait(20)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if log_path:
            log.close()


@contextlib.contextmanager
def voila_server(root: Path, *, log_path: Path | None = None, start_timeout_s: float = 90.0,
                 extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the notebooks under ``root`` with Voila on 127.0.0.1; yields the base URL.

    ``env`` replaces the environment of Voila and its kernels (e.g. a ``PYTHONPATH`` reaching extra modules).

    Raises
    ------
    RuntimeError
        When Voila exits or does not answer within ``start_timeout_s`` (the message names the log file).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [str(voila_executable()), str(root), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1", *extra_args]
    with _server(argv, name="Voila", cwd=root, probe_url=url, log_path=log_path, start_timeout_s=start_timeout_s,
                 env=env):
        yield url


def jupyter_executable() -> Path:
    """The ``jupyter`` script beside this interpreter."""
    return Path(sys.executable).with_name("jupyter")


@contextlib.contextmanager
def jupyter_lab(root: Path, *, log_path: Path | None = None, start_timeout_s: float = 120.0,
                extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> Iterator[str]:
    """Run headless JupyterLab on 127.0.0.1 with its root at ``root``; yields ``http://127.0.0.1:PORT/?token=TOKEN``.

    The token is random, so only the caller can reach the server; open a notebook at
    ``http://127.0.0.1:PORT/lab/tree/<path>?token=TOKEN``. Lab settings, workspaces and runtime files go to a
    temporary folder (a user's JupyterLab state neither leaks in nor gets written), update checks and news (and the
    toast asking about them) are off,
    and ``--allow-root`` lets it run in CI containers. On exit the server is asked to shut down with its kernels
    (``POST /api/shutdown``), then its process group is terminated.

    Raises
    ------
    RuntimeError
        When JupyterLab exits or does not answer within ``start_timeout_s`` (the message names the log file).
    """
    port = free_port()
    token = secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory(prefix="workbench-lab-") as state:
        argv = [str(jupyter_executable()), "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={state}/settings",
                f"--LabApp.workspaces_dir={state}/workspaces", "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *extra_args]
        server_env = dict(os.environ if env is None else env, JUPYTER_RUNTIME_DIR=f"{state}/runtime")
        notification = Path(state, "settings", "@jupyterlab", "apputils-extension", "notification.jupyterlab-settings")
        notification.parent.mkdir(parents=True)
        notification.write_text('{"fetchNews": "false", "checkForUpdates": false}\n')  # no news prompt over the page

        def shutdown() -> None:
            request = urllib.request.Request(f"{base}api/shutdown", method="POST",
                                             headers={"Authorization": f"token {token}"})
            urllib.request.urlopen(request, timeout=10)

        with _server(argv, name="JupyterLab", cwd=root, probe_url=f"{base}api/status?token={token}",
                     log_path=log_path, start_timeout_s=start_timeout_s, env=server_env, shutdown=shutdown):
            yield f"{base}?token={token}"


def launch_chromium(playwright):
    """Headless Debian Chromium through a Playwright instance (Playwright's own browser download is not used)."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"headless Chromium not found at {CHROMIUM}: apt-get install chromium")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


def pool_hand_outs(log_lines: list[str], notebook: str) -> list[str]:
    """How ready each pooled kernel handed to a page of ``notebook`` was (:data:`workbench.kernel_pool.READINESS`),
    in order, from a `workbench serve` log's lines."""
    prefix = f"Page of {notebook} gets a pooled kernel that is "
    return [line.split(prefix, 1)[1].split(" (")[0] for line in log_lines if prefix in line]


def wait_for_idle_kernels(port: int, *, at_least: int = 0, below_percent: float = 5.0, timeout_s: float = 600) -> None:
    """Wait until the Voila server on ``port`` runs at least ``at_least`` kernels (a server just started may not have
    launched its pool's yet) and they together use less than ``below_percent`` of a CPU over a second (a pooled
    kernel has finished running its notebook)."""
    import psutil

    server = next(p for p in psutil.process_iter(["cmdline"]) if f"--port={port}" in (p.info["cmdline"] or []))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        kernels = []
        for child in server.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if "ipykernel_launcher" in " ".join(child.cmdline()):
                    child.cpu_percent(None)
                    kernels.append(child)
        time.sleep(1.0)
        busy = 0.0
        for kernel in kernels:
            with contextlib.suppress(psutil.Error):  # a kernel that has just exited
                busy += kernel.cpu_percent(None)
        if len(kernels) >= at_least and busy < below_percent:
            return
    raise TimeoutError(f"the kernels of the server on port {port} stayed busy for {timeout_s} s")
