"""The checked readers of data files: each crafted file is one ``DamagedFile`` (a ``ValueError``) naming the file,
what is wrong and how to make it again; a good file reads back unchanged."""

import json

import numpy as np
import pytest
import torch

from workbench.core.integrity import DamagedFile, check_finite, read_json, verify, write_with_sidecar

REMAKE = "make it again with `workbench regenerate x`"


def test_a_file_written_with_its_sidecar_verifies_and_an_altered_one_is_named(tmp_path):
    path = write_with_sidecar(tmp_path / "t.npz", b"payload", {"command": "workbench regenerate x"})
    assert verify(path, remake=REMAKE) == {"command": "workbench regenerate x",
                                            "sha256": json.loads((tmp_path / "t.json").read_text())["sha256"]}
    path.write_bytes(b"pAyload")
    with pytest.raises(DamagedFile, match=rf"^{path} does not match the SHA-256 its sidecar t.json records \(\w{{12}}"
                                          rf"\.\.\. vs \w{{12}}\.\.\.\): it was altered or damaged after it was "
                                          rf"written; {REMAKE}$"):
        verify(path, remake=REMAKE)


@pytest.mark.parametrize(("text", "says"), [(None, "is missing"), ("{", "is not readable JSON \\(Expecting"),
                                            ("[1, 2]", "holds a JSON list, not an object"),
                                            (b"\xff\xfe", "is not readable JSON")])
def test_a_json_sidecar_that_is_not_an_object_is_one_error(tmp_path, text, says):
    path = tmp_path / "side.json"
    if text is not None:
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(DamagedFile, match=rf"^{path} {says}.*; {REMAKE}$"):
        read_json(path, remake=REMAKE)


@pytest.mark.parametrize(("arrays", "infinite_ok", "says"), [
    ({"w": np.array([1.0, np.nan])}, (), "w holds 1 non-finite value"),
    ({"w": np.array([np.inf, -np.inf])}, (), "w holds 2 non-finite value"),
    ({"t": np.array([np.inf, np.nan])}, ("t",), "t holds 1 non-finite value"),
    ({"w": torch.tensor([0.0, float("nan")])}, (), "w holds 1 non-finite value"),
    ({"w": np.array([print], dtype=object)}, (), "w holds object values, not numbers"),
    ({"w": np.array(["1.0"])}, (), "w holds <U3 values, not numbers"),
])
def test_values_that_are_not_finite_numbers_are_named(arrays, infinite_ok, says):
    with pytest.raises(DamagedFile, match=f"^{says}"):
        check_finite(arrays, infinite_ok=infinite_ok)


def test_finite_numbers_and_allowed_infinities_pass():
    check_finite({"t": np.array([1e-9, np.inf]), "n": np.arange(3), "b": np.array([True]),
                  "w": torch.ones(2)}, infinite_ok=("t",))


