"""PaD headline claims (K1, K2 in ``data/reference/claims.csv``) recomputed by the workbench, side by side.

K1 at paper scale: SSD300-VGG16 built in torch and counted by ``torch.utils.flop_counter`` on meta tensors (no
weights), at 300 px and at a 150 px canvas. K2 at workbench scale: the TinySSD trained here on synthetic 128 px video,
full-frame detection vs Pack and Detect over the ``pad.detect`` grid, mAP by pycocotools, throughput measured on this
CPU. The operating point is chosen on a validation video (video seed :data:`VALIDATION_SEED`: the largest measured
gain within the paper's accuracy drop) and reported on the test video (seed :data:`TEST_SEED`), where its gain is the
median of :data:`REPEATS` fresh measurements, next to the null test: full frame vs PaD at k = 1 (the same work twice)
measured as often, whose spread is the timing noise. ``quick`` reads the stored ``pad.detect`` points (the seed
results: one measurement per point, the k = 1 points of the grid as the null test) instead of running the detector.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from workbench.core.manifest import paper_value
from workbench.core.reproduce import ClaimResult, range_claim, relative_claim
from workbench.explain.breakeven import ClaimQuantity
from workbench.pad.analytic import pad_flops
from workbench.pad.ssd300 import PUBLISHED_GMACS_300, ssd300_flops

SSD_POINT = "SSD300 at 30 fps (paper)"
PAD_POINT = "PaD tuned (paper)"
SCALE_K1 = "SSD300-VGG16, 21 classes, flop_counter on meta tensors (2 FLOPs per MAC; ReLU, pooling, NMS not counted)"
#: Video seeds: the operating point is chosen on the validation video and reported on the test video.
VALIDATION_SEED, TEST_SEED = 1, 0
#: The grid `workbench sweep pad.detect` runs for the seed results and for K2 (kept small: seconds per point).
K2_GRID = {"k": (1, 2, 4, 8), "canvas_px": (64, 96), "step_px": (0, 4), "seed": (TEST_SEED, VALIDATION_SEED)}
#: Fresh measurements of the chosen point and of the null test on the test video (full run).
REPEATS = 7
SCALE_K2 = ("TinySSD (85 MFLOP at 128 px) trained here on synthetic video; 128 px frames, 3 moving digits/shapes "
            "(churn 0.02 per frame, a scene cut every 30 frames), "
            "60 frames; 1 torch thread on this CPU; grid k in {1,2,4,8}, S_p in {64,96}, step in {0,4} px; chosen on "
            f"video seed {VALIDATION_SEED}, reported on video seed {TEST_SEED}")


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


def _remeasured(row: pd.Series, repeats: int) -> list[float]:
    """Throughput gains of ``repeats`` fresh runs of the ``pad.detect`` point of a stored ``row`` (nothing stored)."""
    from workbench.core.registry import get_study

    study = get_study("pad.detect")
    point = {k: row[k].item() if hasattr(row[k], "item") else row[k] for k in study.knob_names}
    full = study.validate(point)
    return [float(study.run(full)["throughput_gain"]) for _ in range(repeats)]


def _k2(quick: bool) -> list[ClaimResult]:
    gain_paper = paper_value("pad", "throughput_gain", label=PAD_POINT)
    drop_paper = paper_value("pad", "accuracy_drop", label=PAD_POINT)
    frame, source = _k2_points(quick)
    if frame.empty or "throughput_gain" not in frame or set(frame["seed"]) != {TEST_SEED, VALIDATION_SEED}:
        return [ClaimResult("K2", "throughput gain at <= 2.5 pp mAP@0.5 drop (x)", gain_paper, float("nan"),
                            "+-15%", None, SCALE_K2,
                            "no stored pad.detect points: run `workbench sweep pad.detect --grid k=1,2,4,8 "
                            "--grid canvas_px=64,96 --grid step_px=0,4 --grid seed=0,1` (trains the detector once, "
                            "minutes)")]
    validation, test = (frame[frame["seed"] == s] for s in (VALIDATION_SEED, TEST_SEED))
    packed = validation[validation["k"] > 1]
    ok = packed[packed["accuracy_drop"] <= drop_paper]
    chosen = ok.loc[ok["throughput_gain"].idxmax()] if not ok.empty else packed.loc[packed["accuracy_drop"].idxmin()]
    knobs = ("k", "canvas_px", "step_px")
    at_test = test[np.logical_and.reduce([test[k] == chosen[k] for k in knobs])].iloc[0]
    null_point = test[test["k"] == 1].iloc[0]
    if quick:
        gains, null = [float(at_test["throughput_gain"])], test[test["k"] == 1]["throughput_gain"].tolist()
        how, how_null = "one stored measurement (quick)", f"the {len(null)} stored k = 1 points"
    else:
        gains, null = _remeasured(at_test, REPEATS), _remeasured(null_point, REPEATS)
        how, how_null = f"{REPEATS} fresh measurements", f"k = 1 measured {REPEATS} times"
    gain = float(np.median(gains))
    low, high = min(null), max(null)
    where = (f"k={int(chosen['k'])}, S_p={int(chosen['canvas_px'])}, step={int(chosen['step_px'])} px, chosen on the "
             f"validation video (gain {chosen['throughput_gain']:.2f}x, drop {chosen['accuracy_drop']:.1f} pp there; "
             f"{len(frame)} {source})")
    noise = (f"inside the null band {low:.2f}-{high:.2f}x ({how_null}, the same work twice): not distinguishable "
             "from no gain" if gain <= high else
             f"above the null band {low:.2f}-{high:.2f}x ({how_null}, the same work twice)")
    drop_test = float(at_test["accuracy_drop"])
    kept = drop_test <= drop_paper
    accuracy = ("" if kept else f" The point's drop on the test video is {drop_test:.1f} pp, above the "
                f"{drop_paper:g} pp bound, so this gain is not at the paper's accuracy and the row cannot pass.")
    gap = "smaller" if gain < at_test["flop_reduction"] else "not smaller"
    row = relative_claim("K2", f"throughput gain at <= {drop_paper:g} pp mAP@0.5 drop, test video (x)", gain_paper,
                         gain, 0.15, scale=SCALE_K2, measured=True,
                         note=f"{where}; on the test video {how}: {', '.join(f'{g:.2f}' for g in gains)}x, median "
                              f"{gain:.2f}x, {noise}.{accuracy} Its FLOP reduction is "
                              f"{at_test['flop_reduction']:.2f}x and the measured gain is {gap}: per-frame costs that "
                              "do not shrink with the canvas (Python dispatch, decoding and NMS, packing, rendering) "
                              "stay, and small convolutions run at lower arithmetic efficiency")
    return [
        row if kept else replace(row, within=False),
        range_claim("K2", "mAP@0.5 drop at that point, test video (pp)", 0.0, drop_paper,
                    float(at_test["accuracy_drop"]), scale=SCALE_K2,
                    note=f"the point was chosen on the validation video, so this is not within by selection; full "
                         f"frame {at_test['map50_full']:.1f}% -> PaD {at_test['map50']:.1f}% mAP@0.5; the paper's "
                         "'2.5%' is read as mAP points"),
    ]


def reproduce(quick: bool = False) -> list[ClaimResult]:
    """Paper vs workbench for K1 (analytic, milliseconds) and K2 (stored points when ``quick``, else run now)."""
    return _k1() + _k2(quick)
