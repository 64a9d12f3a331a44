"""Tests of the crossbar write model: pulse statistics, asymmetry, bounds, bad input."""

import math

import numpy as np
import pytest
import torch

from workbench.crossbar.training.update import (
    UpdateConfig,
    apply_pulses,
    apply_pulses_sequential,
    pair_update,
    pulse_counts,
    pulsed_cells,
    step_size,
)


def test_linear_noiseless_analog_update_is_exact():
    u = torch.full((2, 50, 40), 0.5)
    dw = 0.01 * torch.randn(50, 40, generator=torch.Generator().manual_seed(0))
    new = pair_update(u, dw, 0.5, UpdateConfig(rounding="none"))
    torch.testing.assert_close(0.5 * (new[0] - new[1]) - 0.5 * (u[0] - u[1]), dw, atol=1e-7, rtol=0)


def test_stochastic_rounding_is_unbiased():
    desired = torch.full((200_000,), 0.37 / 100)
    n = pulse_counts(desired, 1 / 100, "stochastic", torch.Generator().manual_seed(1))
    assert set(n.unique().tolist()) <= {0.0, 1.0}
    assert abs(float(n.mean()) - 0.37) < 0.005
    assert float(pulse_counts(-desired, 1 / 100, "nearest").max()) == 0.0


@pytest.mark.parametrize("nu", [0.0, 2.0])
def test_closed_form_matches_pulse_by_pulse(nu):
    config = UpdateConfig(nu=nu, pulses=200)
    u0 = torch.linspace(0.05, 0.6, 12, dtype=torch.float64)
    for up in (True, False):
        seq = apply_pulses_sequential(u0, 40, up, config)
        closed = apply_pulses(u0, torch.full_like(u0, 40.0), torch.full(u0.shape, up), config)
        # The closed form is the continuum limit of the recursion: equal to second order in the step.
        np.testing.assert_allclose(closed.numpy(), seq.numpy(), atol=2e-3 if nu else 1e-12)


def test_asymmetry_has_the_stated_ratio():
    nu = 3.0
    config = UpdateConfig(nu=nu, pulses=1000)
    u = torch.linspace(0.0, 1.0, 11, dtype=torch.float64)
    up = step_size(u, True, nu, config.delta)
    down = step_size(u, False, nu, config.delta)
    np.testing.assert_allclose((up / down).numpy(), np.exp(nu * (1 - 2 * u.numpy())), rtol=1e-12)
    # An up and a down pulse drift the state towards the middle of the window (first order in the step there).
    drift = {}
    for start in (0.2, 0.5, 0.8):
        u0 = torch.tensor([start], dtype=torch.float64)
        drift[start] = float(apply_pulses_sequential(apply_pulses_sequential(u0, 1, True, config), 1, False, config)
                             - u0)
    assert drift[0.2] > 0 > drift[0.8]
    assert abs(drift[0.5]) < 0.05 * drift[0.2]


def test_write_noise_has_the_stated_statistics():
    gamma, n = 0.3, 25
    config = UpdateConfig(gamma=gamma, pulses=1000)
    gen = torch.Generator().manual_seed(2)
    u0 = torch.full((40_000,), 0.3, dtype=torch.float64)
    closed = apply_pulses(u0, torch.full_like(u0, n), torch.ones(u0.shape, dtype=torch.bool), config, generator=gen)
    seq = apply_pulses_sequential(u0, n, True, config, generator=gen)
    for out in (closed, seq):
        moved = (out - u0).numpy()
        assert abs(moved.mean() - n * config.delta) < 4 * gamma * config.delta * math.sqrt(n / u0.numel())
        assert moved.std() == pytest.approx(gamma * config.delta * math.sqrt(n), rel=0.03)


def test_bounds_and_frozen_cells():
    u = torch.tensor([[0.98, 0.5], [0.02, 0.5]])
    new = pair_update(u, torch.tensor([10.0, 10.0]), 1.0, UpdateConfig(rounding="nearest"),
                      frozen=torch.tensor([[False, True], [False, True]]))
    assert new[0, 0] == 1.0 and new[1, 0] == 0.0  # clipped at the window's ends
    assert torch.equal(new[:, 1], u[:, 1])  # stuck cells keep their state


@pytest.mark.parametrize("field, value, allowed", [
    ("nu", -0.1, "0"), ("nu", 11.0, "10"), ("gamma", -1.0, "0"), ("gamma", 5.0, "2"), ("pulses", 0, "1"),
    ("d2d_sigma", -0.5, "0"), ("rounding", "up", "stochastic"),
])
def test_bad_values_name_field_value_and_range(field, value, allowed):
    with pytest.raises(ValueError, match=rf"UpdateConfig\.{field}={value!r} is not allowed; allowed: .*{allowed}"):
        UpdateConfig(**{field: value})


def test_inverted_bounds_are_an_error():
    with pytest.raises(ValueError, match=r"bound_low=0\.8, bound_high=0\.2 are not allowed; allowed: bound_low < "):
        UpdateConfig(bound_low=0.8, bound_high=0.2)
    with pytest.raises(ValueError, match="w_max"):
        pair_update(torch.zeros(2, 1), torch.zeros(1), 0.0, UpdateConfig())


def test_pulsed_cells_are_the_nonzero_counts_in_order():
    gen = torch.Generator().manual_seed(4)
    signed = pulse_counts(0.004 * torch.randn(300, 70, generator=gen), 0.01, "stochastic", gen)
    idx = pulsed_cells(signed)
    assert torch.equal(idx, torch.nonzero(signed.reshape(-1), as_tuple=True)[0])
    assert 0 < idx.numel() < signed.numel() and bool((signed.reshape(-1)[idx] != 0).all())
