"""Regions of interest: expansion, 2-D bin packing into an S_p x S_p canvas, and mapping boxes back.

[R] PaD (arXiv:1809.01701, abstract): between anchor frames, the previous frame's detections become ROIs; the ROIs
are expanded greedily (more background context for the detector) as long as the whole set still packs, unscaled,
into one canvas of side S_p; the detector runs on the canvas and its boxes are mapped back to the frame by the
offsets of the placement. The reconstruction here:

* an ROI is a detection box rounded outwards to whole pixels and expanded by a margin ``m`` on every side (clipped
  to the frame); ROIs that overlap after expansion are merged into their union (one crop instead of two
  overlapping copies of the same pixels);
* expansion is uniform and greedy: ``m = 0, step, 2 step, ...`` up to ``max_margin_px``, keeping the last margin
  whose set still packs (packing is tried once per step; ``step = 0`` means no expansion);
* packing is ``rectpack``'s offline MaxRects best-short-side-fit with area-sorted input and no rotation (rotating
  a crop would rotate the objects) into one bin of S_p x S_p; a failure at ``m = 0`` is a packing failure
  (the caller processes the frame as an anchor);
* a box detected on the canvas belongs to the placed ROI that contains its centre (boxes whose centre lies in
  the filler are dropped), is shifted by that ROI's offset and clipped to the ROI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rectpack import PackingBin, PackingMode, newPacker
from rectpack.maxrects import MaxRectsBssf

#: Grey level of the canvas outside the placed ROIs (the background mean of the synthetic video).
FILLER = 0.5


@dataclass(frozen=True)
class Placement:
    """One ROI placed on the canvas: ``roi`` = (x1, y1, x2, y2) in the frame (ints, x2/y2 exclusive) and its top-left
    corner ``(cx, cy)`` on the canvas."""

    roi: tuple[int, int, int, int]
    cx: int
    cy: int

    @property
    def width(self) -> int:
        return self.roi[2] - self.roi[0]

    @property
    def height(self) -> int:
        return self.roi[3] - self.roi[1]

    @property
    def canvas_box(self) -> tuple[int, int, int, int]:
        return self.cx, self.cy, self.cx + self.width, self.cy + self.height


@dataclass(frozen=True)
class CanvasPlan:
    """A packed canvas: its side, the placements, and the margin the ROIs were expanded by."""

    canvas_px: int
    placements: tuple[Placement, ...]
    margin_px: int

    @property
    def fill(self) -> float:
        """Fraction of the canvas covered by ROIs."""
        return sum(p.width * p.height for p in self.placements) / self.canvas_px**2


def pack_sizes(sizes: list[tuple[int, int]], canvas_px: int) -> list[tuple[int, int]] | None:
    """Top-left corners that pack rectangles ``(w, h)`` into a ``canvas_px`` square without overlap, or None.

    Raises
    ------
    ValueError
        When ``canvas_px`` is smaller than the smallest rectangle (nothing could ever be packed).
    """
    if not sizes:
        return []
    smallest = min(sizes, key=lambda s: s[0] * s[1])
    if canvas_px < 1 or min(smallest) < 1 or canvas_px < max(smallest):
        raise ValueError(f"canvas_px={canvas_px} is not allowed: smaller than the smallest ROI "
                         f"({smallest[0]} x {smallest[1]} px); allowed: canvas_px >= {max(smallest)}")
    if any(w > canvas_px or h > canvas_px for w, h in sizes):
        return None
    if sum(w * h for w, h in sizes) > canvas_px**2:
        return None
    packer = newPacker(mode=PackingMode.Offline, bin_algo=PackingBin.BFF, pack_algo=MaxRectsBssf, rotation=False)
    for i, (w, h) in enumerate(sizes):
        packer.add_rect(w, h, rid=i)
    packer.add_bin(canvas_px, canvas_px)
    packer.pack()
    placed = packer.rect_list()
    if len(placed) != len(sizes):
        return None
    corners: list[tuple[int, int] | None] = [None] * len(sizes)
    for _, x, y, w, h, rid in placed:
        assert (w, h) == sizes[rid]
        corners[rid] = (int(x), int(y))
    return corners  # type: ignore[return-value]


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def merge_overlapping(rois: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Replace every group of overlapping boxes by its union, until no two overlap (order: by first member)."""
    rois = [tuple(r) for r in rois]
    changed = True
    while changed:
        changed = False
        out: list[tuple[int, int, int, int]] = []
        for r in rois:
            for i, o in enumerate(out):
                if _overlap(r, o):
                    out[i] = (min(r[0], o[0]), min(r[1], o[1]), max(r[2], o[2]), max(r[3], o[3]))
                    changed = True
                    break
            else:
                out.append(r)
        rois = out
    return rois  # type: ignore[return-value]


