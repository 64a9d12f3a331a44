"""Dashboards built from study declarations (ipywidgets; ``ui`` imports ``viz`` and ``core``, never a theme)."""

from workbench.ui.controls import Controls, knob_widget
from workbench.ui.explorer import Explorer
from workbench.ui.sweep_panel import SweepPanel

__all__ = ["Controls", "Explorer", "SweepPanel", "knob_widget"]
