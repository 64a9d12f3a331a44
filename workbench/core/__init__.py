"""The design-space machinery: knobs, studies, registry, result store, sweeps, executors, Pareto filtering.

``core`` imports nothing from the theme packages, ``ui`` or ``viz``.
"""

from workbench.core.knobs import Bool, Choice, Float, Int, Knob
from workbench.core.registry import get_study, get_view, list_studies, list_views, register_study, register_view
from workbench.core.study import Metric, Study
from workbench.core.views import View

__all__ = [
    "Bool",
    "Choice",
    "Float",
    "Int",
    "Knob",
    "Metric",
    "Study",
    "View",
    "get_study",
    "get_view",
    "list_studies",
    "list_views",
    "register_study",
    "register_view",
]
