"""Altair charts of study results: the accuracy-versus-cost trade-off with its Pareto front, and sweep heatmaps.

Every function takes the frame of evaluated points (knob columns + metric columns, as ``ResultStore.frame`` or
``run_sweep`` return it) and the :class:`~workbench.core.Study` that produced it; axis titles, units, scales, the
colour type of a knob and the better-direction of each metric all come from the study's declarations.

Vega-Lite embeds the data in the spec and Altair refuses more than 5,000 inline rows. Above ``max_rows`` the trade-off
chart draws the cloud as a binned density layer (counted here, in pandas) and keeps the Pareto points exact, so a
chart of a million-point sweep is still a few kilobytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from workbench.core.integrity import DamagedFile
from workbench.core.knobs import Bool, Choice, Int, Knob
from workbench.core.manifest import curated_tables, read_curated, reference_points
from workbench.core.pareto import pareto_mask
from workbench.core.paths import reference_dir
from workbench.core.study import Study
from workbench.viz import style

ROW = "_row"
"""Column holding each point's row number in the caller's frame; chart selections report it."""

SEGMENT = "_segment"
"""Column numbering the pieces of a sweep curve between categorical gaps (no line is drawn across a gap)."""

PICK = "pick"
"""Name of the click selection on the trade-off chart's points (read it with ``alt.JupyterChart.selections``)."""

MAX_ROWS = 5000
DISCRETE_LEVELS = 8
"""An integer knob coloured by gets a discrete (ordinal) legend when the data holds at most this many of its values."""
HIGHLIGHT_COLOR = "#D62728"


def inline(frame: pd.DataFrame) -> dict:
    """``frame``'s rows as inline Vega-Lite data ``{"values": [...]}`` (NaN becomes null, numpy scalars Python).

    Cheaper than handing Altair the DataFrame, which re-sanitises it for every layer, or an ``alt.InlineData``, which
    validates every row on construction, and ~5x cheaper than masking the frame as objects: this keeps a knob change
    within the 100 ms budget of a dashboard. (``to_dict`` already gives Python scalars.)
    """
    return {"values": [{name: None if _missing(value) else value for name, value in record.items()}
                       for record in frame.to_dict("records")]}


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


# -- columns and encodings --------------------------------------------------------------------------------------------
def _declared(study: Study, name: str) -> Knob | Any | None:
    if name in study.knob_names:
        return study.knob(name)
    if name in study.metric_names:
        return study.metric(name)
    return None


def _title(study: Study, name: str) -> str:
    declared = _declared(study, name)
    return declared.title if declared is not None else name


def _is_log(study: Study, name: str) -> bool:
    declared = _declared(study, name)
    return bool(getattr(declared, "log", False))


def axis_log(study: Study, name: str, values: Any, log: bool | None = None) -> bool:
    """Whether the axis of column ``name`` is logarithmic: ``log`` when given, else when the column is declared
    log-scale or its ``values`` (positive) span more than :data:`~workbench.viz.style.LOG_DECADES` decades."""
    if log is not None:
        return log
    return _is_log(study, name) or style.wants_log(values)


def _legend(values: Any) -> alt.Legend | Any:
    expr = style.label_expr(values)
    return alt.Legend(labelExpr=expr) if expr else alt.Undefined


def _is_categorical(study: Study, name: str, frame: pd.DataFrame) -> bool:
    declared = _declared(study, name)
    if isinstance(declared, (Choice, Bool)):
        return True
    return name in frame.columns and not pd.api.types.is_numeric_dtype(frame[name])


def _require(frame: pd.DataFrame, names: list[str | None]) -> None:
    missing = [n for n in names if n is not None and n not in frame.columns]
    if missing:
        raise KeyError(f"column(s) {missing} are not in the frame; columns: {list(frame.columns)}")


