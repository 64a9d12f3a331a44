"""The DyVEDeep theme's declaration."""

from workbench.core.manifest import ThemeManifest
from workbench.dyvedeep.tuning import regenerate

MANIFEST = ThemeManifest(
    theme="dyvedeep",
    title="DyVEDeep: dynamic variable effort deep neural networks",
    papers=("1704.01137",),
    notebook="dyvedeep.ipynb",
    claims=("D1",),
    summary="Saturation prediction, selective sampling and low-variance channel approximation on a trained CNN: "
            "scalar operations with every check counted, tuned thresholds, and compiled static vs dynamic timing.",
    regenerate=regenerate,
)
