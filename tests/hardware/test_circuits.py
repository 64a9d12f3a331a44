"""Tests of the component library's circuits: sources, monotonicity, node scaling, hand-computed formulas, the
survey band, and that TiM-DNN prices its ADCs with exactly these models."""

import itertools
import math

import pytest

from workbench.core.manifest import read_preset
from workbench.hardware import analog, core, digital, memory
from workbench.hardware import tech as tech_table

BOTTOM_UP = ("sar", "flash")


def test_every_entry_has_unit_and_source():
    tree = read_preset("hardware", tech_table.DEFAULT_TECH)
    for section in tree.values():
        for name, entry in section.items():
            assert set(entry) >= {"value", "unit", "source"}, name
            assert len(entry["source"]) > 10, name
    tech = tech_table.load_tech()
    assert tech.node_nm == 32 and set(tech.sources) >= {"e_comparator_fj", "walden_fom_low_fj"}


@pytest.mark.parametrize("kind", BOTTOM_UP)
def test_adc_costs_grow_with_bits(kind):
    tech = tech_table.load_tech()
    costs = [analog.adc(b, kind, tech) for b in range(1, 13)]
    for lo, hi in itertools.pairwise(costs):
        assert hi.energy_fj > lo.energy_fj and hi.area_um2 > lo.area_um2 and hi.time_ns >= lo.time_ns


def test_flash_is_faster_but_costlier_than_sar_at_high_resolution():
    tech = tech_table.load_tech()
    sar, flash = analog.adc(8, "sar", tech), analog.adc(8, "flash", tech)
    assert flash.time_ns < sar.time_ns
    assert flash.energy_fj > sar.energy_fj and flash.area_um2 > sar.area_um2


def test_sar_formula_by_hand():
    tech = tech_table.load_tech()
    e = 5 * (10.0 + 2.2) + 1.33 * 32 * 1.0 * 0.9**2
    cost = analog.adc(5, "sar", tech)
    assert cost.energy_fj == pytest.approx(e)
    assert cost.time_ns == pytest.approx(5 * 0.15)
    assert cost.area_um2 == pytest.approx(3.0 + 32 * 0.5 + 5 * 4.0)


@pytest.mark.parametrize("kind", BOTTOM_UP)
def test_walden_fom_inside_the_survey_band(kind):
    """The first-order models land inside the band of Murmann's survey for 4-10 bits (a check, not a fit)."""
    tech = tech_table.load_tech()
    bits = range(6, 11) if kind == "sar" else range(4, 7)
    for b in bits:
        fom = analog.walden_fom_fj(b, kind, tech)
        assert tech.walden_fom_low_fj <= fom <= tech.walden_fom_high_fj, (kind, b, fom)


def test_node_scaling():
    tech = tech_table.load_tech()
    q = tech.at_node(45)
    s, v2 = 45 / 32, (1.0 / 0.9) ** 2
    assert q.a_comparator_um2 == pytest.approx(tech.a_comparator_um2 * s * s)
    assert q.e_comparator_fj == pytest.approx(tech.e_comparator_fj * s * v2)
    assert q.t_comparator_ps == pytest.approx(tech.t_comparator_ps * s)
    assert analog.adc(8, "sar", q).energy_fj > analog.adc(8, "sar", tech).energy_fj
    assert tech.at_node(32) is tech
    with pytest.raises(ValueError, match="node_nm=7"):
        tech.at_node(7)


def test_other_circuits():
    tech = tech_table.load_tech()
    one = analog.dac(1, tech, c_line_ff=10.0, v_line_v=0.2)
    # a minimum driver: chain (1 + gamma) C_min f / (f - 1) at VDD, plus the line at the read voltage
    chain = 2 * 0.25 * 1.0 * 4 / 3 * 0.81
    assert one.energy_fj == pytest.approx(10.0 * 0.04 + chain)
    assert analog.dac(4, tech, c_line_ff=10.0, v_line_v=0.2).energy_fj > one.energy_fj
    assert digital.shift_add(16, tech).energy_fj == pytest.approx(16 * 2.2 + 16 * 3.0 * 0.81)
    assert digital.shift_add(32, tech).area_um2 > digital.shift_add(16, tech).area_um2
    assert memory.wire(8, 0.5, tech) == pytest.approx(8 * 0.5 * 80.0)
    assert [analog.adc_bits_for_levels(n) for n in (2, 16, 17)] == [1, 4, 5]


