"""Damaged cache files (truncated, foreign, missing a member) are named in one warning and rebuilt, never a failure.

The SparCE record and network, and the MRAM switching tables are tested beside their themes; here the shared loader
and the trained-weight caches of DyVeDeep and PaD.
"""

from pathlib import Path

import pytest
import torch

from workbench.core.caches import load_cached
from workbench.core.integrity import write_with_sidecar


def test_an_absent_file_is_none_without_a_warning(tmp_path, recwarn):
    assert load_cached(tmp_path / "none.npz", lambda path: 1, instead="computing it") is None
    assert not recwarn.list


def test_a_damaged_file_is_named_with_what_is_wrong_and_what_happens_instead(tmp_path):
    path = write_with_sidecar(tmp_path / "weights.pt", b"not a torch archive")
    with pytest.warns(UserWarning, match=rf"^cache file {path} is damaged \(UnpicklingError: .*\); training it again, "
                                         r"which replaces it$"):
        assert load_cached(path, torch.load, instead="training it again") is None


@pytest.mark.parametrize(("damage", "reason"), [
    (lambda path: path.write_bytes(path.read_bytes() + b"x"), r"does not match the SHA-256 its sidecar w.json records"),
    (lambda path: path.with_suffix(".json").unlink(), r"cannot be checked: its sidecar w.json is missing"),
    (lambda path: path.with_suffix(".json").write_text("{"),
     r"cannot be checked: its sidecar w.json is not readable JSON"),
    (lambda path: path.with_suffix(".json").write_text("{}"), r"has no content hash in its sidecar w.json"),
])
def test_a_cache_is_read_only_when_it_matches_the_hash_its_writer_recorded(tmp_path, damage, reason):
    path = write_with_sidecar(tmp_path / "w.npz", b"payload")
    assert load_cached(path, lambda p: p.read_bytes(), instead="computing it") == b"payload"
    damage(path)
    with pytest.warns(UserWarning, match=rf"^cache file {path} is damaged \({reason}.*\); computing it"):
        assert load_cached(path, lambda p: p.read_bytes(), instead="computing it") is None


def test_dyvedeep_retrains_over_damaged_weights(tmp_path, monkeypatch):
    from workbench import nn
    from workbench.dyvedeep import network

    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    monkeypatch.setattr(nn, "fit", lambda model, *args, **kwargs: None)  # "training": keep the seeded weights
    network.trained_network.cache_clear()
    first = network.trained_network(3).model.state_dict()
    [path] = (tmp_path / "results" / "dyvedeep").glob("*.pt")
    nan = {name: torch.full_like(t, float("nan")) if t.is_floating_point() else t for name, t in first.items()}
    altered = {name: 1000 * t for name, t in first.items()}
    for damage, signed, reason in ((path.read_bytes()[:100], True, "RuntimeError: PytorchStreamReader"),
                                   (_saved({"conv.weight": torch.zeros(2)}), True, "KeyError: .*tensors are not"),
                                   (_saved(nan), True, "features.0.weight holds .* non-finite value"),
                                   (_saved(altered), False, "does not match the SHA-256")):
        (write_with_sidecar if signed else Path.write_bytes)(path, damage)
        network.trained_network.cache_clear()
        with pytest.warns(UserWarning, match=rf"cache file {path} is damaged \({reason}.*training the seed-3 "
                                             "network again"):
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


@pytest.mark.parametrize("damage", ["nan", "altered"])
def test_pad_refuses_non_finite_or_altered_weights(tmp_path, monkeypatch, damage):
    from workbench.pad import detector
    from workbench.pad.detector import CLASSES, DetectorConfig, TinySSD, load_detector, save_detector

    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    monkeypatch.setattr(detector, "_LOADED", {})
    config = DetectorConfig()
    model = TinySSD(len(CLASSES), config.width)
    path = save_detector(model, config, {})
    assert load_detector(config, train=False) is not None  # the writer's sidecar vouches for the file
    monkeypatch.setattr(detector, "_LOADED", {})
    with torch.no_grad():
        model.loc[0].weight.mul_(float("nan") if damage == "nan" else 1000.0)
    if damage == "nan":
        save_detector(model, config, {})  # a matching sidecar: the values are what is wrong
    else:
        path.write_bytes(_saved({"state_dict": model.state_dict()}))
    reason = "loc.0.weight holds .* non-finite" if damage == "nan" else "does not match the SHA-256"
    with pytest.warns(UserWarning, match=rf"cache file {path} is damaged \({reason}"), \
            pytest.raises(FileNotFoundError, match="regenerate pad"):
        load_detector(config, train=False)


