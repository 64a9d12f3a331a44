"""The exact nodal solver against ngspice on the same netlist."""

from dataclasses import replace

import numpy as np
import pytest

from workbench.crossbar.array.circuit import CircuitConfig, solve_crossbar
from workbench.crossbar.array.spice import crossbar_netlist, ngspice_path, ngspice_solve

needs_ngspice = pytest.mark.skipif(
    ngspice_path() is None, reason="ngspice is not installed (apt-get install ngspice); SPICE validation skipped"
)
PARASITICS = CircuitConfig(r_wire_row_ohm=2.5, r_wire_col_ohm=1.5, r_driver_ohm=150.0, r_sense_ohm=60.0)


def _case(rows, cols, seed):
    rng = np.random.default_rng(seed)
    G = rng.uniform(1e-6, 1e-4, (rows, cols))
    G[rng.random((rows, cols)) < 0.1] = 0.0  # some open cells
    return G, rng.uniform(0.01, 0.3, (2, rows))


def test_netlist_has_one_element_per_device():
    G, v = _case(3, 4, 0)
    text = crossbar_netlist(G, v[0], PARASITICS)
    cells = int((G > 0).sum())
    assert text.count("\nRcell") == cells
    assert text.count("\nRwr") == 3 * 3 and text.count("\nRwc") == 2 * 4
    assert text.count("\nRd") == 3 and text.count("\nRs") == 4 and text.count("\nVsense") == 4
    sinh = crossbar_netlist(G, v[0], PARASITICS, v_nl=0.2)
    assert sinh.count("\nBcell") == cells and "sinh(" in sinh
    zero = crossbar_netlist(G, v[0], replace(PARASITICS, r_wire_row_ohm=0.0))
    assert "\nRwr" not in zero and zero.count("\nVwr") == 9


def test_netlist_rejects_batches():
    G, v = _case(3, 4, 0)
    with pytest.raises(ValueError, match="one input vector"):
        crossbar_netlist(G, v, PARASITICS)


@needs_ngspice
@pytest.mark.ngspice
@pytest.mark.parametrize("v_nl, rtol", [(None, 1e-6), (0.12, 1e-4)])
@pytest.mark.parametrize("shape, seed", [((1, 1), 0), ((5, 8), 1), ((12, 7), 2), ((16, 24), 3)])
def test_circuit_solver_agrees_with_ngspice(shape, seed, v_nl, rtol):
    G, v = _case(*shape, seed)
    exact = solve_crossbar(G, v, PARASITICS, v_nl=v_nl)
    spice = ngspice_solve(G, v, PARASITICS, v_nl=v_nl)
    np.testing.assert_allclose(spice, exact, rtol=rtol)


@needs_ngspice
@pytest.mark.ngspice
def test_zero_resistances_agree_with_ngspice():
    G, v = _case(4, 6, 4)
    circuit = CircuitConfig(r_wire_col_ohm=2.0)
    np.testing.assert_allclose(ngspice_solve(G, v, circuit), solve_crossbar(G, v, circuit), rtol=1e-6)
