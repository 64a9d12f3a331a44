"""ViewPanel: a registered view with live redraw, Export and a status line; it redraws when a Run stores a point."""

import html
import json

import altair as alt
import pandas as pd
import pytest
from sample_studies import LENS, LENS_CURVE

from workbench.core import Int, Metric, Study, View
from workbench.core.registry import entries
from workbench.ui import Explorer, ViewPanel


def text(widget) -> str:
    return html.unescape(widget.value)


def test_draws_on_defaults_and_redraws_on_a_knob_change(store):
    panel = ViewPanel("sample.lens_curve", store=store)
    assert "updated in" in text(panel.status) and panel.last_error is None
    assert len(panel.frame) == 3 and panel.chart.spec is not None
    panel.controls.set_values({"focal_mm": 100.0})  # outside an event loop the debounced refresh runs at once
    model = panel.frame.set_index("aperture_mm")["weight_g"]
    assert model[10.0] == pytest.approx(LENS.evaluate(aperture_mm=10.0, focal_mm=100.0)["weight_g"])
    assert panel.params == {"focal_mm": 100.0}


def test_errors_go_to_the_status_line_and_keep_the_last_figure(store):
    panel = ViewPanel(LENS_CURVE, store=store)
    before = panel.frame
    panel.controls.set_values({"focal_mm": 180.0})
    assert "above 150 mm" in text(panel.status) and "wb-error" in panel.status.value
    assert panel.frame is before and panel.params == {"focal_mm": 50.0}


def test_export_writes_figure_data_and_provenance(store, tmp_path):
    panel = ViewPanel("sample.lens_curve", store=store, export_dir=tmp_path)
    panel.export_bar.button.click()
    stem = tmp_path / "sample_lens_curve"
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"sample_lens_curve.{e}" for e in
                                                          ("csv", "json", "pdf", "png", "svg")]
    record = json.loads(stem.with_suffix(".json").read_text())
    assert record["view"]["name"] == "sample.lens_curve" and record["params"] == {"focal_mm": 50.0}
    assert len(pd.read_csv(stem.with_suffix(".csv"))) == len(panel.frame)
    assert str(stem.with_suffix(".svg")) in text(panel.status)


def _train(epochs: int) -> dict:
    return {"loss": 0.5 ** epochs}


TRAIN = Study("viewtest.train", "viewtest", _train, (Int("epochs", 1, low=1, high=10),),
              (Metric("loss", better="min"),), cost="batch")


def _losses(frames):
    frame = frames["viewtest.train"]
    data = frame[["epochs", "loss"]] if len(frame) else pd.DataFrame({"epochs": [0], "loss": [1.0]})
    return alt.Chart(data).mark_point().encode(x="epochs:Q", y="loss:Q"), data


def test_a_run_on_the_page_redraws_the_views_over_that_study(store, monkeypatch):
    monkeypatch.setitem(entries("study"), "viewtest.train", TRAIN)
    panel = ViewPanel(View("viewtest.losses", "viewtest", _losses, "losses", studies=("viewtest.train",)), store=store)
    assert panel.frame["epochs"].tolist() == [0]
    explorer = Explorer(TRAIN, store=store, x="epochs", y="loss")
    explorer.controls.set_values({"epochs": 3})
    explorer.run_point().join(10)
    assert panel.frame["epochs"].tolist() == [3] and panel.frame["loss"].tolist() == [0.125]


def test_a_views_metric_choice_lists_metrics_by_title():
    """Issue 28 item 3: the TiM efficiency map's dropdown showed a raw ``tops_per_w``."""
    panel = ViewPanel("tim.efficiency_map")
    options = dict(panel.controls.widgets["metric"].options)
    assert options["TOPS/W"] == "tops_per_w" and "tops_per_w" not in options
    assert panel.controls.values["metric"] == "tops_per_w"


def _knob_selectors():
    """(view, Choice) of every registered view whose choice lists design knobs of one of its theme's studies (a band
    view's horizontal axis), with that study."""
    from workbench.core.knobs import Choice
    from workbench.core.registry import get_study, get_view, list_studies, list_views

    found = []
    for name in list_views():
        view = get_view(name)
        for knob in view.knobs:
            if not isinstance(knob, Choice):
                continue
            for study in map(get_study, list_studies(theme=view.theme)):
                if all(str(o) in study.knob_names for o in knob.options):
                    found.append(pytest.param(view, knob, study, id=f"{name}:{knob.name}"))
                    break
    return found


@pytest.mark.parametrize(("view", "knob", "study"), _knob_selectors())
def test_a_views_choice_of_design_knobs_lists_them_by_title(view, knob, study):
    """Issue 28 item 3: the band views' x dropdown listed raw field names (``canvas_px`` for S_p); each option shows
    its knob's title (label with unit, as the Explorer's own widgets), distinct within the dropdown."""
    from workbench.ui.controls import knob_widget

    options = knob_widget(knob).options
    labels = [label for label, _ in options]
    assert [value for _, value in options] == list(knob.options)
    assert labels == [study.knob(str(o)).title for o in knob.options]
    assert len(set(labels)) == len(labels)
    for label, value in options:
        declared = study.knob(str(value))
        assert label != value or not (declared.label or declared.unit), f"{value!r} shown by its raw name"


def test_every_band_view_has_a_knob_selector():
    """The registry loop above sees every analytic theme's band view (issue 29 item 4)."""
    names = {param.values[0].name for param in _knob_selectors()}
    assert {"tim.assumption_band", "pad.flops_band", "crossbar.cost_band", "sparce.core_band", "mram.cim_band"} <= names
