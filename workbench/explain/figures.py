"""The tornado figure a theme's view returns: the chart and the table it draws."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from workbench.core.study import Study
from workbench.explain.sensitivity import tornado
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
