"""Tests of crossbar-aware training (TxSim): ideal limits, the transposed read, refresh-every-L, speed-up knobs."""

from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from workbench.crossbar.array.circuit import CircuitConfig
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.array.device import DeviceConfig
from workbench.crossbar.array.fast import effective_conductance
from workbench.crossbar.array.peripherals import PeripheralConfig
from workbench.crossbar.training.layers import (
    TxConv2d,
    TxLinear,
    TxSimConfig,
    crossbar_sgd_step,
    to_crossbars,
    to_torch,
    transposed_conductance,
    tx_cnn,
    tx_mlp,
)
from workbench.crossbar.training.update import UpdateConfig

PARASITICS = dict(r_wire_row_ohm=2.0, r_wire_col_ohm=1.0, r_driver_ohm=80.0, r_sense_ohm=40.0)


def _pair(config, seed=0, shape=(20, 7)):
    torch.manual_seed(seed)
    plain = nn.Linear(*shape).double().float()
    return plain, TxLinear(*shape, config, linear=plain, seed=seed)


def _sgd_steps(plain, layer, steps=3, lr=0.05, seed=1):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        x = torch.randn(16, plain.in_features, generator=gen)
        target = torch.randint(0, plain.out_features, (16,), generator=gen)
        for model in (plain, layer):
            model.zero_grad()
            F.cross_entropy(model(x), target).backward()
        grads = (plain.weight.grad.clone(), layer.weight.grad.clone())
        with torch.no_grad():
            for p in plain.parameters():
                p.add_(p.grad, alpha=-lr)
        crossbar_sgd_step(layer, lr)
        yield grads


def test_all_ideal_is_plain_torch_bit_for_bit():
    plain, layer = _pair(TxSimConfig(forward=False, backward=False, update=False))
    for g_plain, g_layer in _sgd_steps(plain, layer):
        assert torch.equal(g_plain, g_layer)
    assert torch.equal(plain.weight, layer.weight) and torch.equal(plain.bias, layer.bias)


