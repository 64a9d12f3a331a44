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


RESPONSES = ("saturating", "exp_step")


@pytest.mark.parametrize("response", RESPONSES)
@pytest.mark.parametrize("nu", [0.0, 2.0])
def test_closed_form_matches_pulse_by_pulse(nu, response):
    config = UpdateConfig(nu=nu, pulses=200, response=response)
    u0 = torch.linspace(0.05, 0.6, 12, dtype=torch.float64)
    for up in (True, False):
        seq = apply_pulses_sequential(u0, 40, up, config)
        closed = apply_pulses(u0, torch.full_like(u0, 40.0), torch.full(u0.shape, up), config)
        # Saturating: the pulse recursion is affine, so the closed form is exact; exp_step: the continuum limit,
        # equal to second order in the step.
        exact = nu == 0 or response == "saturating"
        np.testing.assert_allclose(closed.numpy(), seq.numpy(), atol=1e-12 if exact else 2e-3)


@pytest.mark.parametrize("response", RESPONSES)
@pytest.mark.parametrize("nu", [0.0, 0.5, 3.0, 8.0])
def test_pulses_span_the_window_for_any_nu(nu, response):
    config = UpdateConfig(nu=nu, pulses=64, response=response)
    for up, start, end in ((True, 0.0, 1.0), (False, 1.0, 0.0)):
        u = torch.tensor([start], dtype=torch.float64)
        closed = apply_pulses(u, torch.tensor([64.0], dtype=torch.float64), torch.tensor([up]), config)
        assert float(closed) == pytest.approx(end, abs=1e-12)
        if response == "saturating":  # exact recursion: pulse by pulse too
            assert float(apply_pulses_sequential(u, 64, up, config)) == pytest.approx(end, abs=1e-12)


def test_saturating_step_against_neurosim_closed_form():
    """NeuroSim (Chen et al. 2018, Eq. 1): G(p) = B (1 - exp(-p/A)) + G_min, A = P / nu, G(P) = G_max; one pulse
    at conductance G moves it by G(p(G) + 1) - G(p(G)), computed here from the conductance curve itself."""
    nu, pulses = 3.0, 50
    config = UpdateConfig(nu=nu, pulses=pulses)
    A = pulses / nu
    B = 1.0 / (1 - np.exp(-pulses / A))  # window units: G_min = 0, G_max = 1
    p = np.linspace(0, pulses - 1, 9)
    g = B * (1 - np.exp(-p / A))
    expected = B * (1 - np.exp(-(p + 1) / A)) - g
    u = torch.tensor(g, dtype=torch.float64)
    np.testing.assert_allclose(step_size(u, True, config).numpy(), expected, rtol=1e-10)
    # Depression mirrors potentiation: the down step at u is the up step at 1 - u, linear in the state.
    np.testing.assert_allclose(step_size(1 - u, False, config).numpy(), expected, rtol=1e-10)
    assert np.all(np.diff(expected) < 0)


def test_exp_step_step_against_its_closed_form():
    nu, pulses = 3.0, 1000
    config = UpdateConfig(nu=nu, pulses=pulses, response="exp_step")
    u = torch.linspace(0.0, 1.0, 11, dtype=torch.float64)
    s = math.expm1(nu) / (nu * pulses)
    # dx/dp = s exp(-nu x): one pulse's step, to first order in the step.
    np.testing.assert_allclose(step_size(u, True, config).numpy(), s * np.exp(-nu * u.numpy()), rtol=0.01)
    up, down = step_size(u, True, config), step_size(u, False, config)
    np.testing.assert_allclose((up / down).numpy(), np.exp(nu * (1 - 2 * u.numpy())), rtol=0.01)


@pytest.mark.parametrize("response", RESPONSES)
def test_mid_window_step_and_its_drift(response):
    nu, pulses = 3.0, 1000
    config = UpdateConfig(nu=nu, pulses=pulses, response=response)
    if response == "saturating":
        expected = (1 / (1 - math.exp(-nu)) - 0.5) * (1 - math.exp(-nu / pulses))
    else:
        expected = math.log1p(math.expm1(nu) / pulses * math.exp(-nu / 2)) / nu
    assert config.mid_step == pytest.approx(expected, rel=1e-12)
    assert config.mid_step > 1 / pulses == UpdateConfig(pulses=pulses).mid_step  # the ends are slower
    # An up and a down pulse drift the state towards the middle of the window (first order in the step there).
    drift = {}
    for start in (0.2, 0.5, 0.8):
        u0 = torch.tensor([start], dtype=torch.float64)
        drift[start] = float(apply_pulses_sequential(apply_pulses_sequential(u0, 1, True, config), 1, False, config)
                             - u0)
    assert drift[0.2] > 0 > drift[0.8]
    assert abs(drift[0.5]) < 0.05 * drift[0.2]


