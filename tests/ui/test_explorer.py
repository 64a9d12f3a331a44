"""Tests for workbench.ui.explorer, driving the widgets in-process: set values, assert chart spec, table, status."""

import html
import json
import threading
import time

import pandas as pd
import pytest
from sample_studies import LENS

from workbench.core import Bool, Float, Int, Metric, Study
from workbench.core.files import content_sha256
from workbench.core.progress import track
from workbench.ui import Explorer, SweepPanel
from workbench.viz import style
from workbench.viz.charts import PICK, ROW


def train_toy(epochs: int, lr: float, step_s: float) -> dict:
    """A stand-in for a training run: ``epochs`` tracked steps of ``step_s`` seconds."""
    loss = 1.0
    for _ in track(range(epochs), description="epochs"):
        time.sleep(step_s)
        loss *= 1 - lr
    return {"loss": loss, "cost_s": epochs * step_s}


def broken(lr: float) -> dict:
    raise RuntimeError(f"solver diverged at lr={lr}")


TRAIN = Study(name="uitest.train", theme="uitest", func=train_toy, cost="batch",
              knobs=(Int("epochs", 3, low=1, high=500), Float("lr", 0.1, low=0.01, high=0.5),
                     Float("step_s", 0.0, low=0.0, high=1.0, unit="s")),
              metrics=(Metric("loss", better="min"), Metric("cost_s", unit="s", better="min")))
BROKEN = Study(name="uitest.broken", theme="uitest", func=broken, knobs=(Float("lr", 0.1, low=0.01, high=0.5),),
               metrics=(Metric("m", better="min"),))


def text(widget) -> str:
    return html.unescape(widget.value)


def point_layer(spec):
    return next(layer for layer in spec["layer"] if layer["mark"]["type"] == "point" and "params" not in layer
                and layer["mark"].get("filled") and "size" in layer["encoding"])


def layer_values(spec, layer):
    data = layer.get("data") or spec["data"]
    return pd.DataFrame(data["values"] if "values" in data else spec["datasets"][data["name"]])


@pytest.fixture
def sweep_explorer():
    return Explorer(LENS, x="weight_g", y="brightness", sweep_knob="focal_mm", debounce_s=0, export_dir="unused")


def test_sweep_curve_follows_knob_changes(sweep_explorer):
    e = sweep_explorer
    spec = e.chart.spec
    assert spec["params"][0]["name"] == PICK
    assert spec["config"]["font"] == style.SANS  # the screen style, whatever style is active globally
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line" and "order" in layer["encoding"])
    assert line["encoding"]["order"]["field"] == "focal_mm"
    before = layer_values(spec, point_layer(spec))
    assert set(before["aperture_mm"]) == {10.0} and before["focal_mm"].is_monotonic_increasing
    with style.enable("paper"):
        e.controls.widgets["aperture_mm"].value = 20.0
    assert e.chart.spec["config"]["font"] == style.SANS
    after = layer_values(e.chart.spec, point_layer(e.chart.spec))
    assert set(after["aperture_mm"]) == {20.0}
    expected = LENS.evaluate(aperture_mm=20.0, focal_mm=after["focal_mm"].iloc[-1])["brightness"]
    assert after["brightness"].iloc[-1] == pytest.approx(expected)
    # grid values below the aperture violate the joint constraint and are left out, with a note
    assert after["focal_mm"].min() >= 20.0
    assert "left out" in text(e.status) and e.last_error is None
    assert "the aperture must not exceed the focal length" in text(e.status)  # the reason, by knob, not "a constraint"
    assert f"{LENS.evaluate(aperture_mm=20.0)['weight_g']:.4g}" in e.table.value


def test_moving_the_swept_knob_keeps_the_curve_and_another_knob_recomputes_it(sweep_explorer, monkeypatch):
    from workbench.ui import explorer

    e = sweep_explorer
    curves = []
    evaluate = explorer.evaluate_frame
    monkeypatch.setattr(explorer, "evaluate_frame", lambda study, points: curves.append(points) or evaluate(study,
                                                                                                          points))
    curve = e.frame
    e.controls.widgets["focal_mm"].value = 80.0
    assert not curves and e.frame is curve and e.last_error is None  # only the current point ran
    assert e.metrics == LENS.evaluate(focal_mm=80.0)
    e.controls.widgets["aperture_mm"].value = 20.0
    assert len(curves) == 1 and set(e.frame["aperture_mm"]) == {20.0}


