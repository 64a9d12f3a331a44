"""Damaged cache files (truncated, foreign, missing a member) are named in one warning and rebuilt, never a failure.

The SparCE record and network, and the MRAM switching tables are tested beside their themes; here the shared loader
and the trained-weight caches of DyVeDeep and PaD.
"""

import pytest
import torch

from workbench.core.caches import load_cached


def test_an_absent_file_is_none_without_a_warning(tmp_path, recwarn):
    assert load_cached(tmp_path / "none.npz", lambda path: 1, instead="computing it") is None
    assert not recwarn.list


def test_a_damaged_file_is_named_with_what_is_wrong_and_what_happens_instead(tmp_path):
    path = tmp_path / "weights.pt"
    path.write_bytes(b"not a torch archive")
    with pytest.warns(UserWarning, match=rf"^cache file {path} is damaged \(UnpicklingError: .*\); training it again, "
                                         r"which replaces it$"):
        assert load_cached(path, torch.load, instead="training it again") is None


def test_dyvedeep_retrains_over_damaged_weights(tmp_path, monkeypatch):
    from workbench import nn
    from workbench.dyvedeep import network

    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    monkeypatch.setattr(nn, "fit", lambda model, *args, **kwargs: None)  # "training": keep the seeded weights
    network.trained_network.cache_clear()
    first = network.trained_network(3).model.state_dict()
    [path] = (tmp_path / "results" / "dyvedeep").iterdir()
    for damage in (path.read_bytes()[:100], _saved({"conv.weight": torch.zeros(2)})):
        path.write_bytes(damage)
        network.trained_network.cache_clear()
        with pytest.warns(UserWarning, match=rf"cache file {path} is damaged .*training the seed-3 network again"):
            again = network.trained_network(3).model.state_dict()
        assert all(torch.equal(again[name], first[name]) for name in first)
    network.trained_network.cache_clear()


def _saved(state) -> bytes:
    import io

    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def test_pad_names_damaged_weights_and_how_to_make_new_ones(tmp_path, monkeypatch):
    from workbench.pad import detector
    from workbench.pad.detector import DetectorConfig, load_detector, weights_path

    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    monkeypatch.setattr(detector, "_LOADED", {})  # another test of this process may have loaded the detector
    path = weights_path(DetectorConfig())
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.warns(UserWarning, match=rf"cache file {path} is damaged .*make new weights with `workbench "
                                         r"regenerate pad`"), \
            pytest.raises(FileNotFoundError, match=r"no usable cached detector weights at .*regenerate pad"):
        load_detector(DetectorConfig(), train=False)
