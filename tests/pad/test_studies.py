"""PaD studies, views, manifest and reproduction: registration, agreement with the models, speed, bad input."""

import math
import time

import pandas as pd
import pytest

from workbench.core import get_study, list_studies
from workbench.core.manifest import get_manifest
from workbench.pad.reproduce import reproduce
from workbench.pad.ssd300 import ssd300_flops


def test_registered_with_manifest():
    assert {"pad.flops", "pad.detect"} <= set(list_studies(theme="pad"))
    assert get_study("pad.flops").cost == "interactive" and get_study("pad.detect").cost == "batch"
    assert get_manifest("pad").claims == ("K1", "K2")


def test_flops_study_agrees_with_ssd300_and_the_anchor_formula():
    study = get_study("pad.flops")
    r = study.evaluate(input_px=300, canvas_px=152, k=5, trigger_rate=0.25)
    full, canvas = ssd300_flops(300), ssd300_flops(152)
    anchors = (1 + 4 * 0.25) / 5
    assert r["anchor_fraction"] == pytest.approx(anchors)
    assert r["gflops_per_frame"] * 1e9 == pytest.approx(anchors * full.flops + (1 - anchors) * canvas.flops)
    assert r["tflops_full_at_fps"] == pytest.approx(1.87, rel=0.02)
    assert study.evaluate(k=1)["flop_reduction"] == pytest.approx(1.0)
    assert study.evaluate(rois=16, roi_px=100, canvas_px=152)["anchor_fraction"] == 1.0  # does not pack


def test_flops_study_answers_interactively_once_warm():
    study = get_study("pad.flops")
    study.evaluate()
    began = time.perf_counter()
    for k in (2, 5, 9):
        study.evaluate(k=k, trigger_rate=0.1)
    assert (time.perf_counter() - began) / 3 < 0.1


def test_canvas_smaller_than_the_smallest_roi_is_named():
    with pytest.raises(ValueError, match="canvas_px=64"):
        get_study("pad.flops").evaluate(canvas_px=64, roi_px=80)
    with pytest.raises(ValueError, match=r"canvas_px=64 .*canvas_px >= roi_px \(80\)"):  # a declared constraint:
        get_study("pad.flops").validate({"canvas_px": 64, "roi_px": 80})  # sweeps and bands leave the point out
    with pytest.raises(ValueError, match="k"):
        get_study("pad.flops").validate({"k": 0})


def test_quick_reproduction_has_both_claims_side_by_side():
    began = time.perf_counter()
    rows = reproduce(quick=True)
    assert time.perf_counter() - began < 20
    assert {r.claim for r in rows} == {"K1", "K2"}
    k1 = [r for r in rows if r.claim == "K1"]
    assert k1[0].within and k1[1].within and k1[2].within  # FLOPs, TFLOPS at 30 fps, the 4x at S_p = 150
    assert all(r.scale for r in rows)
    for r in rows:
        assert isinstance(r.workbench, str) or math.isfinite(r.workbench) or r.within is None


def test_k2_chooses_its_point_on_the_validation_video_and_reports_it_on_the_test_video(monkeypatch):
    from workbench.pad import reproduce as rep

    rows = []
    for seed in (rep.TEST_SEED, rep.VALIDATION_SEED):
        for k, canvas, gain, drop in ((1, 64, 1.02, 0.0), (1, 96, 0.95, 0.0), (2, 64, 1.30, 1.0), (4, 64, 1.60, 2.0),
                                      (8, 96, 2.00, 9.0)):
            if seed == rep.TEST_SEED and k == 2:
                gain, drop = 1.40, 3.0  # on the test video the validation's second choice looks best
            if seed == rep.VALIDATION_SEED and k == 4:
                gain = 1.10  # ...but on validation k = 2 wins
            rows.append({"k": k, "canvas_px": canvas, "step_px": 0, "seed": seed, "throughput_gain": gain,
                         "accuracy_drop": drop, "flop_reduction": 1.8, "map50_full": 70.0, "map50": 70.0 - drop})
    monkeypatch.setattr(rep, "_k2_points", lambda quick: (pd.DataFrame(rows), "stored"))
    gain, drop = rep._k2(quick=True)
    assert "k=2, S_p=64" in gain.note and "chosen on the validation video" in gain.note
    assert gain.workbench == 1.40 and drop.workbench == 3.0 and drop.within is False  # reported on the test video
    assert gain.within is False and "cannot pass" in gain.note  # 1.40 is within 15 % of 1.3, but not at <= 2.5 pp
    assert "null band 0.95-1.02x" in gain.note and "above the null band" in gain.note
