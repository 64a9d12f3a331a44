"""The resistive-crossbar theme's declaration."""

from workbench.core.manifest import ThemeManifest

MANIFEST = ThemeManifest(
    theme="crossbar",
    title="Resistive crossbars: circuit-accurate and fast models",
    papers=("1809.00072", "2002.11151", "1803.06913"),
    notebook="crossbars.ipynb",
    claims=("X1", "X2", "X3", "T1", "T2"),
    summary="Nodal circuit solve checked against ngspice, fast crossbar models, DNN accuracy on tiled "
            "crossbars with parasitics, quantized cells and DAC/ADC periphery, and the energy, latency and area of "
            "an ISAAC-style crossbar accelerator.",
)
