"""The assumed parameters of the analytic themes: declared once, each with a plausible range holding its default."""

import pytest

from workbench.cli import main
from workbench.explain.assumptions import assumptions, describe_assumptions
from workbench.tim.params import load_params


@pytest.mark.parametrize("theme, expected", [
    ("tim", {"i_read_ua", "sigma_i_read_rel", "sense_margin_sigma", "i_precharge_ua", "acc_bits", "cols_per_pcu",
             "conversion_pipelined", "input_density", "weight_density"}),
    ("crossbar", {"t_read_ns", "input_activity"}),
    ("mram", {"sense_margin_mv", "sigma_rp", "sigma_tmr", "sigma_vt_mv", "vsh_hole_mobility_cm2_per_vs",
              "access_width_um", "words_per_access", "sa_bias_ua"}),
    ("sparce", {"mul_latency", "load_latency", "neon_latency", "branch_penalty", "fetch_to_issue", "miss_penalty"}),
    ("pad", {"k", "trigger_rate"}),
])
def test_the_analytic_themes_declare_their_assumed_parameters(theme, expected):
    frame = assumptions(theme)
    assert set(frame["knob"]) == expected
    assert frame["field"].is_unique
    assert all(low <= default <= high for low, default, high in zip(frame["low"], frame["default"], frame["high"]))
    assert frame["reason"].str.len().min() > 20


def test_tim_knob_provenance_is_the_preset_entry():
    """The plausible range lives in the YAML entry; the knob reads it from there (one declaration)."""
    p = load_params()
    frame = assumptions("tim").set_index("knob")
    for name in frame.index:
        declared = p.plausible[name]
        assert (frame.loc[name, "low"], frame.loc[name, "high"]) == (declared["low"], declared["high"])
    assert "sigma_offset_mv" not in frame.index  # derived from Pelgrom's published coefficient: cited


def test_a_knob_shared_by_two_studies_is_listed_once_naming_both():
    row = assumptions("mram").set_index("knob").loc["sense_margin_mv"]
    assert row["studies"] == "mram.array, mram.cim_sensing"


def test_list_assumed_prints_each_parameter_with_its_range_and_reason(capsys):
    assert main(["list", "--assumed", "tim"]) == 0
    out = capsys.readouterr().out
    assert out == describe_assumptions("tim") + "\n"
    assert "i_read_ua = 20.0 uA  plausible 10.0..40.0 uA  [tim.arch]" in out
    assert main(["list", "--assumed", "nope"]) == 2
    assert "no studies in theme 'nope'" in capsys.readouterr().err
