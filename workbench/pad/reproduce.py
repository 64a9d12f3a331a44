"""PaD headline claims (K1, K2 in ``data/reference/claims.csv``) recomputed by the workbench, side by side.

K1 at paper scale: SSD300-VGG16 built in torch and counted by ``torch.utils.flop_counter`` on meta tensors (no
weights), at 300 px and at a 150 px canvas. K2 at workbench scale: the TinySSD trained here on synthetic 128 px video,
full-frame detection vs Pack and Detect over the ``pad.detect`` grid, mAP by pycocotools, throughput measured on this
CPU. ``quick`` reads the stored ``pad.detect`` points (the seed results) instead of running the detector.
"""

from __future__ import annotations

import pandas as pd

from workbench.core.manifest import paper_value
from workbench.core.reproduce import ClaimResult, range_claim, relative_claim
from workbench.explain.breakeven import ClaimQuantity
from workbench.pad.analytic import pad_flops
from workbench.pad.ssd300 import PUBLISHED_GMACS_300, ssd300_flops

SSD_POINT = "SSD300 at 30 fps (paper)"
PAD_POINT = "PaD tuned (paper)"
SCALE_K1 = "SSD300-VGG16, 21 classes, flop_counter on meta tensors (2 FLOPs per MAC; ReLU, pooling, NMS not counted)"
#: The grid `workbench sweep pad.detect` runs for the seed results and for K2 (kept small: seconds per point).
K2_GRID = {"k": (1, 2, 4, 8), "canvas_px": (64, 96), "step_px": (0, 4)}
SCALE_K2 = ("TinySSD (85 MFLOP at 128 px) trained here on synthetic video; 128 px frames, 3 moving digits/shapes "
            "(churn 0.02 per frame, a scene cut every 30 frames), "
            "60 frames, seed 0; 1 torch thread on this CPU; grid k in {1,2,4,8}, S_p in {64,96}, step in {0,4} px")


