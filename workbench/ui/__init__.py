"""Dashboards built from study declarations (ipywidgets; ``ui`` imports ``viz`` and ``core``, never a theme)."""

from workbench.ui.controls import Controls, knob_widget
from workbench.ui.deferred import Deferred, build_all
from workbench.ui.explorer import Explorer
from workbench.ui.sweep_panel import SweepPanel
from workbench.ui.view_panel import ViewPanel

__all__ = ["Controls", "Deferred", "Explorer", "SweepPanel", "ViewPanel", "build_all", "knob_widget"]
