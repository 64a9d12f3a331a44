"""core.stages: the stage registry and pipeline checks (the facts are measured in workbench.nn.facts)."""

from __future__ import annotations

import pytest

from workbench.core import Float
from workbench.core.registry import UnknownName, entries
from workbench.core.stages import (
    Stage,
    check_pipeline,
    composed_knobs,
    composed_names,
    get_stage,
    list_stages,
    own_values,
    pipeline_knob_names,
    pipelines,
    register_stage,
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
    qualified = Float("a.alpha", 0.5, low=0.0, high=1.0)
    with pytest.raises(ValueError, match="qualified"):
        Stage("test.bad", "algorithm", "test", lambda artifact, workload, alpha: None, knobs=(qualified,))


def test_stage_knobs_are_qualified_by_core_and_each_stage_reads_its_own_by_plain_name(monkeypatch):
    """Two stages may both call a knob ``alpha``: core names them apart by stage; a knob object they share is one
    composed knob, named by what their names share."""
    shared = Float("beta", 1.0, low=0.0, high=2.0)
    one = Stage("test.one", "algorithm", "test", lambda artifact, workload, alpha, beta: None,
                knobs=(Float("alpha", 0.5, low=0.0, high=1.0), shared))
    two = Stage("test.two", "target", "test", lambda artifact, workload, alpha, beta: None,
                knobs=(Float("alpha", 0.2, low=0.0, high=1.0), shared))
    for stage in (one, two):
        monkeypatch.setitem(entries("stage"), stage.name, stage)
    names = [k.name for k in composed_knobs()]
    assert len(names) == len(set(names))
    assert {"test.one.alpha", "test.two.alpha", "test.beta"} <= set(names)
    values = {"test.one.alpha": 0.9, "test.two.alpha": 0.3, "test.beta": 1.5}
    assert own_values(two, values) == {"alpha": 0.3, "beta": 1.5}
    assert own_values(one, values) == {"alpha": 0.9, "beta": 1.5}
    assert two.validate(own_values(two, {}))["alpha"] == 0.2  # its own default, not the other stage's


@pytest.mark.parametrize("name", list_stages())
def test_every_registered_stage_knob_is_composed_from_its_plain_name_and_a_prefix_of_its_stage(name):
    stage = get_stage(name)
    for plain, composed in composed_names(stage).items():
        prefix, _, last = composed.rpartition(".")
        assert last == plain and (f"{name}.").startswith(f"{prefix}." if prefix else ""), composed
    assert composed_names(get_stage("tim.tiles"))["tile_size"] == "tile_size"  # shared across themes
    assert composed_names(get_stage("crossbar.train"))["r_wire_ohm"] == "crossbar.r_wire_ohm"  # within one
    # a qualified knob is shown by its label, not its dotted name; two knobs never share a label on the dashboard
    qualified = {knob.name: knob.label for knob in composed_knobs() if "." in knob.name}
    assert all(qualified.values()), [name for name, label in qualified.items() if not label]
    assert len(set(qualified.values())) == len(qualified), sorted(qualified.values())


def test_stage_knobs_validate_like_a_study():
    stage = get_stage("pruning.train")
    assert stage.validate({"target_ratio": 0.25, "tile_size": 64})["target_ratio"] == 0.25
    with pytest.raises(ValueError, match="target_ratio"):
        stage.validate({"target_ratio": 0.99})
    assert pipeline_knob_names("pruning.train>sparce.core") == {
        "pruning.train.target_ratio", "pruning.train.criterion", "pruning.train.epochs", "sparce.core.variant",
        "sparce.core.images"}
