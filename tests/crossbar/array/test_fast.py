"""Tests of the fast crossbar models against the exact nodal solver."""

from dataclasses import replace

import numpy as np
import pytest

from workbench.crossbar.array.circuit import CircuitConfig, ConvergenceError, solve_crossbar
from workbench.crossbar.array.fast import MODELS, FastCrossbar, effective_conductance, relaxation_solve

PARASITICS = CircuitConfig(r_wire_row_ohm=2.0, r_wire_col_ohm=1.0, r_driver_ohm=80.0, r_sense_ohm=40.0)


def _array(rows, cols, seed=0, batch=6):
    rng = np.random.default_rng(seed)
    return rng.uniform(1e-5, 1e-4, (rows, cols)), rng.uniform(0.0, 0.3, (batch, rows))


@pytest.mark.parametrize("shape", [(1, 1), (8, 8), (10, 17), (20, 6)])
def test_exact_geff_reproduces_the_circuit_for_any_batch(shape):
    G, v = _array(*shape)
    g_eff = effective_conductance(G, PARASITICS)
    np.testing.assert_allclose(v @ g_eff, solve_crossbar(G, v, PARASITICS), rtol=1e-10)
    # Mixed-sign inputs too: it is the same linear map.
    np.testing.assert_allclose((v - 0.15) @ g_eff, solve_crossbar(G, v - 0.15, PARASITICS), rtol=1e-8, atol=1e-20)


@pytest.mark.parametrize("shape", [(1, 1), (2, 9), (10, 17), (20, 6), (48, 48)])
def test_line_relaxation_is_the_exact_network(shape):
    G, v = _array(*shape, seed=5)
    line = effective_conductance(G, replace(PARASITICS, model="line"))
    np.testing.assert_allclose(v @ line, solve_crossbar(G, v, PARASITICS), rtol=1e-8)
    # Zero resistances (an ideal sense amplifier here) are solved by the nodal fallback: still exact.
    grounded = replace(PARASITICS, r_sense_ohm=0.0)
    np.testing.assert_allclose(effective_conductance(G, replace(grounded, model="line")),
                               effective_conductance(G, grounded), rtol=1e-12)


def test_ideal_model_and_ideal_limit_agree():
    G, v = _array(6, 6)
    for model in MODELS:
        np.testing.assert_allclose(v @ effective_conductance(G, CircuitConfig(model=model)), v @ G, rtol=1e-12)


def test_closed_forms_rank_between_ideal_and_exact():
    G, v = _array(32, 32, seed=3)
    exact = solve_crossbar(G, v, PARASITICS)
    error = {
        model: np.abs(v @ effective_conductance(G, replace(PARASITICS, model=model)) - exact).max() / exact.max()
        for model in MODELS
    }
    assert error["exact"] < 1e-12 and error["line"] < 1e-8
    # Every approximation beats ignoring the parasitics; diagonal scaling (shared-wire currents) beats the
    # cumulative single-path model, which ignores the current the other cells draw.
    assert error["diagonal"] < error["cumulative"] < error["ideal"]
    assert error["diagonal"] < 0.5 * error["ideal"]


def test_cumulative_model_is_exact_for_a_single_cell():
    G = np.array([[5e-5]])
    g_eff = effective_conductance(G, replace(PARASITICS, model="cumulative"))
    np.testing.assert_allclose(g_eff, solve_crossbar(G, [1.0], PARASITICS)[None, :], rtol=1e-12)


@pytest.mark.parametrize("v_nl", [None, 0.2])
def test_relaxation_converges_to_the_exact_solution(v_nl):
    G, v = _array(12, 9, seed=4)
    np.testing.assert_allclose(
        relaxation_solve(G, v, PARASITICS, v_nl=v_nl), solve_crossbar(G, v, PARASITICS, v_nl=v_nl), rtol=1e-7
    )


def test_relaxation_diverges_with_a_clear_error_for_strong_parasitics():
    G, v = _array(16, 16, seed=5)
    strong = CircuitConfig(r_wire_row_ohm=2000.0, r_wire_col_ohm=2000.0, r_driver_ohm=1e4, r_sense_ohm=1e4)
    with pytest.raises(ConvergenceError, match="gamma"):
        relaxation_solve(G * 10, v, strong, gamma=1.0, max_iter=200)


def test_linearisation_is_exact_at_the_operating_point_and_error_is_measured_nearby():
    G, v = _array(10, 10, seed=6)
    v_nl = 0.15
    g_eff = effective_conductance(G, PARASITICS, v_nl=v_nl, v_op=v[0])
    np.testing.assert_allclose(v[0] @ g_eff, solve_crossbar(G, v[0], PARASITICS, v_nl=v_nl), rtol=1e-9)
    exact = solve_crossbar(G, v, PARASITICS, v_nl=v_nl)
    error_lin = np.abs(v @ g_eff - exact).max() / exact.max()
    error_small_signal = np.abs(v @ effective_conductance(G, PARASITICS) - exact).max() / exact.max()
    assert 0 < error_lin < error_small_signal


def test_fast_crossbar_refreshes_its_linearisation():
    G, v = _array(8, 8, seed=7)
    once = FastCrossbar(G, PARASITICS, v_nl=0.15)
    every = FastCrossbar(G, PARASITICS, v_nl=0.15, refresh_every=1)
    for k in range(3):
        once(v * (k + 1) / 3)
        out = every(v * (k + 1) / 3)
    assert once.refreshes == 1 and every.refreshes == 3
    exact = solve_crossbar(G, v, PARASITICS, v_nl=0.15)
    assert np.abs(out - exact).max() < np.abs(once(v) - exact).max()


def test_fast_crossbar_linear_is_one_matrix_multiply():
    G, v = _array(8, 5)
    fc = FastCrossbar(G, PARASITICS)
    np.testing.assert_allclose(fc(v), solve_crossbar(G, v, PARASITICS), rtol=1e-10)
    with pytest.raises(ValueError, match="rows"):
        fc(np.ones(5))


def test_bad_arguments_raise():
    G, v = _array(4, 4)
    with pytest.raises(ValueError, match="v_op"):
        effective_conductance(G, PARASITICS, v_nl=0.2)
    with pytest.raises(ValueError, match="model='exact'"):
        effective_conductance(G, replace(PARASITICS, model="diagonal"), v_nl=0.2, v_op=v[0])
    with pytest.raises(ValueError, match="gamma"):
        relaxation_solve(G, v, PARASITICS, gamma=0.0)
    with pytest.raises(ValueError, match="refresh_every"):
        FastCrossbar(G, PARASITICS, refresh_every=-1)