def test_bad_input():
    tech = tech_table.load_tech()
    with pytest.raises(ValueError, match="ADC type 'pipeline'"):
        analog.adc(8, "pipeline", tech)
    with pytest.raises(ValueError, match="ADC bits=0"):
        analog.adc(0, "sar", tech)
    with pytest.raises(ValueError, match="DAC bits=0"):
        analog.dac(0, tech, c_line_ff=1.0, v_line_v=0.2)
    with pytest.raises(ValueError, match="acc_bits=0"):
        digital.shift_add(0, tech)


def test_tim_uses_the_shared_adc():
    """TiM-DNN's column ADC costs are the shared model's, at every node and ADC setting."""
    from workbench.tim.arch import TimConfig, tile_costs
    from workbench.tim.params import load_params

    base = load_params()
    assert base.periphery == tech_table.load_tech()
    for node, kind, bits in itertools.product((22, 32, 65), BOTTOM_UP, (5, 7)):
        # L = 8: at 22 nm the 16 levels' bitline swing no longer fits the lower VDD (TimConfig.validate says so)
        cfg = TimConfig(adc_bits=bits, adc_type=kind, node_nm=node, rows_active=8)
        t = tile_costs(cfg, base)
        shared = analog.adc(bits, kind, tech_table.load_tech().at_node(node))
        assert t.e_conversion_fj == shared.energy_fj
        assert t.t_adc_ns == shared.time_ns * cfg.cols_per_adc
        assert t.area_um2["adc"] == 2 * cfg.cols // cfg.cols_per_adc * shared.area_um2


def test_driver_is_sized_for_the_line_current():
    """A driver for 1 mA at 0.2 V with a 5 % drop needs W = 1000 ohm um x 1 mA / 10 mV = 100 um: its chain's
    (1 + gamma) x 100 fF x 4/3 at 0.81 V^2 dominates the line's C V^2; more current, more energy and area."""
    tech = tech_table.load_tech()
    big = analog.row_driver(tech, c_line_ff=2.0, v_line_v=0.2, i_line_a=1e-3)
    assert big.energy_fj == pytest.approx(2 * 100.0 * 4 / 3 * 0.81 + 2.0 * 0.04)
    assert big.area_um2 == pytest.approx(100.0 * 4 / 3 * 0.17)
    small = analog.row_driver(tech, c_line_ff=2.0, v_line_v=0.2, i_line_a=1e-5)
    assert small.energy_fj < big.energy_fj and small.area_um2 < big.area_um2 and small.time_ns < big.time_ns
    # electromigration limit of a 32 nm-wide, 1.8x as thick wire at 10 mA/um2
    assert analog.max_line_current_a(tech, width_um=0.032) == pytest.approx(10e-3 * 0.032 * 0.032 * 1.8)


def test_a_regulated_read_level_costs_the_regulators_drop_at_the_loads_current():
    """A linear regulator from VDD passes the load's current I: the load spends V I t, the regulator (VDD - V) I t.
    A supply at the level adds nothing; an unknown source, a level <= 0 or a regulated level above VDD is refused."""
    tech = tech_table.load_tech()
    v, i, t = 0.2, 1e-4, 10e-9
    load_fj = v * i * t * 1e15
    assert analog.read_level_source_fj(load_fj, v, tech, "supply") == 0.0
    assert analog.read_level_source_fj(load_fj, v, tech, "regulated") == pytest.approx((tech.vdd_v - v) * i * t * 1e15)
    assert analog.read_level_source_fj(load_fj, tech.vdd_v, tech, "regulated") == pytest.approx(0.0)
    for level, source, says in ((v, "ldo", "allowed: supply, regulated"), (0.0, "supply", "must be > 0"),
                                (tech.vdd_v + 0.1, "regulated", "above VDD")):
        with pytest.raises(ValueError, match=says):
            analog.read_level_source_fj(load_fj, level, tech, source)


