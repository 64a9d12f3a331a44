"""TinySSD: input sizes, box coding, matching, NMS, FLOP counts, a tiny real training run, the weight cache."""

import numpy as np
import pytest
import torch

from workbench.datasets.video import make_video
from workbench.pad.detector import (
    DetectorConfig,
    TinySSD,
    box_iou,
    decode,
    default_boxes,
    detect,
    detector_flops,
    encode,
    load_detector,
    match,
    nms,
    save_detector,
    train_detector,
    weights_path,
)
from workbench.pad.metrics import coco_map


@pytest.mark.parametrize("side", [32, 64, 96, 128, 160])
def test_heads_tile_every_accepted_input_size(side):
    model = TinySSD(width=4).eval()
    loc, conf = model(torch.zeros(2, 1, side, side))
    assert loc.shape == (2, len(default_boxes(side)), 4) and conf.shape[:2] == loc.shape[:2]
    assert len(detect(model, np.zeros((side, side), np.float32))) == 1


@pytest.mark.parametrize("side", [16, 40, 100, 127])
def test_an_input_size_the_detector_cannot_take_is_named(side):
    with pytest.raises(ValueError, match=f"input_px={side} is an input size the detector cannot take"):
        detect(TinySSD(width=4), np.zeros((side, side), np.float32))


def test_encode_decode_round_trip_and_matching():
    anchors = default_boxes(64)
    gt = torch.tensor([[10.0, 12.0, 30.0, 40.0]]).expand(len(anchors), 4)
    similar = ((torch.tensor([20.0, 28.0]) / anchors[:, 2:]).log().abs() < 0.7).all(1)  # decode caps w/h ratios
    assert similar.sum() > 10
    assert torch.allclose(decode(encode(gt, anchors), anchors)[similar], gt[similar], atol=1e-4)
    boxes = torch.tensor([[5.0, 5.0, 19.0, 21.0], [40.0, 30.0, 60.0, 58.0]])
    t_loc, t_cls = match(boxes, torch.tensor([3, 11]), anchors)
    assert set(t_cls.unique().tolist()) == {0, 4, 12}
    best = box_iou(boxes, torch.cat([anchors[:, :2] - anchors[:, 2:] / 2, anchors[:, :2] + anchors[:, 2:] / 2], 1))
    assert t_cls[best.argmax(1)].tolist() == [4, 12]  # each ground truth owns its best default box


def test_nms_suppresses_overlaps_only():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], np.float32)
    assert list(nms(boxes, np.array([0.9, 0.8, 0.7]))) == [0, 2]


def test_flops_scale_with_the_input_area():
    assert detector_flops(128) / detector_flops(64) == pytest.approx(4.0, rel=0.02)
    assert detector_flops(128) == pytest.approx(85.2e6, rel=0.01)


def test_a_tiny_training_run_learns_and_the_cache_round_trips(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    config = DetectorConfig(width=8, iterations=40, batch=8, train_videos=2, frame_px=64, lr=5e-3)
    with pytest.raises(FileNotFoundError, match="workbench regenerate pad"):
        load_detector(config, train=False)
    model, log = train_detector(config, progress=False)
    assert log["last_loss"] < 0.7 * log["first_loss"]
    path = save_detector(model, config, log)
    assert path == weights_path(config) and path.is_relative_to(tmp_path / "results" / "pad")
    loaded = load_detector(config, train=False)
    x = torch.rand(1, 1, 64, 64)
    assert torch.equal(loaded(x)[1], model.eval()(x)[1])


@pytest.mark.slow
@pytest.mark.parametrize("side", [96, 128, 160])
def test_the_cached_detector_finds_objects_at_several_input_sizes(side):
    """The default detector (trained once, minutes, then cached) on held-out videos of three frame sizes."""
    model = load_detector()
    video = make_video(frames=20, size=side, objects=3, seed=123)
    dets = [detect(model, f)[0] for f in video.frames]
    assert coco_map(video, dets)["map50"] > 0.7
