"""A preset entry of the wrong type is one ``ValueError`` naming the file, the entry and what is allowed, raised where
the file is read (not, as before, as knob 'declaration' where a knob is declared from it)."""

import re

import pytest

from workbench.core.paths import presets_dir


def edited(tmp_path, theme, name, old, new):
    """A copy of the shipped preset ``theme/name.yaml`` in ``tmp_path/theme`` with ``old`` replaced by ``new``."""
    folder = tmp_path / theme
    folder.mkdir(exist_ok=True)
    text = (presets_dir() / theme / f"{name}.yaml").read_text()
    assert old in text
    (folder / f"{name}.yaml").write_text(text.replace(old, new, 1))
    return folder


def load_tim(folder):
    from workbench.tim.params import load_params

    return load_params("tim_32nm", folder)


def load_periphery(folder):
    from workbench.hardware.tech import load_tech

    return load_tech("cmos_32nm", folder)


def load_crossbar(folder):
    from workbench.crossbar.config import load_preset

    return load_preset("rx_caffe", folder)


CASES = [
    ("tim-text-for-a-number", "tim", "tim_32nm", "i_read_ua: {value: 20.0", 'i_read_ua: {value: "twenty"', load_tim,
     r"i_read_ua='twenty' is not allowed; allowed: a number$"),
    ("tim-fraction-for-a-count", "tim", "tim_32nm", "acc_bits: {value: 16", "acc_bits: {value: 16.5", load_tim,
     r"acc_bits=16.5 is not allowed; allowed: a whole number$"),
    ("tim-list-for-a-number", "tim", "tim_32nm", "c_gate_ff: {value: 0.08", "c_gate_ff: {value: [0.08]", load_tim,
     r"c_gate_ff=\[0.08\] is not allowed; allowed: a number$"),
    ("hardware-bool-for-a-number", "hardware", "cmos_32nm", "vdd_v: {value: 0.9", "vdd_v: {value: true",
     load_periphery, r"vdd_v=True is not allowed; allowed: a number$"),
    ("crossbar-text-for-a-number", "crossbar", "rx_caffe", "g_max_us: 50.0", "g_max_us: lots", load_crossbar,
     r", section 'device': DeviceConfig.g_max_us='lots' is not allowed; allowed: 0.0 < g_max_us"),
]


@pytest.mark.parametrize("theme,name,old,new,load,says", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_wrong_type_names_the_file_and_the_entry(tmp_path, theme, name, old, new, load, says):
    folder = edited(tmp_path, theme, name, old, new)
    with pytest.raises(ValueError) as raised:
        load(folder)
    message = str(raised.value)
    assert message.startswith(f"preset {folder / name}.yaml") and re.search(says, message), message
    assert "declaration" not in message


def test_a_shipped_preset_of_the_wrong_type_says_how_to_restore_it(monkeypatch, tmp_path):
    from workbench.core import manifest
    from workbench.mram import params

    folder = edited(tmp_path, "mram", "pma_cofeb", "tmr: {value: 1.2", 'tmr: {value: "high"')
    monkeypatch.setattr(manifest, "presets_dir", lambda: tmp_path)
    params.preset_values.cache_clear()
    try:
        with pytest.raises(ValueError, match=rf"^preset {folder}/pma_cofeb.yaml: tmr='high' is not allowed; allowed: "
                                             rf"a number \(restore the shipped file with `git checkout -- \S+`\)$"):
            params.load_mtj("pma_cofeb")
    finally:
        params.preset_values.cache_clear()


def test_a_bad_dyvedeep_setting_names_the_file_and_how_to_regenerate_it(monkeypatch, tmp_path):
    from workbench.core import manifest
    from workbench.dyvedeep.reproduce import stored_effort

    folder = edited(tmp_path, "dyvedeep", "tuned_seed0", "spet_fraction:\n    value: 0.25",
                    "spet_fraction:\n    value: lots")
    monkeypatch.setattr(manifest, "presets_dir", lambda: tmp_path)
    with pytest.raises(ValueError, match=rf"^preset {folder}/tuned_seed0.yaml: spet_fraction='lots' is not allowed; "
                                         r"allowed: .* \(regenerate it with `workbench regenerate dyvedeep`\)$"):
        stored_effort(0)
