"""PaD studies: ``pad.flops`` (interactive: SSD300 FLOPs and ROI packing at paper scale) and ``pad.detect`` (batch:
the trained detector on synthetic video, full frame vs Pack and Detect; accuracy, FLOPs and measured throughput)."""

from __future__ import annotations

from workbench.core import Choice, Float, Int, Metric, Study
from workbench.core.knobs import Assumed, config_knobs
from workbench.core.vocabulary import seed_knob
from workbench.pad import analytic
from workbench.pad.pipeline import PadConfig
from workbench.threads import one_torch_thread

FLOPS = Study(
    name="pad.flops",
    theme="pad",
    func=analytic.pad_flops,
    knobs=(
        Int("input_px", 300, low=64, high=600, step=4, unit="px", label="full-frame input side",
            help="Full-frame (anchor) input side of SSD300."),
        Int("canvas_px", 152, low=32, high=600, step=2, unit="px", label="S_p",
            help="Side S_p of the packed canvas the detector runs on between anchors."),
        Int("k", 5, low=1, high=60, help="Anchor interval: a full-size frame every k frames.",
            assumed=Assumed(2, 30, "[R] the paper gives no anchor interval: k = 1 is no PaD at all, and beyond one "
                                   "anchor per second (k = 30 at 30 fps) objects entering the scene go undetected "
                                   "for longer than a detector refresh is useful")),
        Float("trigger_rate", 0.0, low=0.0, high=1.0, step=0.01, label="trigger rate (extra anchors)",
              help="Fraction of inter-anchor frames turned into anchors by a trigger (packing failure, no "
                   "detections, scene change).",
              assumed=Assumed(0.0, 0.2, "[R] none on a static scene; scene cuts, lost detections and ROIs that no "
                                        "longer pack promote a few inter-anchor frames on the synthetic videos of "
                                        "pad.detect, a busier video up to about one in five")),
        Choice("extras", "pad", options=("pad", "drop"),
               help="Below ~260 px SSD300's 3x3 valid extra layers run out of map: pad them or drop them."),
        Int("num_classes", 21, low=2, high=91, label="classes (with background)",
            help="Scores per default box (21 = PASCAL VOC with background)."),
        Float("fps", 30.0, low=1.0, high=120.0, unit="frames/s", help="Video frame rate for the TFLOPS figure."),
        Int("rois", 4, low=1, high=16, help="ROIs per inter-anchor frame (squares, for the packing check)."),
        Int("roi_px", 60, low=8, high=300, unit="px", label="ROI side", help="Side of each ROI before expansion."),
        *config_knobs(PadConfig, ("step_px", "max_margin_px"), step_px=dict(high=32),
                      max_margin_px=dict(default=32, high=128)),
    ),
    metrics=(
        Metric("gflops_full", "GFLOP", "min", "SSD300 FLOPs on one full frame (flop_counter, meta tensors).",
               "FLOPs full frame"),
        Metric("gflops_canvas", "GFLOP", "min", "SSD300 FLOPs on one S_p canvas.", "FLOPs canvas"),
        Metric("gflops_per_frame", "GFLOP", "min", "Average FLOPs per frame under PaD.", "FLOPs / frame (PaD)"),
        Metric("flop_reduction", "x", "max", "Full-frame FLOPs / PaD average FLOPs per frame.", label="FLOP reduction"),
        Metric("tflops_full_at_fps", "TFLOPS", "min", "FLOP rate of full-frame SSD300 at the frame rate.",
               label="TFLOPS (full frame)"),
        Metric("tflops_at_fps", "TFLOPS", "min", "FLOP rate of PaD at the frame rate.", "TFLOPS (PaD)"),
        Metric("anchor_fraction", "", None, "Fraction of frames processed at full size.", label="anchor-frame share"),
        Metric("packs", "", "max", "1 when the ROIs pack unexpanded into the canvas, else 0 (all frames anchors).",
               label="ROIs pack"),
        Metric("margin_px", "px", "max", "Expansion margin per side reached while the ROIs still pack.",
               label="ROI margin"),
        Metric("canvas_fill", "", None, "Fraction of the canvas covered by the expanded ROIs.", label="canvas fill"),
    ),
    version="1",
    cost="interactive",
    constraints=analytic.check_sizes,
    description=(
        "Pack and Detect (arXiv:1809.01701) at paper scale: SSD300-VGG16 built in torch on meta tensors and counted "
        "by torch.utils.flop_counter at the full-frame and canvas sizes (extra layers padded or dropped where the "
        "input is too small), averaged over anchor and inter-anchor frames; plus whether the chosen ROIs pack into "
        "the canvas (rectpack MaxRects) and how far they expand."
    ),
    reference=True,
)


