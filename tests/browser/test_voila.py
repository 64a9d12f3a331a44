"""Dashboards in a real browser: Voila serves the notebooks, headless Chromium (Playwright) drives them.

One Voila server (rooted at the repository) serves ``tests/browser/explorer_lens.ipynb``, an Explorer over the toy
``sample.lens`` study from ``tests/sample_studies.py`` (importable by the kernel through ``PYTHONPATH``, see
``tests/conftest.py``), and every ``notebooks/*.ipynb``. Voila starts a kernel and executes the notebook for each
page, which takes ~15-20 s here, so the Explorer checks share one page, and each dashboard's page is checked at
both widths (1400 px, then resized to 1000 px) before its export is tried.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from workbench.cli import voila_serve_options
from workbench.testing.dashboards import CHART_SELECTOR as CHART
from workbench.testing.dashboards import (
    CHROMIUM,
    dashboards_in,
    first_chart_top,
    layout_problems,
    voila_executable,
    voila_server,
    wait_for_dashboards,
)

ROOT = Path(__file__).resolve().parents[2]
VOILA = voila_executable()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PAGE_TIMEOUT_MS = 240_000
CHART_MARKERS = ("Explorer(", "ViewPanel(")
WIDTHS = (1400, 1000)
"""Window widths a dashboard must read well at (a laptop and a projector / half-screen window)."""
FOLD_PX = 800
"""Window height at which a dashboard's first chart must start in view (a projector's 1000x800)."""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"headless browser tests need Chromium at {CHROMIUM}"),
    pytest.mark.skipif(not VOILA.exists(), reason=f"Voila is not installed beside the interpreter ({VOILA})"),
]


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    """Base URL of a Voila server over the repository (stopped, with its kernels, at the end)."""
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    extra_args, env = voila_serve_options(pool_size=0)  # as `workbench serve` runs it, a kernel per page
    with voila_server(ROOT, log_path=log, extra_args=("--show_tracebacks=True", *extra_args), env=env) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def _chart_markup(page) -> str:
    return page.eval_on_selector(".wb-explorer .vega-embed", "e => e.querySelector('svg.marks, canvas').outerHTML")


def _wait_chart_change(page, before: str) -> None:
    page.wait_for_function(
        "before => { const c = document.querySelector('.wb-explorer .vega-embed svg.marks, .wb-explorer .vega-embed"
        " canvas'); return c && (c.tagName === 'CANVAS' ? c.toDataURL() : c.outerHTML) !== before; }",
        arg=before, timeout=30_000,
    )


def test_explorer_redraws_on_knob_change_and_shows_constraint_errors(page, voila_url):
    page.goto(f"{voila_url}/voila/render/tests/browser/explorer_lens.ipynb", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector(".wb-explorer .widget-slider", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector(f".wb-explorer {CHART.replace(', ', ', .wb-explorer ')}", timeout=PAGE_TIMEOUT_MS)
    status = page.locator(".wb-explorer .wb-status")
    assert "updated in" in status.inner_text()
    assert "weight_g (g)" in _chart_markup(page)  # axis title with unit

    # a valid change: image stabilisation adds 80 g, so every point moves and the chart is redrawn
    table_before = page.locator(".wb-explorer .wb-metrics").inner_text()
    before = page.eval_on_selector(".wb-explorer .vega-embed svg.marks", "e => e.outerHTML")
    page.locator(".wb-explorer .widget-checkbox input[type=checkbox]").first.check()
    _wait_chart_change(page, before)
    page.wait_for_function(
        "before => document.querySelector('.wb-explorer .wb-metrics').innerText !== before", arg=table_before,
        timeout=30_000)
    assert "306.5" in page.locator(".wb-explorer .wb-metrics").inner_text()  # 126.5 + 100 + 80 g
    assert page.locator(".wb-explorer .wb-error").count() == 0

    # an invalid change: aperture 55 mm > focal length 50 mm violates the study's joint constraint
    readout = page.locator(".wb-explorer .widget-slider").filter(has_text="aperture_mm").locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("55")
    page.keyboard.press("Enter")
    error = page.locator(".wb-explorer .wb-error")
    error.wait_for(timeout=30_000)
    assert "the aperture must not exceed the focal length" in error.inner_text()
    assert "aperture_mm" in error.inner_text() and "55" in error.inner_text()

    # clicking a point of the (last valid) sweep curve shows its params; loading them clears the error
    points = page.locator(".wb-explorer svg.marks g.mark-symbol").first.locator("path")
    points.nth(points.count() - 1).click()  # the heaviest lens: focal length 200 mm
    page.get_by_text("clicked point").wait_for(timeout=30_000)
    assert "200" in page.locator(".wb-explorer .wb-params").inner_text()
    page.get_by_role("button", name="Use these knobs").click()
    page.locator(".wb-explorer .wb-ok").wait_for(timeout=30_000)
    assert page.locator(".wb-explorer .wb-error").count() == 0
    assert "10" in readout.inner_text()  # the clicked point's aperture, 10 mm


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_renders_under_voila(page, voila_url, notebook):
    page.goto(f"{voila_url}/voila/render/notebooks/{notebook.name}", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector(".jp-OutputArea, .jp-Cell", timeout=PAGE_TIMEOUT_MS)
    if any(marker in notebook.read_text() for marker in CHART_MARKERS):
        page.wait_for_selector(CHART, timeout=PAGE_TIMEOUT_MS)
    wait_for_dashboards(page, dashboards_in(notebook), PAGE_TIMEOUT_MS)  # the later sections built as the reader nears
    text = page.locator("body").inner_text()
    assert "Traceback" not in text and "There was an error when executing cell" not in text, text[-2000:]
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    errors = page.locator(".wb-error")
    assert errors.count() == 0, errors.all_inner_texts()
    _check_layout(page, notebook)
    if re.search(r"ViewPanel(?:\.deferred)?\(", notebook.read_text()):
        _export_first_view(page)


def _check_layout(page, notebook: Path) -> None:
    """Once every dashboard of the page has drawn its chart (or shown an error): at each of :data:`WIDTHS` no widget
    label, button or readout is cut off and every chart legend lies inside the window, clear of the chart menu."""
    wait_for_dashboards(page, dashboards_in(notebook), PAGE_TIMEOUT_MS)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_function(f"document.documentElement.clientWidth <= {width}", timeout=30_000)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # relaid out
        problems = {kind: found for kind, found in layout_problems(page).items() if found}
        assert not problems, f"{notebook.name} at {width} px: {problems}"
    if not any(marker in notebook.read_text() for marker in CHART_MARKERS):
        return
    # a projector-sized window shows the first chart without scrolling (issue 28: pruning's and sparce's were below)
    page.set_viewport_size({"width": 1000, "height": FOLD_PX})
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert first_chart_top(page) < FOLD_PX - 100, f"{notebook.name}: first chart below the fold at 1000x{FOLD_PX}"


def _export_first_view(page) -> None:
    """Click Export on the dashboard's first view; the status line names every written file, which must exist."""
    view = page.locator(".wb-view").first
    view.get_by_role("button", name="Export SVG/PNG/PDF").click()
    status = view.locator(".wb-status", has_text="exported")
    status.wait_for(timeout=60_000)
    paths = [Path(p.strip()) for p in status.inner_text().split("exported", 1)[1].split(",")]
    assert sorted(p.suffix for p in paths) == [".csv", ".json", ".pdf", ".png", ".svg"], paths
    for path in paths:
        assert path.is_file() and path.stat().st_size > 0, path
    # paper-ready (issue 28 item 5): one or two IEEE columns wide (3.5 or 7.16 in), the PNG at 300 dpi
    svg = next(p for p in paths if p.suffix == ".svg").read_text()
    width_in = float(re.search(r'<svg[^>]*\swidth="([\d.]+)pt"', svg).group(1)) / 72
    assert min(abs(width_in - 3.5), abs(width_in - 7.16)) < 0.01, width_in
    with Image.open(next(p for p in paths if p.suffix == ".png")) as png:
        assert png.info["dpi"] == pytest.approx((300, 300), abs=0.5) and abs(png.width - width_in * 300) <= 2
    for path in paths:
        path.unlink()


