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



def test_cell_conductances_come_with_their_source_and_range(tmp_path):
    """The cells of the shipped operating point state a source and, as assumptions, a plausible range that holds
    their value and the cited device's; an entry without a source, or an assumed one without a range, is refused."""
    from workbench.crossbar.array.config import preset_sources

    for field in ("g_max_us", "on_off_ratio"):
        assumed = preset_sources("rx_caffe")[f"device.{field}"]["assumed"]
        value, cited = (getattr(load_preset(name).device, field) for name in ("rx_caffe", "neurosim_rram"))
        assert assumed.low <= value <= assumed.high and assumed.low <= cited <= assumed.high
        assert preset_sources("neurosim_rram")[f"device.{field}"]["citation"].startswith("NeuroSim V1.4")
    (tmp_path / "bare.yaml").write_text("device: {g_max_us: {value: 20.0, unit: uS}}\n")
    with pytest.raises(ValueError, match=r"bare.yaml: preset entry 'device.g_max_us' has a value but no source"):
        load_preset("bare", tmp_path)
    (tmp_path / "guess.yaml").write_text("device: {g_max_us: {value: 20.0, source: '[R] a guess'}}\n")
    with pytest.raises(ValueError, match="without a plausible range"):
        load_preset("guess", tmp_path)
    (tmp_path / "cited.yaml").write_text("device: {g_max_us: {value: 20.0, source: 'Some et al. 2020'}}\n")
    assert load_preset("cited", tmp_path).device.g_max_us == 20.0
