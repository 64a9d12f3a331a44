"""PaD views: the frame viewer, the accuracy tradeoffs, the anchor-frame timeline and SSD300 FLOPs over input size.

The detection views draw stored ``pad.detect`` points (seed results on a fresh machine): each stored point carries a
per-frame trace (anchor or packed, trigger, placements, confident boxes), and the video itself is regenerated from
its seed (deterministic), so stepping through frames never runs the detector.
"""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd

from workbench.core import Choice, Int, View
from workbench.datasets.video import CLASSES, VideoConfig, make_video
from workbench.explain.figures import TORNADO_DESCRIPTION, band_view, tornado_figure
from workbench.pad.packing import CanvasPlan, Placement, render_canvas
from workbench.pad.ssd300 import ssd300_flops
from workbench.pad.studies import DETECT, FLOPS

VIDEO_KNOBS = ("objects", "speed_px", "occluders", "churn", "cut_every", "frames", "seed")
STATUS_COLOURS = {"first": "#4c78a8", "interval": "#4c78a8", "scene change": "#e45756", "no detections": "#f58518",
                  "packing failure": "#b279a2", "packed": "#bab0ac"}


def _stored_point(frame: pd.DataFrame, params: dict) -> pd.Series | None:
    """The stored row whose knobs equal ``params`` (others at their defaults), or None."""
    if frame is None or frame.empty:
        return None
    full = DETECT.validate(params)
    match = np.ones(len(frame), bool)
    for name, value in full.items():
        if name not in frame.columns:
            return None
        match &= np.isclose(frame[name].astype(float), float(value))
    rows = frame[match]
    return None if rows.empty else rows.iloc[-1]


