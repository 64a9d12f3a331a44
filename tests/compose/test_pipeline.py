"""compose.pipeline: composed points end to end at tiny scale, facts re-measured after each stage, targets checked
against the network they evaluate."""

from __future__ import annotations

import math

import pytest

from workbench.compose.pipeline import network, run_pipeline, workload
from workbench.core.registry import UnknownName, get_study
from workbench.core.stages import get_stage, run_target
from workbench.nn import count_macs

TINY = {"epochs": 3, "ternary_epochs": 1, "sparce_images": 1, "prune_criterion": "l1"}
SCALE = {"width": 4, "seed": 0}
TERNARY = "pruning.train>tim.ternarize>tim.tiles"


def _net(pipeline: str, prune_ratio: float):
    return network(pipeline, {**TINY, "prune_ratio": prune_ratio}, **SCALE)


def test_facts_are_remeasured_after_pruning_and_ternarization():
    unpruned = _net("pruning.train>crossbar.arrays", 0.0)
    pruned = _net("pruning.train>crossbar.arrays", 0.5)
    ternary = _net(TERNARY, 0.5)
    assert [r.stage for r in ternary.history] == ["pruning.train", "tim.ternarize"]
    assert pruned.macs < unpruned.macs and pruned.params < unpruned.params
    assert pruned.facts[1].in_shape[0] < unpruned.facts[1].in_shape[0]  # channels really removed
    assert pruned.facts != unpruned.facts
    # MACs of every stage's network equal an independent count (torch's FlopCounterMode)
    for artifact in (unpruned, pruned, ternary):
        counted = count_macs(artifact.module, artifact.input_shape)
        assert [f.macs for f in artifact.facts] == [layer.macs for layer in counted.layers.values()]
    # ternarization: hidden layers hold at most three weight values, with zeros; first and last stay float
    hidden = ternary.facts[1:-1]
    assert all(f.precision == "ternary" for f in hidden) and ternary.facts[0].precision == "float"
    assert ternary.mean("weight_density", hidden) < 1.0 == pruned.mean("weight_density", pruned.facts[1:-1])
    assert ternary.mean("input_density") != pruned.mean("input_density")
    assert "ternary" in ternary.tags and "ternary" not in pruned.tags


def test_crossbar_without_non_idealities_computes_the_float_accuracy():
    artifact = _net("pruning.train>crossbar.arrays", 0.5)
    work = workload("digits", 0)
    stage = get_stage("crossbar.arrays")
    ideal = run_target(stage, artifact, work, {"tile_size": 32, "xbar_nonideal": False})
    assert ideal["accuracy"] == pytest.approx(work.accuracy(artifact.module), abs=1e-9)
    real = run_target(stage, artifact, work, {"tile_size": 32, "xbar_nonideal": True, "xbar_sigma": 0.2})
    # the same chip, only the forward pass differs
    assert real["energy_per_inference_nj"] == ideal["energy_per_inference_nj"]
    assert real["accuracy"] != ideal["accuracy"]


def test_tim_computes_the_ternary_network_exactly_and_sparce_skips_its_real_zeros():
    tim = run_pipeline(TERNARY, {**TINY, "prune_ratio": 0.5}, **SCALE)
    assert tim["accuracy"] == tim["accuracy_float"] and tim["accuracy_drop"] == 0
    sparse = run_pipeline("pruning.train>tim.ternarize>sparce.core", {**TINY, "prune_ratio": 0.5}, **SCALE)
    dense = run_pipeline("pruning.train>sparce.core", {**TINY, "prune_ratio": 0.5}, **SCALE)
    assert sparse["activation_density"] < dense["activation_density"]
    assert sparse["time_reduction"] > dense["time_reduction"] > 0
    assert sparse["macs_k"] == dense["macs_k"] == tim["macs_k"]


def test_composed_point_end_to_end_and_bad_input():
    study = get_study("compose.pipeline")
    assert {"pipeline", "prune_ratio", "ternary_scheme", "tile_size"} <= set(study.knob_names)
    result = study.evaluate(pipeline=TERNARY, prune_ratio=0.25, tile_size=32, **TINY, **SCALE)
    assert all(math.isfinite(result[m]) for m in study.metric_names)
    assert [s["stage"] for s in result["stages"]] == TERNARY.split(">")
    with pytest.raises(ValueError, match="pipeline"):
        study.validate(pipeline="pruning.train>tim.tiles")  # incompatible: not among the pipelines
    with pytest.raises(ValueError, match="requires \\['ternary'\\]"):
        run_pipeline("pruning.train>tim.tiles", TINY, **SCALE)
    with pytest.raises(UnknownName, match="no stage named 'gpu.v100'"):
        run_pipeline("pruning.train>gpu.v100", TINY, **SCALE)


def test_a_stage_knob_outside_the_pipeline_does_not_split_stored_points():
    from workbench.core.store import point_key

    study = get_study("compose.pipeline")
    pipeline = next(p for p in study.knob("pipeline").options if "crossbar" not in p)
    base = {"pipeline": pipeline}
    assert point_key(study, {**base, "xbar_sigma": 0.2}) == point_key(study, base)
    crossbar = next(p for p in study.knob("pipeline").options if p.endswith("crossbar.arrays"))
    assert point_key(study, {"pipeline": crossbar, "xbar_sigma": 0.2}) != point_key(study, {"pipeline": crossbar})
