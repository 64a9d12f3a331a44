"""Tests for workbench.ui.controls: one widget per knob type, typed values, batched and debounced callbacks."""

import asyncio
import math

import ipywidgets as widgets
import pytest

from workbench.core import Bool, Choice, Float, Int
from workbench.ui.controls import Controls, Debouncer, knob_widget, widget_value
from workbench.ui.display import LABEL_WIDTH

R = Float("r_wire", 2.5, low=0.1, high=100.0, log=True, unit="ohm", help="wire resistance per cell")
V = Float("v_read", 0.2, low=0.0, high=1.0, step=0.05, unit="V")
N = Int("rows", 64, low=16, high=256, step=16)
C = Choice("adc", "sar", options=("sar", "flash"), help="ADC type")
B = Bool("ecc", True)


def test_widget_per_knob_type():
    log = knob_widget(R)
    assert isinstance(log, widgets.FloatLogSlider)
    assert (log.min, log.max, log.base) == pytest.approx((-1.0, 2.0, 10))
    assert log.value == pytest.approx(2.5)
    lin = knob_widget(V)
    assert isinstance(lin, widgets.FloatSlider) and lin.step == 0.05 and (lin.min, lin.max) == (0.0, 1.0)
    ints = knob_widget(N)
    assert isinstance(ints, widgets.IntSlider) and (ints.min, ints.max, ints.step, ints.value) == (16, 256, 16, 64)
    drop = knob_widget(C)
    assert isinstance(drop, widgets.Dropdown) and drop.value == "sar" and list(drop.options) == [("sar", "sar"),
                                                                                                  ("flash", "flash")]
    check = knob_widget(B)
    assert isinstance(check, widgets.Checkbox) and check.value is True


def test_units_in_label_and_help_with_range_in_tooltip():
    w = knob_widget(R)
    assert w.description == "r_wire (ohm)"
    assert "wire resistance per cell" in w.tooltip and "0.1 <= r_wire <= 100.0 ohm" in w.tooltip
    assert "one of 'sar', 'flash'" in knob_widget(C).tooltip


def test_continuous_update_follows_study_cost():
    assert knob_widget(V).continuous_update is True
    assert knob_widget(V, continuous_update=False).continuous_update is False
    assert knob_widget(N, continuous_update=False).continuous_update is False


def test_widget_value_clamps_slider_rounding_onto_the_range():
    assert widget_value(R, 10 ** math.log10(100.0) * (1 + 1e-12)) == 100.0
    assert widget_value(N, 63.9999) == 64 and isinstance(widget_value(N, 63.9999), int)
    assert widget_value(C, "flash") == "flash"


def test_controls_values_set_values_and_single_callback():
    controls = Controls([R, V, N, C, B], debounce_s=0)
    assert controls.values == {"r_wire": pytest.approx(2.5), "v_read": 0.2, "rows": 64, "adc": "sar", "ecc": True}
    calls = []
    controls.on_change(calls.append)
    controls.widgets["rows"].value = 128
    assert calls[-1]["rows"] == 128 and len(calls) == 1
    controls.set_values({"v_read": 0.5, "adc": "flash", "ecc": False})
    assert len(calls) == 2  # one callback for the whole batch
    assert calls[-1] == controls.values and calls[-1]["adc"] == "flash" and calls[-1]["ecc"] is False
    with pytest.raises(KeyError, match="temperature"):
        controls.set_values({"temperature": 300})


def test_debouncer_fires_once_after_a_burst_on_the_event_loop():
    calls = []
    debounced = Debouncer(lambda: calls.append(asyncio.get_running_loop().time()), wait_s=0.05)

    async def burst():
        start = asyncio.get_running_loop().time()
        for _ in range(5):
            debounced()
            await asyncio.sleep(0.01)
        assert calls == []  # still inside the quiet period
        await asyncio.sleep(0.1)
        return start

    start = asyncio.run(burst())
    assert len(calls) == 1 and calls[0] - start >= 0.05 + 0.04


def test_debouncer_without_loop_or_wait_calls_at_once():
    calls = []
    Debouncer(lambda: calls.append(1), wait_s=0.5)()
    Debouncer(lambda: calls.append(2), wait_s=0)()
    assert calls == [1, 2]


@pytest.mark.parametrize("knob", [
    Float("aperture_mm", 10.0, low=1.0, high=60.0),
    Float("third", 1 / 3, low=0.0, high=1.0),
    Float("focal_mm", 50.0, low=5.0, high=200.0, log=True),
    Float("r_wire", 2.5, low=0.1, high=100.0, log=True),
])
def test_default_lies_on_the_slider_grid(knob):
    """The browser snaps sliders to min + k * step and sends the snapped value back: the default must not move."""
    w = knob_widget(knob)
    if knob.log:
        k = (math.log10(knob.default) - w.min) / w.step
        snapped = w.base ** (w.min + round(k) * w.step)
    else:
        k = (knob.default - w.min) / w.step
        snapped = w.min + round(k) * w.step
    assert k == pytest.approx(round(k), abs=1e-6)
    assert widget_value(knob, snapped) == knob.default  # grid noise rounded off, so the store key is unchanged
    assert w.step <= (w.max - w.min) / 100  # still a fine slider


def test_knob_widgets_share_their_layout_and_style_models():
    """A page fetches every widget model before a dashboard answers its first knob change (issue 28: ~1 s); the knob
    widgets of a kind share one Layout and one Style model instead of two each."""
    controls = Controls([R, V, N, C, B], debounce_s=0)
    sliders = [controls.widgets[name] for name in ("r_wire", "v_read", "rows")]
    assert len({id(w.layout) for w in controls.widgets.values()}) == 1
    assert len({id(w.style) for w in sliders}) == 1 and sliders[0].style.description_width == LABEL_WIDTH
    assert controls.widgets["adc"].style is not sliders[0].style  # a dropdown's style is another kind
