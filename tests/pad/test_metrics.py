"""COCO mAP through pycocotools: perfect, empty, shifted, and ignored (mostly hidden) ground truth."""

import numpy as np
import pytest

from workbench.datasets.video import make_video
from workbench.pad.detector import Detections
from workbench.pad.metrics import coco_map


def _perfect(video, shift=0.0):
    return [Detections(b + shift, np.full(len(b), 0.9, np.float32), lab) for b, lab in
            zip(video.boxes, video.labels)]


def test_perfect_detections_score_one_and_none_score_zero():
    video = make_video(frames=5, objects=3, seed=0)
    assert coco_map(video, _perfect(video)) == {"map50": pytest.approx(1.0), "map": pytest.approx(1.0)}
    assert coco_map(video, [Detections.empty()] * 5) == {"map50": 0.0, "map": 0.0}


def test_a_shift_hurts_strict_iou_before_loose():
    video = make_video(frames=5, objects=3, seed=0)
    shifted = coco_map(video, _perfect(video, shift=3.0))
    assert shifted["map"] < shifted["map50"] <= 1.0
    wrong = [Detections(d.boxes, d.scores, (d.labels + 1) % 13) for d in _perfect(video)]
    assert coco_map(video, wrong)["map50"] == 0.0


def test_mostly_hidden_objects_are_ignored():
    video = make_video(frames=30, objects=3, occluders=3, seed=2)
    hidden = sum(int((v < 0.5).sum()) for v in video.visible)
    assert hidden > 0
    only_visible = [Detections(d.boxes[v >= 0.5], d.scores[v >= 0.5], d.labels[v >= 0.5])
                    for d, v in zip(_perfect(video), video.visible)]
    assert coco_map(video, only_visible)["map50"] == pytest.approx(1.0)


def test_frame_count_mismatch_is_an_error():
    with pytest.raises(ValueError, match="detections has 1 frames"):
        coco_map(make_video(frames=2), [Detections.empty()])
