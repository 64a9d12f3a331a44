"""The MRAM presets: every entry sourced, loaded into validated configs."""

import pytest

from workbench.core.manifest import read_preset
from workbench.mram.params import MTJ, load_magnet, load_mtj, preset_values

PRESETS = ("pma_cofeb", "inplane_cofeb", "write_paths", "array_45nm")


@pytest.mark.parametrize("name", PRESETS)
def test_every_entry_has_a_value_unit_and_source(name):
    for section, entries in read_preset("mram", name).items():
        for entry, spec in entries.items():
            assert {"value", "unit", "source"} <= set(spec), f"{name}: {section}.{entry}"
            assert str(spec["source"]).strip()
    preset_values(name)


def test_magnets_and_mtj():
    pma, ima = load_magnet("pma_cofeb"), load_magnet("inplane_cofeb")
    assert pma.anisotropy == "perpendicular" and ima.anisotropy == "in-plane"
    mtj = load_mtj("pma_cofeb")
    assert mtj.r_p_ohm == pytest.approx(10.0 / (pma.area_m2 * 1e12))
    assert mtj.r_ap_ohm(0.0) == pytest.approx(mtj.r_p_ohm * 2.2)
    assert mtj.r_ap_ohm(0.5) < mtj.r_ap_ohm(0.1)


def test_negative_tmr_is_refused():
    with pytest.raises(ValueError, match="tmr"):
        MTJ(ra_ohm_um2=10, tmr=-0.1, v_half_v=0.5, area_m2=1e-15)
    with pytest.raises(ValueError, match="ms_a_per_m"):
        load_magnet("pma_cofeb", ms_a_per_m=-1.0)
