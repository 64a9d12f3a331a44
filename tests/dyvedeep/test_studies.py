"""Studies, views, manifest, tuning and the quick reproduction of the DyVEDeep theme."""

import math
import re

import numpy as np
import pandas as pd
import pytest

from workbench.core import get_study, get_view, list_views
from workbench.core.manifest import claims_table, get_manifest, paper_range, read_preset
from workbench.dyvedeep.effort import Effort
from workbench.dyvedeep.network import trained_network
from workbench.dyvedeep.tuning import SEEDS, effort_from_preset, preset_tree, tune

EXACT = {"spet_fraction": 1.0, "sig_threshold": 0.0, "sim_threshold": 0.0, "var_threshold": 0.0}


@pytest.fixture(scope="module")
def trained():
    return trained_network(0)


def test_trained_network_is_accurate_and_matches_torch(trained):
    import torch

    with torch.no_grad():
        expected = trained.model(torch.from_numpy(trained.x_test)).numpy()
    np.testing.assert_allclose(trained.net.static_forward(trained.x_test), expected, atol=1e-4)
    assert (expected.argmax(1) == trained.y_test).mean() > 0.95
    exact = trained.net.run(trained.x_test[:64])
    assert np.array_equal(exact.logits, trained.net.static_forward(trained.x_test[:64]))
    assert exact.dynamic_ops == exact.static_ops


def test_ops_study_exact_setting_and_interactive_speed(trained):
    study = get_study("dyvedeep.ops")
    exact = study.evaluate({**EXACT, "images": 16})
    assert exact["ops_reduction"] == 1.0 and exact["agreement"] == 100.0 and exact["overhead_fraction"] == 0.0
    study.evaluate({"images": 16})
    live = study.evaluate({"spet_fraction": 0.25, "sig_threshold": 0.2, "images": 16})  # speed: benchmarks/bench_ui
    assert live["ops_reduction"] > 1.0 and 0 < live["terminated_fraction"] < 1 and live["interpolated_fraction"] > 0


def test_effort_study_reports_accuracy_and_ops(trained):
    row = get_study("dyvedeep.effort").evaluate({"spet_fraction": 0.25, "spet_threshold": 0.5})
    assert row["accuracy_float"] > 95 and math.isclose(row["accuracy_drop"], row["accuracy_float"] - row["accuracy"])
    assert row["ops_reduction"] > 1.1 and len(row["layers"]) == 3


def test_views_render_on_defaults(store):
    names = list_views(theme="dyvedeep")
    assert set(names) == {"dyvedeep.threshold_sweep", "dyvedeep.layer_breakdown", "dyvedeep.computed_map",
                          "dyvedeep.pareto"}
    for name in names:
        chart, frame = get_view(name).render(store=store)
        chart.to_dict()
        assert isinstance(frame, pd.DataFrame)


def test_computed_map_shows_the_sampling_grid(trained):
    chart, frame = get_view("dyvedeep.computed_map").render({"sig_threshold": 2.0, "spet_fraction": 1.0})
    assert (frame.loc[frame["on_grid"], "computed_fraction"] == 1.0).all()
    assert frame.loc[~frame["on_grid"], "computed_fraction"].mean() < 1.0
    with pytest.raises(ValueError, match="layer"):
        get_view("dyvedeep.computed_map").render({"layer": "features.9"})


def test_pareto_view_marks_the_front():
    stored = pd.DataFrame({"ops_reduction": [1.0, 1.5, 1.4, 2.0], "accuracy_drop": [0.0, 0.2, 0.5, 1.0],
                           "spet_threshold": [0.5] * 4})
    _, data = get_view("dyvedeep.pareto").func(frames={"dyvedeep.effort": stored})
    assert data["front"].tolist() == [True, True, False, True]


def test_manifest_and_paper_numbers():
    manifest = get_manifest("dyvedeep")
    assert manifest.claims == ("D1",) and "D1" in set(claims_table()["id"])
    assert manifest.notebook_path.exists()
    assert paper_range("dyvedeep", "ops_reduction", label="DyVEDeep (paper)") == (2.1, 2.6)
    assert paper_range("dyvedeep", "speedup") == (1.8, 2.3)


def test_tuning_meets_the_budget_on_validation(trained):
    result = tune(trained, budget=0.01, mechanisms=("spet",), val_images=150, max_steps=3)
    assert result.val_static_accuracy - result.val_accuracy <= 0.01 + 1e-12
    assert result.val_ops_reduction >= 1.0
    front = result.pareto()
    assert front["val_ops"].is_monotonic_increasing and front["val_accuracy"].is_monotonic_increasing
    tree = preset_tree(result, seed=0, command="test")
    assert effort_from_preset(tree) == result.effort
    with pytest.raises(ValueError, match="budget=1.5"):
        tune(trained, budget=1.5)
    with pytest.raises(ValueError, match="mechanisms"):
        tune(trained, mechanisms=("pruning",))


def test_stored_preset_is_a_valid_effort_for_the_network(trained):
    effort = effort_from_preset(read_preset("dyvedeep", "tuned_seed0"))
    trained.net.check_effort(effort)
    assert effort != Effort()


def test_quick_reproduction_gives_d1():
    from workbench.dyvedeep.reproduce import reproduce

    rows = reproduce(quick=True)
    assert [r.claim for r in rows] == ["D1"] * 4
    assert all(isinstance(r.workbench, float) and math.isfinite(r.workbench) for r in rows)
    assert rows[0].workbench > 1.0  # fewer scalar operations than the static network, checks included
    assert all(r.note for r in rows)
    speed, like_for_like = rows[1], rows[2]  # the method timed per image against torch, and against itself
    assert "per-image" in speed.quantity and "torch" in speed.quantity and speed.measured
    totals = re.search(r"total ([\d.]+) / ([\d.]+) / ([\d.]+) us", speed.note).groups()
    torch_us, static_us, dynamic_us = (float(v) for v in totals)
    assert speed.workbench == pytest.approx(torch_us / dynamic_us, rel=0.05)
    assert like_for_like.workbench == pytest.approx(static_us / dynamic_us, rel=0.05)
    ops, loss = rows[0], rows[3]  # intervals over the independently trained and tuned networks (issue 23)
    assert ops.interval.n == loss.interval.n == len(SEEDS)
    per_network = [float(v) for v in re.search(r"per network ([-\d., ]+) pp", loss.note).group(1).split(", ")]
    assert len(per_network) == len(SEEDS) and loss.workbench == pytest.approx(np.mean(per_network), abs=0.01)
    assert loss.interval.low <= loss.workbench <= loss.interval.high


def test_cached_static_predictions_and_check_weights_change_no_result(trained):
    """dyvedeep.ops compares with cached static predictions and the engine caches its check-point weights: the
    results equal a fresh network's (no cache) and the static network's own predictions."""
    from workbench.dyvedeep.engine import DynamicNet

    x = trained.test_subset(16)[0]
    assert np.array_equal(trained.static_predictions(16), trained.net.static_forward(x).argmax(1))
    effort = Effort(spet_fraction=0.3, spet_threshold=0.5, spet_chunk=16)
    fresh = DynamicNet(trained.model, trained.net.input_shape, calibration_images=None)
    fresh.calibration = trained.net.calibration
    for _ in range(2):  # the second run reads the cache
        cached = trained.net.run(x, effort)
        assert np.array_equal(cached.logits, fresh.run(x, effort).logits)
        fresh._prefix_cache.clear()
        assert cached.dynamic_ops == fresh.run(x, effort).dynamic_ops
