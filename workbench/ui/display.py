"""Pieces shared by the dashboards: offline JupyterChart set-up, drawing a chart, status lines, params tables, axis
pickers."""

from __future__ import annotations

import contextlib
import html
from collections.abc import Mapping
from typing import Any

import altair as alt
import ipywidgets as widgets

from workbench.core.registry import get_study
from workbench.core.study import Study
from workbench.viz import theme as themes

_OFFLINE = False


def offline_charts() -> None:
    """Bundle the Vega JavaScript into JupyterChart once, so charts render without internet access."""
    global _OFFLINE
    if not _OFFLINE:
        alt.JupyterChart.enable_offline()
        _OFFLINE = True


def show_chart(target: alt.JupyterChart, chart: alt.LayerChart, theme: str | None) -> None:
    """Draw ``chart`` in ``target`` in the workbench ``theme`` (``None``: the active Altair theme).

    The first chart goes through JupyterChart's ``chart`` trait, which sets up the click selection. Later charts of
    the same dashboard carry the same selection, so only the spec is replaced, without re-validating it against the
    JSON schema: validating every inline data row would cost about half of a knob change's round trip. The chart
    builders' specs are validated by their own tests.
    """
    with themes.enable(theme) if theme is not None else contextlib.nullcontext():
        if target.chart is None:
            target.chart = chart
        else:
            target.spec = chart.to_dict(validate=False)


def resolve_study(study: Study | str) -> Study:
    return get_study(study) if isinstance(study, str) else study


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def status_html(text: str, kind: str) -> str:
    colour = {"ok": "#2b6e2b", "error": "#b00020", "busy": "#555555", "warning": "#8a5a00"}[kind]
    label = {"error": "Error: ", "warning": "Note: "}.get(kind, "")
    style = f"color:{colour};white-space:pre-wrap"
    return f'<div class="wb-status wb-{kind}" style="{style}">{label}{html.escape(text)}</div>'


def params_html(study: Study, params: Mapping[str, Any], title: str) -> str:
    """A small table of knob values with units."""
    rows = "".join(
        f"<tr><td>{html.escape(k.label or k.name)}</td><td>{format_value(params.get(k.name))}</td>"
        f"<td>{html.escape(k.unit)}</td></tr>"
        for k in study.knobs if k.name in params
    )
    return f"<b>{html.escape(title)}</b><table class='wb-params'>{rows}</table>"


def axis_pickers(study: Study, x: str, y: str, color: str | None) -> tuple[widgets.Dropdown, ...]:
    columns = study.metric_names + study.knob_names
    style = {"description_width": "50px"}
    layout = widgets.Layout(width="250px")
    return (
        widgets.Dropdown(options=columns, value=x, description="x", style=style, layout=layout),
        widgets.Dropdown(options=columns, value=y, description="y", style=style, layout=layout),
        widgets.Dropdown(options=[("(none)", None)] + [(k, k) for k in study.knob_names], value=color,
                         description="colour", style=style, layout=layout),
    )
