"""Pieces shared by the dashboards: offline JupyterChart set-up, drawing a chart, status lines, params tables, axis
pickers, the export bar and the "a point was stored" notification between widgets of one kernel."""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import altair as alt
import ipywidgets as widgets
from altair.utils import schemapi

from workbench.core.knobs import Choice, Float, Int
from workbench.core.paths import PROJECT_ROOT, results_path
from workbench.core.registry import get_study
from workbench.core.study import Study
from workbench.viz import style as styles

_OFFLINE = False
_DRAWN_WHEN_VISIBLE = False
"""Whether this kernel's charts are drawn only once their widget is near the view (under `workbench serve`, whose chart
module waits for it: :func:`offline_charts`), so a chart can take its widget's width. Elsewhere (JupyterLab, plain
Voila) a chart may be drawn before its output is laid out, at width 0, so it keeps the style's width."""

LABEL_WIDTH = "160px"
"""Width of the label column of knob widgets; longer labels wrap onto a second line instead of being cut off."""

STYLESHEET = """<style>
.wb-dashboard .wb-knob { height: auto; min-height: var(--jp-widgets-inline-height); }
.wb-dashboard .wb-knob > select { height: var(--jp-widgets-inline-height); align-self: center; }
.wb-dashboard .wb-knob > .widget-label { white-space: normal; overflow: visible; overflow-wrap: anywhere;
  line-height: 1.2; height: auto; min-height: var(--jp-widgets-inline-height); display: flex; align-items: center;
  justify-content: flex-end; }
.wb-dashboard .widget-button { flex: 0 0 auto; overflow: visible; }
.wb-dashboard .wb-row { flex-wrap: wrap; column-gap: 12px; }
.wb-dashboard .wb-chart .vega-embed { display: block; width: 100%; box-sizing: border-box; }
.wb-dashboard .wb-side { flex: 0 1 auto; }
.wb-dashboard .wb-about { max-width: 900px; line-height: 1.4; }
.wb-dashboard .wb-about > summary { cursor: pointer; }
</style>"""
"""Dashboard CSS (shipped as an HTML widget, so it applies in Voila and JupyterLab alike): knob labels wrap inside
their column, buttons keep their full label, rows of controls and charts wrap below each other on narrow screens
instead of pushing the chart's legend past the window's right edge, and a chart's drawing fills its widget (the
chart takes the row's width beside the knob column: :func:`chart_widget`)."""

FIGURES_ENV = "WORKBENCH_FIGURES"


CHART_MIN_WIDTH_PX = 360
"""Narrowest a dashboard chart gets beside its knob column before the row wraps it below the knobs (the chart then
takes the whole width)."""


def chart_widget() -> alt.JupyterChart:
    """An empty chart widget that takes the width left in its row (at least :data:`CHART_MIN_WIDTH_PX`); the charts
    drawn into it by :func:`show_chart` fit that width."""
    chart = alt.JupyterChart(None, layout=widgets.Layout(flex="1 1 480px", min_width=f"{CHART_MIN_WIDTH_PX}px",
                                                         max_width="100%"))
    chart.add_class("wb-chart")
    return chart


def side_column(children: list[widgets.Widget]) -> widgets.VBox:
    """The compact column of knobs and axis pickers at a dashboard's left, beside its chart."""
    column = widgets.VBox(children)
    column.add_class("wb-side")
    return column


def heading(title: str, description: str) -> widgets.HTML:
    """A dashboard's title and description: the description's first sentence shows, the rest folds open on a click,
    so the chart starts near the top of the window (a 1000x800 window showed four lines of description first)."""
    first, *rest = re.split(r"(?<=[.!?])\s+(?=[A-Z(])", description.strip(), maxsplit=1)
    body = (f"<details class='wb-about'><summary>{html.escape(first)}</summary>{html.escape(rest[0])}</details>"
            if rest else f"<div class='wb-about'>{html.escape(description)}</div>")
    return widgets.HTML(f"<h3 style='margin:4px 0'>{html.escape(title)}</h3>{body}")


def stylesheet() -> widgets.HTML:
    """The dashboards' CSS as a widget (include it once per dashboard; repeated copies are harmless)."""
    return widgets.HTML(STYLESHEET, layout=widgets.Layout(display="none"))


def row(children: list[widgets.Widget], **layout: Any) -> widgets.HBox:
    """A horizontal row that wraps its children onto further lines when the window is too narrow for them."""
    box = widgets.HBox(children, layout=widgets.Layout(flex_flow="row wrap", **layout))
    box.add_class("wb-row")
    return box


