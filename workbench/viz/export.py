"""Export figures for papers: SVG, PNG and PDF via vl-convert, each with its data and provenance beside it.

``export(chart, "figures/fig3", data=df, study=study)`` writes ``fig3.svg``, ``fig3.png``, ``fig3.pdf``, the plotted
points as ``fig3.csv`` (the study's knobs and the plotted columns, one scalar per cell; see :func:`csv_table`) and a
JSON sidecar ``fig3.json`` recording the study, its params, metric units, the workbench
version and the git commit, so a figure in a paper can be traced back and regenerated. Every file is written to a
temporary name in the target folder and renamed into place, so a reader never sees a half-written figure.

Rendering uses the paper font that the project installs (:data:`workbench.viz.style.FONT_DIR`, registered with
vl-convert on first use), so a figure's text and layout do not depend on the machine's fonts. A paper figure
(:func:`figure`) is exactly the requested width (3.5 in, 7.16 in or a chosen width), its titles wrapped to that width
and every label inside it; its SVG draws the text as glyph outlines (so another machine, without the font, draws the
same figure), its PNG is 300 dpi with that resolution recorded in the file, and its PDF embeds the font.
"""

from __future__ import annotations

import functools
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import vl_convert

from workbench import __version__
from workbench.core.files import atomic_write
from workbench.core.provenance import git_commit
from workbench.core.study import Study
from workbench.core.views import View
from workbench.viz import style as styles
from workbench.viz import svgtext

FORMATS = ("svg", "png", "pdf")
TITLE_SHARE = 0.85
"""Share of the figure width a title is wrapped to."""
PNG_DPI = 300
"""Resolution of exported PNG files (pixels per inch, also written to the file's pHYs chunk)."""
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


@functools.cache
def register_fonts() -> None:
    """Make the paper font known to vl-convert (once per process)."""
    vl_convert.register_font_directory(str(styles.FONT_DIR))


def render(spec: dict, fmt: str, *, scale: float = 2.0) -> bytes:
    """Render a Vega-Lite ``spec`` to ``fmt`` (``"svg"``, ``"png"`` or ``"pdf"``) bytes with vl-convert.

    Raises
    ------
    ValueError
        For an unknown format.
    """
    register_fonts()
    if fmt == "svg":
        return vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION).encode()
    if fmt == "png":
        return vl_convert.vegalite_to_png(spec, vl_version=VEGA_LITE_VERSION, scale=scale)
    if fmt == "pdf":
        return vl_convert.vegalite_to_pdf(spec, vl_version=VEGA_LITE_VERSION)
    raise ValueError(f"format {fmt!r} is not allowed; allowed: {', '.join(FORMATS)}")


def wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` (px) in the paper font at ``size`` (a single word
    wider than ``width`` keeps a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and svgtext.text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [text]


def wrap_titles(spec: dict, width: float) -> dict:
    """``spec`` with its top-level title and subtitle wrapped to ``width`` (px) at the configured title sizes."""
    title = spec.get("title")
    if title is None:
        return spec
    config = spec.get("config", {}).get("title", {})
    title = {"text": title} if isinstance(title, (str, list)) else dict(title)
    for key, default in (("text", 13.0), ("subtitle", 12.0)):
        text = title.get(key)
        if isinstance(text, list):
            text = " ".join(text)
        if isinstance(text, str):
            lines = wrap(text, width, float(config.get("fontSize" if key == "text" else "subtitleFontSize", default)))
            title[key] = lines if len(lines) > 1 else lines[0]
    return {**spec, "title": title}


@dataclass(frozen=True)
class Figure:
    """A rendered paper figure: the files' bytes, its printed size and how much it had to be scaled."""

    svg: bytes
    png: bytes
    pdf: bytes
    width_in: float
    height_in: float
    scale: float
    """Scale applied to fit the width (1 when Vega laid the figure out at the width; below 1 when a concatenated
    chart or a wide legend was wider)."""


_COMPOUND_KEYS = ("hconcat", "vconcat", "concat", "facet", "repeat")
_VIEW_KEYS = ("mark", "layer", "spec", *_COMPOUND_KEYS)
FIT_TRIES = 3
"""Renderings :func:`figure` tries, resizing the plots each time, to bring a chart to the width."""


def resized(spec: dict, factor: float) -> dict:
    """``spec`` with the numeric width, height and step of every view (layers, concatenated and faceted views
    included) multiplied by ``factor``; marks, config and everything else as they were."""
    out = dict(spec)
    for key in ("width", "height"):
        value = out.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = value * factor
        elif isinstance(value, dict) and isinstance(value.get("step"), (int, float)):
            out[key] = {**value, "step": value["step"] * factor}
    for key in ("layer", "hconcat", "vconcat", "concat"):
        if isinstance(out.get(key), list):
            out[key] = [resized(v, factor) if isinstance(v, dict) else v for v in out[key]]
    if isinstance(out.get("spec"), dict):
        out["spec"] = resized(out["spec"], factor)
    return out


def _has_view(spec: dict) -> bool:
    return any(key in spec for key in _VIEW_KEYS)


def _frame(svg: str, boxes: list[svgtext.TextBox]) -> tuple[float, float, float, float]:
    """The box ``(x, y, width, height)`` holding the figure's own area and the ink of every label."""
    root = ET.fromstring(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    x0 = min([0.0, *(b.x0 - 1 for b in boxes)])
    y0 = min([0.0, *(b.y0 - 1 for b in boxes)])
    x1 = max([width, *(b.x1 + 1 for b in boxes)])
    y1 = max([height, *(b.y1 + 1 for b in boxes)])
    return x0, y0, x1 - x0, y1 - y0


def _reframed(svg: str, box: tuple[float, float, float, float], width: float, unit: str) -> str:
    """``svg`` showing ``box`` (its viewBox) at ``width`` (in ``unit``), the white background covering the box."""
    root = ET.fromstring(svg)
    x, y, w, h = box
    root.set("viewBox", f"{x:g} {y:g} {w:g} {h:g}")
    root.set("width", f"{width:g}{unit}")
    root.set("height", f"{width * h / w:.6g}{unit}")
    background = root.find(f"{{{svgtext.SVG_NS}}}rect")
    if background is not None:
        background.attrib.update(x=f"{x:g}", y=f"{y:g}", width=f"{w:g}", height=f"{h:g}")
    return ET.tostring(root, encoding="unicode")


def figure(spec: dict, width_in: float | None = None, *, dpi: int = PNG_DPI) -> Figure:
    """Render ``spec`` as paper figure files exactly ``width_in`` inches wide (``None``: its natural width).

    The title is wrapped to :data:`TITLE_SHARE` of the width. The figure's box grows to hold every label's ink
    (measured with the paper font); a chart that is then wider or narrower than the width (set sizes, concatenated
    or faceted views, which Vega does not fit) has its plots resized and is rendered again, up to
    :data:`FIT_TRIES` times. What is left over is scaled to the width when wider (:attr:`Figure.scale` says by how
    much; the text shrinks with it) and padded with white space either side when narrower. The SVG is
    sized in points with its text as glyph outlines; the PNG has ``dpi`` pixels per inch (its pHYs chunk says so);
    the PDF keeps the text as text in the embedded font.
    """
    register_fonts()
    points = None if width_in is None else width_in * styles.POINTS_PER_INCH
    if points is not None:  # a title is centred on the plot, which the axis labels push off the figure's centre
        spec = wrap_titles(spec, TITLE_SHARE * points)
    if any(key in spec for key in _COMPOUND_KEYS):  # Vega fits no compound chart, and cuts one off when asked to
        spec = {**spec, "autosize": {"type": "pad", "contains": "padding"}}
    tried: list[tuple[float, float]] = []  # (plot size factor, figure width): the width is about a + b * factor
    factor = 1.0
    for _ in range(FIT_TRIES):
        raw = vl_convert.vegalite_to_svg(resized(spec, factor), vl_version=VEGA_LITE_VERSION)
        outlined, boxes = svgtext.text_to_paths(raw)
        box = _frame(raw, boxes)
        tried.append((factor, box[2]))
        if points is None or abs(box[2] / points - 1) < 0.01 or not _has_view(spec):
            break
        if len(tried) == 1 or tried[-1][1] == tried[-2][1]:
            factor *= points / box[2]
        else:  # the secant through the last two tries: the axes, labels and legend do not scale with the plots
            (f0, w0), (f1, w1) = tried[-2], tried[-1]
            factor = max(f1 + (points - w1) * (f1 - f0) / (w1 - w0), 0.05)
    points = points or box[2]
    if box[2] < points:  # narrower than the width: white space either side, the text kept at its size
        box = (box[0] - (points - box[2]) / 2, box[1], points, box[3])
    text_svg = _reframed(raw, box, points, "")
    png = vl_convert.svg_to_png(text_svg, ppi=dpi)  # ppi scales the 72-per-inch user units
    return Figure(svg=_reframed(outlined, box, points, "pt").encode(), png=png, pdf=vl_convert.svg_to_pdf(text_svg),
                  width_in=points / styles.POINTS_PER_INCH,
                  height_in=points * box[3] / box[2] / styles.POINTS_PER_INCH, scale=points / box[2])


def plotted_fields(spec: Mapping[str, Any]) -> set[str]:
    """The data fields a Vega-Lite ``spec`` draws: every encoding channel of every view and layer except tooltips."""
    fields: set[str] = set()
    views = [spec]
    while views:
        view = views.pop()
        for channel, encoding in view.get("encoding", {}).items():
            for item in encoding if isinstance(encoding, list) else [encoding]:
                if channel != "tooltip" and isinstance(item, dict) and isinstance(item.get("field"), str):
                    fields.add(item["field"])
        for key in ("layer", "hconcat", "vconcat", "concat"):
            views.extend(view.get(key, []))
        if isinstance(view.get("spec"), dict):  # facet and repeat
            views.append(view["spec"])
    return fields


def _nested(column: pd.Series) -> bool:
    return column.dtype == object and column.map(lambda v: isinstance(v, (list, tuple, dict, set, np.ndarray,
                                                                           pd.DataFrame))).any()


def csv_table(data: pd.DataFrame, study: Study | None, plotted: set[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The columns of ``data`` worth sharing as a figure's CSV, and why each other column was left out.

    Kept: the study's knobs (they identify a point) and the ``plotted`` columns, knobs first, then metrics, in
    declaration order; when none of them is in ``data``, every column. Left out: bookkeeping and unplotted columns,
    and any column holding nested values (per-layer tables, lists, dicts), which a CSV cell cannot hold.
    """
    declared = (study.knob_names + study.metric_names) if study is not None else []
    order = [c for c in declared if c in data.columns] + [c for c in data.columns if c not in declared]
    knobs = set(study.knob_names) if study is not None else set()
    keep = [c for c in order if c in knobs or c in plotted] or order
    left_out = {c: "not plotted (the JSON sidecar names every knob and metric)" for c in data.columns if c not in keep}
    for name in [c for c in keep if _nested(data[c])]:
        keep.remove(name)
        left_out[name] = "nested values (a per-layer table, list or dict) do not fit a CSV cell"
    return data[keep], left_out


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def sidecar(study: Study | None, params: Mapping[str, Any] | None, style_name: str | None,
            files: Mapping[str, str], command: str | None = None, view: View | None = None) -> dict[str, Any]:
    """Provenance record written beside a figure (the study or view that made it, its knob values, versions)."""
    record: dict[str, Any] = {
        "files": dict(files),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "workbench_version": __version__,
        "git": git_commit(),
        "altair_version": alt.__version__,
        "vega_lite_version": VEGA_LITE_VERSION,
        "vl_convert_version": vl_convert.__version__,
        "style": style_name,
        "command": command,
        "params": {k: _jsonable(v) for k, v in (params or {}).items()},
    }
    if study is not None:
        record["study"] = {"name": study.name, "version": study.version, "theme": study.theme,
                           "description": study.description}
        record["knobs"] = {k.name: {"unit": k.unit, "help": k.help, "allowed": k.allowed()} for k in study.knobs}
        record["metrics"] = {m.name: {"unit": m.unit, "better": m.better, "label": m.label or m.name, "help": m.help}
                             for m in study.metrics}
    if view is not None:
        record["view"] = {"name": view.name, "title": view.title, "theme": view.theme, "studies": list(view.studies),
                          "description": view.description}
        record["knobs"] = {k.name: {"unit": k.unit, "help": k.help, "allowed": k.allowed()} for k in view.knobs}
    return record


def export(
    chart: alt.TopLevelMixin,
    path: str | Path,
    *,
    formats: Iterable[str] = FORMATS,
    data: pd.DataFrame | None = None,
    study: Study | None = None,
    params: Mapping[str, Any] | None = None,
    style: str | None = "paper",
    columns: int = 1,
    width_in: float | None = None,
    dpi: int = PNG_DPI,
    command: str | None = None,
    view: View | None = None,
) -> dict[str, Path]:
    """Write ``chart`` as figure files plus its data CSV and a JSON provenance sidecar.

    Parameters
    ----------
    chart : Altair chart
        The figure.
    path : str or Path
        Output stem, used as typed: ``figures/fig3`` (a known figure suffix such as ``.svg`` is dropped) gives
        ``figures/fig3.svg`` and so on.
    formats : iterable of str
        Any of ``"svg"``, ``"png"``, ``"pdf"``.
    data : DataFrame, optional
        The plotted points, written as ``<stem>.csv`` with the columns :func:`csv_table` keeps (the sidecar lists
        those left out, and why).
    study, params : optional
        Recorded in the sidecar (units of every knob and metric, the fixed knob values).
    view : View, optional
        The view that drew the figure, recorded in the sidecar with its knobs.
    style : str or None
        Figure style rendered with (``"paper"`` by default; ``None`` keeps the active one).
    columns : int
        Paper-style width: 1 (3.5 in) or 2 (7.16 in) IEEE columns.
    width_in : float, optional
        Paper-style width in inches, instead of ``columns``.
    dpi : int
        PNG resolution (pixels per inch).
    command : str, optional
        The command that produced the figure (recorded in the sidecar).

    Returns
    -------
    dict
        Kind (``"svg"``, ``"png"``, ``"pdf"``, ``"csv"``, ``"json"``) -> written path.

    Raises
    ------
    ValueError
        For an unknown format or an empty format list.
    """
    formats = [f.lower().lstrip(".") for f in formats]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"formats {formats!r} not allowed; allowed: a non-empty subset of {list(FORMATS)}")
    stem = Path(path)
    if stem.suffix.lstrip(".").lower() in FORMATS:
        stem = stem.with_suffix("")
    paper = style == "paper"
    width = styles.figure_width_in(columns, width_in) if paper else None
    if style is not None:
        with styles.enable(style, **({"columns": columns, "width_in": width_in} if paper else {})):
            spec = chart.to_dict()
    else:
        spec = chart.to_dict()
    rendered = figure(spec, width, dpi=dpi)
    written: dict[str, Path] = {}
    for fmt in formats:
        written[fmt] = atomic_write(stem.with_name(f"{stem.name}.{fmt}"), getattr(rendered, fmt))
    if data is not None:
        table, left_out = csv_table(data, study, plotted_fields(spec))
        written["csv"] = atomic_write(stem.with_name(f"{stem.name}.csv"), table.to_csv(index=False))
    files = {kind: p.name for kind, p in written.items()}
    record = sidecar(study, params, style or styles.active(), files, command, view)
    record["size"] = {"width_in": round(rendered.width_in, 4), "height_in": round(rendered.height_in, 4),
                      "png_dpi": dpi, "scale": round(rendered.scale, 4)}
    if data is not None:
        record["csv"] = {"columns": list(table.columns), "left_out": left_out}
    written["json"] = atomic_write(stem.with_name(f"{stem.name}.json"), json.dumps(record, indent=2) + "\n")
    return written
