"""Pack and Detect over a video: anchor frames at full size, packed canvases in between.

[R] Schedule (arXiv:1809.01701, abstract; the reconstruction is documented in docs/design.md § PaD): frame t is an
*anchor* (the detector runs on the full frame) when

* it is the first frame, or ``k`` frames have passed since the last anchor (``interval``);
* the scene changed: the mean absolute grey-level difference to the previous frame exceeds ``cut_threshold``
  (``scene change``; a cheap frame-difference test, no oracle);
* the previous frame left no detection with score >= ``roi_score`` (``no detections``);
* its ROIs do not pack into the S_p x S_p canvas even unexpanded (``packing failure``).

Otherwise (an *inter-anchor* frame) the previous frame's confident detections become ROIs, expanded and packed by
:func:`workbench.pad.packing.plan_canvas`, the detector runs on the canvas, boxes are mapped back, and a per-class NMS
runs over the mapped boxes. Cost per frame: F(frame) on anchors, F(S_p) on packed frames, so the average is
[n_anchor F(frame) + n_packed F(S_p)] / T (with only interval anchors: [F(frame) + (k - 1) F(S_p)] / k).

With ``k = 1`` every frame is an anchor, and the result is full-frame detection exactly (same code path).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from workbench.core.knobs import knob_field, validate_config
from workbench.datasets.video import Video
from workbench.pad.detector import (
    MIN_INPUT_PX,
    STRIDES,
    Detections,
    TinySSD,
    batched_nms,
    check_input_px,
    detect,
    detector_flops,
)
from workbench.pad.packing import CanvasPlan, map_back, plan_canvas, render_canvas

REASONS = ("interval", "scene change", "no detections", "packing failure")


@dataclass(frozen=True)
class PadConfig:
    """PaD settings; each field declares its range, unit and help with :func:`~workbench.core.knobs.knob_field`
    (the ``pad.detect`` and ``pad.flops`` knobs derive from them), and a bad value raises ``ValueError`` naming it."""

    k: int = knob_field(4, low=1, high=math.inf,
                        help="Anchor interval: a full-size frame every k frames (1 = full frame).")
    canvas_px: int = knob_field(64, low=MIN_INPUT_PX, high=math.inf, step=STRIDES[-1], unit="px", label="S_p",
                                help="Side of the packed canvas (an input size the detector takes: multiples of its "
                                     "coarsest stride).")
    step_px: int = knob_field(4, low=0, high=math.inf, unit="px", label="ROI expansion step",
                              help="ROI expansion step per side (0 = no expansion).")
    max_margin_px: int = knob_field(12, low=0, high=math.inf, unit="px", label="max ROI expansion",
                                    help="Largest ROI expansion per side.")
    roi_score: float = knob_field(0.2, low=0.0, high=1.0, label="ROI score threshold",
                                  help="Detections at or above it become ROIs.")
    cut_threshold: float = knob_field(0.05, low=0.0, high=1.0, label="scene-cut threshold",
                                      help="Mean absolute frame difference (grey levels in [0, 1]) above which a "
                                           "frame is a scene change.")
    score_threshold: float = knob_field(0.05, low=0.0, high=1.0, label="score threshold",
                                        help="Detections below this score are discarded (low, as usual for mAP).")

    def __post_init__(self) -> None:
        validate_config(self)


@dataclass
class FrameResult:
    """What PaD did on one frame."""

    t: int
    anchor: bool
    reason: str  # one of REASONS for an anchor, "" for a packed frame
    detections: Detections
    plan: CanvasPlan | None = None
    canvas_detections: Detections | None = None
    flops: int = 0
    seconds: float = 0.0


@dataclass
class PadRun:
    """Per-frame results of PaD over a video, with its totals."""

    config: PadConfig
    frame_px: int
    frames: list[FrameResult] = field(default_factory=list)

    @property
    def detections(self) -> list[Detections]:
        return [f.detections for f in self.frames]

    @property
    def anchor_fraction(self) -> float:
        return float(np.mean([f.anchor for f in self.frames]))

    @property
    def flops_per_frame(self) -> float:
        return float(np.mean([f.flops for f in self.frames]))

    @property
    def seconds(self) -> float:
        return float(sum(f.seconds for f in self.frames))

    @property
    def fps(self) -> float:
        return len(self.frames) / max(self.seconds, 1e-12)

    def reasons(self) -> dict[str, int]:
        return {r: sum(f.reason == r for f in self.frames) for r in ("first", *REASONS)}


def scene_changed(previous: np.ndarray, current: np.ndarray, threshold: float) -> bool:
    """Whether the mean absolute difference between two frames exceeds ``threshold``."""
    return float(np.mean(np.abs(current - previous))) > threshold


def _frames(video: Video | np.ndarray, config: PadConfig) -> np.ndarray:
    frames = video.frames if isinstance(video, Video) else np.asarray(video, np.float32)
    frame_px = frames.shape[-1]
    check_input_px(frame_px, "frame size")
    if config.canvas_px > frame_px:
        raise ValueError(f"canvas_px={config.canvas_px} is not allowed; allowed: <= the frame size ({frame_px} px)")
    return frames


def run_pad(video: Video | np.ndarray, detector: TinySSD, config: PadConfig = PadConfig(), *,
            detect_fn=None) -> PadRun:
    """Pack and Detect over the frames of ``video`` (a :class:`Video` or an array ``[T, S, S]``).

    ``detect_fn(images [B, s, s]) -> list[Detections]`` replaces the detector (tests use a fake one); by default it
    is :func:`workbench.pad.detector.detect` with ``detector``.
    """
    frames = _frames(video, config)
    return PadRun(config, frames.shape[-1], list(pad_steps(frames, detector, config, detect_fn=detect_fn)))


def pad_steps(video: Video | np.ndarray, detector: TinySSD, config: PadConfig = PadConfig(), *,
              detect_fn=None) -> Iterator[FrameResult]:
    """:func:`run_pad` one frame at a time (each step timed on its own), so two schedules can be interleaved frame
    by frame and measured under the same machine load."""
    frames = _frames(video, config)
    frame_px = frames.shape[-1]
    if detect_fn is None:
        def detect_fn(images):
            return detect(detector, images, config.score_threshold)
    width = detector.stage8[0][0].out_channels if detector is not None else 16
    f_full = detector_flops(frame_px, width)
    f_canvas = detector_flops(config.canvas_px, width)
    last_anchor = -config.k
    previous: Detections | None = None
    for t in range(len(frames)):
        began = time.perf_counter()
        frame = frames[t]
        reason = ""
        plan = None
        if t == 0:
            reason = "first"
        elif t - last_anchor >= config.k:
            reason = "interval"
        elif scene_changed(frames[t - 1], frame, config.cut_threshold):
            reason = "scene change"
        else:
            rois = previous.boxes[previous.scores >= config.roi_score]
            if len(rois) == 0:
                reason = "no detections"
            else:
                try:
                    plan = plan_canvas(rois, frame_px, config.canvas_px, config.step_px, config.max_margin_px)
                except ValueError:  # an ROI larger than the canvas: nothing packs
                    plan = None
                if plan is None:
                    reason = "packing failure"
        if reason:
            dets = detect_fn(frame[None])[0]
            result = FrameResult(t, True, reason, dets, flops=f_full)
            last_anchor = t
        else:
            canvas_dets = detect_fn(render_canvas(frame, plan)[None])[0]
            boxes, keep = map_back(canvas_dets.boxes, plan)
            mapped = Detections(boxes, canvas_dets.scores[keep], canvas_dets.labels[keep])
            dets = mapped.take(batched_nms(mapped.boxes, mapped.scores, mapped.labels))
            result = FrameResult(t, False, "", dets, plan, canvas_dets, flops=f_canvas)
        result.seconds = time.perf_counter() - began
        previous = dets
        yield result


def full_config(score_threshold: float = 0.05) -> PadConfig:
    """The schedule of full-frame detection: an anchor on every frame (``k = 1``)."""
    return PadConfig(k=1, canvas_px=32, score_threshold=score_threshold)


def run_full(video: Video | np.ndarray, detector: TinySSD, score_threshold: float = 0.05, *,
             detect_fn=None) -> PadRun:
    """Full-frame detection on every frame: PaD with ``k = 1``."""
    return run_pad(video, detector, full_config(score_threshold), detect_fn=detect_fn)
