"""The SparCE theme's declaration."""

from workbench.core.manifest import ThemeManifest

MANIFEST = ThemeManifest(
    theme="sparce",
    title="SparCE: sparsity-aware core extensions",
    papers=("1711.06315",),
    notebook="sparce.ipynb",
    reproduce="workbench.sparce.reproduce:reproduce",
    studies=(
        "workbench.sparce.studies:CORE",
        "workbench.sparce.studies:EMULATED",
    ),
    views=(
        "workbench.sparce.views:SPEEDUP_VS_SPARSITY",
        "workbench.sparce.views:LAYER_BREAKDOWN",
        "workbench.sparce.views:SASA_SENSITIVITY",
        "workbench.sparce.views:CORE_TORNADO",
        "workbench.sparce.views:CORE_BAND",
    ),
    stages=(
        "workbench.sparce.stages:CORE",
    ),
    claims=("C1",),
    summary="SpRF + SASA skip the MACs of zero activations before fetch: real AArch64 kernels (scalar and NEON) in "
            "Unicorn, an in-order pipeline model, and a trace model that scales it to whole networks.",
)