def _image_rows(image: np.ndarray, panel: str, block: int = 2) -> pd.DataFrame:
    """Pixels averaged over ``block`` x ``block`` as rectangles (x, y, x2, y2, grey)."""
    s = image.shape[0] // block * block
    small = image[:s, :s].reshape(s // block, block, s // block, block).mean((1, 3))
    yy, xx = np.mgrid[0:small.shape[0], 0:small.shape[1]]
    return pd.DataFrame({"panel": panel, "layer": "pixels", "x": (xx * block).ravel(), "y": (yy * block).ravel(),
                         "x2": (xx * block + block).ravel(), "y2": (yy * block + block).ravel(),
                         "grey": small.ravel().round(3), "label": ""})


def _box_rows(boxes, panel: str, layer: str, labels=None) -> pd.DataFrame:
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    names = [CLASSES[int(i)] for i in labels] if labels is not None else [""] * len(boxes)
    return pd.DataFrame({"panel": panel, "layer": layer, "x": boxes[:, 0], "y": boxes[:, 1], "x2": boxes[:, 2],
                         "y2": boxes[:, 3], "grey": np.nan, "label": names})


def _panel(rows: pd.DataFrame, side: int, title: str) -> alt.LayerChart:
    scale_x = alt.Scale(domain=[0, side], nice=False)
    scale_y = alt.Scale(domain=[0, side], nice=False, reverse=True)
    px = rows[rows["layer"] == "pixels"]
    image = alt.Chart(px).mark_rect().encode(
        x=alt.X("x:Q", scale=scale_x, title=None), x2="x2", y=alt.Y("y:Q", scale=scale_y, title=None), y2="y2",
        color=alt.Color("grey:Q", scale=alt.Scale(scheme="greys", domain=[1, 0]), legend=None))
    boxes = rows[rows["layer"] != "pixels"]
    colours = alt.Scale(domain=["ground truth", "ROI", "detection"], range=["#54a24b", "#f58518", "#4c78a8"])
    outline = alt.Chart(boxes).mark_rect(fillOpacity=0, strokeWidth=1.5).encode(
        x=alt.X("x:Q", scale=scale_x), x2="x2", y=alt.Y("y:Q", scale=scale_y), y2="y2",
        stroke=alt.Stroke("layer:N", scale=colours, title=None), tooltip=["layer", "label", "x", "y", "x2", "y2"])
    return alt.layer(image, outline, title=title).properties(width=260, height=260)


def frame_viewer(t: int, k: int, canvas_px: int, step_px: int, max_margin_px: int, frames: dict):
    """Frame ``t`` of the stored ``pad.detect`` point with these PaD knobs (video knobs at their defaults): the frame
    with ground truth, ROIs and the boxes mapped back; the packed canvas with its boxes."""
    params = {"k": k, "canvas_px": canvas_px, "step_px": step_px, "max_margin_px": max_margin_px}
    full = DETECT.validate(params)
    video = make_video(VideoConfig(**{n: full[n] for n in VIDEO_KNOBS}))
    t = min(t, len(video) - 1)
    image = video.frames[t]
    row = _stored_point(frames.get(DETECT.name), params)
    parts = [_image_rows(image, "frame"), _box_rows(video.boxes[t], "frame", "ground truth", video.labels[t])]
    if row is None:
        title = f"frame {t}: point not computed (run pad.detect at k={k}, S_p={canvas_px}); ground truth only"
        canvas_rows = None
    else:
        rec = json.loads(row["trace"])[t]
        dets = np.asarray(rec["boxes"], float).reshape(-1, 6)
        parts.append(_box_rows(dets[:, :4], "frame", "detection", dets[:, 5]))
        status = "anchor (" + rec["reason"] + ")" if rec["anchor"] else f"packed, margin {rec['margin']} px"
        title = f"frame {t}: {status}; mAP@0.5 {row['map50']:.1f}% (full frame {row['map50_full']:.1f}%)"
        canvas_rows = None
        if rec["plan"]:
            placements = tuple(Placement(tuple(p[:4]), p[4], p[5]) for p in rec["plan"])
            plan = CanvasPlan(canvas_px, placements, rec["margin"] or 0)
            parts.append(_box_rows([p.roi for p in placements], "frame", "ROI"))
            canvas_parts = [_image_rows(render_canvas(image, plan), "canvas"),
                            _box_rows([p.canvas_box for p in placements], "canvas", "ROI")]
            shifted = []
            for b in dets:
                for p in placements:
                    if p.roi[0] <= b[0] and b[2] <= p.roi[2] and p.roi[1] <= b[1] and b[3] <= p.roi[3]:
                        dx, dy = p.cx - p.roi[0], p.cy - p.roi[1]
                        shifted.append([b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy, b[5]])
                        break
            shifted = np.asarray(shifted, float).reshape(-1, 5)
            canvas_parts.append(_box_rows(shifted[:, :4], "canvas", "detection", shifted[:, 4]))
            canvas_rows = pd.concat(canvas_parts, ignore_index=True)
    frame_rows = pd.concat(parts, ignore_index=True)
    charts = [_panel(frame_rows, video.config.size, title)]
    plotted = [frame_rows]
    if canvas_rows is not None:
        charts.append(_panel(canvas_rows, canvas_px, f"packed canvas {canvas_px} x {canvas_px} px"))
        plotted.append(canvas_rows)
    return alt.hconcat(*charts), pd.concat(plotted, ignore_index=True)


def accuracy_tradeoff(x: str, frames: dict):
    """mAP@0.5 of every stored ``pad.detect`` point against FLOP reduction or measured throughput gain; the
    full-frame points (k = 1) sit at 1x; the paper's tuned point (1.3x at a 2.5 pp drop) for reference."""
    data = frames.get(DETECT.name)
    columns = ["k", "canvas_px", "step_px", "max_margin_px", "map50", "map", "accuracy_drop", "flop_reduction",
               "throughput_gain", "anchor_fraction"]
    if data is None or data.empty:
        plotted = pd.DataFrame({c: [np.nan] for c in columns}).assign(k=1, flop_reduction=1.0, throughput_gain=1.0)
    else:
        plotted = data[columns].copy()
    title = {"flop_reduction": "FLOP reduction per frame (x)", "throughput_gain": "measured throughput gain (x)"}[x]
    base = alt.Chart(plotted, title=f"PaD: accuracy vs {title}").mark_point(filled=True, size=70).encode(
        x=alt.X(f"{x}:Q", title=title, scale=alt.Scale(zero=False)),
        y=alt.Y("accuracy_drop:Q", title="mAP@0.5 drop vs full frame (pp)"),
        color=alt.Color("k:O", title="k"), shape=alt.Shape("canvas_px:N", title="S_p (px)"),
        tooltip=columns)
    layers = [base]
    if x == "throughput_gain":
        paper = pd.DataFrame({"throughput_gain": [1.3], "accuracy_drop": [2.5], "label": ["PaD tuned (paper)"]})
        layers.append(alt.Chart(paper).mark_point(shape="diamond", size=140, color="black").encode(
            x="throughput_gain:Q", y="accuracy_drop:Q", tooltip=["label"]))
    return alt.layer(*layers).properties(width=420, height=280), plotted


def anchor_timeline(canvas_px: int, step_px: int, max_margin_px: int, frames: dict):
    """For every stored k (other knobs as chosen, video at defaults): which frames were anchors and why."""
    data = frames.get(DETECT.name)
    rows = []
    if data is not None and not data.empty:
        for k in sorted(data["k"].unique()):
            row = _stored_point(data, {"k": int(k), "canvas_px": canvas_px, "step_px": step_px,
                                       "max_margin_px": max_margin_px})
            if row is None:
                continue
            for rec in json.loads(row["trace"]):
                rows.append({"k": int(k), "t": rec["t"], "status": rec["reason"], "anchor": rec["anchor"]})
    if not rows:
        rows = [{"k": 1, "t": 0, "status": "first", "anchor": True}]
    plotted = pd.DataFrame(rows)
    colours = alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values()))
    chart = alt.Chart(plotted, title=f"Anchor frames by trigger (S_p = {canvas_px} px)").mark_tick(
        thickness=3, size=14).encode(
        x=alt.X("t:Q", title="frame"), y=alt.Y("k:O", title="anchor interval k"),
        color=alt.Color("status:N", scale=colours, title="frame"), tooltip=["k", "t", "status"])
    return chart.properties(width=480, height=alt.Step(22)), plotted


