"""Tests of the TiM tile / accelerator model: validation, hand-checked formulas and physical sanity trends."""

import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from workbench.core.manifest import read_preset
from workbench.tim.arch import PHASES, TECH_KNOBS, TimConfig, accelerator, adc_bits_needed, bitline_step_mv, tile_costs
from workbench.tim.params import DEFAULT_PRESET, load_params

BASE = TimConfig()


def test_adc_bits_needed():
    assert [adc_bits_needed(n) for n in (1, 2, 3, 7, 8, 15, 16)] == [1, 2, 2, 3, 4, 4, 5]


@pytest.mark.parametrize(
    "changes, knob",
    [
        ({"rows_active": 32, "rows": 16, "adc_bits": 6}, "rows_active"),
        ({"adc_bits": 4}, "adc_bits"),
        ({"rows_active": 32, "adc_bits": 6, "sigma_i_read_rel": 0.0}, "rows_active"),  # swing 32 x 38 mV > 0.8 VDD
        ({"sigma_i_read_rel": 0.05}, "sigma_i_read_rel"),  # 2 k sigma sqrt(L) = 1.2 >= 1: no step resolves 17 levels
        ({"sigma_i_read_rel": 0.6}, "sigma_i_read_rel"),
        ({"sense_margin_sigma": 0.0}, "sense_margin_sigma"),
        ({"i_read_ua": -1.0}, "i_read_ua"),
        ({"i_precharge_ua": 0.0}, "i_precharge_ua"),
        ({"sigma_offset_mv": -0.1}, "sigma_offset_mv"),
        ({"acc_bits": 5}, "acc_bits"),
        ({"acc_bits": 65}, "acc_bits"),
        ({"cols_per_pcu": 3}, "cols_per_pcu"),
        ({"cols_per_adc": 3}, "cols_per_adc"),
        ({"representation": "binary"}, "representation"),
        ({"adc_type": "pipeline"}, "adc_type"),
        ({"input_density": 0.0}, "input_density"),
        ({"tiles": 0}, "tiles"),
        ({"node_nm": 7}, "node_nm"),
        ({"t_access_ns": 0.1}, "t_access_ns"),
    ],
)
def test_bad_designs_name_the_knob(changes, knob):
    with pytest.raises(ValueError, match=knob):
        accelerator(replace(BASE, **changes))


def test_peak_tops_formula_and_tile_doubling():
    s = accelerator(BASE)
    ops = BASE.tiles * BASE.cols * BASE.rows_active * 2
    assert s.peak_tops == pytest.approx(ops / (s.tile.t_access_ns * 1e-9) / 1e12)
    d = accelerator(replace(BASE, tiles=2 * BASE.tiles))
    assert d.peak_tops == pytest.approx(2 * s.peak_tops)
    assert d.area_breakdown_mm2["tiles"] == pytest.approx(2 * s.area_breakdown_mm2["tiles"])
    assert s.tops_per_w == pytest.approx(s.peak_tops / s.power_w)
    assert s.tops_per_mm2 == pytest.approx(s.peak_tops / s.area_mm2)


@pytest.mark.parametrize("adc_type", ["sar", "flash"])
def test_more_adc_bits_cost_energy_and_area(adc_type):
    low = accelerator(replace(BASE, adc_type=adc_type, adc_bits=5))
    high = accelerator(replace(BASE, adc_type=adc_type, adc_bits=7))
    assert high.tile.e_access_fj > low.tile.e_access_fj
    assert high.tile.area_um2["adc"] > low.tile.area_um2["adc"]
    assert high.area_mm2 > low.area_mm2
    assert high.tops_per_w < low.tops_per_w


def test_hand_computed_bitline_and_tpc():
    p = load_params()
    t = tile_costs(BASE, p)
    a_tpc = 2 * 0.171 + 8 * 0.0257
    assert t.tpc_area_um2 == pytest.approx(a_tpc)
    height = math.sqrt(a_tpc / 2)  # aspect 2: width = 2 x height
    c_bl = 256 * (2 * 0.05 + 0.2 * height)
    assert t.c_bitline_ff == pytest.approx(c_bl)
    # Step for 17 levels: k sigma_os / sqrt(1/4 - k^2 L sigma_I^2) with k = 3, 6.3 mV, L = 16, 2 %.
    dv = 3 * 6.3 / math.sqrt(0.25 - 9 * 16 * 0.02**2)
    assert t.dv_step_mv == pytest.approx(dv)
    # Expected discharging cells per bitline: L x d_in x d_w / 2 = 2; E = C V dV.
    assert t.e_bitline_fj == pytest.approx(c_bl * 0.9 * 2 * dv * 1e-3)
    # Develop: C dV / I (fF mV / uA = ps) plus the bitline's Elmore delay; precharge restores L dV at 110 uA.
    rc = 0.38 * (3.0 * height * 256) * c_bl * 1e-6
    assert t.t_develop_ns == pytest.approx(c_bl * dv / 20.0 * 1e-3 + rc)
    assert t.t_precharge_ns == pytest.approx(c_bl * 16 * dv / 110.0 * 1e-3 + rc)
    assert t.area_um2["tpc_array"] == pytest.approx(256 * 256 * a_tpc)
    # SAR conversion: B (comparator + SAR bit) + 1.33 x 2^B x C_u x VDD^2.
    assert t.e_conversion_fj == pytest.approx(5 * (10 + 2.2) + 1.33 * 32 * 1.0 * 0.81)


