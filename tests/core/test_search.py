import itertools

import numpy as np
import pytest
from sample_studies import LENS

from workbench.core.pareto import pareto_mask
from workbench.core.search import SearchReport, hypervolume, parse_objectives, run_search


def _brute_hypervolume(points, reference, directions, grid=400):
    """Monte-Carlo-free check on a fine grid: the fraction of cells dominated (2-D)."""
    signs = np.array([1 if d == "min" else -1 for d in directions])
    pts, ref = np.asarray(points) * signs, np.asarray(reference) * signs
    low = pts.min(axis=0)
    xs = np.linspace(low[0], ref[0], grid, endpoint=False) + (ref[0] - low[0]) / grid / 2
    ys = np.linspace(low[1], ref[1], grid, endpoint=False) + (ref[1] - low[1]) / grid / 2
    cells = sum(np.any(np.all(pts <= (x, y), axis=1)) for x, y in itertools.product(xs, ys))
    return cells / grid**2 * (ref[0] - low[0]) * (ref[1] - low[1])


def test_hypervolume_exact_cases_and_agreement_with_a_grid_count():
    assert hypervolume([[1.0, 1.0]], [3.0, 3.0], ["min", "min"]) == pytest.approx(4.0)
    assert hypervolume([[1.0, 2.0], [2.0, 1.0]], [3.0, 3.0], ["min", "min"]) == pytest.approx(3.0)
    assert hypervolume([[1, 1, 1]], [2, 3, 4], ["min"] * 3) == pytest.approx(6.0)
    # maximised objectives and dominated / out-of-reference points
    assert hypervolume([[3.0, 2.0], [1.0, 1.0], [5.0, -1.0]], [0.0, 0.0], ["max", "max"]) == pytest.approx(6.0)
    rng = np.random.default_rng(0)
    points = rng.random((12, 2))
    assert hypervolume(points, [1.2, 1.1], ["min", "max"]) == pytest.approx(
        _brute_hypervolume(points, [1.2, 1.1], ["min", "max"]), rel=0.02)
    # 3-D: the union of boxes by inclusion-exclusion for two points
    a, b, ref = np.array([1, 2, 1]), np.array([2, 1, 2]), np.array([3, 3, 3])
    both = np.prod(ref - a) + np.prod(ref - b) - np.prod(ref - np.maximum(a, b))
    assert hypervolume([a, b], ref, ["min"] * 3) == pytest.approx(both)


def test_objectives_are_checked():
    assert parse_objectives(LENS, ["brightness", "weight_g:min"]) == {"brightness": "max", "weight_g": "min"}
    for bad, match in ((["nope:max"], "not a metric"), (["f_number"], "direction"), (["weight_g:up"], "direction"),
                       (["brightness", "brightness:max"], "twice"), ([], "at least one")):
        with pytest.raises(ValueError, match=match):
            parse_objectives(LENS, bad)


@pytest.mark.parametrize("sampler", ["nsga2", "tpe"])
def test_search_finds_a_front_stores_it_and_resumes(store, sampler):
    objectives = {"brightness": "max", "weight_g": "min"}
    report = SearchReport(trials=24)
    frame = run_search(LENS, objectives, 24, sampler=sampler, knobs=["aperture_mm", "focal_mm"], store=store,
                       batch=8, report=report)
    assert report.evaluated == len(frame) <= 24 and report.resumed == 0 and report.infeasible >= 0
    assert (frame["aperture_mm"] <= frame["focal_mm"]).all()  # infeasible proposals never evaluated
    assert frame["pareto"].tolist() == pareto_mask(frame, objectives).tolist() and frame["pareto"].any()
    assert set(frame["coating"]) == {"single"}  # knobs not searched stay at their defaults
    again = SearchReport(trials=len(frame))
    rerun = run_search(LENS, objectives, len(frame), sampler=sampler, knobs=["aperture_mm", "focal_mm"],
                       store=store, report=again)
    assert again.resumed == len(frame) and again.evaluated == 0 and set(rerun["key"]) == set(frame["key"])


def test_search_beats_random_on_a_known_front(store):
    """Lens: brightness ~ (a/f)^2 and weight ~ a^1.5 + 2f, so the front lies at a = f; NSGA-II should get near it."""
    objectives = {"brightness": "max", "weight_g": "min"}
    frame = run_search(LENS, objectives, 48, knobs=["aperture_mm", "focal_mm"], store=store, batch=8, seed=1)
    front = frame[frame["pareto"]]
    assert (front["aperture_mm"] / front["focal_mm"]).max() > 0.8