def ssd300_by_size(extras: str, num_classes: int):
    """SSD300-VGG16 GFLOPs per frame against input side, split into backbone, extra layers and heads."""
    rows = []
    for side in range(100, 601, 50):
        c = ssd300_flops(side, num_classes, extras)
        for part, value in (("VGG backbone", c.backbone_flops), ("extra layers", c.extras_flops),
                            ("heads", c.heads_flops)):
            rows.append({"input_px": side, "part": part, "gflops": value / 1e9, "padded": ",".join(c.padded),
                         "dropped": ",".join(c.dropped)})
    plotted = pd.DataFrame(rows)
    chart = alt.Chart(plotted, title=f"SSD300-VGG16 FLOPs per frame (extras: {extras})").mark_area().encode(
        x=alt.X("input_px:Q", title="input side (px)"), y=alt.Y("gflops:Q", stack=True, title="GFLOP per frame"),
        color=alt.Color("part:N", title=None), tooltip=["input_px", "part", alt.Tooltip("gflops:Q", format=".3~g"),
                                                        "padded", "dropped"])
    return chart.properties(width=460, height=240), plotted


_PAD_VIEW_KNOBS = (DETECT.knob("canvas_px"), DETECT.knob("step_px"), DETECT.knob("max_margin_px"))

FRAME_VIEWER = View(
    name="pad.frame_viewer",
    theme="pad",
    func=frame_viewer,
    title="Frame viewer: ROIs, packed canvas, mapped-back boxes, ground truth",
    knobs=(Int("t", 5, low=0, high=599, help="Frame index (clamped to the video's length)."),
           DETECT.knob("k"), *_PAD_VIEW_KNOBS),
    studies=(DETECT.name,),
    description="Step through the video of a stored pad.detect point: ground truth (green), ROIs from the previous "
                "frame's detections (orange), detections mapped back to the frame (blue); right, the packed canvas "
                "the detector saw on an inter-anchor frame.",
)

TRADEOFF = View(
    name="pad.tradeoff",
    theme="pad",
    func=accuracy_tradeoff,
    title="Accuracy vs FLOPs and vs measured throughput",
    knobs=(Choice("x", "throughput_gain", options=("throughput_gain", "flop_reduction"),
                  help="Horizontal axis: measured throughput gain or FLOP reduction per frame."),),
    studies=(DETECT.name,),
    description="Every stored pad.detect point (k, S_p, expansion): mAP@0.5 drop against full-frame detection versus "
                "the FLOP reduction or the throughput measured on this CPU.",
)

ANCHOR_TIMELINE = View(
    name="pad.anchor_timeline",
    theme="pad",
    func=anchor_timeline,
    title="Anchor-frame timeline",
    knobs=_PAD_VIEW_KNOBS,
    studies=(DETECT.name,),
    description="For each stored anchor interval k: the frames run at full size and the trigger that made them "
                "anchors (interval, scene change, no detections, packing failure); grey frames were packed.",
)

SSD300_FLOPS = View(
    name="pad.ssd300_flops",
    theme="pad",
    func=ssd300_by_size,
    title="SSD300 FLOPs over input size",
    knobs=(FLOPS.knob("extras"), FLOPS.knob("num_classes")),
    description="FLOPs of SSD300-VGG16 (flop_counter on meta tensors) from 100 to 600 px: the VGG backbone grows as "
                "the input area; the extra layers are padded or dropped where the map runs out.",
)


def flops_tornado(metric: str):
    """``metric`` of SSD300 under PaD at the paper's 300 px with the anchor interval and trigger rate at the ends of
    their plausible ranges, the other at its default (:func:`workbench.explain.sensitivity.tornado`)."""
    return tornado_figure(FLOPS, metric)


FLOPS_TORNADO = View(
    name="pad.flops_tornado",
    theme="pad",
    func=flops_tornado,
    title="Which assumptions move PaD's FLOPs",
    knobs=(Choice("metric", "flop_reduction", options=tuple(FLOPS.metric_names), help="The metric explained."),),
    description=TORNADO_DESCRIPTION + " PaD's schedule is reconstructed: the anchor interval and the trigger rate "
                "are assumed (pad/studies.py).",
)

FLOPS_BAND = band_view(
    FLOPS, "pad.flops_band", x=("canvas_px", "input_px", "rois"), metric="flop_reduction",
    title="Which design differences survive PaD's schedule assumptions",
    note="The anchor interval and the trigger rate are assumed (pad/studies.py).")
