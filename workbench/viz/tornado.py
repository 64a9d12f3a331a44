"""The tornado chart of a one-at-a-time sensitivity table (:func:`workbench.explain.sensitivity.tornado`)."""

from __future__ import annotations

import altair as alt
import pandas as pd


def tornado_chart(frame: pd.DataFrame, metric_title: str, title: str) -> alt.LayerChart:
    """A bar per assumed knob from the metric at the low end of its plausible range to the metric at the high end,
    largest swing on top, with a rule at the metric on the defaults; an infeasible end is named in the tooltip and
    its bar starts at the default.

    Parameters
    ----------
    frame : DataFrame
        The tornado table: ``title``, ``low``, ``high``, ``metric_low``, ``metric_default``, ``metric_high``,
        ``swing``, ``infeasible``, ``reason``.
    metric_title : str
        Axis title (label and unit of the metric).
    title : str
        Chart title.
    """
    data = frame.assign(
        start=frame["metric_low"].fillna(frame["metric_default"]),
        end=frame["metric_high"].fillna(frame["metric_default"]),
        range=frame["low"].astype(str) + " .. " + frame["high"].astype(str))
    order = list(data["title"])
    tooltip = ["title", alt.Tooltip("range:N", title="plausible range"),
               alt.Tooltip("metric_low:Q", format=".4~g", title="at low"),
               alt.Tooltip("metric_high:Q", format=".4~g", title="at high"),
               alt.Tooltip("swing:Q", format=".4~g"), "infeasible", "reason"]
    base = alt.Chart(data, title=title)
    bars = base.mark_bar().encode(
        y=alt.Y("title:N", sort=order, title=None),
        x=alt.X("start:Q", title=metric_title, scale=alt.Scale(zero=False)),
        x2="end:Q",
        color=alt.condition("datum.end >= datum.start", alt.value("#4c78a8"), alt.value("#e45756")),
        tooltip=tooltip)
    default = alt.Chart(data.head(1)).mark_rule(strokeDash=[4, 3], color="black").encode(x="metric_default:Q")
    return (bars + default).properties(width=420, height=max(120, 24 * len(data)))
