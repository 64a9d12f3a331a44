"""The facet fitting a dashboard's chart runs in the browser (``workbench.ui.display.FIT_FACET_JS``), run in headless
Chromium on faceted specs drawn there by Vega-Embed (vl-convert's offline bundle, as the dashboards draw them): issue
28, dyvedeep's three threshold panels at a 1000 px window were 653 px wide in a 534 px widget."""

import altair as alt
import numpy as np
import pandas as pd
import pytest

from workbench.testing.dashboards import CHROMIUM, launch_chromium
from workbench.ui.display import FACET_AXIS_PX, FACET_MIN_PANEL_PX, fit_facet_js
from workbench.viz import style

WIDGET_PX = range(300, 2001, 100)
PANELS = range(1, 9)
FILLED = 0.9
"""Share of its widget a fitted chart takes at least (its panels, or a title wrapped to the widget, are narrower by
the error of the axes' estimated widths that one drawing corrects)."""

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason=f"the facet fitting runs in Chromium at {CHROMIUM}")]


def _faceted(panels: int, independent: bool) -> dict:
    """A threshold sweep like dyvedeep's: ``panels`` metrics side by side, one line each, under a title wider than
    three panels at the floor, in the screen style."""
    rng = np.random.default_rng(panels)
    frame = pd.DataFrame({"metric": np.repeat([f"metric {i}" for i in range(panels)], 6),
                          "threshold": np.tile(np.linspace(0.0, 1.0, 6), panels),
                          "value": rng.uniform(0.0, 100.0, 6 * panels)})
    chart = alt.Chart(frame).mark_line(point=True).encode(x=alt.X("threshold:Q"), y=alt.Y("value:Q", title=None))
    chart = chart.properties(width=220, height=120).facet(column=alt.Column("metric:N", title=None)).properties(
        title="saturation: ops reduction (x), accuracy and agreement with the static network (%), 32 test images")
    with style.enable("screen"):
        return chart.resolve_scale(y="independent" if independent else "shared").to_dict()


# Each case as a dashboard draws it: fitted, drawn, and where the drawing missed its widget by more than
# FACET_SETTLE_PX, fitted again with the measured error of the axes' widths and drawn again; and where it wrapped, one
# row of panels at the floor for comparison.
_DRAW_CASES = """async ([cases, floor]) => {
  const drawn = async (spec) => {
    const box = document.createElement("div");
    document.body.appendChild(box);
    const result = await vegaEmbed(box, spec, {actions: false, renderer: "svg"});
    const width = box.querySelector("svg").getBoundingClientRect().width;
    result.finalize();
    box.remove();
    return width;
  };
  const out = [];
  for (const [spec, width] of cases) {
    const fit = {axisError: 0};
    let fitted = fitFacet(spec, width, fit);
    let chart = await drawn(fitted);
    if (measuredFacet(fit, width, chart)) {
      fitted = fitFacet(spec, width, fit);
      chart = await drawn(fitted);
    }
    const oneRow = structuredClone(spec);
    oneRow.spec.width = floor;
    oneRow.title = fitted.title;
    out.push({columns: fitted.columns ?? null, facet: fitted.facet, panel: fitted.spec.width, chart,
              oneRow: fitted.columns ? await drawn(oneRow) : null});
  }
  return out;
}"""


@pytest.fixture(scope="module")
def fitted():
    """(widget width, panels, independent y) -> the fitted facet's columns, facet, panel width, drawn width and the
    drawn width of one row of panels at the floor."""
    import vl_convert

    sync_api = pytest.importorskip("playwright.sync_api")
    cases = [(width, panels, independent) for width in WIDGET_PX for panels in PANELS for independent in (False, True)]
    specs = {(panels, independent): _faceted(panels, independent) for panels in PANELS for independent in (False, True)}
    with sync_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.add_script_tag(content=vl_convert.javascript_bundle(), type="module")
            page.add_script_tag(content=fit_facet_js())
            page.wait_for_function("typeof vegaEmbed === 'function'")
            result = page.evaluate(_DRAW_CASES, [[[specs[p, i], w] for w, p, i in cases], FACET_MIN_PANEL_PX])
        finally:
            browser.close()
    return dict(zip(cases, result, strict=True))


@pytest.mark.parametrize("independent", [False, True], ids=["shared-y", "independent-y"])
@pytest.mark.parametrize("panels", PANELS)
def test_facet_panels_fit_the_widget_and_wrap_at_the_floor(fitted, panels, independent):
    """At every widget width from 300 to 2000 px: every panel at least ``FACET_MIN_PANEL_PX``, the drawn chart no
    wider than the widget and filling it, and the facet wrapped into more rows only where one row of panels at the
    floor does not fit."""
    for width in WIDGET_PX:
        case = fitted[width, panels, independent]
        columns = case["columns"] or panels
        where = (f"{panels} panels in a {width} px widget: {columns} columns of {case['panel']} px, drawn "
                 f"{case['chart']:.0f} px (one row at the floor: {case['oneRow']} px)")
        assert case["panel"] >= FACET_MIN_PANEL_PX, where
        assert FILLED * width <= case["chart"] <= width, where
        if columns < panels:  # wrapped, into a facet of columns, where one row at the floor with the axes as
            # estimated (each FACET_AXIS_PX at most) does not fit
            assert case["facet"]["field"] == "metric" and "column" not in case["facet"], where
            assert case["oneRow"] > width - FACET_AXIS_PX * (panels if independent else 1), where
