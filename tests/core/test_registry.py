import pytest
from sample_studies import LENS

from workbench.core import Study, get_study, list_studies, register_study
from workbench.core.registry import theme_modules


def test_sample_study_is_registered_and_filterable():
    assert get_study("sample.lens") is LENS
    assert "sample.lens" in list_studies("sample.*")
    assert list_studies(theme="sample") == ["sample.lens", "sample.slow"]
    assert list_studies("nothing.*") == []


def test_duplicate_name_is_refused_and_unknown_is_named():
    clone = Study(LENS.name, "other", LENS.func, LENS.knobs, LENS.metrics)
    with pytest.raises(ValueError, match="already registered"):
        register_study(clone)
    with pytest.raises(KeyError, match="no study named 'nope'"):
        get_study("nope")


def test_theme_modules_never_include_core_ui_viz():
    for name in theme_modules("studies"):
        assert name.split(".")[1] not in ("core", "ui", "viz")


@pytest.mark.parametrize("name", list_studies())
def test_every_registered_study_evaluates_its_defaults_or_is_batch(name):
    """timm-style: every study in the registry is tested for free (interactive ones evaluate their defaults)."""
    study = get_study(name)
    assert study.knobs and study.metrics
    assert study.validate() == study.defaults()
    if study.cost == "interactive":
        result = study.evaluate()
        assert set(study.metric_names) <= set(result)
