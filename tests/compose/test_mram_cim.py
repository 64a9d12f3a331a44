"""mram.cim target: accumulate counts from measured facts agree with a hand count, sensing errors are injected as
declared, knobs validate and a composed point through the stage runs end to end at tiny scale."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from workbench.compose.pipeline import network, run_pipeline, workload
from workbench.core.registry import get_study
from workbench.core.stages import NetworkArtifact, get_stage, run_target
from workbench.hardware import mac_unit
from workbench.mram.array import ORGANISATIONS, ArrayConfig, evaluate
from workbench.mram.stages import WORD_BITS, layer_work, memory_area_mm2, with_add_errors
from workbench.nn.facts import measure_facts

TINY = {"pruning.train.epochs": 3, "pruning.train.target_ratio": 0.5, "pruning.train.criterion": "l1"}
SCALE = {"width": 4, "seed": 0}
PIPELINE = "pruning.train>mram.cim"


def _tiny():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, bias=False), nn.ReLU(), nn.Flatten(), nn.Linear(32, 3))
    with torch.no_grad():
        net[0].weight[0, 0, :2] = 0.0  # 6 of 18 conv weights zero
        net[3].weight[:, :8] = 0.0
    x = torch.randn(5, 1, 4, 4).clamp(min=0)  # about half the inputs zero
    return net, x


def test_accumulate_counts_agree_with_a_hand_count_from_macs_and_densities():
    net, x = _tiny()
    facts = measure_facts(net, x)
    with torch.no_grad():
        hidden = torch.relu(net[0](x)).flatten(1)
    hand = [  # (outputs, terms per output, weight density, input density), counted directly on the tensors
        (2 * 4 * 4, 9, float((net[0].weight != 0).float().mean()), float((x != 0).float().mean())),
        (3, 32, float((net[3].weight != 0).float().mean()), float((hidden != 0).float().mean())),
    ]
    for fact, (outputs, terms, wd, xd) in zip(facts, hand, strict=True):
        k = max(2, round(terms * wd * xd))
        adds = (k - 1) * outputs
        with_cim, without = layer_work(fact, "STT", True), layer_work(fact, "STT", False)
        assert (with_cim.outputs, with_cim.k_partial) == (outputs, k)
        assert (with_cim.reads, with_cim.writes, with_cim.cim_ops) == (0, adds, adds)
        assert (without.reads, without.writes, without.cim_ops) == (2 * adds, adds, 0)
        assert with_cim.energy_j < without.energy_j and with_cim.time_s < without.time_s
    assert facts[0].weight_density == pytest.approx(12 / 18)


def test_memory_area_counts_the_arrays_for_weights_and_the_largest_layer():
    net, x = _tiny()
    facts = measure_facts(net, x)
    artifact = NetworkArtifact(net, (1, 4, 4), facts)
    words = (18 + 32 * 3 + 3) + (16 + 32)  # weights + bias, conv input + output
    assert words <= 256 * 256 // 32  # one array
    for memory, (kind, diff) in ORGANISATIONS.items():
        assert memory_area_mm2(artifact, memory) == pytest.approx(evaluate(kind, diff, ArrayConfig(),
                                                                           include_write=False).area_um2 * 1e-6)


def test_injected_add_errors_have_the_declared_statistics():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 4000))
    x = torch.randn(8, 4)
    with torch.no_grad():
        clean = net(x)
        assert torch.equal(with_add_errors(net, x, {"0": 3}, 0.0, seed=1)(x), clean)
        noisy = with_add_errors(net, x, {"0": 1}, 0.5, seed=1)(x) - clean
    lsb = float(clean.abs().max()) / 2.0 ** (WORD_BITS - 2)
    # one add, each bit flips with p = 0.5 to +-2^b: variance sum_b 0.5 4^b lsb^2
    expected = 0.5 * sum(4.0 ** b for b in range(WORD_BITS)) * lsb ** 2
    assert float(noisy.double().pow(2).mean()) == pytest.approx(expected, rel=0.1)


def test_target_is_the_fixed_point_network_without_variation_and_loses_accuracy_with_it():
    artifact = network(PIPELINE, TINY, **SCALE)
    work = workload("digits", 0)
    stage = get_stage("mram.cim")
    ideal = run_target(stage, artifact, work, {"organisation": "STT", "variation": False})
    # a float network: every layer's products come from the digital unit, in its fixed point
    assert all(u["unit"].startswith("digital") for u in ideal["layer_units"])
    assert ideal["accuracy"] == pytest.approx(work.accuracy(mac_unit.fixed_point_network(
        artifact.module, work.calibration, mac_unit.DigitalUnit().bits)), abs=1e-9)
    assert 0 < ideal["digital_energy_share"] < 1
    assert ideal["add_bit_error_rate"] == 0 and ideal["cim_energy_ratio"] > 1
    assert ideal["cim_adds"] == sum(w["cim_ops"] for w in ideal["layers"]) > 0
    noisy = run_target(stage, artifact, work, {"organisation": "STT", "variation": True})
    assert noisy["energy_per_inference_nj"] == ideal["energy_per_inference_nj"]
    assert 0 < noisy["add_bit_error_rate"] < 1e-2
    assert noisy["accuracy"] < ideal["accuracy"]
    base = run_target(stage, artifact, work, {"organisation": "STT", "use_cim": False, "variation": False})
    assert base["memory_reads"] == 2 * ideal["cim_adds"] and base["cim_adds"] == 0
    energy = "energy_per_inference_nj"
    assert base[energy] == pytest.approx(ideal["cim_energy_ratio"] * ideal[energy])
    assert base["digital_energy_share"] * base[energy] == pytest.approx(
        ideal["digital_energy_share"] * ideal[energy])  # the same products with or without CiM


def test_knobs_validate_and_a_composed_point_runs_end_to_end():
    stage = get_stage("mram.cim")
    assert stage.validate({})["organisation"] == "STT"
    assert stage.validate({"organisation": "DVSH"})["organisation"] == "DVSH"
    with pytest.raises(ValueError, match="organisation"):
        stage.validate({"organisation": "SRAM"})
    study = get_study("compose.pipeline")
    assert {"mram.cim.organisation", "mram.cim.use_cim", "mram.cim.variation"} <= set(study.knob_names)
    assert {PIPELINE, "pruning.train>tim.ternarize>mram.cim"} <= set(study.knob("pipeline").options)
    result = study.evaluate({"pipeline": PIPELINE, "mram.cim.organisation": "DGSH", **TINY, **SCALE})
    assert all(math.isfinite(result[m]) for m in study.metric_names)
    assert [s["stage"] for s in result["stages"]] == PIPELINE.split(">")
    dgsh = run_pipeline(PIPELINE, {**TINY, "mram.cim.organisation": "DGSH"}, **SCALE)
    assert result["energy_per_inference_nj"] == dgsh["energy_per_inference_nj"]