def test_access_period_knob_trades_power_not_energy():
    s = accelerator(BASE)
    slow = accelerator(replace(BASE, t_access_ns=2 * s.tile.t_min_ns))
    assert slow.peak_tops == pytest.approx(s.peak_tops / 2)
    dynamic = s.power_w - s.power_breakdown_w["leakage"]
    # Not exact: a slower clock needs fewer SFU lanes, a smaller chip and so shorter buffer wires.
    assert slow.power_w - slow.power_breakdown_w["leakage"] == pytest.approx(dynamic / 2, rel=1e-2)
    assert slow.area_breakdown_mm2["sfu"] < s.area_breakdown_mm2["sfu"]


def test_more_rows_active_raise_throughput_and_bitline_delay():
    s8 = accelerator(replace(BASE, rows_active=8, adc_bits=4))
    s16 = accelerator(BASE)
    assert s16.tile.t_min_ns > s8.tile.t_min_ns  # one more SAR bit
    assert s16.peak_tops > s8.peak_tops


def test_older_node_is_bigger_and_less_efficient():
    s32 = accelerator(BASE)
    s45 = accelerator(replace(BASE, node_nm=45))
    assert s45.area_mm2 == pytest.approx(s32.area_mm2 * (45 / 32) ** 2, rel=0.02)
    assert s45.tops_per_w < s32.tops_per_w


def test_representation_costs_ordered():
    energies = [tile_costs(replace(BASE, representation=r)).e_access_fj
                for r in ("unweighted", "symmetric", "asymmetric")]
    assert energies[0] < energies[1] < energies[2]


def test_near_memory_reads_one_row():
    t = tile_costs(BASE)
    # A near-memory access produces cols MACs; a TiM access L x cols, so TiM energy per MAC is lower here.
    nm_per_mac = (t.e_rwl_fj + 2 * BASE.cols * t.nm_e_bitline_fj) / BASE.cols + t.nm_e_mac_fj
    tim_per_mac = (t.e_access_fj - t.energy_breakdown_fj["inputs"] - t.energy_breakdown_fj["outputs"]) / (
        BASE.cols * BASE.rows_active)
    assert tim_per_mac < nm_per_mac
    assert t.nm_t_access_ns < t.t_min_ns


def test_step_grows_with_levels_and_spread():
    assert bitline_step_mv(16, 6.3, 0.0, 3.0) == pytest.approx(2 * 3 * 6.3)  # offset only: 2 k sigma_os
    steps = [bitline_step_mv(n, 6.3, 0.02, 3.0) for n in (1, 4, 8, 16)]
    assert steps == sorted(steps) and steps[0] < steps[-1]
    spreads = [bitline_step_mv(16, 6.3, s, 3.0) for s in (0.0, 0.01, 0.02, 0.03)]
    assert spreads == sorted(spreads) and spreads[0] < spreads[-1]


@pytest.mark.parametrize("sigma", [0.0, 0.02])
def test_period_grows_with_rows_active(sigma):
    """At a fixed ADC the develop and precharge phases, and so the period, grow with L."""
    periods, develop = [], []
    for n in (2, 4, 8, 16):
        t = tile_costs(replace(BASE, rows_active=n, sigma_i_read_rel=sigma))
        periods.append(t.t_min_ns)
        develop.append(t.t_develop_ns)
    assert periods == sorted(periods) and periods[0] < periods[-1]
    assert develop == sorted(develop)
    if sigma:
        assert develop[0] < develop[-1]


def test_period_grows_with_cell_current_variation():
    ts = [tile_costs(replace(BASE, rows_active=8, sigma_i_read_rel=s)) for s in (0.0, 0.01, 0.02, 0.04)]
    assert [t.t_develop_ns for t in ts] == sorted(t.t_develop_ns for t in ts)
    assert [t.t_min_ns for t in ts] == sorted(t.t_min_ns for t in ts)
    assert ts[0].t_min_ns < ts[-1].t_min_ns


