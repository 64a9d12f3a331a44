"""Tests of the cell models: mapping, quantization, slicing, variation, faults, read noise."""

import numpy as np
import pytest
import torch

from workbench.crossbar.array.device import (
    DeviceConfig,
    add_read_noise,
    check_conductance,
    fault_masks,
    map_weights,
    program,
    quantize_conductance,
    slice_weights,
)


def test_quantization_levels_are_exact():
    cfg = DeviceConfig(g_max_us=100.0, on_off_ratio=10, bits_per_cell=2)
    levels = cfg.g_min_s + np.arange(4) / 3 * (cfg.g_max_s - cfg.g_min_s)
    G = np.random.default_rng(0).uniform(cfg.g_min_s, cfg.g_max_s, 1000)
    q = quantize_conductance(G, cfg)
    np.testing.assert_allclose(np.unique(q), levels, rtol=1e-12)
    # Nearest level: the error is at most half a step.
    assert np.abs(q - G).max() <= (levels[1] - levels[0]) / 2 * (1 + 1e-9)
    np.testing.assert_array_equal(quantize_conductance(G, DeviceConfig()), G)


def test_conductance_outside_range_raises():
    cfg = DeviceConfig(g_max_us=100.0, on_off_ratio=10)
    with pytest.raises(ValueError, match=r"g_min_s=1e-05"):
        check_conductance(np.array([5e-6, 5e-5]), cfg)
    with pytest.raises(ValueError, match=r"g_max_s=0.0001"):
        quantize_conductance(np.array([2e-4]), cfg)


@pytest.mark.parametrize(
    "bits_per_cell, weight_bits, n_slices", [(0, 0, 1), (2, 0, 1), (0, 6, 1), (2, 8, 4), (3, 8, 3)]
)
def test_weight_slices_recombine_to_the_quantized_weight(bits_per_cell, weight_bits, n_slices):
    cfg = DeviceConfig(bits_per_cell=bits_per_cell, weight_bits=weight_bits)
    w = np.random.default_rng(1).uniform(-1, 1, (7, 5))
    digits, factors = slice_weights(w, cfg)
    assert digits.shape == (n_slices, 7, 5) and cfg.n_slices == n_slices
    assert np.abs(digits).max() <= 1
    if cfg.slice_levels:
        # Each cell holds one of its levels exactly.
        np.testing.assert_allclose(digits * cfg.slice_levels, np.round(digits * cfg.slice_levels), atol=1e-9)
    bits = weight_bits or bits_per_cell
    expected = w if not bits else np.sign(w) * np.round(np.abs(w) * (2**bits - 1)) / (2**bits - 1)
    np.testing.assert_allclose(np.tensordot(factors, digits, axes=1), expected, atol=1e-12)


@pytest.mark.parametrize("mapping", ["differential", "offset"])
def test_mapping_spans_the_range_and_inverts(mapping):
    cfg = DeviceConfig(g_max_us=100.0, on_off_ratio=5, mapping=mapping)
    w = np.linspace(-1, 1, 11)
    cmap = map_weights(w, cfg)
    for g in (cmap.g_pos, cmap.g_neg):
        if g is not None:
            check_conductance(g, cfg)
    recovered = (cmap.g_pos - (cmap.g_neg if cmap.g_neg is not None else cmap.g_ref_s)) / cmap.s_per_unit
    np.testing.assert_allclose(recovered, w, atol=1e-12)
    assert cmap.g_pos.max() == pytest.approx(cfg.g_max_s) and cmap.g_pos.min() == pytest.approx(cfg.g_min_s)


def test_ideal_programming_returns_targets():
    cfg = DeviceConfig()
    G = np.random.default_rng(2).uniform(cfg.g_min_s, cfg.g_max_s, (6, 6))
    np.testing.assert_array_equal(program(G, cfg, np.random.default_rng(0)), G)


def test_faults_are_applied_where_asked():
    cfg = DeviceConfig(stuck_on_fraction=0.1, stuck_off_fraction=0.2)
    G = np.full((100, 100), (cfg.g_min_s + cfg.g_max_s) / 2)
    stuck_on, stuck_off = fault_masks(G.shape, cfg, np.random.default_rng(3))
    assert not np.any(stuck_on & stuck_off)
    assert stuck_on.mean() == pytest.approx(0.1, abs=0.01) and stuck_off.mean() == pytest.approx(0.2, abs=0.015)
    programmed = program(G, cfg, np.random.default_rng(3))
    np.testing.assert_array_equal(programmed[stuck_on], cfg.g_max_s)
    np.testing.assert_array_equal(programmed[stuck_off], cfg.g_min_s)
    np.testing.assert_array_equal(programmed[~stuck_on & ~stuck_off], G[~stuck_on & ~stuck_off])


def test_programming_variation_has_the_configured_spread():
    cfg = DeviceConfig(program_sigma=0.05)
    G = np.full(20000, 5e-5)
    programmed = program(G, cfg, np.random.default_rng(4))
    assert np.std(programmed / G - 1) == pytest.approx(0.05, rel=0.05)
    assert np.mean(programmed / G - 1) == pytest.approx(0.0, abs=0.002)


def test_read_noise_matches_per_cell_monte_carlo():
    rng = np.random.default_rng(5)
    G, v = rng.uniform(1e-5, 1e-4, (8, 3)), rng.uniform(0, 0.2, 8)
    per_cell = np.stack([v @ (G * (1 + 0.1 * rng.standard_normal(G.shape))) for _ in range(4000)])
    current = torch.tensor(np.tile(v @ G, (4000, 1)))
    variance = torch.tensor(np.square(v) @ np.square(G))
    column = add_read_noise(current, variance, 0.1, torch.Generator().manual_seed(0)).numpy()
    np.testing.assert_allclose(column.std(axis=0), per_cell.std(axis=0), rtol=0.08)
    np.testing.assert_allclose(column.mean(axis=0), v @ G, rtol=0.01)


@pytest.mark.parametrize(
    "field, value",
    [("g_max_us", -1.0), ("g_max_us", 0.0), ("on_off_ratio", 0.5), ("bits_per_cell", -1), ("mapping", "bipolar"),
     ("program_sigma", -0.1), ("stuck_on_fraction", 1.5), ("v_nl_v", -0.1)],
)
def test_invalid_fields_raise_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        DeviceConfig(**{field: value})
