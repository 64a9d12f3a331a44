import threading

import pytest
from sample_studies import LENS, SLOW

from workbench.core.progress import Cancelled, track
from workbench.core.runner import evaluate_frame, run_points, validate_points


def test_validate_points_once_and_skip_the_infeasible():
    points = [{"aperture_mm": 5.0}, {"aperture_mm": 60.0, "focal_mm": 50.0}, {"focal_mm": 100.0}]
    valid, skipped = validate_points(LENS, points, skip_invalid=True)
    assert [p["aperture_mm"] for p in valid] == [5.0, 10.0] and valid[1]["focal_mm"] == 100.0
    assert len(skipped) == 1 and "aperture must not exceed" in skipped[0]
    with pytest.raises(ValueError, match="aperture must not exceed"):
        validate_points(LENS, points)


def test_evaluate_frame_keeps_the_order_and_agrees_with_evaluate():
    points = [{"aperture_mm": a} for a in (8.0, 2.0, 4.0)]
    frame, skipped = evaluate_frame(LENS, points)
    assert skipped == [] and frame["aperture_mm"].tolist() == [8.0, 2.0, 4.0]
    for row in frame.to_dict("records"):
        assert row["brightness"] == pytest.approx(LENS.evaluate(aperture_mm=row["aperture_mm"])["brightness"])


@pytest.mark.parametrize("executor", ["serial", "processes:2"])
def test_run_points_gives_the_same_metrics_on_every_executor(executor):
    points, _ = validate_points(LENS, [{"aperture_mm": a} for a in (1.0, 3.0, 9.0)])
    results = dict(run_points(LENS, points, executor=executor))
    assert sorted(results) == [0, 1, 2]
    assert [results[i].metrics["f_number"] for i in range(3)] == pytest.approx([50.0, 50 / 3, 50 / 9])


def _fails(aperture_mm, focal_mm, coating, stabilised, seed):
    return {"brightness": 1 / (aperture_mm - 5.0), "weight_g": 1.0, "f_number": 1.0}


def test_a_failing_point_is_named_with_its_error():
    from dataclasses import replace

    study = replace(LENS, name="runner.fails", func=_fails)
    assert evaluate_frame(study, [{"aperture_mm": 4.0}])[0]["brightness"].tolist() == [-1.0]
    with pytest.raises(RuntimeError, match=r"runner.fails.*'aperture_mm': 5.0.*ZeroDivisionError"):
        evaluate_frame(study, [{"aperture_mm": 4.0}, {"aperture_mm": 5.0}])


def _steps(x: float, delay_s: float) -> dict:
    for _ in track(range(3), description="steps"):
        pass
    return {"square": x * x, "root": x ** 0.5}


def test_serial_progress_and_cancel_reach_the_model_loops():
    from dataclasses import replace

    study = replace(SLOW, name="runner.steps", func=_steps)
    points, _ = validate_points(study, [{"x": 4.0}])
    seen = []
    list(run_points(study, points, on_progress=lambda done, total, what: seen.append((done, total, what))))
    assert seen == [(0, 3, "steps"), (1, 3, "steps"), (2, 3, "steps"), (3, 3, "steps")]
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        list(run_points(study, points, cancel=cancel))
