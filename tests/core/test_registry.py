import importlib
import math

import pytest
from sample_studies import LENS

from workbench.core import Bool, Choice, Study, get_study, list_studies, register_study
from workbench.core.knobs import field_knob
from workbench.core.registry import UnknownName, get_view
from workbench.core.stages import get_stage
from workbench.threads import one_torch_thread


def test_sample_study_is_registered_and_filterable():
    assert get_study("sample.lens") is LENS
    assert "sample.lens" in list_studies("sample.*")
    assert list_studies(theme="sample") == ["sample.lens", "sample.slow", "sample.timed"]
    assert list_studies("nothing.*") == []


def test_duplicate_name_is_refused_and_unknown_is_named():
    clone = Study(LENS.name, "other", LENS.func, LENS.knobs, LENS.metrics)
    with pytest.raises(ValueError, match="already registered"):
        register_study(clone)
    with pytest.raises(KeyError, match="no study named 'nope'"):
        get_study("nope")


@pytest.mark.parametrize(("kind", "get"), [("study", get_study), ("view", get_view), ("stage", get_stage)])
def test_an_unknown_name_is_one_error_naming_the_kind_and_what_exists(kind, get):
    with pytest.raises(UnknownName) as caught:
        get("sample.nope")
    assert isinstance(caught.value, KeyError) and caught.value.kind == kind
    assert str(caught.value).startswith(f"no {kind} named 'sample.nope'; registered: [")


@pytest.mark.parametrize("name", list_studies())
def test_every_registered_study_evaluates_its_defaults_or_is_batch(name):
    """timm-style: every study in the registry is tested for free (interactive ones evaluate their defaults)."""
    study = get_study(name)
    assert study.knobs and study.metrics
    assert study.validate() == study.defaults()
    if study.cost == "interactive":
        result = study.evaluate()
        assert set(study.metric_names) <= set(result)


def test_every_theme_batch_study_runs_on_one_torch_thread():
    """Training rounds differently with more threads: a batch study's stored result must not depend on the executor
    (the sample studies train nothing)."""
    batch = [get_study(n) for n in list_studies() if get_study(n).cost == "batch" and get_study(n).theme != "sample"]
    assert len(batch) >= 10 and all(study.context is one_torch_thread for study in batch)


def _outside(knob):
    """A value the declared knob refuses: below its low (or at an open low), above its high, no option, no flag."""
    if isinstance(knob, Choice):
        return "__not_an_option__"
    if isinstance(knob, Bool):
        return "__not_a_flag__"
    if knob.low_open:
        return knob.low
    return knob.low - 1 if math.isfinite(knob.low) else knob.high + 1


@pytest.mark.parametrize("name", list_studies())
def test_knobs_derived_from_a_config_field_carry_its_declaration(name):
    """A knob derived from a configuration field has the field's unit and help and stays inside the field's range;
    the configuration refuses a value outside that range with a ValueError naming class, field and value."""
    for knob in get_study(name).knobs:
        if not knob.source:
            continue
        module, class_name, field_name = knob.source.rsplit(".", 2)
        config = getattr(importlib.import_module(module), class_name)
        declared = field_knob(config, field_name)
        assert (knob.unit, knob.help) == (declared.unit, declared.help), knob.name
        for value in [knob.default, *knob.grid(5)]:
            assert declared.validate(value) == value, (knob.name, value)
        bad = _outside(declared)
        with pytest.raises(ValueError, match=rf"{class_name}\.{field_name}={bad!r} is not allowed; allowed: "):
            config(**{field_name: bad})