def test_pair_update_matches_the_learning_rate_at_mid_window():
    """Pulses are counted with the mid-window step: a nonlinear pair at u = 1/2 realises dw to first order."""
    dw = torch.full((4,), 0.002)
    for response in RESPONSES:
        new = pair_update(torch.full((2, 4), 0.5, dtype=torch.float64), dw.double(), 1.0,
                          UpdateConfig(nu=4.0, response=response, rounding="none", pulses=1000))
        assert float(new[0, 0] - new[1, 0]) == pytest.approx(0.002, rel=5e-3)


def test_relative_write_noise_has_the_stated_statistics():
    gamma, n = 0.3, 25
    config = UpdateConfig(gamma=gamma, noise="relative", pulses=1000)
    gen = torch.Generator().manual_seed(2)
    u0 = torch.full((40_000,), 0.3, dtype=torch.float64)
    closed = apply_pulses(u0, torch.full_like(u0, n), torch.ones(u0.shape, dtype=torch.bool), config, generator=gen)
    seq = apply_pulses_sequential(u0, n, True, config, generator=gen)
    for out in (closed, seq):
        moved = (out - u0).numpy()
        assert abs(moved.mean() - n * config.delta) < 4 * gamma * config.delta * math.sqrt(n / u0.numel())
        assert moved.std() == pytest.approx(gamma * config.delta * math.sqrt(n), rel=0.03)


@pytest.mark.parametrize("start", [0.2, 0.7])
def test_absolute_write_noise_is_state_independent(start):
    """NeuroSim's cycle-to-cycle noise: each pulse adds gamma mid_step xi whatever the state. Pulse by pulse on the
    saturating response the state map is affine, x -> a x + b + sigma xi with a = exp(-nu / P), so n pulses have
    variance sigma^2 sum_k a^(2k) (the closed form's sigma^2 n to first order in nu / P)."""
    gamma, n, nu, pulses = 0.5, 25, 2.0, 1000
    config = UpdateConfig(nu=nu, gamma=gamma, pulses=pulses)
    sigma = gamma * config.mid_step
    gen = torch.Generator().manual_seed(3)
    u0 = torch.full((40_000,), start, dtype=torch.float64)
    noiseless = apply_pulses(u0[:1], torch.tensor([float(n)]), torch.tensor([True]), UpdateConfig(nu=nu, pulses=pulses))
    closed = apply_pulses(u0, torch.full_like(u0, n), torch.ones(u0.shape, dtype=torch.bool), config, generator=gen)
    seq = apply_pulses_sequential(u0, n, True, config, generator=gen)
    a2 = math.exp(-2 * nu / pulses)
    for out, variance in ((closed, sigma**2 * n), (seq, sigma**2 * (1 - a2**n) / (1 - a2))):
        moved = (out - u0).numpy()
        assert abs(moved.mean() - float(noiseless - start)) < 4 * math.sqrt(variance / u0.numel())
        assert moved.std() == pytest.approx(math.sqrt(variance), rel=0.02)


def test_bounds_and_frozen_cells():
    u = torch.tensor([[0.98, 0.5], [0.02, 0.5]])
    new = pair_update(u, torch.tensor([10.0, 10.0]), 1.0, UpdateConfig(rounding="nearest"),
                      frozen=torch.tensor([[False, True], [False, True]]))
    assert new[0, 0] == 1.0 and new[1, 0] == 0.0  # clipped at the window's ends
    assert torch.equal(new[:, 1], u[:, 1])  # stuck cells keep their state


@pytest.mark.parametrize("field, value, allowed", [
    ("nu", -0.1, "0"), ("nu", 11.0, "10"), ("gamma", -1.0, "0"), ("gamma", 5.0, "2"), ("pulses", 0, "1"),
    ("d2d_sigma", -0.5, "0"), ("rounding", "up", "stochastic"), ("response", "log", "saturating"),
    ("noise", "pink", "absolute"),
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
