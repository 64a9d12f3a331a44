"""The resistive-crossbar theme's declaration."""

from workbench.core.manifest import ThemeManifest

MANIFEST = ThemeManifest(
    theme="crossbar",
    title="Resistive crossbars: circuit-accurate and fast models",
    papers=("1809.00072", "2002.11151", "1803.06913"),
    notebook="crossbars.ipynb",
    reproduce="workbench.crossbar.reproduce:reproduce",
    studies=(
        "workbench.crossbar.array.studies:CIRCUIT",
        "workbench.crossbar.inference.studies:INFERENCE",
        "workbench.crossbar.inference.studies:COST",
        "workbench.crossbar.training.studies:TRAINING",
        "workbench.crossbar.training.studies:SPEED",
    ),
    views=(
        "workbench.crossbar.training.views:TRAINING_CURVES",
        "workbench.crossbar.training.views:TRAINING_DEGRADATION",
        "workbench.crossbar.training.views:STEP_TIME",
        "workbench.crossbar.array.views:FAST_MODEL_ERROR",
        "workbench.crossbar.array.views:CELL_VOLTAGE",
        "workbench.crossbar.inference.views:LAYER_COST",
        "workbench.crossbar.inference.views:COST_TORNADO",
        "workbench.crossbar.inference.views:COST_BAND",
        "workbench.hardware.views:ADC_SURVEY",
    ),
    stages=(
        "workbench.crossbar.stages:ARRAYS",
        "workbench.crossbar.stages:TRAIN",
    ),
    claims=("X1", "X2", "X3", "T1", "T2"),
    summary="Nodal circuit solve checked against ngspice, fast crossbar models, DNN accuracy on tiled "
            "crossbars with parasitics, quantized cells and DAC/ADC periphery, and the energy, latency and area of "
            "an ISAAC-style crossbar accelerator.",
)
