"""PaD at paper scale without running a detector: SSD300 FLOPs per frame under an anchor schedule, and ROI packing.

Average cost per frame (arXiv:1809.01701, [R] in docs/design.md § PaD): with an anchor every ``k`` frames and a fraction
``trigger_rate`` of the inter-anchor frames promoted to anchors by a trigger, the anchor fraction is
``a = (1 + (k - 1) r) / k`` and the FLOPs per frame are ``a F(input) + (1 - a) F(S_p)``, F counted on SSD300-VGG16
(:mod:`workbench.pad.ssd300`). When the ROIs do not pack unexpanded, every frame is an anchor (``a = 1``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from workbench.pad.packing import pack_sizes
from workbench.pad.ssd300 import ssd300_flops


@functools.lru_cache(maxsize=1024)
def square_packing(rois: int, roi_px: int, canvas_px: int, frame_px: int, step_px: int,
                   max_margin_px: int) -> tuple[bool, int, float]:
    """(packs unexpanded, margin reached, canvas fill) for ``rois`` squares of ``roi_px`` expanded by ``step_px``
    per side up to ``max_margin_px`` (each clipped at the frame side).

    Raises
    ------
    ValueError
        When ``canvas_px`` is smaller than the ROIs (pack_sizes names it).
    """
    best = None
    margin = 0
    while True:
        side = min(roi_px + 2 * margin, frame_px)
        if pack_sizes([(side, side)] * rois, canvas_px) is None:
            break
        best = (margin, rois * side * side / canvas_px**2)
        if step_px == 0 or margin + step_px > max_margin_px:
            break
        margin += step_px
    if best is None:
        return False, 0, 0.0
    return True, best[0], best[1]


def check_sizes(arguments: Mapping[str, Any]) -> None:
    """``pad.flops``'s joint size constraints (its ``constraints``): the canvas and an ROI fit in the full frame, and
    an ROI in the canvas (a smaller canvas could never pack one); ``ValueError`` naming the knob otherwise."""
    input_px, canvas_px, roi_px = arguments["input_px"], arguments["canvas_px"], arguments["roi_px"]
    if canvas_px > input_px:
        raise ValueError(f"canvas_px={canvas_px} is not allowed; allowed: canvas_px <= input_px ({input_px})")
    if roi_px > input_px:
        raise ValueError(f"roi_px={roi_px} is not allowed; allowed: roi_px <= input_px ({input_px})")
    if canvas_px < roi_px:
        raise ValueError(f"canvas_px={canvas_px} is not allowed: smaller than an ROI; allowed: canvas_px >= roi_px "
                         f"({roi_px})")


def pad_flops(input_px: int = 300, canvas_px: int = 152, k: int = 5, trigger_rate: float = 0.0, extras: str = "pad",
              num_classes: int = 21, fps: float = 30.0, rois: int = 4, roi_px: int = 60, step_px: int = 4,
              max_margin_px: int = 32) -> dict:
    """The ``pad.flops`` metrics (see the module docstring); ``ValueError`` naming a bad knob."""
    if k < 1:
        raise ValueError(f"k={k} is not allowed; allowed: k >= 1 (an anchor frame every k frames)")
    check_sizes({"input_px": input_px, "canvas_px": canvas_px, "roi_px": roi_px})
    full = ssd300_flops(input_px, num_classes, extras)
    canvas = ssd300_flops(canvas_px, num_classes, extras)
    packs, margin, fill = square_packing(rois, roi_px, canvas_px, input_px, step_px, max_margin_px)
    anchors = (1 + (k - 1) * trigger_rate) / k if packs else 1.0
    per_frame = anchors * full.flops + (1 - anchors) * canvas.flops
    return {
        "gflops_full": full.gflops,
        "gflops_canvas": canvas.gflops,
        "gflops_per_frame": per_frame / 1e9,
        "flop_reduction": full.flops / per_frame,
        "tflops_full_at_fps": full.flops * fps / 1e12,
        "tflops_at_fps": per_frame * fps / 1e12,
        "anchor_fraction": anchors,
        "packs": float(packs),
        "margin_px": float(margin),
        "canvas_fill": fill,
        "canvas_maps": list(canvas.map_sides),
        "canvas_padded": list(canvas.padded),
        "canvas_dropped": list(canvas.dropped),
    }
