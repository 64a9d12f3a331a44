"""Tests of the shared periphery circuits: sources, monotonicity, node scaling, the survey band, and that TiM-DNN
prices its ADCs with exactly these models."""

import itertools

import pytest

from workbench import periphery as pc
from workbench.core.manifest import read_preset


def test_every_entry_has_unit_and_source():
    tree = read_preset("periphery", pc.DEFAULT_TECH)
    for section in tree.values():
        for name, entry in section.items():
            assert set(entry) >= {"value", "unit", "source"}, name
            assert len(entry["source"]) > 10, name
    tech = pc.load_tech()
    assert tech.node_nm == 32 and set(tech.sources) >= {"e_comparator_fj", "walden_fom_low_fj"}


@pytest.mark.parametrize("kind", pc.ADC_TYPES)
def test_adc_costs_grow_with_bits(kind):
    tech = pc.load_tech()
    costs = [pc.adc(b, kind, tech) for b in range(1, 13)]
    for lo, hi in itertools.pairwise(costs):
        assert hi.energy_fj > lo.energy_fj and hi.area_um2 > lo.area_um2 and hi.time_ns >= lo.time_ns


def test_flash_is_faster_but_costlier_than_sar_at_high_resolution():
    tech = pc.load_tech()
    sar, flash = pc.adc(8, "sar", tech), pc.adc(8, "flash", tech)
    assert flash.time_ns < sar.time_ns
    assert flash.energy_fj > sar.energy_fj and flash.area_um2 > sar.area_um2


def test_sar_formula_by_hand():
    tech = pc.load_tech()
    e = 5 * (10.0 + 2.2) + 1.33 * 32 * 1.0 * 0.9**2
    cost = pc.adc(5, "sar", tech)
    assert cost.energy_fj == pytest.approx(e)
    assert cost.time_ns == pytest.approx(5 * 0.15)
    assert cost.area_um2 == pytest.approx(3.0 + 32 * 0.5 + 5 * 4.0)


@pytest.mark.parametrize("kind", pc.ADC_TYPES)
def test_walden_fom_inside_the_survey_band(kind):
    """The first-order models land inside the band of Murmann's survey for 4-10 bits (a check, not a fit)."""
    tech = pc.load_tech()
    bits = range(6, 11) if kind == "sar" else range(4, 7)
    for b in bits:
        fom = pc.walden_fom_fj(b, kind, tech)
        assert tech.walden_fom_low_fj <= fom <= tech.walden_fom_high_fj, (kind, b, fom)


def test_node_scaling():
    tech = pc.load_tech()
    q = tech.at_node(45)
    s, v2 = 45 / 32, (1.0 / 0.9) ** 2
    assert q.a_comparator_um2 == pytest.approx(tech.a_comparator_um2 * s * s)
    assert q.e_comparator_fj == pytest.approx(tech.e_comparator_fj * s * v2)
    assert q.t_comparator_ps == pytest.approx(tech.t_comparator_ps * s)
    assert pc.adc(8, "sar", q).energy_fj > pc.adc(8, "sar", tech).energy_fj
    assert tech.at_node(32) is tech
    with pytest.raises(ValueError, match="node_nm=7"):
        tech.at_node(7)


def test_other_circuits():
    tech = pc.load_tech()
    one = pc.dac(1, tech, c_line_ff=10.0, v_line_v=0.2)
    assert one.energy_fj == pytest.approx(10.0 * 0.04)
    assert pc.dac(4, tech, c_line_ff=10.0, v_line_v=0.2).energy_fj > one.energy_fj
    assert pc.shift_add(16, tech).energy_fj == pytest.approx(16 * 2.2)
    assert pc.shift_add(32, tech).area_um2 > pc.shift_add(16, tech).area_um2
    assert pc.buffer_access(8, tech) == pytest.approx(8 * 110.0)
    assert pc.wire(8, 0.5, tech) == pytest.approx(8 * 0.5 * 80.0)
    assert pc.adc_bits_for_levels(2) == 1 and pc.adc_bits_for_levels(17) == 5 and pc.adc_bits_for_levels(16) == 4


def test_bad_input():
    tech = pc.load_tech()
    with pytest.raises(ValueError, match="ADC type 'pipeline'"):
        pc.adc(8, "pipeline", tech)
    with pytest.raises(ValueError, match="ADC bits=0"):
        pc.adc(0, "sar", tech)
    with pytest.raises(ValueError, match="DAC bits=0"):
        pc.dac(0, tech, c_line_ff=1.0, v_line_v=0.2)
    with pytest.raises(ValueError, match="acc_bits=0"):
        pc.shift_add(0, tech)


def test_tim_uses_the_shared_adc():
    """TiM-DNN's column ADC costs are the shared model's, at every node and ADC setting."""
    from workbench.tim.arch import TimConfig, tile_costs
    from workbench.tim.params import load_params

    base = load_params()
    assert base.periphery == pc.load_tech()
    for node, kind, bits in itertools.product((22, 32, 65), pc.ADC_TYPES, (5, 7)):
        # L = 8: at 22 nm the 16 levels' bitline swing no longer fits the lower VDD (TimConfig.validate says so)
        cfg = TimConfig(adc_bits=bits, adc_type=kind, node_nm=node, rows_active=8)
        t = tile_costs(cfg, base)
        shared = pc.adc(bits, kind, pc.load_tech().at_node(node))
        assert t.e_conversion_fj == shared.energy_fj
        assert t.t_adc_ns == shared.time_ns * cfg.cols_per_adc
        assert t.area_um2["adc"] == 2 * cfg.cols // cfg.cols_per_adc * shared.area_um2
