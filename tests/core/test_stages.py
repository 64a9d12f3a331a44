"""core.stages: the stage registry and pipeline checks (the facts are measured in workbench.nn.facts)."""

from __future__ import annotations

import pytest

from workbench.core import Choice, Float
from workbench.core.registry import UnknownName
from workbench.core.stages import (
    Stage,
    check_pipeline,
    get_stage,
    list_stages,
    pipelines,
    register_stage,
    stage_knobs,
)


def _algorithm(artifact, workload, alpha):
    return artifact.module


def _target(artifact, workload):
    return {"accuracy": 0.0, "energy_per_inference_nj": 1.0, "latency_per_inference_us": 1.0, "area_mm2": 1.0}


def test_registry_lists_both_kinds_and_the_themes_stages():
    algorithms, targets = list_stages(kind="algorithm"), list_stages(kind="target")
    assert {"pruning.train", "tim.ternarize"} <= set(algorithms)
    assert {"tim.tiles", "crossbar.arrays", "sparce.core"} <= set(targets)
    assert not set(algorithms) & set(targets)
    assert list_stages("tim.*") == ["tim.ternarize", "tim.tiles"]
    with pytest.raises(ValueError, match="kind='gpu'"):
        list_stages(kind="gpu")


def test_unknown_stage_and_wrong_kind_are_one_clear_error():
    with pytest.raises(UnknownName, match=r"no stage named 'tim.nope'; registered: \['crossbar.arrays'"):
        get_stage("tim.nope")
    with pytest.raises(ValueError, match="'tim.tiles' is of kind 'target', not 'algorithm'"):
        get_stage("tim.tiles", "algorithm")
    with pytest.raises(ValueError, match="'pruning.train' is of kind 'algorithm', not 'target'"):
        check_pipeline("tim.ternarize>pruning.train")


def test_incompatible_combination_names_the_missing_tag_and_who_provides_it():
    with pytest.raises(ValueError, match=r"'tim.tiles' requires \['ternary'\].*tim.ternarize"):
        check_pipeline("pruning.train>tim.tiles")
    with pytest.raises(ValueError, match="requires \\['trained'\\]"):
        check_pipeline(["tim.ternarize", "crossbar.arrays"])
    with pytest.raises(ValueError, match="declared order"):
        check_pipeline("tim.ternarize>pruning.train>crossbar.arrays")
    with pytest.raises(ValueError, match="empty"):
        check_pipeline("")


def test_pipelines_are_exactly_the_valid_chains():
    found = pipelines()
    assert "pruning.train>tim.ternarize>tim.tiles" in found
    assert "pruning.train>sparce.core" in found
    assert "pruning.train>tim.tiles" not in found
    for pipeline in found:
        check_pipeline(pipeline)


def test_stage_declarations_are_checked():
    knob = Float("alpha", 0.5, low=0.0, high=1.0)
    with pytest.raises(ValueError, match="kind='circuit'"):
        Stage("test.bad", "circuit", "test", _algorithm, knobs=(knob,))
    with pytest.raises(ValueError, match="do not match its knobs"):
        Stage("test.bad", "algorithm", "test", _algorithm)
    with pytest.raises(ValueError, match="a target provides nothing"):
        Stage("test.bad", "target", "test", _target, provides=("x",))
    with pytest.raises(ValueError, match="alpha"):
        Stage("test.bad", "algorithm", "test", _algorithm, knobs=(knob,), neutral={"alpha": 2.0})
    with pytest.raises(ValueError, match="already registered"):
        register_stage(Stage("tim.tiles", "target", "test", _target))
    clash = Choice("prune_ratio", "a", options=("a", "b"))
    with pytest.raises(ValueError, match="declared differently"):
        register_stage(Stage("test.clash", "algorithm", "test", lambda artifact, workload, prune_ratio: None,
                             knobs=(clash,)))
    assert "test.clash" not in list_stages()


def test_stage_knobs_are_each_knob_once_and_validate_like_a_study():
    names = [k.name for k in stage_knobs()]
    assert len(names) == len(set(names)) and "tile_size" in names
    stage = get_stage("pruning.train")
    assert stage.validate({"prune_ratio": 0.25, "tile_size": 64})["prune_ratio"] == 0.25
    with pytest.raises(ValueError, match="prune_ratio"):
        stage.validate({"prune_ratio": 0.99})
