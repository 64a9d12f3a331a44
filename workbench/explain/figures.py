"""The tornado figure a theme's view returns: the chart and the table it draws."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from workbench.core.knobs import Bool, Choice
from workbench.core.study import Study
from workbench.explain.sensitivity import tornado
from workbench.viz.charts import field
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


def band_figure(study: Study, metric: str, x: str, base: Mapping[str, Any] | None = None, *, values: int = 9,
                samples: int = 48) -> tuple[alt.LayerChart, pd.DataFrame]:
    """``metric`` of ``study`` over design knob ``x`` (up to ``values`` of its grid, the rest at ``base``) with the
    5-95 % band it spans when the assumed knobs vary over their plausible ranges
    (:func:`~workbench.explain.uncertainty.band`), as a view's ``(chart, frame)``; grid values the design
    constraints refuse on the defaults are left out."""
    from workbench.explain.uncertainty import band

    knob = study.knob(x)
    grid = knob.grid() if isinstance(knob, (Bool, Choice)) else knob.grid(values)
    points = [p for p in ({**dict(base or {}), x: v} for v in grid) if _feasible(study, p)]  # e.g. TiM's L <= 16
    frame = band(study, metric, points, samples=samples).assign(**{x: [p[x] for p in points]})
    declared = study.metric(metric)
    column = field(x, "N" if isinstance(points[0][x], str) else "Q")
    axis = alt.X(column, title=knob.label or x)
    area = alt.Chart(frame).mark_area(opacity=0.25).encode(
        x=axis, y=alt.Y("low:Q", title=declared.title), y2="high:Q",
        tooltip=[alt.Tooltip(column, title=knob.label or x), alt.Tooltip("low:Q", format=".4~g", title="5 %"),
                 alt.Tooltip("high:Q", format=".4~g", title="95 %"),
                 alt.Tooltip("beats_first:Q", format=".0%", title="draws above the first point")])
    line = alt.Chart(frame).mark_line(point=True).encode(x=axis, y="value:Q")
    title = f"{declared.label or metric} over {knob.label or x}: the band spans the assumed parameters' ranges"
    return alt.layer(area, line, title=title).properties(width=460, height=260), frame
