"""The ``pad.detect`` experiment: full-frame detection vs Pack and Detect on one synthetic video.

Both runs use the same cached :class:`~workbench.pad.detector.TinySSD` (trained on first use, minutes) on the same
video, one torch thread, after a warm-up call at each input size. Throughput is end to end per frame (scene-change
test, packing, canvas rendering, detector, decoding, NMS, mapping back). Full frame and PaD are stepped alternately,
frame by frame (both see the same machine load), ``repeats`` times; the runs are deterministic, so every frame does
the same work in every repeat, and each frame's time is the fastest of its repeats (a shared machine's noise only
ever slows a frame down; on this loaded 2-core machine whole-run times of identical runs differed by up to 1.7x).
Accuracy is COCO mAP
(:mod:`workbench.pad.metrics`).
"""

from __future__ import annotations

import json

import numpy as np

from workbench.datasets.video import Video, VideoConfig, make_video
from workbench.nn.device import torch_threads
from workbench.pad.detector import DetectorConfig, detect, load_detector
from workbench.pad.metrics import coco_map
from workbench.pad.pipeline import PadConfig, PadRun, full_config, pad_steps

#: Detections at or above this score are kept in the stored per-frame trace (for the frame viewer).
TRACE_SCORE = 0.3


def interleaved(video: Video, model, config: PadConfig, repeats: int) -> tuple[PadRun, PadRun]:
    """Full frame and PaD stepped alternately frame by frame, ``repeats`` times; each frame's fastest time kept."""
    full_cfg = full_config()
    fulls, pads = [], []
    for _ in range(repeats):
        pairs = list(zip(pad_steps(video, model, full_cfg), pad_steps(video, model, config)))
        fulls.append(PadRun(full_cfg, video.config.size, [a for a, _ in pairs]))
        pads.append(PadRun(config, video.config.size, [b for _, b in pairs]))
    return fastest_frames(fulls), fastest_frames(pads)


def fastest_frames(runs: list[PadRun]) -> PadRun:
    """The first run with each frame's time replaced by its fastest over the (identical, deterministic) repeats."""
    first = runs[0]
    for t, frame in enumerate(first.frames):
        frame.seconds = min(r.frames[t].seconds for r in runs)
    return first


def trace(run: PadRun) -> list[dict]:
    """Per-frame record of a run, JSON-ready: anchor, reason, margin, placements, confident boxes."""
    out = []
    for f in run.frames:
        d = f.detections
        keep = d.scores >= TRACE_SCORE
        boxes = [[*map(lambda v: round(float(v), 2), b), round(float(s), 3), int(lab)]
                 for b, s, lab in zip(d.boxes[keep], d.scores[keep], d.labels[keep])]
        plan = [] if f.plan is None else [[*p.roi, p.cx, p.cy] for p in f.plan.placements]
        out.append({"t": f.t, "anchor": bool(f.anchor), "reason": f.reason or "packed", "boxes": boxes,
                    "plan": plan, "margin": None if f.plan is None else f.plan.margin_px})
    return out


def detect_experiment(config: PadConfig, objects: int, speed_px: float, occluders: int, churn: float, cut_every: int,
                      frames: int, seed: int, detector: DetectorConfig | None = None, repeats: int = 3) -> dict:
    """Metrics of ``pad.detect`` (percentages for mAP) plus ``trace`` (a JSON string) and run details."""
    video = make_video(VideoConfig(frames=frames, objects=objects, speed_px=speed_px, occluders=occluders,
                                   churn=churn, cut_every=cut_every, seed=seed))
    model = load_detector(detector or DetectorConfig())
    with torch_threads(1):
        for side in (video.config.size, config.canvas_px):
            detect(model, np.full((1, side, side), 0.5, np.float32))
        full, pad = interleaved(video, model, config, repeats)
    acc_full = coco_map(video, full.detections)
    acc_pad = coco_map(video, pad.detections)
    return {
        "map50": 100 * acc_pad["map50"],
        "map": 100 * acc_pad["map"],
        "map50_full": 100 * acc_full["map50"],
        "map_full": 100 * acc_full["map"],
        "accuracy_drop": 100 * (acc_full["map50"] - acc_pad["map50"]),
        "mflops_per_frame": pad.flops_per_frame / 1e6,
        "flop_reduction": full.flops_per_frame / pad.flops_per_frame,
        "fps": pad.fps,
        "fps_full": full.fps,
        "throughput_gain": pad.fps / full.fps,
        "anchor_fraction": pad.anchor_fraction,
        "anchor_reasons": json.dumps(pad.reasons()),
        "trace": json.dumps(trace(pad), separators=(",", ":")),
    }
