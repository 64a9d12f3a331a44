"""The MRAM compute-in-memory theme's declaration."""

from workbench.core.manifest import ThemeManifest

MANIFEST = ThemeManifest(
    theme="mram",
    title="MRAM compute-in-memory: STT-CiM and VSH/DVSH-MRAM",
    papers=("1703.02118", "1912.07821"),
    notebook="mram_cim.ipynb",
    reproduce="workbench.mram.reproduce:reproduce",
    studies=(
        "workbench.mram.studies:DEVICE",
        "workbench.mram.studies:ARRAY",
        "workbench.mram.studies:CIM",
        "workbench.mram.studies:SYSTEM",
        "workbench.mram.studies:LLG",
    ),
    views=(
        "workbench.mram.views:MTJ",
        "workbench.mram.views:SWITCHING",
        "workbench.mram.views:WER",
        "workbench.mram.views:ARRAYS",
        "workbench.mram.views:MARGINS",
        "workbench.mram.views:CIM_KERNELS",
        "workbench.mram.views:BREAKEVEN",
        "workbench.mram.views:CIM_TORNADO",
        "workbench.mram.views:CIM_BAND",
    ),
    stages=(
        "workbench.mram.stages:CIM",
    ),
    claims=("S1", "S2", "V1", "V2"),
    summary="Stochastic LLG magnets to STT/GSH/VSH write paths, arrays at iso sense margin and iso WER, CiM sensing "
            "under variation, and kernel-level memory energy and time with and without CiM.",
    regenerate="workbench.mram.device:regenerate",
)
