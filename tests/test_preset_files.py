"""A preset entry of the wrong type is one ``ValueError`` naming the file, the entry and what is allowed, raised where
the file is read (not, as before, as knob 'declaration' where a knob is declared from it)."""

import re

import pytest

from workbench.core.integrity import verify, write_with_sidecar
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
    from workbench.crossbar.array.config import load_preset

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
    ("crossbar-text-for-a-number", "crossbar", "rx_caffe", "value: 50.0", "value: lots", load_crossbar,
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
    path = folder / "tuned_seed0.yaml"
    with pytest.raises(ValueError, match=rf"^{path} cannot be checked: its sidecar tuned_seed0.json is missing; "
                                         r"restore it .* or regenerate it with `workbench regenerate dyvedeep`$"):
        stored_effort(0)
    (folder / "tuned_seed0.json").write_text((presets_dir() / "dyvedeep" / "tuned_seed0.json").read_text())
    with pytest.raises(ValueError, match=rf"^{path} does not match the SHA-256 its sidecar tuned_seed0.json records "
                                         r".*: it was altered .*regenerate dyvedeep`$"):
        stored_effort(0)
    write_with_sidecar(path, path.read_bytes())  # as the regenerator would: the entry is what is wrong
    with pytest.raises(ValueError, match=rf"^preset {path}: spet_fraction='lots' is not allowed; "
                                         r"allowed: .* \(regenerate it with `workbench regenerate dyvedeep`\)$"):
        stored_effort(0)


@pytest.mark.parametrize("name", ["tuned_seed0", "tuned_seed1", "tuned_seed2", "tuned_seed3", "tuned_seed4"])
def test_the_shipped_tuned_presets_match_their_sidecars(name):
    from workbench.dyvedeep.reproduce import stored_effort

    assert verify(presets_dir() / "dyvedeep" / f"{name}.yaml", remake="")["command"] == "workbench regenerate dyvedeep"
    assert stored_effort(int(name[-1])).spet_fraction > 0


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi"))


@pytest.mark.parametrize(("text", "reason"), [
    (LAUGHS, r"expands to more than 100,000 nodes or 32 levels \(an alias counts as a copy of its node\)"),
    ("a: &a [*a]\n", r"alias \*a refers to a node that contains it"),
    ("x: " + "[" * 40 + "]" * 40 + "\n", r"expands to more than 100,000 nodes or 32 levels"),
    ("x: " + "y" * (1 << 20) + "\n", r"is 1,048,58\d bytes; allowed: a YAML file of at most 1,048,576 bytes"),
    ("x: !!python/object/apply:os.system [echo hi]\n", r"is not valid YAML: could not determine a constructor"),
    ("x: [unclosed\n", r"is not valid YAML"),
    (b"\xff\xfe\x00garbage", r"is not text"),
])
def test_a_crafted_preset_is_one_error_before_it_is_expanded(tmp_path, text, reason):
    from workbench.core.manifest import read_preset

    path = tmp_path / "crafted.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError, match=rf"^preset {path}:? {reason}") as error:
        read_preset("crossbar", "crafted", tmp_path)
    assert "\n" not in str(error.value) or "could not determine" in str(error.value)
