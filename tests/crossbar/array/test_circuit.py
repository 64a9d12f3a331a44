"""Tests of the exact nodal-analysis crossbar solver."""

from dataclasses import replace

import numpy as np
import pytest

from workbench.crossbar.array.circuit import CircuitConfig, ConvergenceError, cell_current, solve_crossbar

PARASITICS = CircuitConfig(r_wire_row_ohm=2.0, r_wire_col_ohm=3.0, r_driver_ohm=200.0, r_sense_ohm=50.0)
IDEAL = CircuitConfig()


def _array(rows, cols, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(1e-5, 1e-4, (rows, cols)), rng.uniform(-0.3, 0.3, (5, rows))


@pytest.mark.parametrize("v_nl", [None, 0.15])
@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (8, 5), (12, 12)])
def test_conservation_injected_equals_sensed(shape, v_nl):
    G, v = _array(*shape)
    sol = solve_crossbar(G, v, PARASITICS, v_nl=v_nl, full_output=True)
    # Driver currents and sense currents are measured at opposite ends of the network (through their resistors).
    np.testing.assert_allclose(sol.i_in.sum(axis=1), sol.i_out.sum(axis=1), rtol=1e-9, atol=1e-18)
    # Kirchhoff per line: each driver's current leaves through its row's cells, each sense current entered
    # through its column's cells.
    i_cell = cell_current(G[None], sol.v_cell, v_nl)
    np.testing.assert_allclose(sol.i_in, i_cell.sum(axis=2), rtol=1e-9, atol=1e-18)
    np.testing.assert_allclose(sol.i_out, i_cell.sum(axis=1), rtol=1e-9, atol=1e-18)


def test_ideal_limit_is_vector_matrix_product():
    G, v = _array(6, 9)
    np.testing.assert_allclose(solve_crossbar(G, v, IDEAL), v @ G, rtol=1e-12)
    np.testing.assert_allclose(solve_crossbar(G, v[0], IDEAL), v[0] @ G, rtol=1e-12)


@pytest.mark.parametrize("zero", ["r_wire_row_ohm", "r_wire_col_ohm", "r_driver_ohm", "r_sense_ohm"])
def test_zero_resistance_is_the_limit_of_small_resistance(zero):
    G, v = _array(5, 6)
    exact = solve_crossbar(G, v, replace(PARASITICS, **{zero: 0.0}))
    errors = [np.abs(solve_crossbar(G, v, replace(PARASITICS, **{zero: eps})) - exact).max() for eps in (1e-2, 1e-3)]
    # The difference vanishes linearly with the resistance that was set to zero.
    assert errors[1] < errors[0] / 5
    assert errors[1] < 1e-5 * np.abs(exact).max()


def test_error_grows_monotonically_with_wire_resistance():
    G, v = _array(16, 16, seed=1)
    v = np.abs(v)
    ideal = v @ G
    errors = []
    for r_wire in (0.0, 0.5, 1.0, 2.0, 5.0, 10.0):
        i_out = solve_crossbar(G, v, CircuitConfig(r_wire_row_ohm=r_wire, r_wire_col_ohm=r_wire))
        errors.append(np.abs(i_out - ideal).max() / np.abs(ideal).max())
    assert errors[0] < 1e-12
    assert all(b > a for a, b in zip(errors, errors[1:], strict=False))
    # Parasitics only lose current for positive inputs.
    assert np.all(i_out <= ideal)


def test_linear_superposition():
    G, v = _array(7, 4)
    a = solve_crossbar(G, v[0], PARASITICS)
    b = solve_crossbar(G, v[1], PARASITICS)
    np.testing.assert_allclose(solve_crossbar(G, 2 * v[0] - v[1], PARASITICS), 2 * a - b, rtol=1e-10)


def test_single_cell_matches_series_resistances():
    g, r_d, r_s = 1e-4, 300.0, 70.0
    circuit = CircuitConfig(r_wire_row_ohm=5.0, r_wire_col_ohm=5.0, r_driver_ohm=r_d, r_sense_ohm=r_s)
    i_out = solve_crossbar([[g]], [0.2], circuit)
    assert i_out[0] == pytest.approx(0.2 / (1 / g + r_d + r_s), rel=1e-12)


def test_nonlinear_cells_need_newton_and_reduce_to_linear_for_small_signal():
    G, v = _array(6, 5)
    v = np.abs(v)
    sol = solve_crossbar(G, v, PARASITICS, v_nl=0.1, full_output=True)
    assert sol.iterations >= 2
    # With positive inputs, sinh cells conduct more than linear ones at the same small-signal conductance.
    assert np.all(sol.i_out > solve_crossbar(G, v, PARASITICS))
    small = solve_crossbar(G, 1e-4 * v, PARASITICS, v_nl=0.1)
    np.testing.assert_allclose(small, solve_crossbar(G, 1e-4 * v, PARASITICS), rtol=1e-5)


def test_newton_limit_raises_convergence_error():
    G, v = _array(4, 4)
    with pytest.raises(ConvergenceError, match="max_newton=1"):
        solve_crossbar(G, 3 * v, PARASITICS, v_nl=0.05, max_newton=1)


def test_node_voltages_shapes_and_bounds():
    G, v = _array(3, 4)
    v = np.abs(v)
    sol = solve_crossbar(G, v, PARASITICS, full_output=True)
    assert sol.v_row.shape == sol.v_col.shape == (5, 3, 4)
    assert sol.i_out.shape == (5, 4) and sol.i_in.shape == (5, 3)
    # Passive network: every node lies between ground and the largest input.
    assert sol.v_col.min() >= 0 and sol.v_row.max() <= v.max()
    # Row voltages fall along the row away from the driver.
    assert np.all(np.diff(sol.v_row, axis=2) <= 0)


@pytest.mark.parametrize(
    "changes, match",
    [
        (dict(r_wire_row_ohm=-1.0), "r_wire_row_ohm=-1.0"),
        (dict(r_sense_ohm=float("inf")), "r_sense_ohm"),
        (dict(rows=0), "rows"),
        (dict(model="spice"), "model"),
        (dict(v_op_fraction=2.0), "v_op_fraction"),
    ],
)
def test_bad_circuits_raise_naming_the_field(changes, match):
    with pytest.raises(ValueError, match=match):
        replace(PARASITICS, **changes)


def test_bad_nonlinearity_raises():
    G, v = _array(3, 3)
    with pytest.raises(ValueError, match="v_nl"):
        solve_crossbar(G, v, PARASITICS, v_nl=0.0)


def test_bad_shapes_and_conductances_raise():
    G, v = _array(3, 4)
    with pytest.raises(ValueError, match="rows=3"):
        solve_crossbar(G, np.ones(4), PARASITICS)
    with pytest.raises(ValueError, match="2-D"):
        solve_crossbar(np.ones(3), v, PARASITICS)
    with pytest.raises(ValueError, match=">= 0 S"):
        solve_crossbar(-G, v, PARASITICS)
