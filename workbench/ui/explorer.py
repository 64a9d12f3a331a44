"""Explorer: the dashboard over one study (turn knobs, see the trade-off; run batch points).

Layout of the Explorer: knob controls and axis pickers | live chart, then the metrics of the current point, the
clicked point's params, export, and a status line. Errors are shown in the status line as the exception's text
(an invalid knob combination shows the study's ``ValueError``), never swallowed.

Interactive studies re-evaluate on every (debounced) knob change. Batch studies look the current point up in the
result store; a point not computed yet offers a Run button that sends it through the point runner
(:func:`workbench.core.sweep.run_sweep`, on the Explorer's executor: serial, processes or Dask) from a background
thread, with a progress bar and Cancel, and writes the result to the store, so the kernel stays free.

Charts are ``alt.JupyterChart`` widgets: Altair 6 (Vega-Lite 6) does not render as a plain mimebundle in Voila 0.5,
while JupyterChart, with its JavaScript bundled offline, renders in JupyterLab and Voila alike and reports clicks.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import altair as alt
import ipywidgets as widgets
import pandas as pd

from workbench.core.executors import Executor
from workbench.core.knobs import Bool, Choice
from workbench.core.runner import evaluate_frame
from workbench.core.store import ResultStore
from workbench.core.study import Study
from workbench.core.sweep import SweepReport, run_sweep
from workbench.ui.controls import Controls
from workbench.ui.deferred import DeferredBuild
from workbench.ui.display import (
    ExportBar,
    axis_pickers,
    building_live_chart,
    chart_widget,
    default_export_dir,
    format_value,
    heading,
    knob_summary,
    notify_stored,
    offline_charts,
    on_stored,
    params_html,
    resolve_study,
    row,
    show_chart,
    side_column,
    status_html,
    stylesheet,
    sweep_command,
)
from workbench.viz.charts import PICK, ROW, load_reference, tradeoff
from workbench.viz.export import export

PHASE_SHARE = 0.6
"""Share of the progress bar still left that one phase of a batch point fills (the phases are not known ahead)."""


class Explorer(DeferredBuild, widgets.VBox):
    """Controls for every knob, a live trade-off chart, the current metrics, export and a status line.

    Parameters
    ----------
    study : Study or str
        The study (or its registry name).
    x, y : str, optional
        Columns on the axes; default the first two metrics.
    color : str, optional
        Knob that colours the points.
    sweep_knob : str, optional
        Interactive studies: evaluate the study over this knob's grid (``sweep_points`` values, every option of a
        Choice) at the other knobs' current values and draw the curve. Without it the chart shows every point
        explored in this session plus the store's points.
    store : ResultStore, optional
        Batch studies look points up and write results here (default: the project's store); interactive studies
        also plot its points when given.
    sweep_points : int
        Grid size along ``sweep_knob``.
    debounce_s : float, optional
        Quiet time after a knob edit before re-evaluating; default 0.15 s for interactive studies and 0 for batch
        studies (whose sliders report on release only).
    export_dir : str or Path, optional
        Folder the export button writes into (default: ``$WORKBENCH_FIGURES``, else ``figures`` beside the result
        store, ``data/results/figures`` in a checkout, which git ignores).
    style : str or None
        Figure style of the live chart (``"screen"``); exports use the paper style.
    executor : str or Executor
        Where the Run button computes a batch point: ``"serial"`` (a thread of this kernel; Cancel stops it at its
        next epoch), ``"processes[:N]"`` or ``"dask[:ADDRESS]"``.
    knobs : mapping, optional
        Knob values the dashboard opens at instead of the declared defaults (e.g. the setting where the swept knob
        matters).
    """

    def __init__(
        self,
        study: Study | str,
        x: str | None = None,
        y: str | None = None,
        color: str | None = None,
        sweep_knob: str | None = None,
        store: ResultStore | None = None,
        *,
        sweep_points: int = 21,
        debounce_s: float | None = None,
        export_dir: str | Path | None = None,
        style: str | None = "screen",
        executor: str | Executor = "serial",
        knobs: Mapping[str, Any] | None = None,
    ) -> None:
        self.study = resolve_study(study)
        self._check_columns(x, y, color, sweep_knob)
        self.batch = self.study.cost == "batch"
        self.style = style
        self.executor = executor
        self.sweep_knob = sweep_knob
        self.sweep_points = sweep_points
        self.store = store if store is not None or not self.batch else ResultStore()
        self.params: dict[str, Any] = {}
        self.metrics: dict[str, Any] | None = None
        self.frame = pd.DataFrame()
        self.history: dict[tuple, dict] = {}  # explored points, one per distinct params, in visiting order
        self._curve: tuple[tuple, pd.DataFrame, list[str]] | None = None  # the sweep curve of the last other knobs
        self.last_error: str | None = None
        self.thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._picked: dict[str, Any] | None = None
        self._running = False

        offline_charts()
        metrics = self.study.metric_names
        x = x or metrics[0]
        y = y or (metrics[1] if len(metrics) > 1 else self.study.knob_names[0])
        wait = debounce_s if debounce_s is not None else (0.0 if self.batch else 0.15)
        self.controls = Controls(self.study.knobs, continuous_update=not self.batch, debounce_s=wait)
        if knobs:
            self.controls.set_values({**knobs})
        self.x_picker, self.y_picker, self.color_picker = axis_pickers(self.study, x, y, color)
        self._build_widgets(Path(export_dir) if export_dir is not None else default_export_dir(self.store))
        self.reference = None
        if self.study.reference:
            self.reference = load_reference(True, self.study)
        super().__init__(self._layout())
        self.add_class("wb-explorer")
        self.add_class("wb-dashboard")
        on_stored(self.study.name, self.refresh)  # a point stored by another widget of this study shows here too
        self.refresh()

    def _check_columns(self, *names: str | None) -> None:
        columns = self.study.metric_names + self.study.knob_names
        for name in names:
            if name is not None and name not in columns:
                raise KeyError(f"study {self.study.name!r} has no knob or metric {name!r}")

    def _build_widgets(self, export_dir: Path) -> None:
        """The chart, tables, batch row and export bar, wired to their handlers."""
        self.chart = chart_widget()
        self.table = widgets.HTML(layout=widgets.Layout(margin="0 32px 0 0"))
        self.point_info = widgets.HTML()
        self.use_point = widgets.Button(description="Use these knobs", disabled=True, icon="arrow-left")
        self.status = widgets.HTML()
        self._export_dir = Path(export_dir)
        self.export_bar = ExportBar(self._default_stem(), self._write_figure, self._report)
        self.run_button = widgets.Button(description="Run this point", icon="play", button_style="primary",
                                         layout=widgets.Layout(display="" if self.batch else "none"))
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", disabled=True,
                                            layout=widgets.Layout(display="" if self.batch else "none"))
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description="",
                                              layout=widgets.Layout(display="none", width="380px"))
        self.progress_label = widgets.Label()
        # the running phase: its description, the bar value it began at, and its number
        self._phase: tuple[str, float, int] = ("", 0.0, 0)
        self._phase_count = 0
        self.controls.on_change(lambda values: self.refresh())
        for picker in (self.x_picker, self.y_picker, self.color_picker):
            picker.observe(lambda change: self.redraw(), names="value")
        for picker in (self.x_picker, self.y_picker):
            picker.observe(self._follow_axes, names="value")
        self.use_point.on_click(lambda button: self.load_picked())
        self.run_button.on_click(lambda button: self.run_point())
        self.cancel_button.on_click(lambda button: self.cancel())

    def _layout(self) -> list[widgets.Widget]:
        title = heading(self.study.name, self.study.description)
        left = side_column([self.controls, self.x_picker, self.y_picker, self.color_picker])
        batch_row = row([self.run_button, self.cancel_button, self.progress, self.progress_label])
        point_box = widgets.VBox([self.point_info, self.use_point])
        return [stylesheet(), title, row([left, self.chart]), row([self.table, point_box]), batch_row,
                self.export_bar, self.status]

    # -- evaluation ------------------------------------------------------------------------------------------------
    @property
    def x(self) -> str:
        return self.x_picker.value

    @property
    def y(self) -> str:
        return self.y_picker.value

    @property
    def color(self) -> str | None:
        return self.color_picker.value

    def show_error(self, message: str) -> None:
        """Show ``message`` in the status line (and keep it in ``last_error``)."""
        self.last_error = message
        self.status.value = status_html(message, "error")

    def _ok(self, message: str, kind: str = "ok") -> None:
        self.last_error = None
        self.status.value = status_html(message, kind)

    def refresh(self) -> None:
        """Validate the knobs, evaluate (interactive) or look up (batch) the current point, and redraw."""
        try:
            params = self.study.validate(self.controls.values)
        except ValueError as error:
            self.show_error(str(error))
            self.table.value = "<i>invalid knob values: the chart shows the last valid point</i>"
            return
        self.params = params
        started = time.perf_counter()
        note = ""
        try:
            if self.batch:
                self.metrics = self.store.get(self.study, params, validated=True)
                self.frame = self.store.frame(self.study)
            else:
                self.metrics = self.study.run(params)
                if self.sweep_knob is not None:
                    others = tuple((k, v) for k, v in params.items() if k != self.sweep_knob)
                    if self._curve is None or self._curve[0] != others:  # moving the swept knob keeps the curve
                        curve = [{**params, self.sweep_knob: value}
                                 for value in self.study.knob(self.sweep_knob).grid(self.sweep_points)]
                        self._curve = (others, *evaluate_frame(self.study, curve))
                    _, self.frame, skipped = self._curve
                    swept = self.study.knob(self.sweep_knob).title
                    if skipped:
                        note = (f"; {len(skipped)} of the {swept} grid values are left out, e.g. {skipped[0]}"
                                if len(skipped) > 1 else f"; one {swept} grid value is left out: {skipped[0]}")
                    if len(self.frame) > 1 and self._distinct_points() == 1:
                        note += (f"; every {swept} value gives the same point here: {swept} has no effect at these "
                                 "knob values")
                else:
                    key = tuple(params.values())
                    self.history.pop(key, None)
                    self.history[key] = {**params, **{m: self.metrics[m] for m in self.study.metric_names}}
                    stored = self.store.frame(self.study) if self.store is not None else pd.DataFrame()
                    self.frame = pd.concat([stored, pd.DataFrame(list(self.history.values()))], ignore_index=True)
        except Exception as error:  # shown to the user, not swallowed: the message is what they need
            self.show_error(f"{type(error).__name__}: {error}")
            return
        self._show_metrics()
        if not self.redraw():
            return
        elapsed_ms = (time.perf_counter() - started) * 1e3
        if self.batch and self.metrics is None:
            shown = (f"{len(self.frame)} stored points shown" if len(self.frame) else
                     f"nothing stored yet; e.g. `{sweep_command(self.study)}` computes a curve")
            self._ok(f"not computed: press Run to compute this point ({shown})", "warning")
        else:
            limits = self.study.limit_warnings(self.metrics)  # a point past a metric's limit: warn, keep it drawn
            self._ok("; ".join([f"updated in {elapsed_ms:.0f} ms{note}", *limits]), "warning" if limits else "ok")

    def _distinct_points(self) -> int:
        """How many distinct (x, y) positions the current frame draws."""
        if self.x not in self.frame.columns or self.y not in self.frame.columns:
            return 0
        return len(self.frame[[self.x, self.y]].astype(str).drop_duplicates())

    def _show_metrics(self) -> None:
        if self.metrics is None:
            self.table.value = "<b>current point</b><div class='wb-not-computed'><i>not computed</i></div>"
            self.run_button.disabled = self._running
            return
        self.run_button.disabled = True
        arrows = {"min": "lower is better", "max": "higher is better", None: ""}
        rows = "".join(
            f"<tr><td>{html.escape(m.label or m.name)}</td><td style='text-align:right'>"
            f"{format_value(self.metrics.get(m.name))}</td><td>{html.escape(m.unit)}</td>"
            f"<td style='color:#777'>{arrows[m.better]}</td></tr>"
            for m in self.study.metrics
        )
        self.table.value = f"<b>current point</b><table class='wb-metrics'>{rows}</table>"

    def current_chart(self) -> alt.LayerChart:
        """The trade-off chart of the current frame with the current point highlighted."""
        highlight = None
        if self.metrics is not None and self.params:
            row = {**self.params, **self.metrics}
            if self.x in row and self.y in row:
                highlight = row
        frame = self.frame
        if frame.empty:
            frame = pd.DataFrame(columns=self.study.knob_names + self.study.metric_names)
        return tradeoff(frame, self.study, self.x, self.y, color=self.color, reference=self.reference,
                        highlight=highlight,
                        order=self._curve_knob())

    def _curve_knob(self) -> str | None:
        """The sweep knob when its points form a curve (a numeric knob of an interactive study)."""
        if self.sweep_knob is None or self.batch or isinstance(self.study.knob(self.sweep_knob), (Choice, Bool)):
            return None
        return self.sweep_knob

    def redraw(self) -> bool:
        """Redraw the chart from the current frame (after a knob, axis or colour change); ``False`` on error."""
        try:
            with building_live_chart():
                show_chart(self.chart, self.current_chart(), self.style)
        except Exception as error:  # shown in the status line
            self.show_error(f"cannot draw the chart: {type(error).__name__}: {error}")
            return False
        self.chart.selections.observe(self._on_pick, names=[PICK])
        return True

    # -- chart clicks ----------------------------------------------------------------------------------------------
    def _on_pick(self, change: dict) -> None:
        selected = change["new"].value
        if not selected:
            self._picked = None
            self.point_info.value = ""
            self.use_point.disabled = True
            return
        row = int(selected[0][ROW])
        if not 0 <= row < len(self.frame):
            return
        record = self.frame.iloc[row].to_dict()
        self._picked = {k: record[k] for k in self.study.knob_names if k in record}
        metric_rows = "".join(
            f"<tr><td>{html.escape(m.label or m.name)}</td><td>{format_value(record.get(m.name))}</td>"
            f"<td>{html.escape(m.unit)}</td></tr>" for m in self.study.metrics if m.name in record
        )
        self.point_info.value = (params_html(self.study, self._picked, "clicked point")
                                 + f"<table class='wb-metrics'>{metric_rows}</table>")
        self.use_point.disabled = False

    def load_picked(self) -> None:
        """Set the knobs to the clicked point's params."""
        if self._picked is not None:
            self.controls.set_values({k: v for k, v in self._picked.items() if not pd.isna(v)})

    # -- export ----------------------------------------------------------------------------------------------------
    def _report(self, message: str, kind: str) -> None:
        if kind == "error":
            self.show_error(message)
        else:
            self._ok(message, kind)

    def _default_stem(self, x: str | None = None, y: str | None = None) -> Path:
        """``<export folder>/<study>_<y>_vs_<x>`` (the current axes by default): the figure name offered until the
        user types one."""
        return self._export_dir / f"{self.study.name.replace('.', '_')}_{y or self.y}_vs_{x or self.x}"

    def _follow_axes(self, change) -> None:
        """Keep the offered figure name in step with the axes, unless the user typed a name of their own."""
        moved_x = change["owner"] is self.x_picker
        before = self._default_stem(x=change["old"] if moved_x else None, y=None if moved_x else change["old"])
        if self.export_bar.path.value == str(before):
            self.export_bar.path.value = str(self._default_stem())

    def _write_figure(self, stem: Path) -> dict[str, Path]:
        fixed = {k: v for k, v in self.params.items() if k != self.sweep_knob}
        return export(self.current_chart(), stem, data=self.frame, study=self.study, params=fixed)

    def export(self, path: str | Path | None = None) -> dict[str, Path] | None:
        """Export the current chart (SVG, PNG, PDF, data CSV, provenance JSON) as ``<path>.*``, the stem as typed
        (offered: ``<study>_<y>_vs_<x>``, following the axes until a name is typed); the status line names every
        file."""
        return self.export_bar.export(path)

    # -- batch points ----------------------------------------------------------------------------------------------
    def run_point(self) -> threading.Thread | None:
        """Compute the current (batch) point through the point runner on the Explorer's executor, from a background
        thread; the result goes to the store and every view over this study redraws."""
        if self._running:
            self.show_error("a point is already running; cancel it or wait")
            return None
        self._running = True
        params = dict(self.params)
        self._cancel = threading.Event()
        self.run_button.disabled = True
        self.cancel_button.disabled = False
        self.progress.value = 0.0
        self._phase, self._phase_count = ("", 0.0, 0), 0
        self.progress.layout.display = ""
        self._ok("running " + knob_summary(self.study, params), "busy")
        self.thread = threading.Thread(target=self._run, args=(params,), daemon=True,
                                       name=f"workbench-run-{self.study.name}")
        self.thread.start()
        return self.thread

    def _run(self, params: dict) -> None:
        report = SweepReport(total=1)
        started = time.perf_counter()
        try:
            run_sweep(self.study, [params], store=self.store, executor=self.executor, progress=False,
                      cancel=self._cancel, report=report, on_progress=self._on_progress)
        except Exception as error:  # shown in the status line
            report.failed["point"] = f"{type(error).__name__}: {error}"
        finally:
            if report.computed:
                self.progress.value = 1.0
            self._running = False
            self.cancel_button.disabled = True
            self.progress.layout.display = "none"
            self.progress_label.value = ""
        if report.computed:
            notify_stored(self.study.name)  # redraws this Explorer and every other widget over the study
        else:
            self.refresh()
        if report.failed:
            self.show_error(next(iter(report.failed.values())))
        elif report.cancelled or not report.computed:
            self._ok("cancelled; nothing was stored for this point", "warning")
        elif params == self.params:
            self._ok(f"computed and stored in {time.perf_counter() - started:.1f} s")

    def _on_progress(self, done: int, total: int | None, description: str) -> None:
        """Move the bar forward, never back, and never full before the point is: a point's phases (training, then
        programming, ...) are not known in advance, so each fills :data:`PHASE_SHARE` of the part of the bar still
        left when it begins; the label names the running phase and its step."""
        if description != self._phase[0]:
            self._phase = (description, self.progress.value, self._phase_count + 1)
            self._phase_count += 1
        _, start, number = self._phase
        fraction = min(1.0, done / total) if total else 0.0
        self.progress.value = max(self.progress.value, start + (1.0 - start) * PHASE_SHARE * fraction)
        steps = f"{done}/{total}" if total else f"{done}"
        self.progress_label.value = f"phase {number}: {description or 'computing'} ({steps})"

    def cancel(self) -> None:
        """Ask the running point to stop at its next progress update."""
        self._cancel.set()
        self.cancel_button.disabled = True
