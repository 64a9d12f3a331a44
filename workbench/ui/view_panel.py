"""ViewPanel: one registered view on a dashboard, with its knobs, live redraw, Export and a status line.

A view over stored results (``View.studies``) redraws whenever a widget of the same kernel stores a point of one of
those studies (an Explorer's Run), so a figure never keeps showing yesterday's points.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from workbench.core.registry import get_study, get_view, list_studies
from workbench.core.store import ResultStore
from workbench.core.views import View
from workbench.ui.controls import Controls
from workbench.ui.deferred import DeferredBuild
from workbench.ui.display import (
    ExportBar,
    building_live_chart,
    chart_widget,
    default_export_dir,
    heading,
    offline_charts,
    on_stored,
    row,
    show_chart,
    side_column,
    status_html,
    stylesheet,
)
from workbench.viz.export import export


class ViewPanel(DeferredBuild, widgets.VBox):
    """A view's controls, its chart, an Export bar and a status line.

    Parameters
    ----------
    view : View or str
        The view (or its registry name).
    store : ResultStore, optional
        Where a view over stored results reads them (default: the project's store).
    export_dir : str or Path, optional
        Folder the Export button writes into (default: ``$WORKBENCH_FIGURES``, else ``figures`` beside the result
        store).
    style : str or None
        Figure style of the live chart (``"screen"``); exports use the paper style.
    """

    def __init__(self, view: View | str, store: ResultStore | None = None, *,
                 export_dir: str | Path | None = None, style: str | None = "screen") -> None:
        self.view = get_view(view) if isinstance(view, str) else view
        self.store = store if store is not None or not self.view.studies else ResultStore()
        self.style = style
        self.params: dict[str, Any] = self.view.defaults()
        self.figure: Any = None
        self.frame = pd.DataFrame()
        self.last_error: str | None = None
        offline_charts()
        # a view's choice of metric lists the metrics by title (its theme's studies and the studies it reads)
        studies = {*list_studies(theme=self.view.theme), *self.view.studies}
        metric_titles = {m.name: m.title for study in sorted(studies) for m in get_study(study).metrics}
        self.controls = Controls(self.view.knobs, debounce_s=0.15, option_labels=metric_titles)
        self.chart = chart_widget()
        self.status = widgets.HTML()
        folder = Path(export_dir) if export_dir is not None else default_export_dir(self.store)
        self.export_bar = ExportBar(folder / self.view.name.replace(".", "_"), self._write, self._report)
        self.controls.on_change(lambda values: self.refresh())
        for study in self.view.studies:
            on_stored(study, self.refresh)
        body = row([side_column([self.controls]), self.chart]) if self.view.knobs else self.chart
        super().__init__([stylesheet(), heading(self.view.title, self.view.description), body, self.export_bar,
                          self.status])
        self.add_class("wb-view")
        self.add_class("wb-dashboard")
        self.refresh()

    def _report(self, message: str, kind: str) -> None:
        self.last_error = message if kind == "error" else None
        self.status.value = status_html(message, kind)

    def refresh(self) -> None:
        """Validate the knobs, draw the view and show it; an error goes to the status line."""
        started = time.perf_counter()
        try:
            params = self.view.validate(self.controls.values)
            with building_live_chart():
                figure, frame = self.view.render(params, store=self.store)
                show_chart(self.chart, figure, self.style)
        except Exception as error:  # shown to the user, not swallowed: the message is what they need
            self._report(f"{type(error).__name__}: {error}", "error")
            return
        self.params, self.figure, self.frame = params, figure, frame
        self._report(f"updated in {(time.perf_counter() - started) * 1e3:.0f} ms ({len(frame)} rows plotted)", "ok")

    def _write(self, stem: Path) -> dict[str, Path]:
        if self.figure is None:
            raise ValueError("nothing drawn yet: fix the knobs named in the status line first")
        return export(self.figure, stem, data=self.frame, params=self.params, view=self.view)

    def export(self, path: str | Path | None = None) -> dict[str, Path] | None:
        """Export the current figure (SVG, PNG, PDF, the plotted CSV, provenance JSON)."""
        return self.export_bar.export(path)