def test_invalid_combination_shows_the_study_error_and_keeps_last_chart(sweep_explorer):
    e = sweep_explorer
    spec = e.chart.spec
    e.controls.widgets["aperture_mm"].value = 55.0  # > focal 50 mm
    message = text(e.status)
    assert "Error" in message and "the aperture must not exceed the focal length" in message
    assert "'aperture_mm' (55.0)" in message and e.last_error is not None
    assert e.chart.spec == spec and "invalid" in e.table.value
    e.controls.widgets["focal_mm"].value = 100.0
    assert e.last_error is None and "updated" in text(e.status)


def test_axis_and_colour_pickers_redraw(sweep_explorer):
    e = sweep_explorer
    e.y_picker.value = "f_number"
    e.color_picker.value = "coating"
    layer = point_layer(e.chart.spec)
    assert layer["encoding"]["y"]["field"] == "f_number" and layer["encoding"]["color"]["field"] == "coating"
    assert not [x for x in e.chart.spec["layer"] if x["mark"].get("interpolate")]  # f_number: no Pareto front


def test_clicking_a_point_shows_its_params_and_loads_them(sweep_explorer):
    e = sweep_explorer
    row = 3
    # what the Vega view sends on a click (the signal of a point selection over ROW)
    e.chart._vl_selections = {PICK: {"value": {"vlPoint": {"or": [{ROW: row}]}, ROW: [row]}, "store": []}}
    picked = e.frame.iloc[row]
    info = text(e.point_info)
    assert "clicked point" in info and f"{picked['focal_mm']:.4g}" in info and f"{picked['weight_g']:.4g}" in info
    assert not e.use_point.disabled
    e.use_point.click()
    assert e.controls.values["focal_mm"] == pytest.approx(picked["focal_mm"], rel=1e-2)
    e.chart._vl_selections = {PICK: {"value": None, "store": []}}
    assert e.point_info.value == "" and e.use_point.disabled


def test_history_mode_accumulates_points_and_draws_pareto_front():
    e = Explorer(LENS, x="weight_g", y="brightness", debounce_s=0)
    for aperture in (5.0, 20.0, 30.0, 5.0):
        e.controls.widgets["aperture_mm"].value = aperture
    assert len(e.frame) == 4  # the default and three apertures; revisiting 5 mm adds no duplicate
    assert e.frame["aperture_mm"].tolist() == [10.0, 20.0, 30.0, 5.0]
    fronts = [layer for layer in e.chart.spec["layer"] if layer["mark"].get("interpolate") == "step-after"]
    assert len(fronts) == 1
    ring = next(layer for layer in e.chart.spec["layer"] if layer["mark"].get("color") == "#D62728")
    assert layer_values(e.chart.spec, ring)["weight_g"].item() == pytest.approx(e.metrics["weight_g"])


def test_export_button_writes_figure_files(tmp_path):
    e = Explorer(LENS, debounce_s=0, export_dir=tmp_path)
    e.export_bar.button.click()
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [f"sample_lens_weight_g_vs_brightness.{ext}" for ext in ("csv", "json", "pdf", "png", "svg")]
    assert "exported" in text(e.status) and str(tmp_path / "sample_lens_weight_g_vs_brightness.svg") in text(e.status)
    # the offered name follows the axes; a bare name typed into the field is used as typed (issue 28), in the export
    # folder, not the kernel's working directory
    e.x_picker.value = "f_number"
    assert e.export_bar.path.value == str(tmp_path / "sample_lens_weight_g_vs_f_number")
    e.export_bar.path.value = "Fig 3.final"
    e.x_picker.value = "brightness"
    assert e.export_bar.path.value == "Fig 3.final"
    e.export_bar.button.click()
    assert sorted(p.name for p in tmp_path.glob("Fig 3.final*")) == [f"Fig 3.final.{ext}" for ext in
                                                                    ("csv", "json", "pdf", "png", "svg")]


def test_non_value_errors_from_the_model_are_shown():
    e = Explorer(BROKEN, x="m", y="lr", debounce_s=0)
    assert "RuntimeError: solver diverged at lr=0.1" in text(e.status)


def wire_current(g_us: float) -> dict:
    return {"current_ratio": g_us / 10.0}


WIRE = Study(name="uitest.wire", theme="uitest", func=wire_current, knobs=(Float("g_us", 5.0, low=1.0, high=50.0),),
             metrics=(Metric("current_ratio", better="min", limit=1.0, limit_help="the wires cannot carry it"),))


def test_a_point_past_a_metric_limit_is_drawn_with_a_warning():
    e = Explorer(WIRE, x="g_us", y="current_ratio", debounce_s=0)
    assert "wb-ok" in e.status.value and "limit" not in text(e.status)
    e.controls.widgets["g_us"].value = 25.0
    assert "wb-warning" in e.status.value and e.last_error is None
    assert "current_ratio = 2.5, above its limit 1: the wires cannot carry it" in text(e.status)
    assert 25.0 in set(layer_values(e.chart.spec, point_layer(e.chart.spec))["g_us"])  # still drawn
    e.controls.widgets["g_us"].value = 8.0
    assert "wb-ok" in e.status.value