def _k1_average_point(side: int) -> dict:
    """The ``pad.flops`` point of K1's averaged row: an S_p = side / 2 canvas, an anchor every 5 frames, one small
    ROI (it packs, so inter-anchor frames run on the canvas)."""
    return {"input_px": side, "canvas_px": side // 2, "k": 5, "rois": 1, "roi_px": 8}


def explained() -> list[ClaimQuantity]:
    """K1's averaged FLOP reduction as the ``pad.flops`` metric, for ``workbench explain`` (the anchor interval and
    the trigger rate are the assumed knobs)."""
    factor = paper_value("pad", "flop_reduction")
    side = int(paper_value("pad", "input_px", label=SSD_POINT))
    return [ClaimQuantity("K1", "FLOP reduction per frame averaged with an anchor every k = 5 frames (x)", "pad.flops",
                          "flop_reduction", factor, factor, _k1_average_point(side), rel_tol=0.15)]


def _k1() -> list[ClaimResult]:
    tflops = paper_value("pad", "tflops_full_at_fps", label=SSD_POINT)
    fps = paper_value("pad", "fps", label=SSD_POINT)
    side = int(paper_value("pad", "input_px", label=SSD_POINT))
    full = ssd300_flops(side)
    half = ssd300_flops(side // 2)
    at_k5 = pad_flops(**_k1_average_point(side))
    factor = paper_value("pad", "flop_reduction")
    return [
        relative_claim("K1", "SSD300 FLOPs per frame at 300 px (GFLOP)", tflops * 1e3 / fps, full.gflops, 0.02,
                       scale=SCALE_K1,
                       note=f"paper number derived as {tflops:g} TFLOPS / {fps:g} fps; {full.gmacs:.2f} GMAC vs the "
                            f"published {PUBLISHED_GMACS_300} GMAC (torchvision ssd300_vgg16 at 21 classes): "
                            f"{full.gmacs / PUBLISHED_GMACS_300 - 1:+.1%}; VGG backbone {full.backbone_flops / 2e9:.1f}"
                            f" GMAC, extras {full.extras_flops / 2e9:.2f}, heads {full.heads_flops / 2e9:.2f}"),
        relative_claim("K1", "SSD300 at 30 fps (TFLOPS)", tflops, full.flops * fps / 1e12, 0.02, scale=SCALE_K1,
                       note="FLOPs per frame x 30 fps"),
        relative_claim("K1", f"FLOP reduction of an inter-anchor frame, S_p = {side // 2} px (x)", factor,
                       full.flops / half.flops, 0.15, scale=SCALE_K1,
                       note=f"passes by construction: VGG FLOPs scale with the input area, ({side}/{side // 2})^2 = "
                            f"4; at {side // 2} px the extras run out of map and are padded "
                            f"({', '.join(half.padded)})"),
        relative_claim("K1", "FLOP reduction per frame averaged with an anchor every k = 5 frames (x)", factor,
                       at_k5["flop_reduction"], 0.15, scale=SCALE_K1 + "; no trigger anchors",
                       note="the anchors dilute the canvas's 4x: [F(300) + (k-1) F(150)] / k gives "
                            f"{at_k5['flop_reduction']:.2f}x at k = 5; the paper's 4x is the k -> infinity limit "
                            "('can potentially reduce')"),
    ]


def _k2_points(quick: bool) -> tuple[pd.DataFrame, str]:
    from workbench.core.registry import get_study
    from workbench.core.store import ResultStore
    from workbench.core.sweep import grid_points

    study = get_study("pad.detect")
    points = grid_points(study, {k: list(v) for k, v in K2_GRID.items()})
    store = ResultStore()
    rows = []
    for p in points:
        got = store.get(study, p, validated=True)
        if got is None and not quick:
            got = study.run(p)
            store.put(study, p, got, validated=True)
        if got is not None:
            rows.append({**p, **got})
    return pd.DataFrame(rows), ("stored points (seed results)" if quick else "points run now or stored")


def _k2(quick: bool) -> list[ClaimResult]:
    gain_paper = paper_value("pad", "throughput_gain", label=PAD_POINT)
    drop_paper = paper_value("pad", "accuracy_drop", label=PAD_POINT)
    frame, source = _k2_points(quick)
    if frame.empty or "throughput_gain" not in frame:
        return [ClaimResult("K2", "throughput gain at <= 2.5 pp mAP@0.5 drop (x)", gain_paper, float("nan"),
                            "+-15%", None, SCALE_K2,
                            "no stored pad.detect points: run `workbench sweep pad.detect --grid k=1,2,4,8 "
                            "--grid canvas_px=64,96 --grid step_px=0,4` (trains the detector once, minutes)")]
    packed = frame[frame["k"] > 1]
    ok = packed[packed["accuracy_drop"] <= drop_paper]
    best = ok.loc[ok["throughput_gain"].idxmax()] if not ok.empty else packed.loc[packed["accuracy_drop"].idxmin()]
    where = (f"k={int(best['k'])}, S_p={int(best['canvas_px'])}, step={int(best['step_px'])} px "
             f"({len(frame)} {source})")
    same = frame[frame["k"] == 1]["throughput_gain"]  # identical work on both sides: the timing noise floor
    noise = f"; timing noise: the k = 1 points (same work twice) measured {same.min():.2f}-{same.max():.2f}x" \
        if len(same) else ""
    gap = ("smaller" if best["throughput_gain"] < best["flop_reduction"] else "not smaller")
    return [
        relative_claim("K2", f"throughput gain at <= {drop_paper:g} pp mAP@0.5 drop (x)", gain_paper,
                       float(best["throughput_gain"]), 0.15, scale=SCALE_K2, measured=True,
                       note=f"best such point: {where}; its FLOP reduction is {best['flop_reduction']:.2f}x and the "
                            f"measured gain is {gap}: per-frame costs that do not shrink with the canvas (Python "
                            "dispatch, decoding and NMS, packing, rendering) stay, and small convolutions run at "
                            f"lower arithmetic efficiency{noise}"),
        range_claim("K2", "mAP@0.5 drop at that point (pp)", 0.0, drop_paper, float(best["accuracy_drop"]),
                    scale=SCALE_K2,
                    note=f"within by selection (the point is chosen among drops <= {drop_paper:g} pp); full frame "
                         f"{best['map50_full']:.1f}% -> PaD {best['map50']:.1f}% mAP@0.5; the paper's '2.5%' is read "
                         "as mAP points"),
        ClaimResult("K2", "largest throughput gain on the grid, any accuracy (x)", gain_paper,
                    float(packed["throughput_gain"].max()), "n/a", None, SCALE_K2,
                    note="context: what the grid reaches without the accuracy constraint", measured=True),
    ]


def reproduce(quick: bool = False) -> list[ClaimResult]:
    """Paper vs workbench for K1 (analytic, milliseconds) and K2 (stored points when ``quick``, else run now)."""
    return _k1() + _k2(quick)
