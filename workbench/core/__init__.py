"""The design-space machinery: knobs, studies, registry, result store, sweeps, executors, Pareto filtering.

``core`` imports nothing from the theme packages, ``ui`` or ``viz``.
"""

from workbench.core.knobs import Bool, Choice, Float, Int, Knob
from workbench.core.registry import get_study, list_studies, register_study
from workbench.core.study import Metric, Study

__all__ = [
    "Bool",
    "Choice",
    "Float",
    "Int",
    "Knob",
    "Metric",
    "Study",
    "get_study",
    "list_studies",
    "register_study",
]