def test_survey_adc_follows_rate_and_enob():
    tech = tech_table.load_tech()
    slow, fast = (analog.adc(8, "survey", tech, fs_hz=f) for f in (1e7, 5e9))
    assert fast.energy_fj > slow.energy_fj and fast.time_ns == pytest.approx(0.2)
    six = analog.adc(8, "survey", tech, fs_hz=1e9, enob=6)
    assert six.energy_fj < analog.adc(8, "survey", tech, fs_hz=1e9).energy_fj
    with pytest.raises(ValueError, match="needs a sample rate"):
        analog.adc(8, "survey", tech)


def test_sense_amplifier_follows_sensing_time_and_bias():
    kw = dict(vdd_v=1.0, c_latch_ff=20.0, tau_regen_ps=20.0)
    a = analog.sense_amplifier(1e-9, 0.04, 10.0, **kw)
    assert a.energy_fj == pytest.approx(20.0 + 1.0 * 10e-6 * 1e-9 * 1e15)
    assert a.time_ns == pytest.approx(0.02 * math.log(1 / 0.04))
    assert analog.sense_amplifier(2e-9, 0.04, 10.0, **kw).energy_fj > a.energy_fj
    assert analog.sense_amplifier(1e-9, 0.01, 10.0, **kw).time_ns > a.time_ns


def test_decoder_multiplier_memory_and_core():
    tech = tech_table.load_tech()
    one, two = (digital.decoder(256, tech, pitch_um=0.3, active=k) for k in (1, 2))
    assert one.energy_fj < two.energy_fj < 2 * one.energy_fj  # the enable line is shared
    assert digital.decoder(1024, tech, pitch_um=0.3).energy_fj > one.energy_fj
    assert digital.multiplier(8, 8, tech).energy_fj == pytest.approx(64 * 2.15)
    small, large = (memory.memory(64, kb * 8192, tech) for kb in (8, 1024))
    assert large.energy_fj > small.energy_fj and large.area_um2 == pytest.approx(1024 * 8192 * 0.285)
    assert memory.memory(64, 8192, tech, "edram").area_um2 < memory.memory(64, 8192, tech).area_um2
    assert memory.register_file(32, 64, tech).energy_fj > memory.register_file(32, 8, tech).energy_fj
    assert memory.bus(64, 1.0, tech).energy_fj > memory.wire(64, 1.0, tech)
    energies = {k: core.core_instruction(k, tech).energy_fj for k in core.INSTRUCTION_CLASSES}
    assert energies["mul"] > energies["alu"] == energies["branch"] and energies["load"] > energies["alu"]
    assert core.core_instruction("load", tech, data_cache=False).energy_fj == energies["alu"]
    with pytest.raises(ValueError, match="instruction class 'simd'"):
        core.core_instruction("simd", tech)


@pytest.mark.parametrize("node", [22, 32, 45, 65])
def test_ternary_multiplier_is_cheaper_than_the_smallest_array_multiplier(node):
    """A ternary product (sign and zero logic) costs less than a 2 x 2 array multiplier at every node, scales with
    the node as every dynamic energy does, and is what TiM-DNN's near-memory processing elements are charged."""
    from workbench.tim.arch import TimConfig, tile_costs
    from workbench.tim.params import load_params

    ref = tech_table.load_tech()
    tech = ref.at_node(node)
    t = digital.ternary_multiplier(tech)
    s, v2 = node / 32, (tech.vdd_v / ref.vdd_v) ** 2
    assert t.energy_fj == pytest.approx(ref.e_ternary_mult_fj * s * v2)
    assert 0 < t.energy_fj < digital.multiplier(2, 2, tech).energy_fj and t.time_ns > 0 and t.area_um2 > 0
    cfg = TimConfig(node_nm=node, rows_active=8)
    p = load_params().at_node(node)
    tile = tile_costs(cfg)
    e_mac = t.energy_fj + cfg.input_density * cfg.weight_density * p.acc_bits * p.e_add_per_bit_fj
    assert tile.nm_energy_breakdown_fj["macs"] == pytest.approx(cfg.cols * e_mac)
