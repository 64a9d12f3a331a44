"""Dashboards built from study declarations (ipywidgets; ``ui`` imports ``viz`` and ``core``, never a theme)."""

from workbench.ui.controls import Controls, knob_widget
from workbench.ui.explorer import Explorer, SweepPanel

__all__ = ["Controls", "Explorer", "SweepPanel", "knob_widget"]
