"""Pack and Detect over a video: k = 1 is full-frame detection exactly, anchors and triggers, exact mapping with a
fake detector, bad input."""

import numpy as np
import pytest
import torch
from pad.fakes import blank_detector, blob_detector

from workbench.datasets.video import make_video
from workbench.pad.detector import TinySSD, detect
from workbench.pad.pipeline import PadConfig, run_full, run_pad


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _flat(**kw):
    return make_video(**{"frames": 20, "objects": 3, "kind": "shapes", "texture": 0.0, "noise": 0.0,
                         "speed_px": 2.0, **kw})


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    return TinySSD(width=4).eval()


def test_k1_equals_full_frame_detection_exactly(tiny):
    video = make_video(frames=6, objects=3, seed=1)
    pad = run_pad(video, tiny, PadConfig(k=1, canvas_px=64))
    full = run_full(video, tiny)
    direct = [detect(tiny, f)[0] for f in video.frames]
    assert all(f.anchor for f in pad.frames) and pad.anchor_fraction == 1.0
    for a, b, c in zip(pad.detections, full.detections, direct):
        assert len(a) == len(c) > 0
        assert np.array_equal(a.boxes, c.boxes) and np.array_equal(a.scores, c.scores)
        assert np.array_equal(a.labels, b.labels) and np.array_equal(a.boxes, b.boxes)
    assert pad.flops_per_frame == full.flops_per_frame


def test_anchors_every_k_frames_and_exact_boxes_in_between():
    video = _flat(seed=3)
    run = run_pad(video, None, PadConfig(k=5, canvas_px=64, step_px=2, max_margin_px=8), detect_fn=blob_detector)
    anchors = [f.t for f in run.frames if f.anchor]
    assert anchors == [0, 5, 10, 15]
    assert run.reasons()["interval"] == 3 and run.reasons()["first"] == 1
    for f in run.frames:
        if not f.anchor:
            assert f.plan is not None and f.plan.canvas_px == 64
    separate = 0
    for t, det in enumerate(run.detections):  # the blob detector finds objects exactly when they do not touch
        gt = video.boxes[t]
        grown = np.hstack([gt[:, :2] - 1, gt[:, 2:] + 1])
        touching = any(_overlap(grown[i], grown[j]) for i in range(len(gt)) for j in range(i + 1, len(gt)))
        if not touching:
            separate += 1
            assert np.array_equal(det.boxes[np.lexsort(det.boxes.T[::-1])], gt[np.lexsort(gt.T[::-1])]), t
    assert separate >= 10
    assert run.flops_per_frame < run_full(video, None, detect_fn=blob_detector).flops_per_frame


def test_scene_change_triggers_an_anchor():
    video = _flat(seed=4, frames=16, cut_every=7, texture=0.2)
    run = run_pad(video, None, PadConfig(k=100, canvas_px=64), detect_fn=blob_detector)
    reasons = {f.t: f.reason for f in run.frames if f.anchor}
    assert reasons[7] == "scene change" and reasons[14] == "scene change"


def test_no_detections_trigger_anchors():
    run = run_pad(_flat(seed=5, frames=5), None, PadConfig(k=10, canvas_px=64), detect_fn=blank_detector)
    assert [f.reason for f in run.frames] == ["first"] + ["no detections"] * 4


def test_packing_failure_triggers_an_anchor():
    video = _flat(seed=6, frames=4, objects=4, min_size_px=22, max_size_px=26)
    run = run_pad(video, None, PadConfig(k=10, canvas_px=32), detect_fn=blob_detector)
    assert {f.reason for f in run.frames[1:]} == {"packing failure"}


@pytest.mark.parametrize("kwargs, name", [({"k": 0}, "k=0"), ({"canvas_px": 50}, "canvas_px=50"),
                                          ({"canvas_px": 16}, "canvas_px=16"), ({"step_px": -1}, "step_px")])
def test_bad_settings_name_the_knob(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PadConfig(**kwargs)


def test_canvas_larger_than_the_frame_and_bad_detector_input(tiny):
    with pytest.raises(ValueError, match="canvas_px=160"):
        run_pad(make_video(frames=2), tiny, PadConfig(canvas_px=160))
    with pytest.raises(ValueError, match="input_px=50"):
        detect(tiny, np.zeros((50, 50), np.float32))
