"""The TiM-DNN theme's declaration."""

from workbench.core.manifest import ThemeManifest

MANIFEST = ThemeManifest(
    theme="tim",
    title="TiM-DNN: ternary in-memory computing",
    papers=("1909.06892",),
    notebook="tim_dnn.ipynb",
    reproduce="workbench.tim.reproduce:reproduce",
    studies=(
        "workbench.tim.studies:ARCH",
        "workbench.tim.studies:QUANT",
    ),
    views=(
        "workbench.tim.views:LAYER_ENERGY",
        "workbench.tim.views:EFFICIENCY_MAP",
        "workbench.tim.views:PERIOD_BREAKDOWN",
        "workbench.tim.views:ASSUMPTION_TORNADO",
        "workbench.tim.views:ASSUMPTION_BAND",
    ),
    stages=(
        "workbench.tim.stages:TERNARIZE",
        "workbench.tim.stages:TILES",
    ),
    claims=("M1", "M2"),
    summary="Ternary quantization, the TPC tile/accelerator model and per-network energy and latency against a "
            "near-memory baseline.",
)
