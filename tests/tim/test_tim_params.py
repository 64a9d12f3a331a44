"""Tests of the TiM technology table: every entry sourced, node scaling follows the stated first-order rules."""

import math

import pytest

from workbench.core.manifest import read_preset
from workbench.tim.params import DEFAULT_PRESET, load_params


def test_every_entry_has_unit_and_source():
    tree = read_preset("tim", DEFAULT_PRESET)
    for section in tree.values():
        for name, entry in section.items():
            assert set(entry) >= {"value", "unit", "source"}, name
            assert len(entry["source"]) > 10, name
    p = load_params()
    assert p.node_nm == 32 and p.vdd_v == pytest.approx(0.9)
    assert set(p.sources) >= {"e_comparator_fj", "v100_power_w"}


def test_scaling_rules():
    p = load_params()
    q = p.at_node(45)
    s = 45 / 32
    v2 = (q.vdd_v / p.vdd_v) ** 2
    assert q.sram_6t_cell_um2 == pytest.approx(p.sram_6t_cell_um2 * s * s)
    assert q.c_drain_ff == pytest.approx(p.c_drain_ff * s)
    assert q.fo4_ps == pytest.approx(p.fo4_ps * s)
    assert q.e_comparator_fj == pytest.approx(p.e_comparator_fj * s * v2)
    assert q.r_wire_ohm_per_um == pytest.approx(p.r_wire_ohm_per_um / s**2)
    # C dV / I is node-independent: capacitance and current both scale with s.
    assert q.c_drain_ff / q.i_read_ua == pytest.approx(p.c_drain_ff / p.i_read_ua)
    assert q.sigma_offset_mv == p.sigma_offset_mv and q.sigma_i_read_rel == p.sigma_i_read_rel
    assert q.i_precharge_ua == pytest.approx(p.i_precharge_ua * s)
    assert p.at_node(32) is p
    assert not math.isclose(q.vdd_v, p.vdd_v)


def test_unknown_node_and_bad_preset(tmp_path):
    with pytest.raises(ValueError, match="node_nm=7"):
        load_params().at_node(7)
    bad = tmp_path / "bad.yaml"
    bad.write_text("technology:\n  node_nm: {value: 32, unit: nm, source: x}\n")
    with pytest.raises(ValueError, match="missing entries"):
        load_params("bad", tmp_path)
