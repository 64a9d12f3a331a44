"""Tests of the TiM tile / accelerator model: validation, hand-checked formulas and physical sanity trends."""

import math
from dataclasses import replace

import pytest

from workbench.tim.arch import TimConfig, accelerator, adc_bits_needed, tile_costs
from workbench.tim.params import load_params

BASE = TimConfig()


def test_adc_bits_needed():
    assert [adc_bits_needed(n) for n in (1, 2, 3, 7, 8, 15, 16)] == [1, 2, 2, 3, 4, 4, 5]


@pytest.mark.parametrize(
    "changes, knob",
    [
        ({"rows_active": 32, "rows": 16, "adc_bits": 6}, "rows_active"),
        ({"adc_bits": 4}, "adc_bits"),
        ({"rows_active": 32, "adc_bits": 6}, "rows_active"),  # bitline swing 32 x 40 mV > 0.8 VDD
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
    # Expected discharging cells per bitline: L x d_in x d_w / 2 = 2; E = C V dV.
    assert t.e_bitline_fj == pytest.approx(c_bl * 0.9 * 2 * 0.040)
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
