"""Export figures for papers: SVG, PNG and PDF via vl-convert, each with its data and provenance beside it.

``export(chart, "figures/fig3", data=df, study=study)`` writes ``fig3.svg``, ``fig3.png``, ``fig3.pdf``, the plotted
data as ``fig3.csv`` and a JSON sidecar ``fig3.json`` recording the study, its params, metric units, the workbench
version and the git commit, so a figure in a paper can be traced back and regenerated. Every file is written to a
temporary name in the target folder and renamed into place, so a reader never sees a half-written figure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import vl_convert

from workbench import __version__
from workbench.core.files import atomic_write
from workbench.core.provenance import git_commit
from workbench.core.study import Study
from workbench.core.views import View
from workbench.viz import theme as themes

FORMATS = ("svg", "png", "pdf")
VEGA_LITE_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def render(spec: dict, fmt: str, *, scale: float = 2.0) -> bytes:
    """Render a Vega-Lite ``spec`` to ``fmt`` (``"svg"``, ``"png"`` or ``"pdf"``) bytes with vl-convert.

    Raises
    ------
    ValueError
        For an unknown format.
    """
    if fmt == "svg":
        return vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION).encode()
    if fmt == "png":
        return vl_convert.vegalite_to_png(spec, vl_version=VEGA_LITE_VERSION, scale=scale)
    if fmt == "pdf":
        return vl_convert.vegalite_to_pdf(spec, vl_version=VEGA_LITE_VERSION)
    raise ValueError(f"format {fmt!r} is not allowed; allowed: {', '.join(FORMATS)}")


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def sidecar(study: Study | None, params: Mapping[str, Any] | None, theme_name: str | None,
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
        "theme": theme_name,
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
    theme: str | None = "paper",
    columns: int = 1,
    scale: float = 2.0,
    command: str | None = None,
    view: View | None = None,
) -> dict[str, Path]:
    """Write ``chart`` as figure files plus its data CSV and a JSON provenance sidecar.

    Parameters
    ----------
    chart : Altair chart
        The figure.
    path : str or Path
        Output stem: ``figures/fig3`` (a known figure suffix such as ``.svg`` is dropped) gives ``figures/fig3.svg``
        and so on.
    formats : iterable of str
        Any of ``"svg"``, ``"png"``, ``"pdf"``.
    data : DataFrame, optional
        The plotted points, written as ``<stem>.csv``.
    study, params : optional
        Recorded in the sidecar (units of every knob and metric, the fixed knob values).
    view : View, optional
        The view that drew the figure, recorded in the sidecar with its knobs.
    theme : str or None
        Workbench theme rendered with (``"paper"`` by default; ``None`` keeps the active theme).
    columns : int
        Paper-theme width: 1 (3.5 in) or 2 (7 in) columns.
    scale : float
        PNG pixels per point (2 gives 144 dpi).
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
    if theme is not None:
        with themes.enable(theme, **({"columns": columns} if theme == "paper" else {})):
            spec = chart.to_dict()
    else:
        spec = chart.to_dict()
    written: dict[str, Path] = {}
    for fmt in formats:
        written[fmt] = atomic_write(stem.with_name(f"{stem.name}.{fmt}"), render(spec, fmt, scale=scale))
    if data is not None:
        written["csv"] = atomic_write(stem.with_name(f"{stem.name}.csv"), data.to_csv(index=False))
    files = {kind: p.name for kind, p in written.items()}
    record = sidecar(study, params, theme or themes.active(), files, command, view)
    written["json"] = atomic_write(stem.with_name(f"{stem.name}.json"), json.dumps(record, indent=2) + "\n")
    return written
