"""The TiM-DNN theme's declaration."""

from workbench.core.manifest import ThemeManifest

MANIFEST = ThemeManifest(
    theme="tim",
    title="TiM-DNN: ternary in-memory computing",
    papers=("1909.06892",),
    notebook="tim_dnn.ipynb",
    claims=("M1", "M2"),
    summary="Ternary quantization, the TPC tile/accelerator model and per-network energy and latency against a "
            "near-memory baseline.",
)
