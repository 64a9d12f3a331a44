"""Tests of the TiM studies: registration, speed of the interactive study, knob errors, agreement with the model."""


import pytest

from workbench.core import get_study, list_studies
from workbench.tim.arch import TimConfig, accelerator
from workbench.tim.mapping import NETWORKS


def test_registered():
    assert {"tim.arch", "tim.quant"} <= set(list_studies(theme="tim"))
    assert get_study("tim.arch").cost == "interactive"
    assert get_study("tim.quant").cost == "batch"


def test_arch_design_knobs_derive_from_tim_config():
    study = get_study("tim.arch")
    config_fields = [k.name for k in study.knobs if k.source.endswith(f"TimConfig.{k.name}")]
    assert sorted(config_fields) == sorted(TimConfig.__dataclass_fields__)
    assert {k.name for k in study.knobs if not k.source} == {"network", "batch"}


def test_arch_is_interactive_and_agrees_with_the_model():
    """Its speed is measured by benchmarks/bench_ui.py (knob change -> chart), not asserted here."""
    study = get_study("tim.arch")
    for network in NETWORKS:
        assert set(study.metric_names) <= set(study.evaluate(network=network)), network
    s = accelerator(TimConfig(tiles=64))
    result = study.evaluate(tiles=64)
    assert result["peak_tops"] == pytest.approx(s.peak_tops)
    assert result["tops_per_mm2"] == pytest.approx(s.tops_per_mm2)
    assert len(result["layers"]) == len(NETWORKS["resnet18"])


@pytest.mark.parametrize(
    "params, knob",
    [({"rows": 64, "rows_active": 64, "adc_bits": 7}, "rows_active"), ({"rows_active": 16, "adc_bits": 4}, "adc_bits"),
     ({"t_access_ns": 0.2}, "t_access_ns"), ({"cols": 64, "cols_per_adc": 8, "tiles": 0}, "tiles")],
)
def test_bad_knobs_name_the_knob(params, knob):
    with pytest.raises(ValueError, match=knob):
        get_study("tim.arch").evaluate(params)


def test_arch_trends_through_the_study():
    study = get_study("tim.arch")
    base = study.evaluate()
    assert study.evaluate(tiles=64)["peak_tops"] == pytest.approx(2 * base["peak_tops"])
    more_bits = study.evaluate(adc_bits=6)
    assert more_bits["area_mm2"] > base["area_mm2"] and more_bits["tops_per_w"] < base["tops_per_w"]
    assert study.evaluate(batch=8)["energy_per_inference_nj"] < base["energy_per_inference_nj"]


def test_quant_study_declares_seeded_knobs():
    study = get_study("tim.quant")
    assert "seed" in study.knob_names
    assert study.defaults()["representation"] == "symmetric"
