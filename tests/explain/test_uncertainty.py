"""Uncertainty bands over the assumed knobs: quantiles of a model with a known distribution, common draws, cache."""

import numpy as np
import pytest

from workbench.core import Float, Metric, Study
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


def test_the_tim_band_view_draws_its_table():
    chart, frame = get_view("tim.assumption_band").render({"metric": "tops_per_w", "x": "cols_per_adc"})
    assert (frame["low"] <= frame["high"]).all() and len(frame) >= 2
    assert [layer["mark"]["type"] if isinstance(layer["mark"], str) else layer["mark"]["type"]
            for layer in chart.to_dict()["layer"]] == ["area", "line"]