def evaluate_detect(config: PadConfig, objects: int, speed_px: float, occluders: int, churn: float, cut_every: int,
                    frames: int, seed: int) -> dict:
    """Full-frame detection vs PaD with the cached TinySSD on one synthetic video (see experiment)."""
    from workbench.pad.experiment import detect_experiment

    return detect_experiment(config, objects=objects, speed_px=speed_px, occluders=occluders, churn=churn,
                             cut_every=cut_every, frames=frames, seed=seed)


DETECT = Study(
    name="pad.detect",
    theme="pad",
    func=evaluate_detect,
    config=PadConfig,
    knobs=(
        *config_knobs(PadConfig, ("k", "canvas_px", "step_px", "max_margin_px", "roi_score"), k=dict(high=30),
                      canvas_px=dict(high=128), step_px=dict(high=16), max_margin_px=dict(high=32),
                      roi_score=dict(low=0.1, high=0.95, step=0.05)),
        Int("objects", 3, low=1, high=8, help="Objects in the video at a time."),
        Float("speed_px", 2.0, low=0.0, high=8.0, step=0.5, unit="px/frame", label="object speed",
              help="Object speed."),
        Int("occluders", 0, low=0, high=3, help="Moving bars drawn over the objects."),
        Float("churn", 0.02, low=0.0, high=0.2, step=0.01,
              help="Per frame: probability an object disappears, and that a missing one appears."),
        Int("cut_every", 30, low=0, high=300, label="frames between scene cuts",
            help="A scene cut every this many frames (0 = none)."),
        Int("frames", 60, low=10, high=600, help="Frames in the video."),
        seed_knob(help="Seed of the video (the detector's training videos use 10000+)."),
    ),
    metrics=(
        Metric("map50", "%", "max", "COCO mAP@0.5 of PaD (pycocotools).", "mAP@0.5"),
        Metric("map", "%", "max", "COCO mAP@[0.5:0.95] of PaD.", "mAP"),
        Metric("map50_full", "%", "max", "mAP@0.5 of full-frame detection on every frame.", label="mAP@0.5 full frame"),
        Metric("map_full", "%", "max", "mAP@[0.5:0.95] of full-frame detection.", label="mAP full frame"),
        Metric("accuracy_drop", "pp", "min", "Full-frame minus PaD mAP@0.5.", "mAP@0.5 drop"),
        Metric("mflops_per_frame", "MFLOP", "min", "Average detector FLOPs per frame under PaD.",
               "FLOPs / frame"),
        Metric("flop_reduction", "x", "max", "Full-frame FLOPs / PaD FLOPs per frame.", label="FLOP reduction"),
        Metric("fps", "frames/s", "max", "Measured PaD throughput on this CPU (1 torch thread, end to end).",
               measured=True, label="PaD throughput"),
        Metric("fps_full", "frames/s", "max", "Measured full-frame throughput, same conditions.", measured=True,
               label="full-frame throughput"),
        Metric("throughput_gain", "x", "max", "PaD frames/s / full-frame frames/s (measured).", measured=True,
               label="throughput gain"),
        Metric("anchor_fraction", "", None, "Fraction of frames processed at full size.", label="anchor-frame share"),
    ),
    version="1",
    cost="batch",
    context=one_torch_thread,
    description=(
        "Pack and Detect with a single-shot detector trained here (TinySSD, SSD-style heads, cached weights) on a "
        "synthetic video of moving digits and shapes with exact boxes: anchor frames at 128 px every k frames and "
        "on triggers, packed S_p canvases of expanded ROIs in between; COCO mAP against full-frame detection, "
        "FLOPs per frame and throughput measured on this CPU."
    ),
    reference=True,
)
