"""Figure styles: a paper style (serif, sized for one- or two-column figures) and a screen style.

("Style", because "theme" names a research theme everywhere else in the workbench.) Styles are registered with
Altair's theme registry under ``workbench_<name>``, so :func:`enable` behaves like Altair's ``PluginRegistry.enable``:
it switches the active style and, used as a context manager, restores the previous one on exit::

    with enable("paper", columns=2):
        export(chart, "figures/fig3")

Sizes follow the IEEE two-column layout: a one-column figure is 3.5 in wide, a two-column figure 7.16 in (the text
width), or any chosen width. Vega measures in pixels at 72 px/in, which vl-convert maps 1:1 to PDF points, so a
3.5 in figure is 252 pt. The paper style sizes the whole figure (axes, labels, legend and padding: Vega's ``fit``
autosize containing the padding), and sets its text in Source Serif Pro, an open (SIL OFL 1.1) font that the
``font-source-serif-pro`` package installs and :mod:`workbench.viz.export` registers with vl-convert: text metrics,
and so the layout, are the same on every machine whatever fonts it has. :func:`workbench.viz.export.figure` then
makes the figure exactly that wide with every label inside it.

The colour and label policy, for every chart of a page: :func:`category_colours` gives a category the colour of its
place in the sorted set of categories its chart declares, the same on every chart declaring that set and distinct
within a legend; :func:`short_label` names pipelines by the declared
:data:`SHORT_LABELS`; :func:`wants_log` picks a log axis for a positive column spanning more than 1.5 decades;
:func:`category_order` reads numeric categories numerically; :func:`line_segments` breaks a line at a categorical gap.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import altair as alt
import font_source_serif_pro
import numpy as np

POINTS_PER_INCH = 72
FIGURE_WIDTH_IN = {1: 3.5, 2: 7.16}
"""Printed figure width for one- and two-column figures (IEEE two-column template: column and text width)."""

SERIF = "Source Serif Pro"
"""The paper font: one family with no fallback, so a missing font cannot silently change the layout."""
FONT_DIR = Path(font_source_serif_pro.font_directory)
"""Folder of the paper font's files (with its licence, ``LICENSE.txt``)."""
SANS = "Helvetica Neue, Helvetica, Arial, Liberation Sans, DejaVu Sans, sans-serif"

#: Colour of a warning: a status line's note and a chart's warning subtitle.
WARNING_COLOR = "#8a5a00"

# Colour-blind-safe categorical palette (Okabe & Ito 2008), readable in greyscale print order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
EXTRA_COLOURS = ["#9ECAE9", "#FFBF79", "#88D27A", "#B79A20", "#83BCB6", "#FF9D98", "#79706E", "#BAB0AC", "#D6A5C9",
                 "#9E765F", "#E45756", "#4C78A8"]
"""Colours after :data:`PALETTE` for legends of more than eight categories (from Vega's tableau20), so that no two
entries of one legend share a colour up to twenty entries."""

_ASPECT = 0.55
"""Paper plot height / figure width (the legend, titles and axis labels come on top of it)."""


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


def figure_width_in(columns: int = 1, width_in: float | None = None) -> float:
    """Printed width (in) of a paper figure: ``width_in`` when given, else ``columns`` (1 or 2) IEEE columns.

    Raises
    ------
    ValueError
        If ``columns`` is not 1 or 2, or ``width_in`` is not between 1 and 20 in.
    """
    if width_in is not None:
        if not 1.0 <= width_in <= 20.0:
            raise ValueError(f"width_in={width_in!r} is not allowed; allowed: 1 to 20 (inches)")
        return float(width_in)
    if columns not in FIGURE_WIDTH_IN:
        raise ValueError(f"columns={columns!r} is not allowed; allowed: 1 (3.5 in) or 2 (7.16 in)")
    return FIGURE_WIDTH_IN[columns]