def test_crossbar_path_with_every_nonideality_off_equals_torch():
    # Forward, backward and update all go through the crossbar machinery, with ideal wires, cells and periphery
    # and analog, linear, noiseless pulses.
    config = TxSimConfig(write=UpdateConfig(rounding="none", weight_range=4.0))
    plain, layer = _pair(config)
    x = torch.randn(5, 20, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    torch.testing.assert_close(layer(x), plain(x2), atol=1e-6, rtol=1e-5)
    layer(x).square().sum().backward()
    plain(x2).square().sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, atol=1e-5, rtol=1e-5)
    for g_plain, g_layer in _sgd_steps(plain, layer):
        torch.testing.assert_close(g_layer, g_plain, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(layer.weight, plain.weight, atol=1e-6, rtol=1e-5)


def _dense_transposed_read(G, c: CircuitConfig):
    """Independent nodal solve (dense) of the array with unit voltages on the columns: drivers (r_driver) at the
    bottom of every column, each row sensed at its left end through r_sense to ground; returns M (cols x rows)."""
    R, C = G.shape
    n = 2 * R * C
    r = lambda i, j: i * C + j  # noqa: E731
    k = lambda i, j: R * C + i * C + j  # noqa: E731
    A = np.zeros((n, n))

    def link(a, b, g):
        A[a, a] += g
        A[b, b] += g
        A[a, b] -= g
        A[b, a] -= g

    for i in range(R):
        for j in range(C):
            link(r(i, j), k(i, j), G[i, j])
            if j + 1 < C:
                link(r(i, j), r(i, j + 1), 1 / c.r_wire_row_ohm)
            if i + 1 < R:
                link(k(i, j), k(i + 1, j), 1 / c.r_wire_col_ohm)
        A[r(i, 0), r(i, 0)] += 1 / c.r_sense_ohm
    for j in range(C):
        A[k(R - 1, j), k(R - 1, j)] += 1 / c.r_driver_ohm
    M = np.zeros((C, R))
    for j in range(C):
        b = np.zeros(n)
        b[k(R - 1, j)] = 1 / c.r_driver_ohm
        v = np.linalg.solve(A, b)
        M[j] = [v[r(i, 0)] / c.r_sense_ohm for i in range(R)]
    return M


def test_transposed_read_matches_circuit_solve_with_inputs_on_the_columns():
    c = CircuitConfig(**PARASITICS)
    G = np.random.default_rng(0).uniform(1e-5, 1e-4, (6, 9))
    M = transposed_conductance(G, c)
    np.testing.assert_allclose(M, _dense_transposed_read(G, c), rtol=1e-9)
    # It is not the forward matrix transposed (drivers and sense sit on the other sides) ...
    assert np.abs(M - effective_conductance(G, c).T).max() > 1e-3 * np.abs(M).max()
    # ... except by reciprocity when the driver and sense resistances are equal.
    sym = replace(c, r_sense_ohm=c.r_driver_ohm)
    np.testing.assert_allclose(transposed_conductance(G, sym), effective_conductance(G, sym).T, rtol=1e-9)


@pytest.mark.parametrize("r_sense_ohm", [40.0, 80.0])  # 80: reciprocal, the transposed read is not solved again
def test_layer_reads_use_each_tile_matrix(r_sense_ohm):
    crossbar = CrossbarConfig(circuit=CircuitConfig(rows=8, cols=4, **{**PARASITICS, "r_sense_ohm": r_sense_ohm}))
    _, layer = _pair(TxSimConfig(crossbar=crossbar, update=False), shape=(12, 6))
    m = layer.matrices()
    G = layer.conductances().double().numpy()
    scale = layer.w_max / layer.s_per_weight
    rs, cs = slice(8, 12), slice(4, 6)  # the corner tile, a 4 x 2 sub-array
    fwd = (effective_conductance(G[0, rs, cs], crossbar.circuit) - effective_conductance(G[1, rs, cs],
                                                                                         crossbar.circuit)) * scale
    bwd = (transposed_conductance(G[0, rs, cs], crossbar.circuit)
           - transposed_conductance(G[1, rs, cs], crossbar.circuit)) * scale
    np.testing.assert_allclose(m["fwd"][rs, cs].double().numpy(), fwd, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(m["bwd"][rs, cs].double().numpy(), bwd.T, rtol=1e-4, atol=1e-7)


def _trajectory(refresh_every, steps=12):
    crossbar = CrossbarConfig(circuit=CircuitConfig(rows=8, cols=8, model="cumulative", r_wire_row_ohm=50.0,
                                                    r_wire_col_ohm=50.0, r_driver_ohm=500.0, r_sense_ohm=500.0))
    config = TxSimConfig(crossbar=crossbar, write=UpdateConfig(rounding="none"), refresh_every=refresh_every)
    plain, layer = _pair(config, shape=(16, 8))
    for _ in _sgd_steps(plain, layer, steps=steps, lr=0.5):
        pass
    return layer(torch.linspace(-1, 1, 16)[None]).detach()


def test_refresh_every_l_converges_to_the_full_model():
    full = _trajectory(1)
    errors = [float((_trajectory(L) - full).abs().max()) for L in (8, 4, 2, 1)]
    assert errors[-1] == 0.0
    assert errors[0] > errors[1] > errors[2] > 0


def test_batched_tiles_equal_the_tile_loop():
    crossbar = CrossbarConfig(circuit=CircuitConfig(rows=8, cols=4, model="cumulative", **PARASITICS),
                              peripherals=PeripheralConfig(input_bits=6, adc_bits=6))
    x = torch.randn(9, 20, generator=torch.Generator().manual_seed(3))
    out = {}
    for batched in (True, False):
        _, layer = _pair(TxSimConfig(crossbar=crossbar, batched=batched))
        out[batched] = (layer.read(x, transposed=False), layer.read(x[:, :7], transposed=True))
    for a, b in zip(out[True], out[False], strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_short_path_error_shrinks_as_cells_dominate_the_wires():
    def error(g_max_us):
        crossbar = CrossbarConfig(circuit=CircuitConfig(rows=16, cols=16, **PARASITICS),
                                  device=DeviceConfig(g_max_us=g_max_us))
        exact = _pair(TxSimConfig(crossbar=crossbar), shape=(16, 16))[1].matrices()["fwd"]
        short = replace(crossbar, circuit=replace(crossbar.circuit, model="cumulative"))
        approx = _pair(TxSimConfig(crossbar=short), shape=(16, 16))[1].matrices()["fwd"]
        return float((approx - exact).abs().max() / exact.abs().max())

    assert error(1.0) < 0.1 * error(100.0)


def test_mlp_learns_digits_with_nonidealities():
    from workbench.crossbar.training.optim import train
    from workbench.datasets import digits

    crossbar = CrossbarConfig(circuit=CircuitConfig(rows=32, cols=32, model="cumulative", r_wire_row_ohm=1.0,
                                                    r_wire_col_ohm=1.0))
    config = TxSimConfig(crossbar=crossbar, write=UpdateConfig(nu=1.0, gamma=0.1, pulses=200))
    result = train(tx_mlp((64, 32, 10), config), digits(), epochs=2, lr=0.1)
    assert result.history[-1]["test_accuracy"] > 70


@pytest.mark.parametrize("changes, match", [
    (dict(refresh_every=0), r"TxSimConfig\.refresh_every=0 is not allowed; allowed: .*1"),
    (dict(device="tpu"), r"TxSimConfig\.device='tpu' is not allowed"),
    (dict(crossbar=CrossbarConfig(device=DeviceConfig(v_nl_v=0.3))), "v_nl_v=0.3 is not allowed in training"),
    (dict(crossbar=CrossbarConfig(device=DeviceConfig(bits_per_cell=2))), "bits_per_cell=2"),
    (dict(crossbar=CrossbarConfig(device=DeviceConfig(mapping="offset"))), "mapping='offset'"),
])
def test_bad_configs_are_clear_errors(changes, match):
    with pytest.raises(ValueError, match=match):
        TxSimConfig(**changes)
    with pytest.raises(ValueError, match="sizes"):
        tx_mlp((10,), TxSimConfig())


def test_auto_device_runs_on_cpu_here():
    _, layer = _pair(TxSimConfig(device="auto"))
    assert layer.weight.device.type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_read_matrices_patched_after_an_update_equal_recomputed_ones():
    crossbar = CrossbarConfig(circuit=CircuitConfig(rows=8, cols=4, model="cumulative", **PARASITICS),
                              peripherals=PeripheralConfig(input_bits=6, adc_bits=6))
    config = TxSimConfig(crossbar=crossbar, write=UpdateConfig(nu=2.0, gamma=0.3), refresh_every=5)
    plain, layer = _pair(config)
    for _ in _sgd_steps(plain, layer, steps=3, lr=0.5):
        pass
    x = torch.randn(4, 20, generator=torch.Generator().manual_seed(5))
    patched = (layer.read(x, transposed=False), layer.read(x[:, :7], transposed=True))
    layer._mats = None  # recompute from the state with the same attenuations
    fresh = (layer.read(x, transposed=False), layer.read(x[:, :7], transposed=True))
    for a, b in zip(patched, fresh, strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(layer.weight.detach(), (layer.w_max * (layer.u[0] - layer.u[1])).T)


@pytest.mark.parametrize("refresh_every", [1, 3])
def test_incremental_refresh_of_the_short_path_model_equals_a_full_one(refresh_every):
    crossbar = CrossbarConfig(circuit=CircuitConfig(rows=8, cols=4, model="cumulative", **PARASITICS),
                              peripherals=PeripheralConfig(input_bits=6, adc_bits=6))
    config = TxSimConfig(crossbar=crossbar, write=UpdateConfig(nu=2.0, gamma=0.3), refresh_every=refresh_every)
    plain, layer = _pair(config)
    for _ in _sgd_steps(plain, layer, steps=2 * refresh_every, lr=0.02):
        pass
    # Refreshed incrementally inside the last update, the read matrices patched for the next iteration:
    assert layer._refreshed_step == layer._mats_step == layer.steps and layer.refreshes == 3
    x = torch.randn(4, 20, generator=torch.Generator().manual_seed(5))
    incremental = (layer.read(x, transposed=False), layer.read(x[:, :7], transposed=True))
    layer._factors = layer._mats = None  # a full refresh from the present conductances
    full = (layer.read(x, transposed=False), layer.read(x[:, :7], transposed=True))
    for a, b in zip(incremental, full, strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)


def test_a_first_layer_skips_the_transposed_read_it_does_not_need(monkeypatch):
    model = tx_mlp((12, 6, 3), TxSimConfig(crossbar=CrossbarConfig(circuit=CircuitConfig(rows=4, cols=4))))
    reads = []
    for k in (1, 3):
        read = model[k].read
        monkeypatch.setattr(model[k], "read", lambda x, transposed, k=k, read=read: reads.append((k, transposed))
                            or read(x, transposed=transposed))
    F.cross_entropy(model(torch.randn(5, 12)), torch.tensor([0, 1, 2, 0, 1])).backward()
    assert sorted(reads) == [(1, False), (3, False), (3, True)]
    assert model[1].weight.grad is not None


def _conv_pair(config, seed=0, **geometry):
    torch.manual_seed(seed)
    conv = nn.Conv2d(3, 5, 3, **geometry)
    return conv, TxConv2d(3, 5, 3, config, conv=conv, seed=seed)


def test_conv_with_every_nonideality_off_equals_torch_conv_and_sgd():
    config = TxSimConfig(write=UpdateConfig(rounding="none", weight_range=4.0))
    conv, layer = _conv_pair(config, stride=2, padding=1, dilation=(1, 2))
    x = torch.randn(4, 3, 9, 10, generator=torch.Generator().manual_seed(2), requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    torch.testing.assert_close(layer(x), conv(x2), atol=1e-6, rtol=1e-5)
    gen = torch.Generator().manual_seed(3)
    for _ in range(3):
        target = torch.randn(4, 5, 5, 4, generator=gen)
        for model, inp in ((layer, x), (conv, x2)):
            model.zero_grad()
            inp.grad = None
            F.mse_loss(model(inp), target).backward()
        torch.testing.assert_close(x.grad, x2.grad, atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(layer.weight.grad.view_as(conv.weight), conv.weight.grad, atol=1e-6, rtol=1e-5)
        crossbar_sgd_step(layer, 0.05)
        with torch.no_grad():
            for p in conv.parameters():
                p.add_(p.grad, alpha=-0.05)
        torch.testing.assert_close(layer.conv_weight, conv.weight, atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(layer.bias, conv.bias, atol=1e-6, rtol=1e-5)


def test_conv_on_nonideal_crossbars_is_txlinear_on_the_unfolded_patches():
    crossbar = CrossbarConfig(circuit=CircuitConfig(rows=8, cols=4, model="cumulative", **PARASITICS),
                              device=DeviceConfig(program_sigma=0.05),
                              peripherals=PeripheralConfig(input_bits=6, adc_bits=6))
    config = TxSimConfig(crossbar=crossbar, write=UpdateConfig(nu=2.0, gamma=0.3, d2d_sigma=0.1), refresh_every=2)
    conv, layer = _conv_pair(config, seed=4, padding=1)
    linear = nn.Linear(27, 5)
    with torch.no_grad():
        linear.weight.copy_(conv.weight.reshape(5, 27))
        linear.bias.copy_(conv.bias)
    same = TxLinear(27, 5, config, linear=linear, seed=4)  # the same arrays: same weights, seed, variation
    assert torch.equal(layer.u, same.u)
    gen = torch.Generator().manual_seed(6)
    for _ in range(3):
        x = torch.randn(2, 3, 6, 6, generator=gen)
        patches = F.unfold(x, 3, padding=1).transpose(1, 2).requires_grad_(True)
        out = layer(x.requires_grad_(True))
        ref = same(patches)
        torch.testing.assert_close(out, ref.transpose(1, 2).reshape(2, 5, 6, 6), atol=1e-6, rtol=1e-6)
        out.square().sum().backward()
        ref.square().sum().backward()
        # The input gradient is the patches' gradient (the transposed crossbar read) folded back.
        torch.testing.assert_close(x.grad, F.fold(patches.grad.transpose(1, 2), (6, 6), 3, padding=1),
                                   atol=1e-6, rtol=1e-6)
        crossbar_sgd_step(layer, 0.3)
        crossbar_sgd_step(same, 0.3)
        layer.zero_grad()
        same.zero_grad()
    torch.testing.assert_close(layer.u, same.u, atol=1e-6, rtol=0)


@pytest.mark.parametrize("build, match", [
    (lambda c: TxConv2d(0, 4, 3, c), "in_channels=0"),
    (lambda c: TxConv2d(2, 0, 3, c), "out_channels=0"),
    (lambda c: TxConv2d(2, 4, 0, c), "kernel_size=0"),
    (lambda c: TxConv2d(2, 4, 3, c, stride=0), "stride=0"),
    (lambda c: TxConv2d(2, 4, 3, c, padding=-1), "padding=-1"),
    (lambda c: TxConv2d(2, 4, 5, c)(torch.zeros(1, 2, 4, 8)), r"kernel_size=\(5, 5\).*height of 4"),
    (lambda c: TxConv2d(2, 4, 3, c)(torch.zeros(1, 3, 8, 8)), "in_channels=2"),
    (lambda c: tx_cnn((1, 8, 8), (), 10, c), "channels"),
    (lambda c: tx_cnn((1, 3, 3), (4, 4), 10, c), "input_shape"),
])
def test_bad_conv_input_is_a_clear_error(build, match):
    with pytest.raises(ValueError, match=match):
        build(TxSimConfig())


@pytest.mark.parametrize("shape, matrices", [((1, 28, 28), [(9, 8), (72, 16), (784, 10)]),
                                             ((3, 32, 32), [(27, 8), (72, 16), (1024, 10)])])
def test_cnn_maps_mnist_and_cifar_shapes_onto_tiles(shape, matrices):
    model = tx_cnn(shape, (8, 16), 10, TxSimConfig())
    assert [(m.in_features, m.out_features) for m in model if isinstance(m, TxLinear)] == matrices
    assert model(torch.randn(2, *shape)).shape == (2, 10)


def test_cnn_learns_digits_with_nonidealities():
    from workbench.crossbar.training.optim import train
    from workbench.datasets import digits

    crossbar = CrossbarConfig(circuit=CircuitConfig(rows=32, cols=32, model="cumulative", r_wire_row_ohm=1.0,
                                                    r_wire_col_ohm=1.0))
    config = TxSimConfig(crossbar=crossbar, write=UpdateConfig(nu=1.0, gamma=0.1, pulses=200))
    model = tx_cnn((1, 8, 8), (8, 16), 10, config)
    assert [type(m).__name__ for m in model if isinstance(m, TxLinear)] == ["TxConv2d", "TxConv2d", "TxLinear"]
    result = train(model, digits(), epochs=4, lr=0.3)
    assert result.history[-1]["test_accuracy"] > 70


def test_to_crossbars_and_back_keeps_the_network():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(64, 5))
    net.eval()
    x = torch.randn(3, 1, 4, 4)
    ref = net(x)
    tx = to_crossbars(net, TxSimConfig(forward=False, backward=False, update=False), seed=2)
    assert [type(m) for m in (tx[0], tx[4])] == [TxConv2d, TxLinear] and tx[4].generator.initial_seed() == 3
    torch.testing.assert_close(tx(x), ref, atol=1e-6, rtol=1e-5)
    back = to_torch(tx)
    assert [type(m) for m in (back[0], back[4])] == [nn.Conv2d, nn.Linear] and back[0].padding == (1, 1)
    torch.testing.assert_close(back(x), ref, atol=1e-6, rtol=1e-5)
    with pytest.raises(ValueError, match="padding_mode='reflect'"):
        to_crossbars(nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect")), TxSimConfig())
