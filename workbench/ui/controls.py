"""Widgets built from knob declarations, and a debounced panel of them.

Each knob type maps to one widget: ``Float`` to a slider (a log slider for ``log=True``), ``Int`` to an integer
slider, ``Choice`` to a dropdown, ``Bool`` to a checkbox. The knob's unit is part of the label and its help text and
allowed range form the tooltip. The label column is :data:`~workbench.ui.display.LABEL_WIDTH` wide and a longer
label wraps onto a second line (the dashboards' stylesheet), so no label is cut off. Batch studies use
``continuous_update=False``, so a slider reports only when it is released.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets as widgets

from workbench.core.knobs import Bool, Choice, Float, Int, Knob
from workbench.ui.deferred import note_knob_edit
from workbench.ui.display import LABEL_WIDTH
from workbench.viz import style

KNOB_WIDTH = "420px"
"""Width of one knob widget: label column, control and readout."""

SLIDER_STEPS = 200
"""Approximate resolution of a slider for a knob without a declared step."""

SIGNIFICANT_DIGITS = 12
"""Slider values are rounded to this many digits, so ``1 + 90 * 0.1`` reads as 10.0 (store keys hash the value)."""


def _tooltip(knob: Knob) -> str:
    text = f"{knob.help} " if knob.help else ""
    return f"{text}Allowed: {knob.allowed()}."


def _grid_step(span_to_default: float, span: float) -> float:
    """A slider step of about ``span / SLIDER_STEPS`` on which the default lies exactly.

    Sliders snap to ``min + k * step`` in the browser and send the snapped value back; a default off that grid would
    silently move (10 mm becoming 10.14 mm). A decimal step is used when the default is on its grid.
    """
    nice = 10.0 ** math.floor(math.log10(span / SLIDER_STEPS)) if span > 0 else 1.0
    if span_to_default <= 0 or abs(span_to_default / nice - round(span_to_default / nice)) < 1e-9:
        return nice
    return span_to_default / max(1, round(span_to_default / (span / SLIDER_STEPS)))


def knob_widget(knob: Knob, *, continuous_update: bool = True,
                option_labels: Mapping[str, str] | None = None) -> widgets.ValueWidget:
    """The widget for one knob, set to its default; a ``Choice`` lists its options by its own ``labels`` (a band
    view's design knobs by their titles), else by ``option_labels`` (e.g. a view's metric choice by the metrics'
    titles: "TOPS/W", not ``tops_per_w``) where given, else by their short labels (a pipeline as
    "prune > ternary > TiM", :func:`workbench.viz.style.short_label`).

    Raises
    ------
    TypeError
        For a knob type without a widget.
    """
    common = {
        "description": knob.title,
        "tooltip": _tooltip(knob),
        "layout": _shared(widgets.Layout, width=KNOB_WIDTH, max_width="100%"),
    }
    widget = _knob_widget(knob, common, continuous_update, option_labels or {})
    widget.add_class("wb-knob")
    return widget


_SHARED: dict[tuple, widgets.Widget] = {}


def _shared(kind: type, **traits: Any) -> widgets.Widget:
    """One ``kind(**traits)`` model for every knob widget of this kernel that asks for it. A page fetches every
    widget model before its dashboards answer a knob change, and per-knob Layout and Style models were two thirds of
    them (the first knob change after an open waited ~1 s for them); a closed model is made afresh."""
    key = (kind, tuple(sorted(traits.items())))
    model = _SHARED.get(key)
    if model is None or model.comm is None:
        model = _SHARED[key] = kind(**traits)
    return model


def _make(kind: type, common: dict, **options: Any) -> widgets.ValueWidget:
    """A ``kind`` widget with the knob's ``common`` arguments and the style all widgets of its kind share."""
    style = _shared(kind.class_traits()["style"].klass, description_width=LABEL_WIDTH)
    return kind(**options, **common, style=style)


