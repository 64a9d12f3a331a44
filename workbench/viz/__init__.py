"""Altair charts, figure themes and figure export (no widgets; ``viz`` imports only ``core``)."""

from workbench.viz.charts import pareto_line, sweep_heatmap, tradeoff
from workbench.viz.export import export
from workbench.viz.theme import enable as enable_theme

__all__ = ["enable_theme", "export", "pareto_line", "sweep_heatmap", "tradeoff"]
