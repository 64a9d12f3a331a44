"""The synthetic video: deterministic by seed, exact boxes, track ids, cuts, churn, occlusion, bad settings."""

import numpy as np
import pytest

from workbench.datasets.video import CLASSES, VideoConfig, make_video


def test_deterministic_by_seed_and_different_across_seeds():
    a = make_video(frames=8, objects=3, occluders=1, churn=0.1, seed=4)
    b = make_video(frames=8, objects=3, occluders=1, churn=0.1, seed=4)
    c = make_video(frames=8, objects=3, occluders=1, churn=0.1, seed=5)
    assert np.array_equal(a.frames, b.frames)
    assert all(np.array_equal(x, y) for x, y in zip(a.boxes, b.boxes))
    assert not np.array_equal(a.frames, c.frames)


@pytest.mark.parametrize("seed", range(12))
def test_box_is_the_tight_box_of_the_sprite_pixels(seed):
    """Flat background, no noise, one object: the pixels with alpha >= 0.5 are exactly those whose contrast to the
    background is at least half the object's full contrast; their bounding box is the ground-truth box."""
    v = make_video(frames=3, objects=1, texture=0.0, noise=0.0, speed_px=3.0, seed=seed)
    for t in range(len(v)):
        diff = np.abs(v.frames[t] - 0.5)
        mask = diff >= 0.5 * diff.max() - 1e-6
        ys, xs = np.nonzero(mask)
        assert np.array_equal(v.boxes[t][0], [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
        assert 0 <= v.labels[t][0] < len(CLASSES)


def test_objects_move_by_the_speed_and_stay_inside():
    v = make_video(frames=40, objects=4, speed_px=4.0, seed=1)
    for t in range(len(v)):
        b = v.boxes[t]
        assert (b[:, :2] >= 0).all() and (b[:, 2:] <= v.config.size).all()
        assert list(v.track_ids[t]) == [0, 1, 2, 3]
    step = np.abs(v.boxes[1][:, :2] - v.boxes[0][:, :2]).max(1)
    assert (step <= 4 * np.sqrt(2) + 1).all() and step.max() >= 2


def test_scene_cuts_replace_background_and_tracks():
    v = make_video(frames=25, objects=2, cut_every=10, seed=2)
    assert v.cuts == [10, 20]
    assert set(v.track_ids[9]).isdisjoint(v.track_ids[10])
    assert np.abs(v.frames[10] - v.frames[9]).mean() > 2 * np.abs(v.frames[9] - v.frames[8]).mean()


def test_churn_makes_objects_disappear_and_appear_with_new_ids():
    v = make_video(frames=60, objects=3, churn=0.1, seed=3)
    counts = [len(b) for b in v.boxes]
    assert min(counts) < 3 and max(counts) == 3
    assert max(max(ids) for ids in v.track_ids if len(ids)) > 2


def test_occluders_reduce_visibility():
    clear = make_video(frames=30, objects=3, seed=6)
    occluded = make_video(frames=30, objects=3, occluders=3, seed=6)
    assert np.mean(np.concatenate(occluded.visible)) < np.mean(np.concatenate(clear.visible))
    assert all(((v >= 0) & (v <= 1)).all() for v in occluded.visible)


def test_kinds_select_classes():
    digits = make_video(frames=2, objects=6, kind="digits", seed=0)
    shapes = make_video(frames=2, objects=6, kind="shapes", seed=0)
    assert (digits.labels[0] < 10).all() and (shapes.labels[0] >= 10).all()


@pytest.mark.parametrize("field, value", [("objects", -1), ("max_size_px", 100), ("churn", 2.0), ("kind", "cats"),
                                          ("speed_px", -1.0)])
def test_bad_settings_name_the_field(field, value):
    with pytest.raises(ValueError, match=f"VideoConfig.{field}"):
        VideoConfig(**{field: value})
