"""Tests of the nested crossbar config and its YAML presets."""

import pytest

from workbench.crossbar.array.config import PRESET_DIR, CrossbarConfig, load_preset


@pytest.mark.parametrize("name", sorted(p.stem for p in PRESET_DIR.glob("*.yaml")))
def test_every_preset_loads(name):
    assert isinstance(load_preset(name), CrossbarConfig)


def test_ideal_preset_is_the_default_config():
    assert load_preset("ideal") == CrossbarConfig()


def test_unknown_preset_and_field_raise(tmp_path):
    with pytest.raises(ValueError, match="available"):
        load_preset("nope")
    (tmp_path / "bad.yaml").write_text("circuit: {r_wire_ohm: 1.0}\n")
    with pytest.raises(ValueError, match="r_wire_ohm"):
        load_preset("bad", tmp_path)


def test_with_changes_replaces_fields_and_validates():
    cfg = CrossbarConfig().with_changes(circuit={"r_driver_ohm": 50.0}, seed=3)
    assert cfg.circuit.r_driver_ohm == 50.0 and cfg.seed == 3
    with pytest.raises(ValueError, match="r_sense_ohm=-1"):
        CrossbarConfig().with_changes(circuit={"r_sense_ohm": -1.0})
    with pytest.raises(ValueError, match="section"):
        CrossbarConfig().with_changes(wires={})