def field(name: str, kind: str) -> str:
    """The Vega-Lite shorthand of column ``name`` as a field of type ``kind`` (``"Q"``, ``"N"``, ``"O"``, ``"T"``).

    Vega-Lite reads a dot or a bracket in a field name as access into a nested object; a composed stage knob
    (``crossbar.arrays.program_sigma``, :mod:`workbench.core.stages`) is one flat column, so those characters are
    escaped here, the one place every chart names its fields.
    """
    escaped = name.replace("\\", "\\\\").replace(".", "\\.").replace("[", "\\[").replace("]", "\\]")
    return f"{escaped}:{kind}"


def plot_frame(frame: pd.DataFrame, study: Study) -> pd.DataFrame:
    """The knob and metric columns of ``frame`` (in declaration order) plus :data:`ROW`, each point's row number."""
    columns = [c for c in study.knob_names + study.metric_names if c in frame.columns]
    data = frame[columns].reset_index(drop=True)
    data.insert(0, ROW, np.arange(len(data)))
    for name in columns:
        if _is_categorical(study, name, data):
            data[name] = data[name].astype(str)  # True/False and numeric options as legend labels
    return data


def _position(study: Study, name: str, channel: type, log: bool | None) -> Any:
    use_log = _is_log(study, name) if log is None else log
    scale = alt.Scale(type="log") if use_log else alt.Scale(zero=False)
    return channel(field(name, "Q"), title=_title(study, name), scale=scale)


def _tooltips(study: Study, data: pd.DataFrame) -> list[alt.Tooltip]:
    """A point's tooltip: every metric, and the knobs whose values differ between the rows drawn (a knob that is the
    same for every row is the dashboard's own setting, shown beside the chart); every knob for a single row."""
    tips = []
    varying = [k for k in study.knob_names
               if k in data.columns and (len(data) < 2 or data[k].nunique(dropna=False) > 1)]
    for name in varying + study.metric_names:
        if name not in data.columns:
            continue
        if _is_categorical(study, name, data):
            tips.append(alt.Tooltip(field(name, "N"), title=_title(study, name)))
        else:
            tips.append(alt.Tooltip(field(name, "Q"), title=_title(study, name), format=".4~g"))
    return tips


def _order(study: Study, name: str, values: Any) -> list[str]:
    declared = _declared(study, name)
    return style.category_order(values, declared.options if isinstance(declared, Choice) else None)


def _colour(study: Study, name: str, data: pd.DataFrame) -> alt.Color:
    if _is_categorical(study, name, data):
        order = _order(study, name, data[name])
        declared = _declared(study, name)  # every value a knob can take, so a colour does not depend on the rows
        domain = declared.grid() if isinstance(declared, (Choice, Bool)) else None
        return alt.Color(field(name, "N"), title=_title(study, name), scale=style.category_scale(order, domain),
                         legend=_legend(order))
    if isinstance(_declared(study, name), Int) and data[name].nunique() <= DISCRETE_LEVELS:  # adc_bits 4, 5, 6, 8
        return alt.Color(field(name, "O"), title=_title(study, name), scale=alt.Scale(scheme="viridis"))
    scale = alt.Scale(scheme="viridis", type="log" if _is_log(study, name) else "linear")
    return alt.Color(field(name, "Q"), title=_title(study, name), scale=scale)


def pareto_directions(study: Study, x: str, y: str) -> dict[str, str] | None:
    """``{x: better, y: better}`` when both are metrics with a better-direction, else ``None`` (no front)."""
    directions = {}
    for name in (x, y):
        if name not in study.metric_names or study.metric(name).better is None:
            return None
        directions[name] = study.metric(name).better
    return directions


def front_points(data: pd.DataFrame, directions: Mapping[str, str]) -> pd.DataFrame:
    """The non-dominated rows of ``data``, one row per distinct point (repeated evaluations collapse)."""
    front = data[pareto_mask(data, directions)]
    return front.drop_duplicates(subset=[c for c in front.columns if c != ROW])


