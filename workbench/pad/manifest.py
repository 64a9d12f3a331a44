"""The PaD theme's declaration."""

from workbench.core.manifest import ThemeManifest
from workbench.pad.detector import regenerate

MANIFEST = ThemeManifest(
    theme="pad",
    title="Pack and Detect: ROI packing for video object detection",
    papers=("1809.01701",),
    notebook="pad.ipynb",
    claims=("K1", "K2"),
    summary="Anchor frames at full size, previous detections packed into a small canvas in between: SSD300 FLOPs at "
            "paper scale, and a detector trained here on synthetic video for real mAP and measured throughput.",
    regenerate=regenerate,
)
