"""Serving the dashboards with Voila and driving them in headless Chromium.

Shared by the browser tests, ``benchmarks/bench_ui.py`` and ``docs/gallery.py``: start a Voila server on a free
loopback port, wait until it answers, stop it with its kernels; launch Debian's Chromium through Playwright with the
flags this machine needs. Like ``cli.py`` this module assembles things; nothing in ``core``, ``viz`` or ``ui`` uses it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Where a rendered Altair chart shows up in the page (SVG or canvas renderer).
CHART_SELECTOR = ".vega-embed svg.marks, .vega-embed canvas"


def voila_executable() -> Path:
    """The ``voila`` script beside this interpreter."""
    return Path(sys.executable).with_name("voila")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    log = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [str(voila_executable()), str(root), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1", *extra_args],
        stdout=log, stderr=subprocess.STDOUT, cwd=root, env=env, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            try:
                urllib.request.urlopen(url, timeout=5)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Voila did not start on {url}; log: {log_path or 'not kept'}") from None
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if log_path:
            log.close()


def launch_chromium(playwright):
    """Headless Debian Chromium through a Playwright instance (Playwright's own browser download is not used)."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"headless Chromium not found at {CHROMIUM}: apt-get install chromium")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
