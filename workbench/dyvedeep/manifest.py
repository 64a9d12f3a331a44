"""The DyVEDeep theme's declaration."""

from workbench.core.manifest import ThemeManifest

MANIFEST = ThemeManifest(
    theme="dyvedeep",
    title="DyVEDeep: dynamic variable effort deep neural networks",
    papers=("1704.01137",),
    notebook="dyvedeep.ipynb",
    reproduce="workbench.dyvedeep.reproduce:reproduce",
    studies=(
        "workbench.dyvedeep.studies:EFFORT",
        "workbench.dyvedeep.studies:OPS",
    ),
    views=(
        "workbench.dyvedeep.views:THRESHOLD_SWEEP",
        "workbench.dyvedeep.views:LAYER_BREAKDOWN",
        "workbench.dyvedeep.views:COMPUTED_MAP",
        "workbench.dyvedeep.views:PARETO",
    ),
    claims=("D1",),
    summary="Saturation prediction, selective sampling and low-variance channel approximation on a trained CNN: "
            "scalar operations with every check counted, tuned thresholds, and compiled static vs dynamic timing.",
    regenerate="workbench.dyvedeep.tuning:regenerate",
)
