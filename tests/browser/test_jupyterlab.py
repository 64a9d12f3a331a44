"""The Explorer in JupyterLab: a notebook run in a real JupyterLab (headless Chromium through Playwright) draws the
Vega chart and redraws it when a knob changes.

The issue asks for charts that render "in JupyterLab and in Voila"; ``test_voila.py`` covers Voila. Here a temporary
folder holds a one-cell notebook building an Explorer over the toy ``sample.lens`` study (``tests/`` is on the
kernel's ``PYTHONPATH``, see ``tests/conftest.py``); JupyterLab opens it, ``Run > Run All Cells`` runs it.
"""

from __future__ import annotations

import nbformat
import pytest

from workbench.testing.dashboards import CHART_SELECTOR, CHROMIUM, jupyter_executable, jupyter_lab, launch_chromium

TIMEOUT_MS = 120_000
EXPLORER = ".jp-OutputArea .wb-explorer"
CELL = """import sample_studies  # noqa: F401  (registers sample.lens)

from workbench.core.registry import get_study
from workbench.ui import Explorer

Explorer(get_study("sample.lens"), x="weight_g", y="brightness")"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"headless browser tests need Chromium at {CHROMIUM}"),
    pytest.mark.skipif(not jupyter_executable().exists(),
                       reason=f"JupyterLab is not installed beside the interpreter ({jupyter_executable()})"),
]


def _chart_markup(page) -> str:
    return page.locator(f"{EXPLORER} .vega-embed svg.marks").first.evaluate("e => e.outerHTML")


def _run_all_cells(page) -> None:
    """``Run > Run All Cells``, repeated (at most three times) until the first cell's prompt leaves ``[ ]``.

    Focusing the cell first makes the notebook the shell's current widget, whose cells the command runs. An earlier
    version, which waited only for the toolbar's idle indicator (present before the kernel connects) and did not
    focus the cell, saw the command do nothing in 2 of 5 runs on two loaded cores; the repeat is the safety net.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    prompt = page.locator(".jp-NotebookPanel .jp-Cell .jp-InputPrompt").first
    for _ in range(3):
        page.locator(".jp-NotebookPanel .jp-Cell .jp-InputArea-editor").first.click()  # focus the notebook
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function("e => !e.innerText.includes('[ ]')", arg=prompt.element_handle(), timeout=15_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("Run > Run All Cells did not start the notebook's cell three times in a row")


def test_explorer_chart_renders_and_redraws_in_jupyterlab(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    root = tmp_path / "root"
    root.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, root / "explorer.ipynb")

    with jupyter_lab(root, log_path=tmp_path / "lab.log") as url, sync_api.sync_playwright() as playwright:
        base, _, query = url.partition("?")
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}lab/tree/explorer.ipynb?{query}", wait_until="commit", timeout=TIMEOUT_MS)
            page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=TIMEOUT_MS)
            kernel_idle = page.locator(".jp-StatusBar-Widget", has_text="Python 3 (ipykernel) | Idle").first
            kernel_idle.wait_for(timeout=TIMEOUT_MS)  # the kernel has started and answers
            _run_all_cells(page)

            page.locator(f"{EXPLORER} .widget-checkbox input[type=checkbox]").first.wait_for(timeout=TIMEOUT_MS)
            page.wait_for_selector(", ".join(f"{EXPLORER} {s.strip()}" for s in CHART_SELECTOR.split(",")),
                                   timeout=TIMEOUT_MS)
            kernel_idle.wait_for(timeout=TIMEOUT_MS)
            assert page.locator(f"{EXPLORER} .widget-slider").count() >= 2  # a slider per numeric knob
            assert "weight_g (g)" in _chart_markup(page)  # axis title with unit
            assert page.locator(".jp-OutputArea [data-mime-type='application/vnd.jupyter.stderr']").count() == 0

            # ticking image stabilisation adds 80 g: a new point, so the chart is redrawn
            before = _chart_markup(page)
            page.locator(f"{EXPLORER} .widget-checkbox input[type=checkbox]").first.check()
            page.wait_for_function(
                "([sel, before]) => { const c = document.querySelector(sel); return c && c.outerHTML !== before; }",
                arg=[f"{EXPLORER} .vega-embed svg.marks", before], timeout=30_000,
            )
            assert page.locator(f"{EXPLORER} .wb-error").count() == 0
        finally:
            browser.close()