def test_batch_point_not_computed_then_run_in_background(store):
    e = Explorer(TRAIN, store=store, x="cost_s", y="loss")
    assert e.controls.widgets["epochs"].continuous_update is False
    assert "not computed" in e.table.value and not e.run_button.disabled
    assert "not computed" in text(e.status)
    seen = []
    e.progress.observe(lambda change: seen.append(change["new"]), names="value")
    e.controls.widgets["epochs"].value = 4
    thread = e.run_point()
    thread.join(10)
    assert not thread.is_alive()
    stored = store.get(TRAIN, e.params)
    assert stored["loss"] == pytest.approx(0.9**4)
    assert seen[-1] == pytest.approx(1.0) and len(seen) >= 4  # one update per epoch
    assert "computed and stored" in text(e.status) and "not computed" not in e.table.value
    assert len(layer_values(e.chart.spec, point_layer(e.chart.spec))) == 1


def test_batch_point_cancel_stores_nothing(store):
    e = Explorer(TRAIN, store=store)
    e.controls.set_values({"epochs": 400, "step_s": 0.01})
    started = threading.Event()
    e.progress.observe(lambda change: started.set(), names="value")
    thread = e.run_point()
    assert started.wait(5)
    assert e.run_point() is None and "already running" in text(e.status)
    e.cancel_button.click()
    thread.join(10)
    assert not thread.is_alive()
    assert store.get(TRAIN, e.params) is None
    assert "cancelled" in text(e.status) and not e.run_button.disabled


def test_sweep_panel_runs_grid_skips_invalid_and_plots(store):
    panel = SweepPanel(LENS, store=store, points_per_knob=3)
    panel.swept["aperture_mm"].value = True  # 1, 30.5, 60 mm
    panel.swept["coating"].value = True
    panel.fixed["focal_mm"].value = 40.0
    thread = panel.run()
    thread.join(30)
    assert len(panel.frame) == 4  # aperture 60 > focal 40 is invalid for both coatings
    assert panel.skipped == 2 and "2 invalid combinations skipped" in text(panel.status)
    assert "4 computed" in text(panel.status)
    assert len(store.frame(LENS)) == 4
    layer = next(x for x in panel.chart.spec["layer"] if x["mark"]["type"] == "point" and "color" in x["encoding"])
    assert layer["encoding"]["color"]["field"] == "aperture_mm"
    # a second run finds every point in the store
    panel.run().join(30)
    assert "0 computed; 4 already stored" in text(panel.status)


def test_sweep_panel_cancel(store):
    panel = SweepPanel(TRAIN, store=store, points_per_knob=20)
    panel.swept["lr"].value = True
    panel.fixed["step_s"].value = 0.05
    thread = panel.run()
    deadline = time.monotonic() + 10
    while panel.progress.value < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    panel.cancel_button.click()
    thread.join(10)
    assert panel.report.cancelled and "cancelled" in text(panel.status)
    assert 1 <= len(store.frame(TRAIN)) < 20


def test_sweep_panel_reports_an_empty_grid(store):
    panel = SweepPanel(LENS, store=store)
    panel.fixed["aperture_mm"].value = 60.0
    panel.fixed["focal_mm"].value = 10.0
    assert panel.run() is None
    assert "no valid point" in text(panel.status) and "aperture must not exceed" in text(panel.status)


def test_choice_sweep_knob_gives_points_without_a_curve():
    e = Explorer(LENS, x="weight_g", y="brightness", sweep_knob="coating", debounce_s=0)
    assert sorted(e.frame["coating"]) == ["multi", "single"]
    assert not [layer for layer in e.chart.spec["layer"] if "order" in layer.get("encoding", {})]
    multi = e.frame.set_index("coating").loc["multi", "brightness"]
    assert multi == pytest.approx(1.1 * e.frame.set_index("coating").loc["single", "brightness"])


def test_batch_explorer_opens_on_seed_results(store, tmp_path, monkeypatch):
    seeds = tmp_path / "reference" / "seeds"
    seeds.mkdir(parents=True)
    params = TRAIN.validate(epochs=2)
    pd.DataFrame([{**params, **train_toy(**params)}]).to_parquet(seeds / "uitest.train.parquet")
    (seeds / "uitest.train.json").write_text(json.dumps({"study_version": TRAIN.version,
                                                         "sha256": content_sha256(seeds / "uitest.train.parquet")}))
    monkeypatch.setattr("workbench.core.store.reference_dir", lambda: tmp_path / "reference")
    e = Explorer(TRAIN, store=store)
    assert len(e.frame) == 1 and bool(e.frame["seeded"].iloc[0])
    e.controls.widgets["epochs"].value = 2
    assert e.metrics["loss"] == pytest.approx(0.81) and "not computed" not in e.table.value


