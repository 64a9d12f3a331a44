"""The PaD theme's declaration."""

from workbench.core.manifest import ThemeManifest

MANIFEST = ThemeManifest(
    theme="pad",
    title="Pack and Detect: ROI packing for video object detection",
    papers=("1809.01701",),
    notebook="pad.ipynb",
    reproduce="workbench.pad.reproduce:reproduce",
    studies=(
        "workbench.pad.studies:FLOPS",
        "workbench.pad.studies:DETECT",
    ),
    views=(
        "workbench.pad.views:FRAME_VIEWER",
        "workbench.pad.views:TRADEOFF",
        "workbench.pad.views:ANCHOR_TIMELINE",
        "workbench.pad.views:SSD300_FLOPS",
        "workbench.pad.views:FLOPS_TORNADO",
        "workbench.pad.views:FLOPS_BAND",
    ),
    claims=("K1", "K2"),
    summary="Anchor frames at full size, previous detections packed into a small canvas in between: SSD300 FLOPs at "
            "paper scale, and a detector trained here on synthetic video for real mAP and measured throughput.",
    regenerate="workbench.pad.detector:regenerate",
)