_FACET_FIT_JS = """() => {
  const chart = document.querySelector('.wb-view .wb-chart');
  const svg = chart?.querySelector('svg.marks');
  return svg ? [chart.clientWidth, svg.getBoundingClientRect().width] : null;
}"""


def test_faceted_view_takes_its_widget_width_and_follows_the_window(page, voila_url):
    """Under `workbench serve` a faceted view's panels share its widget's width (issue 28: dyvedeep's three threshold
    panels stayed 220 px each beside an empty half page), fitted again when the window narrows: the chart fills the
    widget at every width, its panels wrapping into more rows where a row of ``FACET_MIN_PANEL_PX`` panels does not
    fit (at 1000 px three such panels were 653 px wide in a 534 px widget)."""
    notebook = ROOT / "notebooks" / "dyvedeep.ipynb"
    page.goto(f"{voila_url}/voila/render/notebooks/{notebook.name}", timeout=PAGE_TIMEOUT_MS)
    wait_for_dashboards(page, dashboards_in(notebook), PAGE_TIMEOUT_MS)
    for width in sorted(WIDTHS, reverse=True):
        page.set_viewport_size({"width": width, "height": 1000})
        fitted = "fit[1] <= fit[0] + 1 && fit[1] >= 0.9 * fit[0]"
        try:
            page.wait_for_function(f"(() => {{ const fit = ({_FACET_FIT_JS})(); return fit && ({fitted}); }})()",
                                   timeout=30_000)
        except Exception:
            raise AssertionError(f"at {width} px: widget and chart widths {page.evaluate(_FACET_FIT_JS)}") from None