def test_axis_pickers_list_metrics_and_knobs_by_title_with_unit():
    e = Explorer(LENS, debounce_s=0)
    assert ("weight_g (g)", "weight_g") in e.x_picker.options and ("focal_mm (mm)", "focal_mm") in e.y_picker.options
    assert e.color_picker.options[0] == ("(none)", None) and ("coating", "coating") in e.color_picker.options
    e.x_picker.value = "focal_mm"
    assert e.chart.spec["layer"][0]["encoding"]["x"]["title"] == "focal_mm (mm)"


def test_a_point_stored_by_one_explorer_shows_in_every_explorer_of_the_study_with_human_status(store):
    """Issue 28 item 8: a second Explorer of the study stayed "not computed" after the first stored the point; the
    running status named raw knob names."""
    first, second = Explorer(TRAIN, store=store, x="cost_s", y="loss"), Explorer(TRAIN, store=store, x="lr", y="loss")
    assert "not computed" in second.table.value
    first.controls.set_values({"step_s": 0.05})
    second.controls.set_values({"step_s": 0.05})
    thread = first.run_point()
    assert ">running epochs 3, lr 0.1, step_s 0.05 s<" in text(first.status)
    thread.join(10)
    assert "not computed" not in second.table.value and second.metrics["loss"] == pytest.approx(0.9**3)
    assert len(layer_values(second.chart.spec, point_layer(second.chart.spec))) == 1


def test_an_empty_batch_explorer_says_what_to_run(store):
    e = Explorer(TRAIN, store=store)
    assert "nothing stored yet; e.g. `workbench sweep uitest.train --grid epochs=1:500:5`" in text(e.status)


def gain(level: float, gate: bool, offset: float) -> dict:
    """``offset`` only counts when ``gate`` is on (as dyvedeep's threshold only counts with saturation prediction)."""
    return {"out": level + (offset if gate else 0.0), "cost": level**2}


GATED = Study(name="uitest.gated", theme="uitest", func=gain,
              knobs=(Float("level", 1.0, low=0.0, high=2.0), Bool("gate", False), Float("offset", 0.0, low=0.0,
                                                                                              high=1.0)),
              metrics=(Metric("out", better="max"), Metric("cost", better="min")))


def test_explorer_opens_at_given_knobs_and_names_a_swept_knob_without_effect(monkeypatch):
    from workbench.ui import display

    monkeypatch.setattr(display, "_DRAWN_WHEN_VISIBLE", True)  # as under `workbench serve`
    e = Explorer(GATED, x="cost", y="out", sweep_knob="offset", debounce_s=0)
    assert len(e.frame) == 21 and "every offset value gives the same point here: offset has no effect" in text(
        e.status)
    e = Explorer(GATED, x="cost", y="out", sweep_knob="offset", debounce_s=0, knobs={"gate": True})
    assert e.params["gate"] is True
    assert "no effect" not in text(e.status)
    # under `workbench serve` the live chart fills its widget's width (the export keeps the journal width) ...
    assert e.chart.spec["width"] == "container" and e.chart.spec["autosize"]["type"] == "fit-x"
    # ... elsewhere (JupyterLab) a chart may be drawn before its output is attached: it keeps the style's width
    monkeypatch.setattr(display, "_DRAWN_WHEN_VISIBLE", False)
    e = Explorer(GATED, x="cost", y="out", sweep_knob="offset", debounce_s=0)
    assert e.chart.spec.get("width") != "container"


def test_sweep_panel_opens_on_its_ticked_grid_or_says_what_to_press(store):
    panel = SweepPanel(LENS, store=store, points_per_knob=3, sweep=("aperture_mm", "coating"))
    assert len(panel.frame) == 4 and len(store.frame(LENS)) == 0  # evaluated for the chart, not stored
    assert panel.chart.spec is not None and "4 points of the ticked grid" in text(panel.status)
    assert "2 invalid combinations left out" in text(panel.status)  # aperture 60 mm > focal 50 mm
    empty = SweepPanel(TRAIN, store=store)
    assert empty.frame.empty and "no sweep yet: tick 'sweep'" in text(empty.status)
    with pytest.raises(KeyError, match="colour"):
        SweepPanel(LENS, store=store, sweep=("colour",))
