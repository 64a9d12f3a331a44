"""Independent check of the crossbar models with a real circuit simulator: SPICE netlists run by ``ngspice -b``.

The netlist is the same network as :mod:`workbench.crossbar.array.circuit` (row/column wire segments, drivers, sense
resistors to ground, one element per cell), written out element by element so that ngspice solves it from
scratch. Linear cells are resistors ``R = 1/g``; sinh cells are behavioural current sources
``B ... I = g*v_nl*sinh(V(a,b)/v_nl)``. A zero resistance becomes a 0 V voltage source (SPICE rejects ``R=0``).
Each column current is read through a 0 V source in series with its sense resistor. One ``.op`` is run per input
vector, as a circuit designer would (Rx-Caffe, arXiv 1809.00072, compares its model against HSPICE the same way).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from workbench.crossbar.array.circuit import CircuitConfig, check_inputs, check_v_nl

__all__ = ["crossbar_netlist", "ngspice_path", "ngspice_solve"]

#: Tight tolerances so that ngspice's Newton loop converges far below the 1e-4 agreement the tests require.
_OPTIONS = ".options reltol=1e-10 abstol=1e-18 vntol=1e-12 itl1=500 numdgt=15"


def ngspice_path() -> str | None:
    """Path of the ``ngspice`` executable, or ``None`` when it is not installed."""
    return shutil.which("ngspice")


def _two_terminal(name: str, a: str, b: str, r_ohm: float) -> str:
    return f"V{name} {a} {b} 0" if r_ohm == 0 else f"R{name} {a} {b} {r_ohm:.17g}"


def crossbar_netlist(
    G: np.ndarray,
    v_in: np.ndarray,
    circuit: CircuitConfig,
    *,
    v_nl: float | None = None,
    output: str = "out.txt",
) -> str:
    """SPICE netlist of the crossbar for one input vector; its ``.control`` block writes the column currents.

    Parameters
    ----------
    G : array_like, shape (rows, cols)
        Cell conductances (S); a zero conductance leaves the cell open.
    v_in : array_like, shape (rows,)
        Row input voltages (V).
    circuit : CircuitConfig
        Parasitic resistances, as in :func:`workbench.crossbar.array.circuit.solve_crossbar`.
    v_nl : float or None
        ``None`` for linear cells, else the sinh nonlinearity voltage (V).
    output : str
        File that ngspice's ``wrdata`` writes the column currents to.
    """
    G, v, single = check_inputs(G, v_in)
    if not single:
        raise ValueError(f"crossbar_netlist takes one input vector of shape (rows,), got {np.shape(v_in)}")
    check_v_nl(v_nl)
    rows, cols = G.shape
    r_wire_row, r_wire_col = circuit.r_wire_row_ohm, circuit.r_wire_col_ohm
    r_driver, r_sense = circuit.r_driver_ohm, circuit.r_sense_ohm
    lines = [f"* crossbar {rows}x{cols}", _OPTIONS]
    for i in range(rows):
        lines.append(f"Vin{i} in{i} 0 {v[0, i]:.17g}")
        lines.append(_two_terminal(f"d{i}", f"in{i}", f"r{i}_0", r_driver))
        for j in range(cols - 1):
            lines.append(_two_terminal(f"wr{i}_{j}", f"r{i}_{j}", f"r{i}_{j + 1}", r_wire_row))
    for j in range(cols):
        for i in range(rows - 1):
            lines.append(_two_terminal(f"wc{i}_{j}", f"c{i}_{j}", f"c{i + 1}_{j}", r_wire_col))
        lines.append(_two_terminal(f"s{j}", f"c{rows - 1}_{j}", f"s{j}", r_sense))
        lines.append(f"Vsense{j} s{j} 0 0")
    for i in range(rows):
        for j in range(cols):
            g = G[i, j]
            if g == 0:
                continue
            a, b = f"r{i}_{j}", f"c{i}_{j}"
            if v_nl is None:
                lines.append(f"Rcell{i}_{j} {a} {b} {1.0 / g:.17g}")
            else:
                lines.append(f"Bcell{i}_{j} {a} {b} I={g:.17g}*{v_nl:.17g}*sinh(V({a},{b})/{v_nl:.17g})")
    probes = " ".join(f"i(vsense{j})" for j in range(cols))
    lines += [".control", "set wr_singlescale", "op", f"wrdata {output} {probes}", ".endc", ".end", ""]
    return "\n".join(lines)


def ngspice_solve(
    G: np.ndarray,
    v_in: np.ndarray,
    circuit: CircuitConfig,
    *,
    v_nl: float | None = None,
    timeout_s: float = 600.0,
) -> np.ndarray:
    """Column currents (A) from one ngspice ``.op`` per input vector; shape follows ``v_in`` like ``solve_crossbar``.

    Raises
    ------
    RuntimeError
        When ngspice is not installed, fails, or writes no result (the message carries its log).
    """
    exe = ngspice_path()
    if exe is None:
        raise RuntimeError("ngspice is not installed (Debian/Ubuntu: apt-get install ngspice)")
    G, v, single = check_inputs(G, v_in)
    currents = np.empty((v.shape[0], G.shape[1]))
    with tempfile.TemporaryDirectory(prefix="crossbar_spice_") as tmp:
        for b, vector in enumerate(v):
            out = Path(tmp) / f"out{b}.txt"
            cir = Path(tmp) / f"xbar{b}.cir"
            cir.write_text(crossbar_netlist(G, vector, circuit, v_nl=v_nl, output=str(out)))
            proc = subprocess.run([exe, "-b", str(cir)], capture_output=True, text=True, timeout=timeout_s)
            # ngspice -b exits 1 after a .control-only run ("no simulations run"), so the result file is the check.
            if not out.exists():
                raise RuntimeError(f"ngspice failed (exit {proc.returncode}):\n{(proc.stdout + proc.stderr)[-2000:]}")
            # wr_singlescale: one scale column, then one column per probe.
            currents[b] = np.loadtxt(out, ndmin=2)[0, 1:]
    return currents[0] if single else currents
