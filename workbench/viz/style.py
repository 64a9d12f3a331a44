"""Figure styles: a paper style (serif, sized for one- or two-column figures) and a screen style.

("Style", because "theme" names a research theme everywhere else in the workbench.) Styles are registered with
Altair's theme registry under ``workbench_<name>``, so :func:`enable` behaves like Altair's ``PluginRegistry.enable``:
it switches the active style and, used as a context manager, restores the previous one on exit::

    with enable("paper", columns=2):
        export(chart, "figures/fig3")

Sizes follow the usual two-column conference/journal layout: a one-column figure is 3.5 in wide, a two-column figure
7 in. Vega measures in pixels at 72 px/in, which vl-convert maps 1:1 to PDF points, so a 3.5 in figure is 252 pt. The
paper style sizes the whole figure (axes, labels, legend and padding: Vega's ``fit`` autosize containing the padding),
so a one-column figure is exactly 252 pt wide, and sets its text in Source Serif Pro, an open (SIL OFL 1.1) font that
the ``font-source-serif-pro`` package installs and :mod:`workbench.viz.export` registers with vl-convert: text metrics,
and so the layout, are the same on every machine whatever fonts it has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import font_source_serif_pro

POINTS_PER_INCH = 72
FIGURE_WIDTH_IN = {1: 3.5, 2: 7.0}
"""Printed figure width for one- and two-column figures (IEEE/ACM two-column templates)."""

SERIF = "Source Serif Pro"
"""The paper font: one family with no fallback, so a missing font cannot silently change the layout."""
FONT_DIR = Path(font_source_serif_pro.font_directory)
"""Folder of the paper font's files (with its licence, ``LICENSE.txt``)."""
SANS = "Helvetica Neue, Helvetica, Arial, Liberation Sans, DejaVu Sans, sans-serif"

# Colour-blind-safe categorical palette (Okabe & Ito 2008), readable in greyscale print order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

_ASPECT = 0.75
"""Paper figure height / width (the whole figure, legend included)."""


def _config(font: str, label_size: float, title_size: float, width: float, height: float) -> dict[str, Any]:
    return {
        "config": {
            "font": font,
            "view": {"continuousWidth": width, "continuousHeight": height, "stroke": None},
            "axis": {
                "labelFontSize": label_size,
                "titleFontSize": title_size,
                "titleFontWeight": "normal",
                "grid": True,
                "gridOpacity": 0.35,
                "tickSize": 3,
            },
            "legend": {"labelFontSize": label_size, "titleFontSize": title_size, "titleFontWeight": "normal"},
            "title": {"fontSize": title_size + 1, "fontWeight": "normal"},
            "header": {"labelFontSize": label_size, "titleFontSize": title_size},
            "range": {"category": PALETTE},
            "point": {"size": 30 if width < 300 else 45},
            "line": {"strokeWidth": 1.5},
        }
    }


def paper_style(columns: int = 1) -> dict[str, Any]:
    """Serif font at print sizes; the whole figure is ``columns`` (1 or 2) columns of a two-column paper wide.

    Vega shrinks the plotting area so that axes, labels, the legend and the padding fit the column width exactly (a
    single or layered chart; Vega cannot fit concatenated or faceted charts, which keep their own sizes). Legends go
    below the plot.

    Raises
    ------
    ValueError
        If ``columns`` is not 1 or 2.
    """
    if columns not in FIGURE_WIDTH_IN:
        raise ValueError(f"columns={columns!r} is not allowed; allowed: 1 (3.5 in) or 2 (7 in)")
    width = FIGURE_WIDTH_IN[columns] * POINTS_PER_INCH
    label, title = (7.0, 8.0) if columns == 1 else (8.0, 9.0)
    style = _config(SERIF, label, title, width, round(width * _ASPECT))
    style["config"]["autosize"] = {"type": "fit", "contains": "padding"}
    style["config"]["legend"].update(orient="bottom", direction="horizontal", gradientLength=width / 3,
                                     symbolSize=30, columnPadding=6, labelLimit=width / 3)
    return style


SCREEN_WIDTH = 400
"""Plot width of the screen style: with axes and the chart menu the chart is about 480 px wide, so a dashboard's
knobs (420 px) and its chart sit side by side in a 1000 px window; on narrower windows the chart wraps below the
knobs."""


def screen_style() -> dict[str, Any]:
    """Sans-serif fonts and a size that reads well in a notebook or a Voila dashboard.

    Legends go below the plot, in up to three columns: a legend at the right pushed charts past the right edge of a
    1000 px window and sat under the chart's menu button."""
    style = _config(SANS, 11.0, 12.0, SCREEN_WIDTH, 300)
    style["config"]["legend"].update(orient="bottom", direction="horizontal", columns=3, labelLimit=150,
                                     titleLimit=SCREEN_WIDTH, gradientLength=200, columnPadding=12, rowPadding=3)
    return style


_STYLES = {"paper": paper_style, "screen": screen_style}
for _name, _func in _STYLES.items():
    alt.theme.register(f"workbench_{_name}", enable=False)(_func)


def names() -> list[str]:
    """The workbench figure style names."""
    return sorted(_STYLES)


def enable(name: str, **options: Any):
    """Make style ``name`` (``"paper"`` or ``"screen"``) active; use as a context manager to restore the previous one.

    ``options`` go to the style function (``columns=2`` for the paper style).

    Raises
    ------
    ValueError
        For an unknown figure style name or an invalid option value.
    """
    if name not in _STYLES:
        raise ValueError(f"unknown figure style {name!r}; allowed: {names()}")
    _STYLES[name](**options)  # validate the options now rather than at render time
    return alt.theme.enable(f"workbench_{name}", **options)


def active() -> str:
    """The active style: ``"paper"``, ``"screen"``, or the name of a non-workbench Altair theme."""
    current = alt.theme.active
    return current.removeprefix("workbench_")