def default_export_dir(store: Any = None) -> Path:
    """Where Export writes: ``$WORKBENCH_FIGURES`` when set, else a ``figures`` folder beside the result store
    (``store``'s, or the default store's: ``data/results/figures`` in a checkout)."""
    configured = os.environ.get(FIGURES_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    store_path = Path(store.path) if getattr(store, "path", None) is not None else results_path()
    return store_path.resolve().parent / "figures"


TEMPLATE_STATIC = PROJECT_ROOT / "share" / "jupyter" / "voila" / "templates" / "workbench" / "static"
"""Static folder of the ``workbench`` Voila template, served at ``<base_url>voila/templates/workbench/static/``."""

INLINE_CHART_JS_ENV = "WORKBENCH_INLINE_CHART_JS"
"""Set to 1 to send the whole bundle with every chart under `workbench serve` too (as before; for comparisons)."""

WHEN_NEAR_JS = """
function whenNear(el, margin, callback) {
  // the page's scrolling box (Voila's #rendered_cells, JupyterLab's notebook panel), else the window
  const scroller = () => {
    for (let box = el.parentElement; box; box = box.parentElement) {
      if (["auto", "scroll"].includes(getComputedStyle(box).overflowY)) return box;
    }
    return null;
  };
  let tries = 0;
  const observe = () => {
    if (!el.isConnected && tries++ < 600) { setTimeout(observe, 100); return; }
    const observer = new IntersectionObserver((entries) => {
      if (!entries.some((entry) => entry.isIntersecting)) return;
      observer.disconnect();
      callback();
    }, {root: scroller(), rootMargin: margin});
    observer.observe(el);
  };
  observe();
}
"""
"""JavaScript ``whenNear(el, margin, callback)``: call ``callback`` once ``el`` comes within ``margin`` (a CSS
margin, e.g. ``"400px 0px"``) of the visible part of the page's scrolling box (waiting for ``el`` to be attached)."""

FACET_SPACING_PX = 20
"""Vega-Lite's default gap (px) between facet panels."""

FACET_PAD_PX = 5
"""Vega-Lite's default padding (px) around a chart."""

FACET_AXIS_PX = 70
"""Width (px) reserved for a facet panel's y axis (ticks, labels and title) when its panels are fitted to the widget."""

FACET_MARGIN_PX = 4
"""Width (px) a fitted facet leaves free at its widget's edge: a panel's width moves its x tick labels, and so the
last one's overhang, by a pixel or two from the drawing its axes were measured on."""

FACET_SETTLE_PX = 8
"""A fitted facet drawn within its widget and this close to the width it was fitted to is not fitted again."""

FACET_MIN_PANEL_PX = 120
"""Narrowest facet panel a fitted chart gets: where a row of panels that narrow does not fit the widget, the facet
wraps into more rows."""

FIT_FACET_JS = """
function fitFacet(spec, width, fit = {{axisError: 0}}) {{
  // a faceted chart's panels share the widget's width (Vega-Lite fits only single and layered views to a container);
  // where its columns do not fit at the narrowest panel, a column facet wraps into as many rows as it takes
  const operator = spec?.facet && spec?.spec;
  const channels = operator ? spec.facet : spec?.encoding;
  const wrapped = operator ? (channels.field ? channels : null) : channels?.facet;
  const column = channels?.column ?? wrapped;
  const inner = operator ? spec.spec : spec;
  if (!(column || channels?.row) || typeof inner.width !== "number" || !(width > 0)) return spec;
  const rows = spec.data?.values ?? spec.datasets?.[spec.data?.name] ?? [];
  const distinct = column?.field ? new Set(rows.map((row) => row[column.field])).size : 1;
  const declared = Math.max(1, Math.min(distinct, spec.columns ?? distinct));
  const independent = spec.resolve?.scale?.y === "independent";
  const gap = typeof spec.spacing === "number" ? spec.spacing : spec.spacing?.column ?? spec.config?.facet?.spacing
    ?? {spacing};
  const panelIn = (columns, axis) =>
    Math.floor((width - axis * (independent ? columns : 1) - gap * (columns - 1) - {pad} - {margin}) / columns);
  // an axis measured narrower than the estimate widens the panels but adds no column: a drawing in another layout
  // (one row, or rows of another length) has other gaps and overhangs than the one it was measured on
  let columns = declared;
  while (columns > 1 && !channels.row && panelIn(columns, {axis} - Math.min(0, fit.axisError)) < {min_panel}) {{
    columns -= 1;
  }}
  const axis = {axis} - fit.axisError;
  const panel = Math.max({min_panel}, panelIn(columns, axis));
  fit.axes = independent ? columns : 1;
  fit.expected = panel * columns + axis * fit.axes + gap * (columns - 1) + {pad};
  const fitted = structuredClone(spec);
  (operator ? fitted.spec : fitted).width = panel;
  fit.title = wrapTitle(fitted, width - {pad} - {margin}) + {pad};
  if (columns < declared) {{
    if (operator) fitted.facet = fitted.facet.column ?? fitted.facet;
    else if (!wrapped) {{
      fitted.encoding.facet = fitted.encoding.column;
      delete fitted.encoding.column;
    }}
    fitted.columns = columns;
  }}
  return fitted;
}}

function wrapTitle(spec, width) {{
  // a title (and subtitle) wider than ``width`` px broken at spaces into lines that fit (Vega does not wrap a title,
  // and a long one on one line made the chart wider than the panels fitted to its widget); the widest line's width
  if (spec.title == null) return 0;
  const title = typeof spec.title === "object" && !Array.isArray(spec.title) ? spec.title : {{text: spec.title}};
  const config = spec.config?.title ?? {{}};
  const context = document.createElement("canvas").getContext("2d");
  let widest = 0;
  for (const [key, size] of [["text", title.fontSize ?? config.fontSize ?? 13],
                             ["subtitle", title.subtitleFontSize ?? config.subtitleFontSize ?? 12]]) {{
    const words = [title[key] ?? []].flat().join(" ").split(" ").filter(Boolean);
    context.font = `${{size}}px ${{title.font ?? config.font ?? spec.config?.font ?? "sans-serif"}}`;
    const lines = [];
    for (const word of words) {{
      const joined = `${{lines.at(-1)}} ${{word}}`;
      if (lines.length && context.measureText(joined).width <= width) lines[lines.length - 1] = joined;
      else lines.push(word);
    }}
    if (lines.length > 1) title[key] = lines;
    widest = Math.max(widest, ...lines.map((line) => context.measureText(line).width));
  }}
  spec.title = title;
  return widest;
}}

function measuredFacet(fit, width, drawn) {{
  // a fitted facet drawn ``drawn`` px wide in a widget ``width`` px wide: where it overflows the widget or falls
  // more than {settle} px short of the width it was fitted to, correct the estimate of its y axes' widths and say so
  // (it is to be fitted again)
  if (drawn <= width && width - {margin} - drawn <= {settle}) return false;
  const error = (fit.expected - drawn) / fit.axes;
  // a drawing as wide as its title shows only that the panels took no more: axes at least that much narrower
  if (drawn <= fit.title + 1 && error <= 0) return false;
  fit.axisError += error;
  return true;
}}
"""
"""JavaScript ``fitFacet(spec, width, fit)``: a faceted spec (facet operator, or column / row / facet encoding) whose
panels are resized so that its columns, their y axes and the gaps fill ``width`` px less ``FACET_MARGIN_PX``; where
its panels would be narrower than ``FACET_MIN_PANEL_PX``, a column facet wraps into more rows (Vega-Lite's
``columns``) of panels at least that wide, and its title is broken into lines that fit. Other specs unchanged. A y
axis is taken ``FACET_AXIS_PX`` less ``fit.axisError`` (the error of that estimate per axis, measured on a drawing by
``measuredFacet(fit, width, drawn)``) wide; ``fit.axes`` is set to the number of y axes in a row (one per panel when
the y scales are independent), ``fit.expected`` to the width the drawing should take and ``fit.title`` to its
title's."""


def fit_facet_js() -> str:
    """:data:`FIT_FACET_JS` with the workbench's facet sizes filled in, as a dashboard's chart runs it."""
    return FIT_FACET_JS.format(spacing=FACET_SPACING_PX, axis=FACET_AXIS_PX, pad=2 * FACET_PAD_PX,
                               margin=FACET_MARGIN_PX, settle=FACET_SETTLE_PX, min_panel=FACET_MIN_PANEL_PX)


_SHARED_ESM = """const url = new URL({path}, window.location.origin);
const module = await import(url.href);
{when_near}
{fit_facet}
function render(view) {{
  const el = view.el;
  const height = view.model.get("spec")?.height;
  el.style.minHeight = `${{typeof height === "number" ? height + 60 : 300}}px`;
  // the chart module reads the spec through this model, so a faceted chart is fitted to el's width at each drawing;
  // after a drawing its real width corrects the estimate of the axes' widths once per widget width, and when el's
  // width changes the module's own redraw (its "change:spec" handler) draws it again at the new width
  let fittedAt = 0, checkedAt = 0, redraw = null, pending = null;
  const fit = {{axisError: 0}};
  const model = new Proxy(view.model, {{
    get(target, key) {{
      if (key === "get") {{
        return (name) => {{
          const value = target.get(name);
          if (name !== "spec") return value;
          const fitted = fitFacet(value, el.clientWidth, fit);
          fittedAt = fitted === value ? 0 : el.clientWidth;
          return fitted;
        }};
      }}
      if (key === "on") {{
        return (name, callback, ...rest) => {{
          if (name === "change:spec") redraw = callback;
          return target.on(name, callback, ...rest);
        }};
      }}
      const value = target[key];
      return typeof value === "function" ? value.bind(target) : value;
    }},
  }});
  const settle = async (drawing) => {{
    await drawing;
    const drawn = el.querySelector("svg.marks, canvas");
    if (!fittedAt || !drawn || !redraw || checkedAt === fittedAt) return;
    checkedAt = fittedAt;
    if (measuredFacet(fit, el.clientWidth, drawn.getBoundingClientRect().width)) await redraw();
  }};
  new ResizeObserver(() => {{
    if (!fittedAt || !redraw || Math.abs(el.clientWidth - fittedAt) < 8) return;
    clearTimeout(pending);
    pending = setTimeout(() => settle(redraw()), 200);
  }}).observe(el);
  whenNear(el, "{margin}px 0px",
           () => settle(module.default.render({{...view, model}})).finally(() => {{ el.style.minHeight = ""; }}));
}}
export default {{render}};
"""
"""A chart's ESM under `workbench serve`: a stub that imports the one bundle the server serves and draws the chart
when it comes within ``CHART_DRAW_MARGIN_PX`` of the visible page (the space it will take is held meanwhile), so a
page draws the charts a reader sees first instead of every chart before any; a faceted chart's panels share the
widget's width (:data:`FIT_FACET_JS`), fitted again when the window resizes."""

CHART_DRAW_MARGIN_PX = 400
"""How far below (or above) the visible part of the page a chart starts being drawn."""


def _shared_bundle() -> str | None:
    """Under `workbench serve` (a Voila kernel whose server has the ``workbench`` template on ``JUPYTER_PATH``): the
    URL path of JupyterChart's offline JavaScript bundle as a static file of the template, written there once per
    Altair / vl-convert version; ``None`` elsewhere (JupyterLab, plain Voila) or when the folder cannot be written."""
    base_url = os.environ.get("VOILA_BASE_URL")
    data_dir = str(TEMPLATE_STATIC.parents[3])
    if base_url is None or data_dir not in os.environ.get("JUPYTER_PATH", "").split(os.pathsep):
        return None
    if os.environ.get(INLINE_CHART_JS_ENV, "") not in ("", "0"):
        return None
    import vl_convert

    name = f"jupyterchart-altair{alt.__version__}-vlc{vl_convert.__version__}.js"
    target = TEMPLATE_STATIC / name
    if not target.exists():
        try:
            alt.JupyterChart.enable_offline()
            TEMPLATE_STATIC.mkdir(exist_ok=True)
            partial = target.with_name(f".{name}.{os.getpid()}")
            partial.write_text(alt.JupyterChart._esm)
            os.replace(partial, target)  # a page never sees half a file
        except OSError:
            return None
    # the name changes with the versions, so the browser may keep it for good (Tornado's "v" argument: a 10-year cache)
    return f"{base_url.rstrip('/')}/voila/templates/workbench/static/{name}?v=1"


def offline_charts() -> None:
    """Make JupyterChart render without internet access, once per kernel.

    Elsewhere JupyterChart gets vl-convert's self-contained JavaScript bundle (~0.9 MB) as its ESM, which is sent
    with every chart widget and compiled once per chart. Under `workbench serve` each chart's ESM is instead a
    three-line stub importing that bundle from the server (:func:`_shared_bundle`): the browser downloads and
    compiles it once per page (and caches it), a kernel skips building the bundle (seconds) when the file is there,
    and a dashboard's widget state shrinks by ~0.9 MB per chart.
    """
    global _OFFLINE, _DRAWN_WHEN_VISIBLE
    if _OFFLINE:
        return
    shared = _shared_bundle()
    if shared is None:
        alt.JupyterChart.enable_offline()
    else:
        alt.JupyterChart._esm = _SHARED_ESM.format(path=json.dumps(shared), when_near=WHEN_NEAR_JS,
                                                   fit_facet=fit_facet_js(), margin=CHART_DRAW_MARGIN_PX)
        alt.JupyterChart._is_offline = True
        _DRAWN_WHEN_VISIBLE = True
    _OFFLINE = True


def show_chart(target: alt.JupyterChart, chart: alt.TopLevelMixin, style: str | None) -> None:
    """Draw ``chart`` in ``target`` in the figure ``style`` (``"screen"``, ``"paper"``; ``None``: the active one).

    Under `workbench serve` the chart takes its widget's width (:func:`fit_width`); elsewhere the style's width.
    The first chart goes through JupyterChart's ``chart`` trait, which sets up the click selection. Later charts of
    the same dashboard carry the same selection, so only the spec is replaced, without re-validating it against the
    JSON schema: validating every inline data row would cost about half of a knob change's round trip. The chart
    builders' specs are validated by their own tests.
    """
    with styles.enable(style) if style is not None else contextlib.nullcontext():
        if target.chart is None:
            target.chart = fit_width(chart) if _DRAWN_WHEN_VISIBLE else chart
        else:
            spec = chart.to_dict(validate=False)
            target.spec = fit_width_spec(spec) if _DRAWN_WHEN_VISIBLE and _fits(chart) else spec


LEGEND_COLUMN_PX = 200
"""Width (px) a legend column is given on screen (most labels are shorter than the style's 240 px limit; symbol and
padding): a chart's bottom legend has as many columns (up to 3) as fit under its plot."""


#: What :func:`fit_width` sets: the width, how the plot fits it, and the legend's columns.
FIT_WIDTH = {"width": "container", "autosize": {"type": "fit-x", "contains": "padding"}}
FIT_LEGEND_COLUMNS = {"expr": f"min(3, max(1, floor(width / {LEGEND_COLUMN_PX})))"}


def _fits(chart: alt.TopLevelMixin) -> bool:
    """Whether :func:`fit_width` sizes ``chart``: one plot or a layer of plots (a concatenation or facet keeps its
    panels' own widths)."""
    return isinstance(chart, (alt.Chart, alt.LayerChart))


def fit_width(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """``chart`` sized to its widget's width (Vega-Lite's ``width="container"``, re-fitted when the window resizes),
    its bottom legend in as many columns as fit under the plot, when it is one plot or a layer of plots; a
    concatenation or facet keeps its panels' own widths."""
    if not _fits(chart):
        return chart
    return chart.properties(width=FIT_WIDTH["width"], autosize=alt.AutoSizeParams(**FIT_WIDTH["autosize"])
                            ).configure_legend(columns=FIT_LEGEND_COLUMNS)


def fit_width_spec(spec: dict) -> dict:
    """:func:`fit_width` on a chart's Vega-Lite dict, in place (returned): the same top-level keys, without copying
    the chart through Altair again (a copied layer re-combines and deep-copies its layers' parameters and encodings,
    about a third of a knob change's chart cost)."""
    spec.update(width=FIT_WIDTH["width"], autosize=dict(FIT_WIDTH["autosize"]))
    spec.setdefault("config", {}).setdefault("legend", {})["columns"] = dict(FIT_LEGEND_COLUMNS)
    return spec


def building_live_chart() -> contextlib.AbstractContextManager:
    """A context for building a dashboard's chart on a knob change: Altair's debug mode, on by default, validates
    every schema object against the Vega-Lite JSON schema as it is constructed (about half of the ~120-200 ms a
    trade-off chart took to build). The chart builders' specs are validated by their own tests and every export
    validates its spec, so a live redraw skips it."""
    return schemapi.debug_mode(False)


def resolve_study(study: Study | str) -> Study:
    return get_study(study) if isinstance(study, str) else study


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def status_html(text: str, kind: str) -> str:
    colour = {"ok": "#2b6e2b", "error": "#b00020", "busy": "#555555", "warning": styles.WARNING_COLOR}[kind]
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


def knob_summary(study: Study, params: Mapping[str, Any]) -> str:
    """``params`` in words for a status line: each knob's label, value and unit ("ADC bits 5, tiles 32")."""
    parts = []
    for knob in study.knobs:
        if knob.name in params:
            label = knob.label or knob.name
            unit = f" {knob.unit}" if knob.unit and knob.unit != label else ""
            parts.append(f"{label} {format_value(params[knob.name])}{unit}")
    return ", ".join(parts)


def sweep_command(study: Study, points: int = 5) -> str:
    """A ``workbench sweep`` command line computing a first curve of ``study``: its first numeric knob over its
    range (else its first choice over every option), the other knobs at their defaults."""
    numeric = next((k for k in study.knobs if isinstance(k, (Float, Int))), None)
    if numeric is not None:
        grid = f"{numeric.name}={numeric.low:g}:{numeric.high:g}:{points}"
    else:
        choice = next(k for k in study.knobs if isinstance(k, Choice))
        grid = f"{choice.name}={','.join(map(str, choice.options))}"
    return f"workbench sweep {study.name} --grid {grid}"


def axis_pickers(study: Study, x: str, y: str, color: str | None) -> tuple[widgets.Dropdown, ...]:
    """x, y and colour dropdowns listing every metric and knob by its human title with unit (values: the names)."""
    columns = [(m.title, m.name) for m in study.metrics] + [(k.title, k.name) for k in study.knobs]
    style = {"description_width": "50px"}
    layout = widgets.Layout(width="380px", max_width="100%")
    return (
        widgets.Dropdown(options=columns, value=x, description="x", style=style, layout=layout),
        widgets.Dropdown(options=columns, value=y, description="y", style=style, layout=layout),
        widgets.Dropdown(options=[("(none)", None)] + [(k.title, k.name) for k in study.knobs], value=color,
                         description="colour", style=style, layout=layout),
    )


class ExportBar(widgets.HBox):
    """A figure-name field and an Export button that write the current figure (SVG, PNG, PDF, CSV, JSON).

    Parameters
    ----------
    default_stem : Path
        Initial figure path without suffix; a bare name typed by the user is taken relative to its folder.
    write : callable
        ``write(stem) -> dict of written paths``; raises on failure.
    report : callable
        ``report(message, kind)`` shows the outcome (``kind`` ``"ok"`` or ``"error"``).
    """

    def __init__(self, default_stem: Path, write: Callable[[Path], dict[str, Path]],
                 report: Callable[[str, str], None]) -> None:
        self.folder = Path(default_stem).parent
        self.path = widgets.Text(value=str(default_stem), description="figure",
                                 tooltip="figure path without suffix; a bare name goes into " + str(self.folder),
                                 layout=widgets.Layout(width="520px", max_width="100%"))
        self.button = widgets.Button(description="Export SVG/PNG/PDF", icon="download",
                                     tooltip="write the figure as SVG, PNG and PDF with its data (CSV) and provenance "
                                             "(JSON)", layout=widgets.Layout(width="auto", flex="0 0 auto"))
        self._write, self._report = write, report
        self.button.on_click(lambda button: self.export())
        super().__init__([self.path, self.button], layout=widgets.Layout(flex_flow="row wrap"))
        self.add_class("wb-row")

    def stem(self) -> Path:
        """The typed figure path; a bare name goes into the default export folder."""
        typed = Path(self.path.value.strip() or "figure")
        return typed if typed.is_absolute() or len(typed.parts) > 1 else self.folder / typed

    def export(self, stem: str | Path | None = None) -> dict[str, Path] | None:
        """Write the figure under ``stem`` (default: the typed path); the status line names every file in full."""
        target = Path(stem) if stem is not None else self.stem()
        try:
            written = self._write(target)
        except Exception as error:  # shown in the status line, never swallowed
            self._report(f"export failed: {type(error).__name__}: {error}", "error")
            return None
        self._report("exported " + ", ".join(str(p.resolve()) for p in written.values()), "ok")
        return written


_STORED: dict[str, list[weakref.WeakMethod]] = {}


def on_stored(study: str, method: Callable[[], Any]) -> None:
    """Call the bound ``method()`` whenever a widget of this kernel stores a point of ``study`` (held weakly, so a
    closed dashboard is not kept alive)."""
    _STORED.setdefault(study, []).append(weakref.WeakMethod(method))


def notify_stored(study: str) -> None:
    """Tell every listener of ``study`` that a point was stored (a Run finished)."""
    alive = []
    for ref in _STORED.get(study, []):
        method = ref()
        if method is not None:
            alive.append(ref)
            method()
    _STORED[study] = alive