def flip_a_byte(folder, variant):
    binary = folder / f"sparce_{variant}.bin"
    code = bytearray(binary.read_bytes())
    code[len(code) // 2] ^= 0x01  # one bit of one instruction: still decodes, computes something else
    binary.write_bytes(bytes(code))


def drop_the_hash(folder, variant):
    sidecar = folder / f"sparce_{variant}.json"
    sidecar.write_text(json.dumps({k: v for k, v in json.loads(sidecar.read_text()).items() if k != "sha256"}))


KERNEL_CASES = [
    ("sidecar-garbage", lambda folder, variant: (folder / f"sparce_{variant}.json").write_text("{not json"),
     r"cannot be checked: its sidecar sparce_{variant}.json is not readable JSON"),
    ("binary-altered", flip_a_byte, r"does not match the SHA-256 its sidecar sparce_{variant}.json records"),
    ("binary-truncated", lambda folder, variant: (folder / f"sparce_{variant}.bin").write_bytes(b"\x1f\x20\x03\xd5"),
     r"does not match the SHA-256 its sidecar"),
    ("binary-missing", lambda folder, variant: (folder / f"sparce_{variant}.bin").unlink(),
     r"cannot be read \(No such file or directory\)"),
    ("sidecar-without-hash", drop_the_hash, r"has no content hash in its sidecar sparce_{variant}.json"),
]


@pytest.mark.parametrize("variant", ["scalar", "neon"])
@pytest.mark.parametrize("damage,says", [c[1:] for c in KERNEL_CASES], ids=[c[0] for c in KERNEL_CASES])
def test_a_damaged_or_altered_sparce_kernel_is_one_error_naming_it(damage, says, variant, tmp_path, monkeypatch):
    """The committed kernel binaries carry their SHA-256 in the sidecar build.sh writes; a binary that does not match
    it is refused before capstone decodes it (an altered instruction would time another program silently)."""
    import shutil

    from workbench.sparce import isa

    for name in (f"sparce_{variant}.bin", f"sparce_{variant}.json"):
        shutil.copy(isa.KERNEL_DIR / name, tmp_path)
    monkeypatch.setattr(isa, "KERNEL_DIR", tmp_path)
    isa.load_program.cache_clear()
    try:
        assert len(isa.load_program(variant).instrs) > 100  # the copies are good
        isa.load_program.cache_clear()
        damage(tmp_path, variant)
        with pytest.raises(DamagedFile, match=rf"^{tmp_path}/sparce_{variant}.bin {says.format(variant=variant)}"
                                              r".*; restore the shipped kernels with `git checkout -- \S+` or rebuild "
                                              r"them with `make sparce-kernels`$"):
            isa.load_program(variant)
    finally:
        isa.load_program.cache_clear()


def test_the_committed_kernel_sidecars_are_what_build_sh_writes():
    """Each sidecar's hash is the binary's, and build.sh records it (a rebuild keeps the check)."""
    from workbench.core.files import content_sha256
    from workbench.sparce import isa

    for variant in isa.VARIANTS:
        meta = json.loads((isa.KERNEL_DIR / f"sparce_{variant}.json").read_text())
        assert meta["sha256"] == content_sha256(isa.KERNEL_DIR / f"sparce_{variant}.bin")
    assert '"sha256": hashlib.sha256(' in (isa.KERNEL_DIR / "build.sh").read_text()


# -- the reference tables of data/reference/: every CSV reader, each crafted two ways -----------------------------
def _paper():
    from workbench.core.manifest import paper_table

    paper_table.cache_clear()
    return paper_table("pruning")


def _claims():
    from workbench.core.manifest import claims_table

    claims_table.cache_clear()
    return claims_table()


def _components():
    from workbench.hardware.validate import reference_table

    return reference_table()


def _survey():
    from workbench.hardware.adc_survey import load_survey

    load_survey.cache_clear()
    return load_survey()


def _neurosim():
    from workbench.hardware.neurosim_match import reference_rows

    return reference_rows()


def _spread():
    from workbench.core.seed_spread import read_tolerances

    return read_tolerances()


REGENERATE_TABLES = r"`workbench regenerate reference-tables`"
#: (reader, the module whose reference_dir it reads, file under data/reference/, hash kept in the folder's manifest,
#: a column that needs a number, a value that is not one there, how to make the file again)
TABLES = [
    ("paper-table", _paper, "workbench.core.manifest", "pruning_paper.csv", True, "low", "about 3",
     REGENERATE_TABLES),
    ("claims", _claims, "workbench.core.manifest", "claims.csv", True, None, None, REGENERATE_TABLES),
    ("components-reference", _components, "workbench.hardware.validate", "components_reference.csv", True, "high",
     "nan", REGENERATE_TABLES),
    ("adc-survey", _survey, "workbench.hardware.adc_survey", "adc_survey.csv", False, "power_w", "inf",
     r"`workbench regenerate adc-survey`"),
    ("neurosim", _neurosim, "workbench.hardware.neurosim_match", "components_neurosim.csv", False, "low", "-inf",
     r"`make bench-neurosim ARGS=--write`"),
    ("seed-spread", _spread, "workbench.core.seed_spread", "seeds/spread.csv", False, "value", "nan",
     r"`workbench regenerate seed-spread`"),
]


def _reference_copy(tmp_path, monkeypatch, module, name, in_manifest):
    """A copy of data/reference/ holding the shipped ``name`` and its hash record, read instead of the shipped one."""
    import shutil

    from workbench.core.integrity import MANIFEST_NAME
    from workbench.core.paths import reference_dir

    shipped = reference_dir() / name
    copy = tmp_path / "reference" / name
    copy.parent.mkdir(parents=True)
    shutil.copy(shipped, copy)
    record = (reference_dir() / MANIFEST_NAME, tmp_path / "reference" / MANIFEST_NAME) if in_manifest else \
        (shipped.with_suffix(".json"), copy.with_suffix(".json"))
    shutil.copy(*record)
    monkeypatch.setattr(f"{module}.reference_dir", lambda: tmp_path / "reference")
    return copy


def _rewritten(path, column, value):
    """``path`` with the first cell of ``column`` set to ``value`` (text), every other cell as it was."""
    import pandas as pd

    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[0, column] = value
    path.write_text(table.to_csv(index=False))


def _re_record(path, in_manifest):
    """Record ``path``'s hash as its writer would (the manifest command, or the sidecar)."""
    from workbench.core.integrity import record_manifest

    if in_manifest:
        record_manifest(path.parent, [path.name], command="workbench regenerate reference-tables")
    else:
        write_with_sidecar(path, path.read_bytes(), json.loads(path.with_suffix(".json").read_text()))


@pytest.mark.parametrize("reader,module,name,in_manifest,column,bad,remake", [c[1:] for c in TABLES],
                         ids=[c[0] for c in TABLES])
def test_a_reference_table_altered_after_it_was_recorded_is_one_error_naming_it(
        reader, module, name, in_manifest, column, bad, remake, tmp_path, monkeypatch):
    import pandas as pd

    shipped = reader()
    copy = _reference_copy(tmp_path, monkeypatch, module, name, in_manifest)
    pd.testing.assert_frame_equal(reader(), shipped)  # the copy reads as the shipped table
    with copy.open("a") as table:  # a row added by hand, its hash not recorded
        table.write(",".join(["x"] * len(shipped.reset_index().columns)) + "\n")
    record = "hash manifest SHA256SUMS.json" if in_manifest else f"sidecar {copy.with_suffix('.json').name}"
    with pytest.raises(DamagedFile, match=rf"^{copy} does not match the SHA-256 its {record} records .*; restore it "
                                          rf"with `git checkout -- {copy}`.* {remake}$"):
        reader()


@pytest.mark.parametrize("reader,module,name,in_manifest,column,bad,remake",
                         [c[1:] for c in TABLES if c[5] is not None], ids=[c[0] for c in TABLES if c[5] is not None])
def test_a_reference_table_without_a_number_where_one_is_required_is_one_error_naming_it(
        reader, module, name, in_manifest, column, bad, remake, tmp_path, monkeypatch):
    """The hash recorded again after the edit (a reviewed edit gone wrong, or a forged record): the values are still
    checked."""
    copy = _reference_copy(tmp_path, monkeypatch, module, name, in_manifest)
    _rewritten(copy, column, bad)
    _re_record(copy, in_manifest)
    says = r"Unable to parse string" if bad == "about 3" else rf"{column} holds 1 non-finite value\(s\)"
    with pytest.raises(DamagedFile, match=rf"^{copy}: {says}.* where numbers are required; restore it with `git "
                                          rf"checkout -- {copy}`.* {remake}$"):
        reader()


def test_the_manifest_records_every_hand_written_table_and_the_command_that_records_it():
    from workbench.core.integrity import MANIFEST_NAME, problem
    from workbench.core.manifest import RECORD_COMMAND, curated_tables
    from workbench.core.paths import reference_dir

    manifest = json.loads((reference_dir() / MANIFEST_NAME).read_text())
    assert manifest["command"] == RECORD_COMMAND and sorted(manifest["sha256"]) == curated_tables()
    assert {"claims.csv", "components_reference.csv", "tim_paper.csv"} <= set(curated_tables())
    assert all(problem(reference_dir() / name, manifest=True) is None for name in curated_tables())
