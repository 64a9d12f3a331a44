"""The cross-stack composition's declaration."""

from workbench.core.manifest import ThemeManifest

MANIFEST = ThemeManifest(
    theme="compose",
    title="Cross-stack composition: algorithm to circuit to architecture",
    papers=("2003.02800", "1909.06892", "1809.00072", "1711.06315"),
    notebook="cross_stack.ipynb",
    reproduce="workbench.compose.reproduce:reproduce",
    studies=(
        "workbench.compose.studies:COMPOSE",
    ),
    views=(
        "workbench.compose.views:PARETO",
        "workbench.compose.views:WATERFALL",
    ),
    claims=("C1",),
    summary="One network flows through stages declared by the themes (prune while training, ternarize) onto a "
            "hardware target (TiM tiles, crossbars, SparCE core): accuracy as the hardware computes it against "
            "energy, latency and area, with the Pareto front across themes.",
)
