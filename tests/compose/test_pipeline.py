"""compose.pipeline: composed points end to end at tiny scale, facts re-measured after each stage, targets checked
against the network they evaluate."""

from __future__ import annotations

import math

import pytest

from workbench.compose.pipeline import network, run_pipeline, workload
from workbench.core.registry import UnknownName, get_study
from workbench.core.stages import get_stage, list_stages, run_target
from workbench.hardware import mac_unit
from workbench.nn import count_macs

TINY = {"pruning.train.epochs": 3, "tim.ternarize.epochs": 1, "sparce.core.images": 1, "pruning.train.criterion": "l1"}
RATIO = "pruning.train.target_ratio"
SCALE = {"width": 4, "seed": 0}
TERNARY = "pruning.train>tim.ternarize>tim.tiles"


def _net(pipeline: str, prune_ratio: float):
    return network(pipeline, {**TINY, RATIO: prune_ratio}, **SCALE)


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
    ideal = run_target(stage, artifact, work, {"tile_size": 32, "nonideal": False})
    assert ideal["accuracy"] == pytest.approx(work.accuracy(artifact.module), abs=1e-9)
    real = run_target(stage, artifact, work, {"tile_size": 32, "nonideal": True, "program_sigma": 0.2})
    # the same chip, only the forward pass differs
    assert real["energy_per_inference_nj"] == ideal["energy_per_inference_nj"]
    assert real["accuracy"] != ideal["accuracy"]


@pytest.mark.parametrize("target", list_stages(kind="target"))
def test_no_target_prices_a_float_layer_as_ternary(target):
    """Every layer whose measured weights or inputs take more than three values is priced on a unit for more."""
    work = workload("digits", 0)
    for pipeline in ("pruning.train>tim.ternarize>crossbar.arrays", "pruning.train>crossbar.arrays"):
        artifact = _net(pipeline, 0.5)
        stage = get_stage(target)
        if not set(stage.requires) <= set(artifact.tags):
            continue
        result = run_target(stage, artifact, work, {"images": 1, "tile_size": 32})
        units = {u["layer"]: u for u in result["layer_units"]}
        assert set(units) == {f.name for f in artifact.facts}
        for f in artifact.facts:
            priced = units[f.name]
            assert priced["weight_levels"] >= min(f.weight_levels, 4), (target, f.name, priced)
            if target == "tim.tiles":  # a TiM tile multiplies ternary inputs; an MRAM add takes any input
                assert priced["input_levels"] >= min(f.input_levels, 4), (target, f.name, priced)


def test_tim_runs_ternary_layers_on_tiles_and_the_rest_on_the_digital_unit_in_its_fixed_point():
    artifact = _net(TERNARY, 0.5)
    work = workload("digits", 0)
    tim = run_target(get_stage("tim.tiles"), artifact, work, {"tile_size": 32})
    off = {u["layer"] for u in tim["layer_units"] if u["unit"] == "digital"}
    first, last = artifact.facts[0], artifact.facts[-1]
    assert {first.name, last.name} <= off  # the image input and the float classifier
    assert tim["accuracy"] == pytest.approx(work.accuracy(mac_unit.fixed_point_network(
        artifact.module, work.calibration, mac_unit.DigitalUnit().bits, off)), abs=1e-9)
    share = sum(f.macs for f in artifact.facts if f.name in off) / artifact.macs
    assert tim["digital_mac_share"] == pytest.approx(share) and 0 < share < 1
    on_unit = [r for r in tim["layers"] if r["kind"] == "digital"]
    assert {r["layer"] for r in on_unit} == off
    assert tim["digital_energy_share"] * tim["energy_per_inference_nj"] == pytest.approx(
        sum(r["energy_pj"] for r in on_unit) * 1e-3)
    assert 0 < tim["digital_energy_share"] < 1


def test_digital_mac_is_within_2x_of_horowitz_and_costs_grow_with_bits():
    at45 = [mac_unit.mac(mac_unit.DigitalUnit(bits=b, node_nm=45)).energy_fj for b in (8, 16, 32)]
    assert at45[0] < at45[1] < at45[2]
    assert 0.5 < at45[0] / (200 + 100) < 2 and 0.5 < at45[2] / (3100 + 100) < 2  # mult + 32-bit add, pJ -> fJ
    unit = mac_unit.DigitalUnit()
    one = mac_unit.layer(unit, "x", 1000, 100, 50, 20)
    assert one.latency_ns == pytest.approx(math.ceil(1000 / unit.lanes) * mac_unit.mac(unit).time_ns)
    assert mac_unit.layer(unit, "x", 1000, 100, 50, 20, accumulate=False).energy_pj < one.energy_pj


def test_tim_computes_the_ternary_network_exactly_and_sparce_skips_its_real_zeros():
    tim = run_pipeline(TERNARY, {**TINY, RATIO: 0.5}, **SCALE)
    assert tim["accuracy_drop"] != 0 or tim["digital_mac_share"] > 0  # its float layers run in fixed point
    sparse = run_pipeline("pruning.train>tim.ternarize>sparce.core", {**TINY, RATIO: 0.5}, **SCALE)
    dense = run_pipeline("pruning.train>sparce.core", {**TINY, RATIO: 0.5}, **SCALE)
    assert sparse["activation_density"] < dense["activation_density"]
    assert sparse["time_reduction"] > dense["time_reduction"] > 0
    assert sparse["macs_k"] == dense["macs_k"] == tim["macs_k"]


def test_composed_point_end_to_end_and_bad_input():
    study = get_study("compose.pipeline")
    assert {"pipeline", RATIO, "tim.ternarize.representation", "tile_size"} <= set(study.knob_names)
    result = study.evaluate({"pipeline": TERNARY, RATIO: 0.25, "tile_size": 32, **TINY, **SCALE})
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
    assert point_key(study, {**base, "crossbar.arrays.program_sigma": 0.2}) == point_key(study, base)
    crossbar = next(p for p in study.knob("pipeline").options if p.endswith("crossbar.arrays"))
    assert point_key(study, {"pipeline": crossbar, "crossbar.arrays.program_sigma": 0.2}) != \
        point_key(study, {"pipeline": crossbar})
