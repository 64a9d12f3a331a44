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


def test_a_garbage_sparce_kernel_sidecar_is_one_error_naming_it(tmp_path, monkeypatch):
    from workbench.sparce import isa

    (tmp_path / "sparce_scalar.json").write_text("{not json")
    monkeypatch.setattr(isa, "KERNEL_DIR", tmp_path)
    isa.load_program.cache_clear()
    try:
        with pytest.raises(DamagedFile, match=rf"^{tmp_path}/sparce_scalar.json is not readable JSON .*; restore the "
                                              r"shipped kernels with `git checkout -- \S+` or rebuild them with `make "
                                              r"sparce-kernels`$"):
            isa.load_program("scalar")
    finally:
        isa.load_program.cache_clear()
