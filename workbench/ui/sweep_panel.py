"""SweepPanel: run a grid sweep of one study from the dashboard, with progress and Cancel, then plot it."""

from __future__ import annotations

import html
import itertools
import threading
from collections.abc import Sequence

import ipywidgets as widgets
import pandas as pd

from workbench.core.knobs import Bool, Choice
from workbench.core.runner import evaluate_frame
from workbench.core.store import ResultStore
from workbench.core.study import Study
from workbench.core.sweep import SweepReport, run_sweep
from workbench.ui.controls import knob_widget, widget_value
from workbench.ui.deferred import DeferredBuild
from workbench.ui.display import (
    axis_pickers,
    chart_widget,
    notify_stored,
    offline_charts,
    resolve_study,
    row,
    show_chart,
    side_column,
    status_html,
    stylesheet,
)
from workbench.viz.charts import tradeoff


class SweepPanel(DeferredBuild, widgets.VBox):
    """Pick knobs and grid sizes, run the sweep with progress and Cancel, then plot every point.

    Parameters
    ----------
    study : Study or str
    store : ResultStore, optional
        Where points are looked up and stored (default: the project's store).
    x, y, color : str, optional
        Chart columns; default the first two metrics, coloured by the first swept knob.
    executor : str
        ``run_sweep`` executor (``"serial"``, ``"processes"``, ``"dask[:ADDRESS]"``).
    points_per_knob : int
        Initial grid size for numeric knobs (Choice and Bool knobs sweep every option).
    style : str or None
        Figure style of the chart.
    sweep : sequence of str
        Knobs ticked for sweeping when the panel opens. An interactive study's grid is swept at once, so the panel
        opens on a cloud; otherwise it shows the study's stored points, or says what to press.
    """

    def __init__(self, study: Study | str, store: ResultStore | None = None, x: str | None = None,
                 y: str | None = None, color: str | None = None, *, executor: str = "serial",
                 points_per_knob: int = 5, style: str | None = "screen", sweep: Sequence[str] = ()) -> None:
        self.study = resolve_study(study)
        self.style = style
        self.store = store if store is not None else ResultStore()
        self.executor = executor
        self.frame = pd.DataFrame()
        self.report: SweepReport | None = None
        self.thread: threading.Thread | None = None
        self.skipped = 0
        self._cancel = threading.Event()
        offline_charts()
        metrics = self.study.metric_names
        self.fixed = {k.name: knob_widget(k, continuous_update=False) for k in self.study.knobs}
        self.swept = {k.name: widgets.Checkbox(value=False, description="sweep", indent=False,
                                               layout=widgets.Layout(width="70px")) for k in self.study.knobs}
        self.counts = {k.name: widgets.BoundedIntText(value=points_per_knob, min=1, max=200, description="points",
                                                      layout=widgets.Layout(width="140px"),
                                                      disabled=isinstance(k, (Choice, Bool)))
                       for k in self.study.knobs}
        self.x_picker, self.y_picker, self.color_picker = axis_pickers(
            self.study, x or metrics[0], y or (metrics[1] if len(metrics) > 1 else self.study.knob_names[0]), color)
        self.run_button = widgets.Button(description="Run sweep", icon="play", button_style="primary")
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", disabled=True)
        self.progress = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="380px"))
        self.progress_label = widgets.Label()
        self.status = widgets.HTML()
        self.chart = chart_widget()
        self.run_button.on_click(lambda button: self.run())
        self.cancel_button.on_click(lambda button: self.cancel())
        for picker in (self.x_picker, self.y_picker, self.color_picker):
            picker.observe(lambda change: self.plot(), names="value")
        rows = [row([self.fixed[n], self.swept[n], self.counts[n]]) for n in self.study.knob_names]
        super().__init__([
            stylesheet(),
            widgets.HTML(f"<h3 style='margin:4px 0'>Sweep {html.escape(self.study.name)}</h3>"),
            *rows,
            row([self.run_button, self.cancel_button, self.progress, self.progress_label]),
            row([side_column([self.x_picker, self.y_picker, self.color_picker]), self.chart]),
            self.status,
        ])
        self.add_class("wb-sweep")
        self.add_class("wb-dashboard")
        for name in sweep:
            self.study.knob(name)  # an unknown knob is a KeyError naming the study's knobs
            self.swept[name].value = True
        if sweep and self.study.cost == "interactive":  # milliseconds a point: evaluated here, stored on Run
            self.frame, _ = evaluate_frame(self.study, self.points())
            self.plot()
            self.status.value = status_html(
                f"{len(self.frame)} points of the ticked grid, evaluated and not stored ({self.skipped} invalid "
                "combinations left out); Run sweep stores them", "ok")
        else:
            self.frame = self.store.frame(self.study)
            self.plot()
            self.status.value = status_html(
                f"{len(self.frame)} stored points shown; tick 'sweep' beside the knobs to vary and press Run sweep"
                if len(self.frame) else "no sweep yet: tick 'sweep' beside the knobs to vary and press Run sweep",
                "warning")

    def grid(self) -> dict[str, list]:
        """Swept knob -> its grid values (every option for Choice/Bool knobs)."""
        grid = {}
        for knob in self.study.knobs:
            if self.swept[knob.name].value:
                grid[knob.name] = knob.grid(self.counts[knob.name].value)
        return grid

    def points(self) -> list[dict]:
        """Valid points of the grid (others at their fixed values); invalid combinations are counted in ``skipped``."""
        base = {name: widget_value(self.study.knob(name), w.value) for name, w in self.fixed.items()}
        grid = self.grid()
        names = list(grid)
        points, self.skipped, first_reason = [], 0, ""
        for combo in itertools.product(*(grid[n] for n in names)):
            try:
                points.append(self.study.validate({**base, **dict(zip(names, combo))}))
            except ValueError as error:
                self.skipped += 1
                first_reason = first_reason or str(error)
        self._skip_reason = first_reason
        return points

    def run(self) -> threading.Thread | None:
        """Start the sweep in a background thread (each finished point is stored at once)."""
        if self.thread is not None and self.thread.is_alive():
            self.status.value = status_html("a sweep is already running", "error")
            return None
        try:
            points = self.points()
        except ValueError as error:
            self.status.value = status_html(str(error), "error")
            return None
        if not points:
            reason = f" (e.g. {self._skip_reason})" if self._skip_reason else ""
            self.status.value = status_html(f"no valid point in this grid{reason}", "error")
            return None
        self._cancel = threading.Event()
        self.report = SweepReport(total=len(points))
        self.progress.max, self.progress.value = len(points), 0
        self.run_button.disabled, self.cancel_button.disabled = True, False
        self.status.value = status_html(f"running {len(points)} points", "busy")
        self.thread = threading.Thread(target=self._run, args=(points,), daemon=True,
                                       name=f"workbench-sweep-{self.study.name}")
        self.thread.start()
        return self.thread

    def _run(self, points: list[dict]) -> None:
        done = [0]

        def on_point(params: dict, metrics: dict) -> None:
            done[0] += 1
            self.progress.value = self.report.cached + done[0]
            self.progress_label.value = f"{self.report.cached + done[0]}/{len(points)}"

        try:
            self.frame = run_sweep(self.study, points, store=self.store, executor=self.executor, progress=False,
                                   on_point=on_point, cancel=self._cancel, report=self.report)
        except Exception as error:  # shown in the status line
            self.status.value = status_html(f"{type(error).__name__}: {error}", "error")
            return
        finally:
            self.run_button.disabled, self.cancel_button.disabled = False, True
        report = self.report
        self.progress.value = report.cached + report.computed
        parts = [f"{report.computed} computed", f"{report.cached} already stored"]
        if report.failed:
            parts.append(f"{len(report.failed)} failed (first: {next(iter(report.failed.values()))})")
        if self.skipped:
            parts.append(f"{self.skipped} invalid combinations skipped (e.g. {self._skip_reason})")
        if report.cancelled:
            parts.append("cancelled")
        kind = "error" if report.failed else ("warning" if report.cancelled or self.skipped else "ok")
        if report.computed:
            notify_stored(self.study.name)  # the study's Explorers and views show the new points
        self.plot()
        self.status.value = status_html("; ".join(parts), kind)

    def cancel(self) -> None:
        """Stop waiting for further points (finished points are already stored)."""
        self._cancel.set()
        self.cancel_button.disabled = True

    def plot(self) -> None:
        """Plot the last sweep's points."""
        if self.frame.empty:
            return
        color = self.color_picker.value or next(iter(self.grid()), None)
        try:
            show_chart(self.chart, tradeoff(self.frame, self.study, self.x_picker.value, self.y_picker.value,
                                        color=color), self.style)
        except Exception as error:
            self.status.value = status_html(f"cannot draw the chart: {type(error).__name__}: {error}", "error")
