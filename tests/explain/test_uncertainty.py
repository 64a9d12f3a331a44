"""Uncertainty bands over the assumed knobs: quantiles of a model with a known distribution, common draws, cache."""

import inspect

import numpy as np
import pytest

from workbench.core import Choice, Float, Metric, Study
from workbench.core.knobs import Assumed
from workbench.core.registry import get_view
from workbench.explain.uncertainty import _band, band


def _shift(a: float, x: float) -> dict:
    return {"y": a + x}


SHIFT = Study("toy.shift", "toy", _shift, metrics=(Metric("y", "", "max", "a + x."),),
              knobs=(Float("a", 2.0, low=0.0, high=10.0, assumed=Assumed(1.0, 4.0, "why a")),
                     Float("x", 0.0, low=0.0, high=10.0)))


def test_the_band_is_the_quantiles_of_the_assumed_range_and_the_order_survives_common_draws():
    """a uniform on 1..4 gives y = x + a with 5-95 % at x + 1.15 .. x + 3.85; every draw adds the same a at each x,
    so a larger x lies above the first point in every draw."""
    frame = band(SHIFT, "y", [{"x": 0.0}, {"x": 0.5}, {"x": 5.0}], samples=2000)
    assert list(frame["value"]) == [2.0, 2.5, 7.0]
    assert frame["low"].to_numpy() == pytest.approx(np.array([1.15, 1.65, 6.15]), abs=0.05)
    assert frame["high"].to_numpy() == pytest.approx(np.array([3.85, 4.35, 8.85]), abs=0.05)
    assert list(frame["beats_first"]) == [0.0, 1.0, 1.0] and (frame["feasible"] == 1).all()


def test_a_point_that_sets_an_assumed_knob_keeps_it_and_the_band_is_cached():
    frame = band(SHIFT, "y", [{"a": 1.0}], samples=50)
    assert frame.loc[0, "low"] == frame.loc[0, "high"] == 1.0
    hits = _band.cache_info().hits
    band(SHIFT, "y", [{"a": 1.0}], samples=50)
    assert _band.cache_info().hits == hits + 1


def test_the_tim_band_view_draws_its_table_over_the_feasible_part_of_a_knob():
    """L runs 1..64 but the bitline swing allows L <= 16: the band thins a denser grid over the feasible part
    instead of keeping the two coarse grid values below 16."""
    chart, frame = get_view("tim.assumption_band").render({"metric": "tops_per_w", "x": "rows_active"})
    assert (frame["low"] <= frame["high"]).all() and len(frame) == 9 and frame["rows_active"].max() <= 16
    assert [layer["mark"]["type"] for layer in chart.to_dict()["layer"]] == ["area", "line"]


def test_a_categorical_knob_draws_a_bar_per_option():
    chart, frame = get_view("mram.cim_band").render({"x": "organisation"})
    assert list(frame["organisation"]) == ["STT", "GSH", "DGSH", "VSH", "DVSH"]
    assert [layer["mark"]["type"] for layer in chart.to_dict()["layer"]] == ["rule", "point"]


def _adc(adc_bits: int, scale: float) -> dict:
    return {"energy_pj": scale * 2.0 ** adc_bits, "area_um2": scale * (10.0 + adc_bits)}


ADC = Study("toy.adc", "toy", _adc, metrics=(Metric("energy_pj", "pJ", "min", "2^bits."),
                                             Metric("area_um2", "um^2", "min", "10 + bits.")),
            knobs=(Choice("adc_bits", 8, options=(0, 4, 5, 6, 7, 8, 9), unit="bit", help="0: an ideal ADC."),
                   Float("scale", 1.0, low=0.5, high=2.0, assumed=Assumed(0.8, 1.25, "why the scale"))))


def test_the_band_follows_the_explorers_scale_policy():
    """Issue 28 Deliver 4 in the band figure: a metric over 2.7 decades (1-512 pJ) gets a log axis, one over 0.1
    decade a linear one, and neither the line nor the band joins "0 bit (ideal)" to 4-9 bit."""
    from workbench.explain.figures import band_figure
    from workbench.viz.charts import SEGMENT

    chart, frame = band_figure(ADC, "energy_pj", "adc_bits", samples=16)
    spec = chart.to_dict()
    area, line = spec["layer"]
    assert area["encoding"]["y"]["scale"] == line["encoding"]["y"]["scale"] == {"type": "log"}
    assert "scale" not in area["encoding"]["x"]  # 0 bit: not all positive, a linear axis
    assert area["encoding"]["detail"]["field"] == line["encoding"]["detail"]["field"] == SEGMENT
    rows = spec["datasets"][spec["data"]["name"]]
    assert [(row["adc_bits"], row[SEGMENT]) for row in rows] == [(0, 0)] + [(b, 1) for b in range(4, 10)]
    assert SEGMENT not in frame.columns  # the exported table holds the band only
    area, _ = band_figure(ADC, "area_um2", "adc_bits", samples=16)[0].to_dict()["layer"]
    assert "scale" not in area["encoding"]["y"]


ANALYTIC_THEMES = ("tim", "crossbar", "mram", "sparce", "pad")


@pytest.mark.parametrize("theme", ANALYTIC_THEMES)
def test_each_analytic_dashboard_has_a_band_view_that_renders_and_exports(theme, tmp_path):
    """Registry-looped over the views: each analytic theme has a band view (:func:`workbench.explain.figures.band_view`)
    on its dashboard notebook; at each design point its line is the study evaluated there on the defaults, the band
    is ordered (5 % <= median <= 95 %) and somewhere has a width (the assumptions move the metric), and `workbench
    export VIEW OUT` writes it."""
    from workbench.cli import main
    from workbench.core.manifest import get_manifest
    from workbench.core.registry import list_views
    from workbench.testing.dashboards import views_on

    names = [n for n in list_views(theme=theme) if n.endswith("_band")]
    assert names, f"theme {theme} has no band view"
    assert set(names) <= views_on(get_manifest(theme).notebook_path), f"a band of {theme} is not on its dashboard"
    for name in names:
        view = get_view(name)
        chart, frame = view.render({})
        metric, x = view.defaults()["metric"], view.defaults()["x"]
        drawn = inspect.getclosurevars(view.func).nonlocals  # the study and base band_view closed over
        expected = [drawn["study"].evaluate({**drawn["fixed"], x: v})[metric] for v in frame[x]]
        assert frame["value"].to_numpy() == pytest.approx(np.array(expected))
        assert len(frame) >= 2 and (frame["low"] <= frame["median"]).all() and (frame["median"] <= frame["high"]).all()
        assert (frame["high"] - frame["low"] > 0).any() and frame["feasible"].between(0, 1, inclusive="right").all()
        assert main(["export", name, str(tmp_path / name), "--format", "svg"]) == 0
        assert (tmp_path / f"{name}.svg").stat().st_size > 1000