def _front_layers(front: pd.DataFrame, study: Study, x: str, y: str, directions: Mapping[str, str],
                  log_x: bool | None, log_y: bool | None) -> list[alt.Chart]:
    front = front.sort_values([x, y])
    interpolate = "step-after" if directions[x] == "min" else "step-before"
    base = alt.Chart(inline(front)).encode(x=_position(study, x, alt.X, log_x), y=_position(study, y, alt.Y, log_y))
    # no tooltip on the line: a line mark's tooltip shows one point's values wherever the line is hovered
    line = base.mark_line(color="black", strokeWidth=1, opacity=0.8, interpolate=interpolate)
    # small filled dots with a white edge: neighbours stay apart where the front is dense (open rings merged into a
    # black blob at 80-88 TOPS/mm2 of tim.arch)
    dots = base.mark_point(shape="circle", filled=True, color="black", size=16, opacity=1, stroke="white",
                           strokeWidth=0.6).encode(tooltip=_tooltips(study, front))
    return [line, dots]


# -- data binning for large frames -----------------------------------------------------------------------------------
def _edges(values: np.ndarray, bins: int, log: bool) -> np.ndarray:
    finite = values[np.isfinite(values) & ((values > 0) if log else True)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if log:
        return np.geomspace(low, high if high > low else low * 10, bins + 1)
    return np.linspace(low, high if high > low else low + 1, bins + 1)


def density_frame(data: pd.DataFrame, x: str, y: str, *, bins: int = 40, log_x: bool = False,
                  log_y: bool = False) -> pd.DataFrame:
    """2-D histogram of ``data[x], data[y]``: one row per non-empty bin with its edges and the point count."""
    xs = pd.to_numeric(data[x], errors="coerce").to_numpy(float)
    ys = pd.to_numeric(data[y], errors="coerce").to_numpy(float)
    x_edges, y_edges = _edges(xs, bins, log_x), _edges(ys, bins, log_y)
    counts, _, _ = np.histogram2d(xs, ys, bins=[x_edges, y_edges])
    i, j = np.nonzero(counts)
    return pd.DataFrame({
        f"{x}_lo": x_edges[i], f"{x}_hi": x_edges[i + 1], f"{y}_lo": y_edges[j], f"{y}_hi": y_edges[j + 1],
        "points": counts[i, j].astype(int),
    })


def _density_layer(data: pd.DataFrame, study: Study, x: str, y: str, bins: int, log_x: bool | None,
                   log_y: bool | None) -> alt.Chart:
    lx = _is_log(study, x) if log_x is None else log_x
    ly = _is_log(study, y) if log_y is None else log_y
    cells = density_frame(data, x, y, bins=bins, log_x=lx, log_y=ly)
    x_scale = alt.Scale(type="log") if lx else alt.Scale(zero=False)
    y_scale = alt.Scale(type="log") if ly else alt.Scale(zero=False)
    return alt.Chart(inline(cells)).mark_rect().encode(
        x=alt.X(field(f"{x}_lo", "Q"), title=_title(study, x), scale=x_scale),
        x2=field(f"{x}_hi", "Q"),
        y=alt.Y(field(f"{y}_lo", "Q"), title=_title(study, y), scale=y_scale),
        y2=field(f"{y}_hi", "Q"),
        color=alt.Color("points:Q", title="points per bin", scale=alt.Scale(scheme="greys", type="log")),
        tooltip=[alt.Tooltip("points:Q", title="points")],
    )


# -- reference points -------------------------------------------------------------------------------------------------
def load_reference(reference: pd.DataFrame | str | Path | bool, study: Study) -> pd.DataFrame | None:
    """Paper points to overlay: a DataFrame, a CSV path (relative paths are under ``data/reference/``), or ``True``
    for the labelled points of the study's theme paper table (when the study declares ``reference``; see
    :func:`workbench.core.manifest.reference_points`). ``False``/``None`` give ``None``.

    A hand-written table of ``data/reference/`` is checked against its recorded hash
    (:func:`workbench.core.manifest.read_curated`); a user's own file only has to be a readable CSV table.

    Raises
    ------
    FileNotFoundError
        Naming the missing file.
    ValueError
        Naming a file that is not a readable CSV table (:class:`~workbench.core.integrity.DamagedFile`), or a
        hand-written reference table whose content no longer matches its recorded hash.
    """
    if reference is None or reference is False:
        return None
    if isinstance(reference, pd.DataFrame):
        return reference
    if reference is True:
        return reference_points(study.theme) if study.reference else None
    path = Path(reference)
    if not path.is_absolute():
        path = reference_dir() / path
    if not path.exists():
        raise FileNotFoundError(f"reference points file {path} does not exist")
    if path.resolve().parent == reference_dir().resolve() and path.name in curated_tables():
        return read_curated(path)
    try:
        return pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as error:  # pandas' ParserError and EmptyDataError are ValueErrors
        raise DamagedFile(f"reference points file {path} is not a readable CSV table "
                          f"({str(error).splitlines()[0]})") from None


def _reference_layers(ref: pd.DataFrame, study: Study, x: str, y: str, log_x: bool | None,
                      log_y: bool | None) -> list[alt.Chart]:
    """Crosses with labels at the paper points that give both ``x`` and ``y`` (none drawn when no point does)."""
    if x not in ref.columns or y not in ref.columns:
        return []
    ref = ref.dropna(subset=[x, y])
    if ref.empty:
        return []
    label = next((c for c in ("label", "source", "name") if c in ref.columns), None)
    ref = ref.copy()
    ref["reference"] = ref[label].astype(str) if label else "paper"
    base = alt.Chart(inline(ref[[x, y, "reference"]])).encode(
        x=_position(study, x, alt.X, log_x), y=_position(study, y, alt.Y, log_y),
        tooltip=[alt.Tooltip("reference:N", title="paper"), alt.Tooltip(field(x, "Q"), title=_title(study, x)),
                 alt.Tooltip(field(y, "Q"), title=_title(study, y))],
    )
    marks = base.mark_point(shape="cross", filled=True, color="black", size=70)
    text = base.mark_text(align="left", dx=6, dy=-6, fontSize=9, color="black").encode(text="reference:N")
    return [marks, text]


# -- public charts ----------------------------------------------------------------------------------------------------
def tradeoff(
    df: pd.DataFrame,
    study: Study,
    x: str,
    y: str,
    color: str | None = None,
    shape: str | None = None,
    pareto: bool = True,
    reference: pd.DataFrame | str | Path | bool | None = None,
    highlight: Mapping[str, Any] | None = None,
    *,
    order: str | None = None,
    log_x: bool | None = None,
    log_y: bool | None = None,
    max_rows: int = MAX_ROWS,
    bins: int = 40,
) -> alt.LayerChart:
    """Scatter of any two columns (usually metrics) of the evaluated points, with the Pareto front (a staircase line
    through small black dots, readable where the front is dense).

    Parameters
    ----------
    df : DataFrame
        Evaluated points: knob columns and metric columns.
    study : Study
        The study the points belong to (titles, units, scales, better-directions).
    x, y : str
        Columns on the axes (metrics or knobs).
    color, shape : str, optional
        Knob (or metric) coloured / shaped by; categorical knobs get a categorical legend.
    pareto : bool
        Draw the non-dominated front when ``x`` and ``y`` are metrics with a better-direction.
    reference : DataFrame, str, Path or bool, optional
        Paper points to overlay (see :func:`load_reference`); needs columns ``x`` and ``y`` and optionally ``label``.
    highlight : mapping, optional
        The current point (needs ``x`` and ``y`` values), drawn as a red ring.
    order : str, optional
        Connect the points in the order of this column (a sweep curve); the line breaks at a categorical gap (see
        :func:`workbench.viz.style.line_segments`).
    log_x, log_y : bool, optional
        Log axes; by default (see :func:`axis_log`) a log-scale knob, or a positive column spanning more than 1.5
        decades, gets a log axis and everything else a linear one.
    max_rows : int
        Above this many points the cloud is drawn as a binned density and only the Pareto points stay exact.
    bins : int
        Bins per axis of the density layer.

    Returns
    -------
    alt.LayerChart
        Its point layer carries a click selection named :data:`PICK` over :data:`ROW`.
    """
    _require(df, [x, y, color, shape, order])
    data = plot_frame(df, study)
    for extra in (x, y, color, shape, order):
        if extra is not None and extra not in data.columns:
            data[extra] = df[extra].to_numpy()
    log_x, log_y = axis_log(study, x, data[x], log_x), axis_log(study, y, data[y], log_y)
    pick = alt.selection_point(name=PICK, fields=[ROW], on="click", empty=False, clear="dblclick")
    encoding = {
        "x": _position(study, x, alt.X, log_x),
        "y": _position(study, y, alt.Y, log_y),
        "tooltip": _tooltips(study, data),
    }
    if color is not None:
        encoding["color"] = _colour(study, color, data)
    if shape is not None:
        order_shapes = _order(study, shape, data[shape])
        encoding["shape"] = alt.Shape(field(shape, "N"), title=_title(study, shape), sort=order_shapes,
                                      legend=_legend(order_shapes))
    layers: list[alt.Chart | alt.LayerChart] = []
    directions = pareto_directions(study, x, y) if pareto else None
    front = front_points(data, directions) if directions else None
    if len(data) > max_rows:
        layers.append(_density_layer(data, study, x, y, bins, log_x, log_y))
        exact = front if front is not None else data.iloc[:0]
        points = alt.Chart(inline(exact)).mark_point(filled=True, size=40).encode(**encoding).add_params(pick)
    else:
        if order is not None:
            line_encoding = {k: v for k, v in encoding.items() if k in ("x", "y", "color")}
            if color is not None and not _is_categorical(study, color, data):
                line_encoding.pop("color")
            data[SEGMENT] = style.line_segments(data[order])
            line_encoding["detail"] = alt.Detail(field(SEGMENT, "N"))
            layers.append(alt.Chart().mark_line(strokeWidth=1.2, opacity=0.7).encode(
                order=alt.Order(field(order, "Q")), **line_encoding))
        # a typed channel: as a plain dict, Altair would find its class by validating it (~15 ms a redraw)
        points = alt.Chart().mark_point(filled=True, opacity=0.85).encode(
            size=alt.SizeValue(**alt.condition(pick, alt.value(160), alt.value(45))), **encoding
        ).add_params(pick)
    layers.append(points)
    if front is not None:
        layers.extend(_front_layers(front, study, x, y, directions, log_x, log_y))
    ref = load_reference(reference, study) if reference is not None else None
    if ref is not None:
        layers.extend(_reference_layers(ref, study, x, y, log_x, log_y))
    if highlight is not None:
        _require(pd.DataFrame([dict(highlight)]), [x, y])
        current = pd.DataFrame([{x: highlight[x], y: highlight[y]}])
        ring = alt.Chart(inline(current)).mark_point(shape="circle", filled=False, color=HIGHLIGHT_COLOR, size=260,
                                                     strokeWidth=2.5)
        layers.append(ring.encode(x=_position(study, x, alt.X, log_x), y=_position(study, y, alt.Y, log_y)))
    if len(data) > max_rows:  # the density's count colours and the points' knob colours are separate legends
        return alt.layer(*layers).resolve_scale(color="independent")
    return alt.layer(*layers, data=inline(data))


SHORT_CATEGORY = 4
"""Category labels of at most this many characters are written level on a heatmap's x axis."""
CELL_FONT_SIZE = 9
"""Font size (px) of the values printed in heatmap cells."""
CELL_MIN = (36, 24)
"""Smallest cell width and height (px) a heatmap asks for, so that a small grid is still large enough to read."""
HEATMAP_MAX = (480, 360)
"""Largest plot width and height (px) of a heatmap: cells shrink to fit it, and lose their labels when too small."""


def _grid_axis(study: Study, name: str, channel: type, order: list[str] | None, descending: bool) -> Any:
    """A heatmap axis (no grid lines across the cells): categories in reading order (numbers numerically), numbers
    as an ordinal axis."""
    if order is not None:  # short labels (numbers) read level, not rotated as Vega-Lite turns category labels
        expr = style.label_expr(order)
        axis = {"labelExpr": expr} if expr else {}
        if max(map(len, order), default=0) <= SHORT_CATEGORY:
            axis["labelAngle"] = 0
        return channel(field(name, "N"), title=_title(study, name), sort=order[::-1] if descending else order,
                       axis=alt.Axis(grid=False, **axis))
    return channel(field(name, "O"), title=_title(study, name), sort="descending" if descending else "ascending",
                   axis=alt.Axis(format=".3~g", grid=False))


def _cell_label_width(values: pd.Series) -> float:
    """Estimated width (px) of the widest cell label (``.3~g`` numbers, about 0.6 em a character) plus a margin."""
    texts = [format(v, ".3g") for v in values.dropna()] or [""]
    return max(map(len, texts)) * 0.6 * CELL_FONT_SIZE + 6


def sweep_heatmap(
    df: pd.DataFrame,
    study: Study,
    x: str,
    y: str,
    color: str,
    *,
    agg: str = "mean",
    annotate: bool | None = None,
) -> alt.LayerChart:
    """Heatmap of metric ``color`` over two knobs ``x`` and ``y`` of a grid sweep.

    Points sharing an ``(x, y)`` cell (other knobs varied) are pooled with ``agg`` (``"mean"``, ``"min"``,
    ``"max"``, ``"median"``); the tooltip says how many points each cell pools. The colour scheme runs from worse
    to better (reversed for metrics where smaller is better). Category axes read in the knob's declared order, and
    numeric categories numerically (1, 2, 16, 32). Cells are wide enough for their values up to
    :data:`HEATMAP_MAX`; ``annotate`` prints the values in the cells (default: when they fit).

    Raises
    ------
    ValueError
        For an unknown ``agg``.
    """
    if agg not in ("mean", "min", "max", "median"):
        raise ValueError(f"agg={agg!r} is not allowed; allowed: 'mean', 'min', 'max', 'median'")
    _require(df, [x, y, color])
    cells = (df.groupby([x, y], dropna=False)[color].agg([agg, "size"])
             .rename(columns={agg: color, "size": "points"}).reset_index())
    better = study.metric(color).better if color in study.metric_names else None
    scale = alt.Scale(scheme="viridis", reverse=better == "min")
    x_categorical, y_categorical = _is_categorical(study, x, df), _is_categorical(study, y, df)
    orders = {}
    for name, categorical in ((x, x_categorical), (y, y_categorical)):
        if categorical:
            orders[name] = _order(study, name, cells[name])
            cells[name] = cells[name].astype(str)
    label_width = _cell_label_width(cells[color])
    columns, rows = cells[x].nunique(), cells[y].nunique()
    cell_width = min(max(CELL_MIN[0], label_width), HEATMAP_MAX[0] / max(columns, 1))
    cell_height = min(CELL_MIN[1], HEATMAP_MAX[1] / max(rows, 1))
    base = alt.Chart(inline(cells)).encode(
        x=_grid_axis(study, x, alt.X, orders.get(x), descending=False),
        y=_grid_axis(study, y, alt.Y, orders.get(y), descending=True),
    ).properties(width=round(columns * cell_width), height=round(rows * cell_height))
    rect = base.mark_rect().encode(
        color=alt.Color(field(color, "Q"), title=f"{_title(study, color)} ({agg})" if len(df) > len(cells)
                        else _title(study, color), scale=scale),
        tooltip=[alt.Tooltip(field(x, "N") if x_categorical else field(x, "Q"), title=_title(study, x)),
                 alt.Tooltip(field(y, "N") if y_categorical else field(y, "Q"), title=_title(study, y)),
                 alt.Tooltip(field(color, "Q"), title=_title(study, color), format=".4~g"),
                 alt.Tooltip("points:Q", title="points pooled")],
    )
    if annotate is None:
        annotate = cell_width >= label_width and cell_height >= CELL_FONT_SIZE + 4
    if not annotate:
        return alt.layer(rect)
    middle = float(np.nanmedian(cells[color])) if len(cells) and not cells[color].isna().all() else math.nan
    text = base.mark_text(fontSize=CELL_FONT_SIZE).encode(
        text=alt.Text(field(color, "Q"), format=".3~g"),
        color=alt.condition(alt.datum[color] > middle if better != "min" else alt.datum[color] < middle,
                            alt.value("black"), alt.value("white")),
    )
    return alt.layer(rect, text)
