"""Altair charts, figure styles and figure export (no widgets; ``viz`` imports only ``core``)."""

from workbench.viz.charts import sweep_heatmap, tradeoff
from workbench.viz.export import export
from workbench.viz.style import enable as enable_style

__all__ = ["enable_style", "export", "sweep_heatmap", "tradeoff"]
