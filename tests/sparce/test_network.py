"""The digits CNN trained with workbench.nn-style SGD, quantised to int32: real ReLU sparsity per layer, and its
inference as kernel calls on the emulator equals numpy's."""

import numpy as np
import pytest

from workbench.sparce.emulator import Machine
from workbench.sparce.network import calls_numpy, emulate_inference, quantised_network


@pytest.fixture(scope="module")
def net():
    return quantised_network()


def test_integer_network_keeps_the_float_accuracy(net):
    assert net.float_accuracy > 0.85
    assert net.int_accuracy >= net.float_accuracy - 0.03


def test_real_relu_sparsity_layer_by_layer(net):
    calls = calls_numpy(net, net.test_x[0])
    gated = {layer: inputs.get("X", inputs.get("x")) for layer, f, inputs, _ in calls if f in ("gemm", "fc")}
    density = {layer: float((x != 0).mean()) for layer, x in gated.items()}
    assert list(density) == ["conv1", "conv2", "conv3", "fc"]
    assert density["conv1"] > 0.7                    # the normalised image is dense (only im2col padding is zero)
    assert all(0.05 < density[k] < 0.8 for k in ("conv2", "conv3", "fc"))   # ReLU zeros


@pytest.mark.parametrize("variant", ["scalar", "neon"])
def test_emulated_inference_equals_numpy_with_and_without_skipping(net, variant):
    image = net.test_x[1]
    for sparce in (False, True):
        calls, outputs, traces = emulate_inference(Machine(variant, sparce=sparce), net, image)
        for (layer, function, _, expected), got in zip(calls, outputs):
            np.testing.assert_array_equal(got, expected, err_msg=f"{variant} {layer} {function}")
        assert (sum(t.skipped for t in traces) > 0) == sparce


def test_synthetic_sparsity_knob(net):
    calls = calls_numpy(net, net.test_x[0], synthetic=0.8, seed=1)
    x = next(inputs["x"] for _, f, inputs, _ in calls if f == "fc")
    assert 0.7 < (x == 0).mean() < 0.9
    with pytest.raises(ValueError, match="sparsity=1.5"):
        calls_numpy(net, net.test_x[0], synthetic=1.5)


@pytest.mark.slow   # cold: trains the 16x16 network and records its traces (~1 min); cached after
def test_larger_input_scales_the_same_network():
    from workbench.sparce.model import evaluate

    with pytest.raises(ValueError, match="input_size=12"):
        quantised_network(size=12)
    small = evaluate("scalar", images=1)
    big = evaluate("scalar", images=1, input_size=16)
    assert big["cycles_base"] > 3 * small["cycles_base"] and big["time_reduction"] > 0


@pytest.mark.parametrize(("damage", "reason"), [("truncated", "BadZipFile: "), ("missing-array", "KeyError: "),
                                              ("nan", "float_acc holds 1 non-finite"),
                                              ("unsigned", "cannot be checked: its sidecar .* is missing")])
def test_a_damaged_network_cache_is_named_and_rebuilt(damage, reason, tmp_path, monkeypatch):
    """A truncated cache (BadZipFile), one without an array (KeyError 'w1'), with a NaN, or without the hash its
    writer records is retrained, not a failed point nor a silently wrong one."""
    import io

    from workbench.core.integrity import write_with_sidecar
    from workbench.sparce import network

    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    layer = (np.ones((2, 9), np.int32), np.zeros(2, np.int32), 3)
    built = network.QuantNet((layer,) * 3, np.ones((16, 4), np.int32), np.zeros(16, np.int32),
                             np.zeros((1, 1, 8, 8), np.int32), np.zeros(1, np.int64), 0.9, 0.9)
    monkeypatch.setattr(network, "_train", lambda seed, epochs, size: (None, None))
    monkeypatch.setattr(network, "_quantise", lambda model, splits: built)
    path = tmp_path / "results" / "sparce_net_5_1.npz"
    path.parent.mkdir(parents=True)
    buffer = io.BytesIO()
    np.savez(buffer, w0=layer[0]) if damage == "missing-array" else np.savez(buffer, float_acc=np.nan)
    payload = b"PK\x03\x04 half a zip" if damage == "truncated" else buffer.getvalue()
    write_with_sidecar(path, payload) if damage != "unsigned" else path.write_bytes(payload)
    with pytest.warns(UserWarning, match=rf"cache file {path} is damaged \({reason}.*\); retraining "
                                         r"the seed-5 network, which replaces it"):
        assert network.quantised_network(seed=5, epochs=1) is built
    network.quantised_network.cache_clear()
    np.testing.assert_array_equal(network.quantised_network(seed=5, epochs=1).fc_w, built.fc_w)  # read back
    network.quantised_network.cache_clear()


@pytest.mark.slow   # trains the VGG-like network on MNIST-5k once (about a minute; cached in data/results)
def test_vgg_like_layers_are_paper_sized_and_carry_a_trained_networks_relu_zeros():
    from workbench.sparce.layers import calls_vgg, layer_shapes, vgg_layers

    net = vgg_layers()
    assert float(net["accuracy"]) > 0.9
    assert all(m >= 64 for m, _, _ in layer_shapes()) and max(k for _, k, _ in layer_shapes()) == 128 * 9
    calls = calls_vgg(0)
    inputs = [c[2]["x"] for c in calls if c[1] == "im2col"]
    assert all((x >= 0).all() and 0.05 < (x == 0).mean() < 0.9 for x in inputs[1:])   # ReLU outputs
    gemms = [c for c in calls if c[1] == "gemm"]
    assert all((c[3] == c[2]["W"] @ c[2]["X"]).all() for c in gemms)
