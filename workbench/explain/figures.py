"""The figures the themes' explain views draw: a tornado of the assumed parameters, and a metric's uncertainty band
over a design knob (:func:`band_view` declares such a view for any study with assumed knobs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from workbench.core.knobs import Bool, Choice
from workbench.core.study import Study
from workbench.core.views import View
from workbench.explain.sensitivity import tornado
from workbench.viz import style
from workbench.viz.charts import SEGMENT, axis_log, field
from workbench.viz.tornado import tornado_chart


def tornado_figure(study: Study, metric: str, base: Mapping[str, Any] | None = None) -> tuple[alt.LayerChart,
                                                                                              pd.DataFrame]:
    """The tornado of ``metric`` of ``study`` at ``base`` (:func:`~workbench.explain.sensitivity.tornado`) as a
    view's ``(chart, frame)``; the frame leaves out the reasons, which the chart's tooltips show."""
    frame = tornado(study, metric, base)
    declared = study.metric(metric)
    chart = tornado_chart(frame, declared.title,
                          f"What moves {declared.label or metric}? Assumed parameters over their plausible ranges")
    return chart, frame.drop(columns="reason")


#: The description every tornado view shares; a theme adds where its ranges are declared.
TORNADO_DESCRIPTION = (
    "Each bar spans the metric with one assumed ([R]) parameter at the low and at the high end of its plausible "
    "range, the others at their defaults; the dashed rule is the default design. An end that makes the design "
    "infeasible is named in the tooltip, with the reason of each range. `workbench list --assumed THEME` lists "
    "the ranges.")


def _feasible(study: Study, point: Mapping[str, Any]) -> bool:
    try:
        study.validate(dict(point))
    except ValueError:
        return False
    return True


def _design_points(study: Study, x: str, base: Mapping[str, Any], values: int) -> list[dict[str, Any]]:
    """Up to ``values`` points along design knob ``x`` (``base`` elsewhere) that the design constraints accept: the
    knob's grid, or where joint constraints refuse part of it (e.g. TiM's L <= 16 of 1..64) an evenly thinned denser
    grid over the part they accept; every option of a choice or switch."""
    knob = study.knob(x)
    for n in (values, 4 * values):
        points = [p for p in ({**base, x: v} for v in knob.grid(n)) if _feasible(study, p)]
        if len(points) >= values or isinstance(knob, (Bool, Choice)):
            break
    if not points:
        raise ValueError(f"study {study.name!r}: no value of {x!r} is feasible at {dict(base)}")
    keep = np.unique(np.linspace(0, len(points) - 1, min(values, len(points))).round().astype(int))
    return [points[i] for i in keep] if not isinstance(knob, (Bool, Choice)) else points


#: Joint draws of the assumed knobs behind every band view.
BAND_SAMPLES = 48

#: The description every band view shares; a theme adds what its design knobs and assumptions are.
BAND_DESCRIPTION = (
    f"The line (or dot) is the metric on the defaults; the band spans the 5-95 % of {BAND_SAMPLES} joint draws of "
    "the assumed ([R]) parameters over their plausible ranges, the same draws at every design point, so where one "
    "point lies above another in every draw (the tooltip's share) the difference survives the modelling "
    "uncertainty. `workbench list --assumed THEME` lists the ranges.")


def band_figure(study: Study, metric: str, x: str, base: Mapping[str, Any] | None = None, *, values: int = 9,
                samples: int = BAND_SAMPLES) -> tuple[alt.LayerChart, pd.DataFrame]:
    """``metric`` of ``study`` over design knob ``x`` (up to ``values`` feasible values, the other knobs at
    ``base``) with the 5-95 % band it spans when the assumed knobs vary over their plausible ranges
    (:func:`~workbench.explain.uncertainty.band`), as a view's ``(chart, frame)``: an area around a line over a
    numeric knob (log axes and breaks at categorical gaps as in the Explorer's charts,
    :func:`workbench.viz.charts.axis_log`, :func:`workbench.viz.style.line_segments`), a bar around a dot per option
    of a categorical one."""
    from workbench.explain.uncertainty import band

    points = _design_points(study, x, dict(base or {}), values)
    frame = band(study, metric, points, samples=samples).assign(**{x: [p[x] for p in points]})
    declared, knob = study.metric(metric), study.knob(x)
    numeric = all(isinstance(p[x], (int, float)) and not isinstance(p[x], bool) for p in points)
    column = field(x, "Q" if numeric else "N")
    # the Explorer's scale policy (issue 28 Deliver 4): a log axis for a positive quantity spanning more than
    # LOG_DECADES decades (or a log-scale knob), and no line or band across a categorical gap (0 bit beside 4-9 bit)
    log_x = numeric and axis_log(study, x, frame[x])
    log_y = axis_log(study, metric, frame[["low", "value", "high"]].to_numpy().ravel())
    axis = (alt.X(column, title=knob.label or x, scale=alt.Scale(type="log") if log_x else alt.Undefined)
            if numeric else alt.X(column, title=knob.label or x, sort=[str(p[x]) for p in points]))
    scale = alt.Scale(type="log") if log_y else alt.Undefined
    tooltip = [alt.Tooltip(column, title=knob.label or x), alt.Tooltip("value:Q", format=".4~g", title="defaults"),
               alt.Tooltip("low:Q", format=".4~g", title="5 %"), alt.Tooltip("high:Q", format=".4~g", title="95 %"),
               alt.Tooltip("beats_first:Q", format=".0%", title="draws above the first point")]
    plotted = frame.assign(**{SEGMENT: style.line_segments(frame[x]) if numeric else 0})
    segment = alt.Detail(field(SEGMENT, "N"))
    spread = alt.Chart(plotted).encode(x=axis, y=alt.Y("low:Q", title=declared.title, scale=scale), y2="high:Q",
                                       detail=segment, tooltip=tooltip)
    center = alt.Chart(plotted).encode(x=axis, y=alt.Y("value:Q", scale=scale), detail=segment, tooltip=tooltip)
    layers = ((spread.mark_area(opacity=0.25), center.mark_line(point=True)) if numeric else
              (spread.mark_rule(strokeWidth=8, opacity=0.35), center.mark_point(filled=True, size=60)))
    title = f"{declared.label or metric} over {knob.label or x}: the band spans the assumed parameters' ranges"
    return alt.layer(*layers, title=title).properties(width=460, height=260), frame


def band_view(study: Study, name: str, *, x: Sequence[str], metric: str, title: str,
              base: Mapping[str, Any] | None = None, note: str = "") -> View:
    """A view of ``study``'s uncertainty band (:func:`band_figure`) with two knobs: the metric drawn (default
    ``metric``) and the design knob ``x`` on the horizontal axis (one of ``x``, the first by default), the other
    knobs at ``base``; ``note`` follows the shared description (:data:`BAND_DESCRIPTION`).

    Issue 29 item 4: every analytic theme declares one such view in its ``views.py``."""
    fixed = dict(base or {})

    def draw(metric: str, x: str):
        """``metric`` of the study over design knob ``x`` with its band over the assumed parameters."""
        return band_figure(study, metric, x, fixed)

    return View(name=name, theme=study.theme, func=draw, title=title,
                knobs=(Choice("metric", metric, options=tuple(study.metric_names), help="The metric drawn."),
                       Choice("x", x[0], options=tuple(x), labels={n: study.knob(n).title for n in x},
                              help="The design knob on the horizontal axis.")),
                description=" ".join(filter(None, (BAND_DESCRIPTION, note))))
