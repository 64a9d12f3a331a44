"""Tests of the crossbar layers and network conversion."""

import numpy as np
import pytest
import torch
from torch import nn

from workbench.crossbar.array.circuit import solve_crossbar
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.inference.layers import (
    CrossbarConv2d,
    CrossbarLinear,
    convert,
    program_crossbar,
)

PARASITIC = dict(r_wire_row_ohm=1.0, r_wire_col_ohm=1.0, r_driver_ohm=100.0, r_sense_ohm=100.0)


def _net():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 6, 3, stride=2), nn.ReLU(), nn.Flatten(),
        nn.Linear(6 * 3 * 3, 5),
    ).eval()


def test_ideal_config_reproduces_the_network():
    net, x = _net(), torch.randn(8, 1, 8, 8)
    converted = convert(net, CrossbarConfig())
    assert sum(isinstance(m, (CrossbarLinear, CrossbarConv2d)) for m in converted.modules()) == 3
    with torch.no_grad():
        torch.testing.assert_close(converted(x), net(x), rtol=1e-5, atol=1e-5)
    assert isinstance(net[0], nn.Conv2d)  # the original is untouched


def test_tiled_path_equals_collapsed_path_when_periphery_is_linear():
    # A 16-bit ADC with full range quantizes far below the parasitic error, so both paths must agree closely;
    # the tiled path (unfold + per-tile currents) is independent code from the collapsed conv2d.
    base = CrossbarConfig().with_changes(circuit={**PARASITIC, "rows": 8, "cols": 4})
    adc = base.with_changes(peripherals={"adc_bits": 16, "adc_range_fraction": 1.0})
    net, x = _net(), torch.randn(4, 1, 8, 8)
    with torch.no_grad():
        a, b = convert(net, base)(x), convert(net, adc)(x)
    torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-3 * a.abs().max().item())


def test_single_tile_matches_the_circuit_solver():
    cfg = CrossbarConfig().with_changes(circuit=PARASITIC)
    rng = np.random.default_rng(0)
    W = rng.uniform(-1, 1, (12, 7))
    W /= np.abs(W).max()  # full-range weights map onto the full conductance range
    xbar = program_crossbar(W, cfg, rng)
    x = torch.tensor(rng.uniform(-1, 1, (3, 12)), dtype=torch.float32)
    y = xbar.read(x).double().numpy()
    # Independent computation: solve the positive and negative arrays at the actual row voltages.
    dev, v_read = cfg.device, cfg.peripherals.v_read_v
    span = dev.g_max_s - dev.g_min_s
    g_pos = dev.g_min_s + np.clip(W, 0, None) * span
    g_neg = dev.g_min_s + np.clip(-W, 0, None) * span
    v = x.double().numpy() / np.abs(x.numpy()).max() * v_read
    current = solve_crossbar(g_pos, v, cfg.circuit) - solve_crossbar(g_neg, v, cfg.circuit)
    expected = current / (v_read * span) * np.abs(x.numpy()).max()
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


def test_error_grows_with_wire_resistance_and_tile_size():
    rng = np.random.default_rng(1)
    W, x = rng.uniform(-1, 1, (64, 16)), torch.tensor(rng.uniform(0, 1, (16, 64)), dtype=torch.float32)
    ideal = x.double().numpy() @ W

    def error(rows, r_wire):
        cfg = CrossbarConfig().with_changes(circuit=dict(rows=rows, r_wire_row_ohm=r_wire, r_wire_col_ohm=r_wire))
        y = program_crossbar(W, cfg, rng).read(x).double().numpy()
        return np.abs(y - ideal).max() / np.abs(ideal).max()

    assert error(64, 0.0) < 1e-5
    assert error(64, 0.5) < error(64, 2.0) < error(64, 8.0)
    assert error(16, 2.0) < error(64, 2.0)


def test_read_noise_is_seeded_and_zero_mean():
    cfg = CrossbarConfig().with_changes(device={"read_noise_sigma": 0.05})
    lin = nn.Linear(20, 6)
    x = torch.rand(2000, 20)
    a, b = CrossbarLinear(lin, cfg, seed=1), CrossbarLinear(lin, cfg, seed=1)
    with torch.no_grad():
        ya, yb, ideal = a(x), b(x), lin(x)
    torch.testing.assert_close(ya, yb)
    assert (ya - ideal).abs().mean() > 1e-4
    assert (ya - ideal).mean().abs() < 0.1 * (ya - ideal).abs().mean()