def paper_style(columns: int = 1, width_in: float | None = None) -> dict[str, Any]:
    """Serif font at print sizes; the whole figure is :func:`figure_width_in` wide (one or two IEEE columns).

    Vega shrinks the plotting area so that axes, labels, the legend and the padding fit the width exactly (a single
    or layered chart; concatenated and faceted charts keep their own sizes, and
    :func:`workbench.viz.export.figure` scales them to the width). Legends go below the plot, in two columns on a
    one-column figure and four on a wider one, and no label is cut short.

    Raises
    ------
    ValueError
        For a ``columns`` or ``width_in`` :func:`figure_width_in` refuses.
    """
    width = figure_width_in(columns, width_in) * POINTS_PER_INCH
    narrow = width < 300
    label, title = (7.0, 8.0) if narrow else (8.0, 9.0)
    style = _config(SERIF, label, title, width, round(width * _ASPECT))
    style["config"]["autosize"] = {"type": "fit-x", "contains": "padding"}
    style["config"]["legend"].update(orient="bottom", direction="horizontal", gradientLength=width / 3,
                                     symbolSize=30, columnPadding=6, rowPadding=2, labelLimit=0,
                                     columns=2 if narrow else 4)
    style["config"]["axis"]["labelLimit"] = 0
    return style


SCREEN_WIDTH = 400
"""Plot width of the screen style: with axes and the chart menu the chart is about 480 px wide, so a dashboard's
knobs (420 px) and its chart sit side by side in a 1000 px window; on narrower windows the chart wraps below the
knobs."""


SCREEN_LABEL_LIMIT = 240
"""Longest legend label (px) on screen before Vega cuts it with an ellipsis: "prune > ternary > crossbar-trained" and
"skipped: low-variance channels" were cut at 150 px."""