def test_period_is_the_sum_of_its_phases_or_the_longest_stage():
    t = tile_costs(BASE)
    assert set(t.phases_ns) == set(PHASES) and set(t.critical_path_ns) == set(PHASES)
    assert sum(t.critical_path_ns.values()) == pytest.approx(t.t_min_ns)
    ph = t.phases_ns
    assert t.t_min_ns == pytest.approx(max(ph["decode"], ph["precharge"]) + ph["wordline"] + ph["develop"]
                                       + ph["conversion"] + ph["accumulate"])
    piped = tile_costs(replace(BASE, conversion_pipelined=True))
    stages = (max(ph["decode"], ph["precharge"]) + ph["wordline"] + ph["develop"], ph["conversion"],
              ph["accumulate"])
    assert piped.t_min_ns == pytest.approx(max(stages))
    assert sum(piped.critical_path_ns.values()) == pytest.approx(piped.t_min_ns)
    assert "sample_hold" in piped.area_um2 and "sample_hold" in piped.energy_breakdown_fj
    # Sharing an ADC or a PCU serialises its phase.
    shared = tile_costs(replace(BASE, cols_per_adc=2, cols_per_pcu=4))
    assert shared.t_adc_ns == pytest.approx(2 * t.t_adc_ns)
    assert shared.t_accumulate_ns == pytest.approx(4 * t.t_accumulate_ns)
    assert shared.area_um2["pcu"] < t.area_um2["pcu"]


def test_accumulator_width_costs_time_energy_and_area():
    narrow, wide = tile_costs(replace(BASE, acc_bits=8)), tile_costs(replace(BASE, acc_bits=24))
    assert wide.t_accumulate_ns > narrow.t_accumulate_ns
    assert wide.e_pcu_column_fj > narrow.e_pcu_column_fj
    assert wide.area_um2["pcu"] > narrow.area_um2["pcu"]


def test_tech_knobs_default_to_the_preset_and_replace_it():
    p = load_params()
    for name in TECH_KNOBS:
        assert getattr(BASE, name) == getattr(p, name), name
    assert BASE.technology(p).i_read_ua == p.i_read_ua
    assert replace(BASE, i_read_ua=40.0).technology(p).i_read_ua == 40.0
    assert tile_costs(replace(BASE, i_read_ua=40.0)).t_develop_ns < tile_costs(BASE).t_develop_ns
    assert tile_costs(replace(BASE, i_precharge_ua=220.0)).t_precharge_ns < tile_costs(BASE).t_precharge_ns


def _numbers(tree):
    for section, entries in tree.items():
        for name, entry in entries.items():
            value = entry["value"]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                yield section, name, float(value)


def test_no_preset_value_is_a_paper_headline_number():
    """No TiM preset entry equals a number derived from the paper's headline figures (tim_paper.csv).

    Derived: every headline value and range end, the access period the 114 TOPS implies for the default
    organisation, energy per op, power and area per tile, per column and per TPC, and the period's scaled copies
    (ps, us) and the energies in fJ/pJ. Excluded: ``node_nm`` (the paper's stated node is an input, not a
    result) and the ``gpu_reference`` section (V100 datasheet numbers, the denominators of the paper's ratios).
    """
    paper = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "reference" / "tim_paper.csv")
    values = {row.quantity: row.low for row in paper.itertuples()}
    derived = set(paper["low"]) | set(paper["high"])
    cfg = TimConfig()
    ops_per_access = cfg.tiles * cfg.cols * cfg.rows_active * 2
    period_ns = ops_per_access / (values["peak_tops"] * 1e3)  # ~2.3 ns
    fj_per_op = values["power_w"] / (values["peak_tops"] * 1e12) * 1e15
    tile_mm2 = values["area_mm2"] / cfg.tiles
    tile_w = values["power_w"] / cfg.tiles
    derived |= {period_ns, period_ns * 1e3, period_ns * 1e-3, 1 / period_ns, fj_per_op, fj_per_op * 1e-3,
                fj_per_op * ops_per_access / cfg.tiles, tile_mm2, tile_mm2 * 1e6, tile_mm2 * 1e6 / cfg.cols,
                tile_mm2 * 1e6 / (cfg.rows * cfg.cols), tile_w, tile_w * 1e3, tile_w * period_ns * 1e3,
                values["peak_tops"] / cfg.tiles}
    assert any(math.isclose(d, 2.3, rel_tol=0.01) for d in derived)
    hits = [(section, name, v, d) for section, name, v in _numbers(read_preset("tim", DEFAULT_PRESET))
            if section != "gpu_reference" and name != "node_nm"
            for d in derived if d and math.isclose(v, d, rel_tol=5e-3)]
    assert not hits, f"preset values equal to numbers derived from the paper's headline figures: {hits}"