def rois_from_boxes(boxes: np.ndarray, margin_px: int, frame_px: int) -> list[tuple[int, int, int, int]]:
    """Whole-pixel ROIs: each box rounded outwards, grown by ``margin_px`` per side, clipped, overlaps merged."""
    rois = []
    for x1, y1, x2, y2 in np.asarray(boxes, float).reshape(-1, 4):
        r = (max(0, int(np.floor(x1)) - margin_px), max(0, int(np.floor(y1)) - margin_px),
             min(frame_px, int(np.ceil(x2)) + margin_px), min(frame_px, int(np.ceil(y2)) + margin_px))
        if r[2] > r[0] and r[3] > r[1]:
            rois.append(r)
    return merge_overlapping(rois)


def plan_canvas(boxes: np.ndarray, frame_px: int, canvas_px: int, step_px: int = 4,
                max_margin_px: int = 16) -> CanvasPlan | None:
    """Expand the ROIs of ``boxes`` greedily (see the module docstring) and pack them; None on packing failure.

    Raises
    ------
    ValueError
        For a negative ``step_px`` or ``max_margin_px``, or ``canvas_px`` smaller than the smallest ROI.
    """
    for name, value in (("step_px", step_px), ("max_margin_px", max_margin_px)):
        if value < 0:
            raise ValueError(f"{name}={value} is not allowed; allowed: >= 0")
    best = None
    margin = 0
    while True:
        rois = rois_from_boxes(boxes, margin, frame_px)
        if not rois:
            return None
        try:
            corners = pack_sizes([(r[2] - r[0], r[3] - r[1]) for r in rois], canvas_px)
        except ValueError:
            if margin == 0:
                raise
            corners = None  # an expanded (merged) ROI outgrew the canvas: stop expanding
        if corners is None:
            break
        best = CanvasPlan(canvas_px, tuple(Placement(r, cx, cy) for r, (cx, cy) in zip(rois, corners)), margin)
        if step_px == 0 or margin + step_px > max_margin_px:
            break
        margin += step_px
    return best


def render_canvas(frame: np.ndarray, plan: CanvasPlan, filler: float = FILLER) -> np.ndarray:
    """The canvas image: ``filler`` everywhere, each ROI's pixels copied unscaled to its placement."""
    canvas = np.full((plan.canvas_px, plan.canvas_px), filler, dtype=frame.dtype)
    for p in plan.placements:
        x1, y1, x2, y2 = p.roi
        canvas[p.cy:p.cy + p.height, p.cx:p.cx + p.width] = frame[y1:y2, x1:x2]
    return canvas


def map_back(boxes: np.ndarray, plan: CanvasPlan) -> tuple[np.ndarray, np.ndarray]:
    """Canvas boxes -> frame boxes; returns ``(frame boxes [m, 4], index of each kept box in the input)``.

    A box is assigned to the placement containing its centre, shifted by that placement's offset and clipped to its
    ROI; boxes centred in the filler are dropped.
    """
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    out, keep = [], []
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    for i in range(len(boxes)):
        for p in plan.placements:
            a = p.canvas_box
            if a[0] <= cx[i] < a[2] and a[1] <= cy[i] < a[3]:
                dx, dy = p.roi[0] - p.cx, p.roi[1] - p.cy
                b = boxes[i] + np.array([dx, dy, dx, dy], np.float32)
                b[[0, 2]] = np.clip(b[[0, 2]], p.roi[0], p.roi[2])
                b[[1, 3]] = np.clip(b[[1, 3]], p.roi[1], p.roi[3])
                out.append(b)
                keep.append(i)
                break
    return np.asarray(out, np.float32).reshape(-1, 4), np.asarray(keep, int)