def test_quantized_periphery_error_shrinks_with_bits():
    lin = nn.Linear(32, 8)
    x = torch.rand(64, 32)
    errors = []
    for bits in (3, 5, 8):
        cfg = CrossbarConfig().with_changes(device={"bits_per_cell": bits}, peripherals={"input_bits": bits})
        with torch.no_grad():
            errors.append((CrossbarLinear(lin, cfg)(x) - lin(x)).abs().max().item())
    assert errors[0] > errors[1] > errors[2]


def test_grouped_convolution_is_rejected():
    with pytest.raises(ValueError, match="groups=2"):
        CrossbarConv2d(nn.Conv2d(4, 4, 3, groups=2), CrossbarConfig())


def test_conv_tiles_equal_the_unfolded_matrix_product_with_adc_and_slicing():
    # The convolution path (per-tile kernels over channel ranges) against the matrix path on im2col columns.
    cfg = CrossbarConfig().with_changes(
        circuit={**PARASITIC, "rows": 10, "cols": 3},
        device={"bits_per_cell": 2, "weight_bits": 4},
        peripherals={"input_bits": 4, "dac_bits": 2, "adc_bits": 6},
    )
    conv = nn.Conv2d(3, 5, 3, padding=1)
    x = torch.rand(2, 3, 6, 6)
    with torch.no_grad():
        y_conv = CrossbarConv2d(conv, cfg)(x)
        layer = CrossbarConv2d(conv, cfg)
        cols = torch.nn.functional.unfold(x, 3, padding=1).transpose(1, 2).reshape(-1, 27)
        y_mat = layer.tiles.read(cols).reshape(2, 36, 5).transpose(1, 2).reshape(2, 5, 6, 6)
    torch.testing.assert_close(y_conv, y_mat + conv.bias.view(1, -1, 1, 1), rtol=1e-4, atol=1e-5)


def test_nonlinear_cells_are_exact_at_the_operating_point():
    # All inputs equal -> every row at v_read, which is the operating point when v_op_fraction = 1.
    cfg = CrossbarConfig().with_changes(circuit={**PARASITIC, "v_op_fraction": 1.0}, device={"v_nl_v": 0.1})
    rng = np.random.default_rng(2)
    W = rng.uniform(-1, 1, (6, 4))
    W /= np.abs(W).max()
    y = program_crossbar(W, cfg, rng).read(torch.ones(1, 6)).double().numpy()
    dev, v_read, circuit = cfg.device, cfg.peripherals.v_read_v, cfg.circuit
    span = dev.g_max_s - dev.g_min_s
    v = np.full(6, v_read)
    current = (solve_crossbar(dev.g_min_s + np.clip(W, 0, None) * span, v, circuit, v_nl=0.1)
               - solve_crossbar(dev.g_min_s + np.clip(-W, 0, None) * span, v, circuit, v_nl=0.1))
    np.testing.assert_allclose(y[0], current / (v_read * span), rtol=1e-4, atol=1e-6)
    # and differs from the linear-cell crossbar (the sinh cells conduct more at v_read).
    linear = CrossbarConfig().with_changes(circuit=PARASITIC)
    y_lin = program_crossbar(W, linear, rng).read(torch.ones(1, 6)).double().numpy()
    assert np.abs(y - y_lin).max() > 1e-3


def test_converted_network_moves_and_casts_with_its_module():
    """``.to(...)`` carries the programmed tiles (derived state) along; read noise stays device-independent."""
    cfg = CrossbarConfig().with_changes(
        circuit={**PARASITIC, "rows": 8, "cols": 4},
        device={"read_noise_sigma": 0.02, "bits_per_cell": 2, "weight_bits": 4},
        peripherals={"input_bits": 4},
    )
    x = torch.rand(3, 1, 8, 8)
    with torch.no_grad():
        single = convert(_net(), cfg)(x)
        double = convert(_net(), cfg).to(torch.float64)
        layers = [m for m in double.modules() if isinstance(m, (CrossbarConv2d, CrossbarLinear))]
        assert layers and all(m.tiles.fwd.stack.dtype == torch.float64 for m in layers)
        assert all(k.dtype == torch.float64 for m in layers if isinstance(m, CrossbarConv2d)
                   for _, _, k, _ in m.tile_kernels)
        out = double(x.double())
    assert out.dtype == torch.float64
    torch.testing.assert_close(out.float(), single, rtol=1e-3, atol=1e-3)