def _knob_widget(knob: Knob, common: dict, continuous_update: bool,
                 option_labels: Mapping[str, str]) -> widgets.ValueWidget:
    if isinstance(knob, Float):
        if knob.log:
            low, high = math.log10(knob.low), math.log10(knob.high)
            step = _grid_step(math.log10(knob.default) - low, high - low)
            return _make(widgets.FloatLogSlider, common, value=knob.default, base=10, min=low, max=high, step=step,
                         readout_format=".3g", continuous_update=continuous_update)
        step = knob.step if knob.step is not None else _grid_step(knob.default - knob.low, knob.high - knob.low)
        return _make(widgets.FloatSlider, common, value=knob.default, min=knob.low, max=knob.high, step=step,
                     readout_format=".4g", continuous_update=continuous_update)
    if isinstance(knob, Int):
        return _make(widgets.IntSlider, common, value=knob.default, min=int(knob.low), max=int(knob.high),
                     step=knob.step or 1, continuous_update=continuous_update)
    if isinstance(knob, Choice):
        return _make(widgets.Dropdown, common, value=knob.default,
                     options=[(knob.labels.get(o) or option_labels.get(str(o), style.short_label(o)), o)
                              for o in knob.options])
    if isinstance(knob, Bool):
        return _make(widgets.Checkbox, common, value=knob.default, indent=False)
    raise TypeError(f"knob {knob.name!r}: no widget for knob type {type(knob).__name__}")


def widget_value(knob: Knob, value: Any) -> Any:
    """A widget's value as the knob's type: slider rounding just past a range end is clamped back onto it, and
    floating-point noise from the slider grid is rounded off (to the default when that close to it, else to
    :data:`SIGNIFICANT_DIGITS` digits)."""
    if isinstance(knob, (Float, Int)) and isinstance(value, (int, float)):
        value = min(max(value, knob.low), knob.high)
        if isinstance(knob, Int):
            return int(round(value))
        if math.isclose(value, knob.default, rel_tol=10.0**-SIGNIFICANT_DIGITS, abs_tol=1e-300):
            return knob.default
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return value


class Debouncer:
    """Call ``func`` once, ``wait_s`` after the last of a burst of triggers (on the kernel's event loop).

    With ``wait_s <= 0``, or outside a running event loop (plain scripts, tests), each trigger calls ``func`` at once.
    """

    def __init__(self, func: Callable[[], None], wait_s: float) -> None:
        self.func = func
        self.wait_s = wait_s
        self._handle: asyncio.TimerHandle | None = None

    def __call__(self) -> None:
        if self.wait_s <= 0:
            self.func()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.func()
            return
        if self._handle is not None:
            self._handle.cancel()
        self._handle = loop.call_later(self.wait_s, self._fire)

    def _fire(self) -> None:
        self._handle = None
        self.func()


class Controls(widgets.VBox):
    """One widget per knob; ``on_change(callback)`` calls ``callback(values)`` after edits settle.

    Parameters
    ----------
    knobs : iterable of Knob
    continuous_update : bool
        Sliders report while dragging (``True``) or on release (``False``, for batch studies).
    debounce_s : float
        Quiet time after the last edit before callbacks run (0: immediately).
    option_labels : mapping, optional
        Labels of ``Choice`` options by option (see :func:`knob_widget`).
    """

    def __init__(self, knobs: Iterable[Knob], *, continuous_update: bool = True, debounce_s: float = 0.15,
                 option_labels: Mapping[str, str] | None = None) -> None:
        self.knobs = {k.name: k for k in knobs}
        self.widgets = {name: knob_widget(k, continuous_update=continuous_update, option_labels=option_labels)
                        for name, k in self.knobs.items()}
        self._callbacks: list[Callable[[dict], None]] = []
        self._holding = False
        self._debounced = Debouncer(self._notify, debounce_s)
        for widget in self.widgets.values():
            widget.observe(self._on_widget_change, names="value")
        super().__init__(children=list(self.widgets.values()))

    @property
    def values(self) -> dict[str, Any]:
        """Current widget values by knob name, as the knobs' types (not yet checked against joint constraints)."""
        return {name: widget_value(self.knobs[name], w.value) for name, w in self.widgets.items()}

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Set several widgets at once; callbacks run once afterwards.

        Raises
        ------
        KeyError
            For a name that is not one of the knobs.
        """
        unknown = sorted(set(values) - set(self.widgets))
        if unknown:
            raise KeyError(f"unknown knob(s) {unknown}; knobs are {list(self.widgets)}")
        self._holding = True
        try:
            for name, value in values.items():
                self.widgets[name].value = value
        finally:
            self._holding = False
        self._debounced()

    def on_change(self, callback: Callable[[dict], None]) -> None:
        """Register ``callback(values)``, called (debounced) after the knobs change."""
        self._callbacks.append(callback)

    def _on_widget_change(self, change: dict) -> None:
        note_knob_edit()
        if not self._holding:
            self._debounced()

    def _notify(self) -> None:
        values = self.values
        for callback in self._callbacks:
            callback(values)