@pytest.mark.parametrize("cache", ["mram_dnn_net", "sparce_vgg"])
def test_a_trained_cache_is_built_once_and_reused_by_the_next_process(tmp_path, monkeypatch, recwarn, cache):
    """A cache written by its builder passes its own check when read back (its sidecar is not the cache itself), so a
    new process (here: the in-memory cache cleared) reuses it instead of retraining."""
    import numpy as np

    from workbench.mram import system
    from workbench.sparce import layers

    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    built = []
    if cache == "mram_dnn_net":
        monkeypatch.setattr(system, "_measure_layers", lambda images, seed: built.append(1) or (("conv0", 16, 1.5),))
        get, clear = (lambda: system.network_layers(8, 0)), system.network_layers.cache_clear
    else:
        monkeypatch.setattr(layers, "_build", lambda seed: built.append(1) or {"w0": np.arange(6.0).reshape(2, 3)})
        get, clear = (lambda: layers.vgg_layers(0)), layers.vgg_layers.cache_clear
    clear()
    first = get()
    clear()
    again = get()
    clear()
    assert len(built) == 1 and not [w for w in recwarn.list if "damaged" in str(w.message)]
    assert (np.array_equal(first["w0"], again["w0"]) if isinstance(first, dict) else first == again)
    assert len(list((tmp_path / "results").iterdir())) == 2  # the cache and its sidecar


def test_a_json_file_cannot_be_its_own_sidecar(tmp_path):
    with pytest.raises(ValueError, match="its sidecar would be itself"):
        write_with_sidecar(tmp_path / "layers.json", b"[]")


@pytest.mark.parametrize("damage", ["altered", "nan-resigned", "truncated"])
@pytest.mark.parametrize("cache", ["mram_dnn_net", "sparce_vgg"])
def test_a_damaged_trained_cache_is_named_and_built_again(tmp_path, monkeypatch, cache, damage):
    """The two trained-layer caches: an altered file (its hash no longer matches), a NaN written with a matching
    sidecar (the values are what is wrong) or a truncated one is named in one warning and built again."""
    import json

    import numpy as np

    from workbench.mram import system
    from workbench.sparce import layers

    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    built = []
    if cache == "mram_dnn_net":
        monkeypatch.setattr(system, "_measure_layers", lambda images, seed: built.append(1) or (("conv0", 16, 1.5),))
        get, clear, instead = (lambda: system.network_layers(8, 0)), system.network_layers.cache_clear, "retraining"
        nan = json.dumps([["conv0", 16, float("nan")]]).encode()
    else:
        monkeypatch.setattr(layers, "_build", lambda seed: built.append(1) or {"w0": np.arange(6.0).reshape(2, 3)})
        get, clear, instead = (lambda: layers.vgg_layers(0)), layers.vgg_layers.cache_clear, "retraining"
        buffer = __import__("io").BytesIO()
        np.savez(buffer, w0=np.array([[0.0, np.nan, 2.0], [3.0, 4.0, 5.0]]))
        nan = buffer.getvalue()
    clear()
    first = get()
    [path] = [p for p in (tmp_path / "results").iterdir() if p.suffix != ".json"]
    if damage == "altered":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01  # one bit
        path.write_bytes(bytes(data))
        reason = "does not match the SHA-256 its sidecar"
    elif damage == "nan-resigned":
        write_with_sidecar(path, nan)
        reason = r"(active channels|w0) holds 1 non-finite value"
    else:
        write_with_sidecar(path, path.read_bytes()[:10])
        reason = r"(\w+Error|BadZipFile): "
    clear()
    with pytest.warns(UserWarning, match=rf"^cache file {path} is damaged \({reason}.*\); {instead}"):
        again = get()
    clear()
    assert len(built) == 2
    assert (np.array_equal(first["w0"], again["w0"]) if isinstance(first, dict) else first == again)