def screen_style() -> dict[str, Any]:
    """Sans-serif fonts and a size that reads well in a notebook or a Voila dashboard.

    Legends go below the plot, in up to three columns: a legend at the right pushed charts past the right edge of a
    1000 px window and sat under the chart's menu button."""
    style = _config(SANS, 11.0, 12.0, SCREEN_WIDTH, 300)
    style["config"]["legend"].update(orient="bottom", direction="horizontal", columns=3, labelLimit=SCREEN_LABEL_LIMIT,
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

    ``options`` go to the style function (``columns=2`` or ``width_in=5.0`` for the paper style).

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


# -- colour and label policy ------------------------------------------------------------------------------------------
def category_colours(categories: Iterable[Any], domain: Iterable[Any] | None = None) -> dict[str, str]:
    """A colour for each of ``categories`` (as text, in the given order), a function of the declared ``domain``
    alone: the full set of categories the chart can show (a Choice knob's options, a module's tuple of components;
    default ``categories``), sorted (numerically when every one is a number), gives the i-th category the i-th colour
    of :data:`PALETTE` then :data:`EXTRA_COLOURS`.

    So a category keeps its colour whatever order the rows arrive in, whichever categories a drawing holds, and
    whatever charts were drawn before (issue 28: the crossbar layer-cost chart's "adc" changed colour between
    gallery runs); every chart of a page declaring the same set gives a category the same colour, and no two
    categories of one domain share a colour up to twenty. A category outside ``domain`` comes after it.
    """
    names = list(dict.fromkeys(str(c) for c in categories))
    declared = _sorted(str(c) for c in domain) if domain is not None else []
    ordered = declared + _sorted(n for n in names if n not in declared)
    palette = PALETTE + EXTRA_COLOURS
    colour = {name: palette[index % len(palette)] for index, name in enumerate(ordered)}
    return {name: colour[name] for name in names}


def _sorted(names: Iterable[str]) -> list[str]:
    """The distinct ``names`` sorted: numerically when every one reads as a number (2 before 16), else as text."""
    distinct = list(dict.fromkeys(names))
    return _numeric_order(distinct) or sorted(distinct)


def category_scale(categories: Iterable[Any], domain: Iterable[Any] | None = None) -> alt.Scale:
    """An Altair colour scale giving ``categories`` their :func:`category_colours` within the declared ``domain``
    (the scale's domain, and so the legend, in the given order)."""
    colours = category_colours(categories, domain)
    return alt.Scale(domain=list(colours), range=list(colours.values()))


SHORT_LABELS = {
    "pruning.train": "prune",
    "tim.ternarize": "ternary",
    "tim.tiles": "TiM",
    "crossbar.arrays": "crossbar",
    "crossbar.train": "crossbar-trained",
    "mram.cim": "MRAM CiM",
    "sparce.core": "SparCE",
}
"""Declared short names of pipeline stages, used in legends and axis labels: a pipeline
``"pruning.train>tim.ternarize>tim.tiles"`` reads "prune > ternary > TiM" instead of being cut off."""
PIPELINE_SEPARATOR = ">"


def short_label(value: Any) -> str:
    """The short label of a category: each stage of a pipeline (stages joined by ``>``) by its :data:`SHORT_LABELS`
    name, joined by " > "; any other value as its text."""
    text = str(value)
    if not any(stage in text for stage in SHORT_LABELS):
        return text
    return " > ".join(SHORT_LABELS.get(part.strip(), part.strip()) for part in text.split(PIPELINE_SEPARATOR))


def label_expr(categories: Iterable[Any]) -> str | None:
    """A Vega ``labelExpr`` showing each of ``categories`` by its :func:`short_label`, or ``None`` when every label
    is already its own text."""
    labels = {str(c): short_label(c) for c in categories}
    changed = {k: v for k, v in labels.items() if k != v}
    if not changed:
        return None
    cases = "".join(f"datum.label === {json.dumps(k)} ? {json.dumps(v)} : " for k, v in changed.items())
    return cases + "datum.label"


LOG_DECADES = 1.5
"""A positive metric spanning more than this many decades (max / min > 10**1.5, about 32x) gets a log axis."""


def wants_log(values: Iterable[Any], decades: float = LOG_DECADES) -> bool:
    """Whether an axis over ``values`` should be logarithmic: every finite value is positive and they span more than
    ``decades`` decades."""
    array = np.asarray(_floats(values), dtype=float)
    finite = array[np.isfinite(array)]
    if finite.size < 2 or (finite <= 0).any():
        return False
    return math.log10(finite.max() / finite.min()) > decades


def _floats(values: Iterable[Any]) -> list[float]:
    out = []
    for value in values:
        try:
            out.append(float(value))
        except (TypeError, ValueError):
            out.append(math.nan)
    return out


def category_order(values: Iterable[Any], declared: Iterable[Any] | None = None) -> list[str]:
    """The distinct ``values`` as text in reading order: the ``declared`` order (a Choice knob's options) first,
    otherwise numerically when every value is a number (1, 2, 16, 32, not 1, 16, 2, 32), otherwise as first seen."""
    seen = list(dict.fromkeys(str(v) for v in values))
    if declared is not None:
        order = [str(o) for o in declared if str(o) in seen]
        return order + [v for v in seen if v not in order]
    return _numeric_order(seen) or seen


def _numeric_order(names: list[str]) -> list[str]:
    """``names`` sorted by their numbers when every one reads as a number; else empty."""
    numbers = _floats(names)
    if any(math.isnan(n) for n in numbers):
        return []
    return [name for _, name in sorted(zip(numbers, names, strict=True))]


def line_segments(values: Iterable[Any]) -> np.ndarray:
    """The segment of each point of a line ordered by ``values``, breaking the line at a categorical gap.

    Over the distinct values in ascending order, a step more than twice the median step (in linear terms, and also
    in log terms when every value is positive, so a geometric grid 1, 2, 4, 8 is not broken) starts a new segment:
    a sentinel such as ``adc_bits = 0`` (an ideal ADC) is not joined to 4-9 bits. Values that are not numbers are
    segment 0.
    """
    array = np.asarray(_floats(values), dtype=float)
    distinct = np.unique(array[np.isfinite(array)])
    segment = np.zeros(distinct.size, dtype=int)
    if distinct.size >= 3:
        gaps = np.diff(distinct)
        breaks = gaps > 2 * np.median(gaps)
        if (distinct > 0).all():
            log_gaps = np.diff(np.log(distinct))
            breaks &= log_gaps > 2 * np.median(log_gaps)
        segment[1:] = np.cumsum(breaks)
    lookup = dict(zip(distinct.tolist(), segment.tolist(), strict=True))
    return np.array([lookup.get(v, 0) for v in array.tolist()], dtype=int)
