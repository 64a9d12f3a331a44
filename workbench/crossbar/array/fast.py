"""The Fast Crossbar Model: an effective conductance matrix ``G_eff`` so that ``I = v G_eff``.

Rx-Caffe's FCM (arXiv 1809.00072, Sec. III, as summarised in docs/design.md § crossbars) pre-solves the Kirchhoff/Ohm
equations of a crossbar once and then evaluates every input as ``y = ADC(DAC(x) G_nonideal)``. With linear cells the
crossbar is a linear network, so this is *exact*: row ``i`` of ``G_eff`` is the output for a unit voltage on row ``i``
and 0 V on the others (superposition). :func:`effective_conductance` extracts it from one sparse factorisation and ``R``
triangular solves; any later batch is one matrix multiply.

Alternatives, so that accuracy can be traded against speed (all return a ``G_eff`` of the same shape):

* ``"ideal"``: ``G`` itself (no parasitics).
* ``"cumulative"``: each cell in series with the wire between it and its driver and sense resistor,
  ``G_eff[i,j] = 1 / (1/g_ij + r_driver + j r_wire_row + (R-1-i) r_wire_col + r_sense)``; ignores the current the
  other cells draw through shared wires, so it underestimates the IR drop.
* ``"diagonal"``: ``G_eff = diag(a) G diag(b)``. [R] The row factors ``a_i`` are first-order attenuations from the
  current-weighted mean IR drop along row ``i`` driven alone with its columns at 0 V; the column factors ``b_j`` the
  same for the rise along column ``j`` with every row driven at the same voltage (a documented reconstruction of
  the diagonal-scaling family; the paper's exact form is not known).
* ``"line"``: the exact linear network solved by block Gauss-Seidel over its lines [R] (Saad, *Iterative Methods
  for Sparse Linear Systems*, 2nd ed., Sec. 4.1.2, block relaxation): every row wire with its driver is a
  tridiagonal system given the column voltages, every column wire with its sense resistor one given the row
  voltages; the two sets are solved in turn (Thomas algorithm, factorised once per tile) for all ``R`` unit drives
  at once, until the column currents change by less than ``1e-9`` of the largest. The nodal matrix is symmetric
  positive definite, so the iteration converges (a few sweeps when R_cell >> R_wire); it needs no sparse LU, so it
  is several times faster than ``"exact"`` at the same answer. Zero resistances (ideal wires or terminals) fall
  back to the nodal solve.
* :func:`relaxation_solve`: CrossSim-style damped fixed-point iteration on the wire voltages, batched, exact at
  convergence and usable with nonlinear cells; diverges for strong parasitics, which raises
  :class:`~workbench.crossbar.array.circuit.ConvergenceError`.

Nonlinear (sinh) cells make ``G_eff`` input dependent. :func:`effective_conductance` with ``v_op`` linearises the
cells at an operating point with their secant (chord) conductances ``I_cell / v_cell`` from the exact Newton
solution, which reproduces the exact output at ``v_op`` and approximates it nearby; :class:`FastCrossbar` refreshes
the linearisation every ``refresh_every`` batches (a knob) at the batch-mean input.
"""

from __future__ import annotations

import numpy as np

from workbench.crossbar.array.circuit import (
    MODELS,
    CircuitConfig,
    ConvergenceError,
    cell_current,
    check_inputs,
    check_v_nl,
    solve_crossbar,
)

__all__ = ["MODELS", "FastCrossbar", "effective_conductance", "relaxation_solve", "series_resistance"]


def _secant(G: np.ndarray, v_cell: np.ndarray, v_nl: float) -> np.ndarray:
    """Chord conductance ``I(v)/v`` of sinh cells (S); ``g`` at ``v = 0``."""
    x = v_cell / v_nl
    ratio = np.ones_like(x)
    nonzero = np.abs(x) > 1e-8
    ratio[nonzero] = np.sinh(x[nonzero]) / x[nonzero]
    return G * ratio


def series_resistance(rows: int, cols: int, c: CircuitConfig) -> np.ndarray:
    """Wire and terminal resistance in series with each cell on its shortest path (ohm), shape (rows, cols).

    ``r_driver + j r_wire_row + (rows-1-i) r_wire_col + r_sense``: the path from row ``i``'s driver along its row to
    cell ``(i, j)`` and down column ``j`` to its sense resistor. The ``"cumulative"`` (short-path) model is
    ``G_eff = 1 / (1/G + series)``; TxSim's analytical model keeps the same short paths (arXiv 2002.11151, Sec. IV,
    valid when R_cell >> R_wire). The path is the same for the transposed read with the column drivers at the sense
    ends and the row sensing at the driver ends, so both reads share it.
    """
    to_driver = c.r_driver_ohm + c.r_wire_row_ohm * np.arange(cols)[None, :]
    to_sense = c.r_sense_ohm + c.r_wire_col_ohm * (rows - 1 - np.arange(rows))[:, None]
    return to_driver + to_sense


def _cumulative(G: np.ndarray, c: CircuitConfig) -> np.ndarray:
    series = series_resistance(*G.shape, c)
    out = np.zeros_like(G)
    on = G > 0
    out[on] = 1.0 / (1.0 / G[on] + series[on])
    return out


def _diagonal(G: np.ndarray, c: CircuitConfig) -> np.ndarray:
    row_total = G.sum(axis=1, keepdims=True)
    # Current in the row segment feeding node j is the sum of the cells at and beyond j (segment j, j >= 1).
    tail = np.cumsum(G[:, ::-1], axis=1)[:, ::-1]
    drop = c.r_driver_ohm * row_total + c.r_wire_row_ohm * np.concatenate(
        [np.zeros((G.shape[0], 1)), np.cumsum(tail[:, 1:], axis=1)], axis=1
    )
    col_total = G.sum(axis=0, keepdims=True)
    # Current in the column segment below row k is the sum of the cells at and above k.
    head = np.cumsum(G, axis=0)
    rise = c.r_sense_ohm * col_total + c.r_wire_col_ohm * np.concatenate(
        [np.cumsum(head[:-1][::-1], axis=0)[::-1], np.zeros((1, G.shape[1]))], axis=0
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        a = 1.0 / (1.0 + np.where(row_total > 0, (G * drop).sum(axis=1, keepdims=True) / row_total, 0.0))
        b = 1.0 / (1.0 + np.where(col_total > 0, (G * rise).sum(axis=0, keepdims=True) / col_total, 0.0))
    return a * G * b


def _thomas_factors(diag: np.ndarray, off: float) -> tuple[np.ndarray, np.ndarray]:
    """Forward-elimination factors ``(c', 1/m)`` of tridiagonal systems along axis 0 with diagonals ``diag`` and
    the constant off-diagonal ``off`` (Thomas algorithm)."""
    cp, inv_m = np.empty_like(diag), np.empty_like(diag)
    inv_m[0] = 1.0 / diag[0]
    cp[0] = off * inv_m[0]
    for k in range(1, diag.shape[0]):
        inv_m[k] = 1.0 / (diag[k] - off * cp[k - 1])
        cp[k] = off * inv_m[k]
    return cp, inv_m


def _thomas_solve(cp: np.ndarray, inv_m: np.ndarray, off: float, d: np.ndarray) -> np.ndarray:
    """Solutions along axis 0 of the systems :func:`_thomas_factors` factorised, right-hand sides ``d``."""
    x = np.empty_like(d)
    x[0] = d[0] * inv_m[0]
    for k in range(1, d.shape[0]):
        x[k] = (d[k] - off * x[k - 1]) * inv_m[k]
    for k in range(d.shape[0] - 2, -1, -1):
        x[k] -= cp[k] * x[k + 1]
    return x


def _line(G: np.ndarray, c: CircuitConfig, tol: float = 1e-9, max_sweeps: int = 500) -> np.ndarray:
    """``G_eff`` by block Gauss-Seidel over the row and column lines (module docstring, ``"line"``)."""
    resistances = (c.r_wire_row_ohm, c.r_wire_col_ohm, c.r_driver_ohm, c.r_sense_ohm)
    if min(resistances) == 0:
        return solve_crossbar(G, np.eye(G.shape[0]), c)
    R, C = G.shape
    g_row, g_col, g_drive, g_sense = (1.0 / r for r in resistances)
    # Row i: nodes j = 0..C-1 (position first), the driver at j = 0; column j: nodes i = 0..R-1, sensed at R-1.
    diag_row = G.T + 2 * g_row
    diag_row[-1] -= g_row
    diag_row[0] += g_drive - g_row
    diag_col = G + 2 * g_col
    diag_col[0] -= g_col
    diag_col[-1] += g_sense - g_col
    rows = _thomas_factors(diag_row[:, :, None], -g_row)
    cols = _thomas_factors(diag_col[:, :, None], -g_col)
    drive = np.zeros((C, R, R))
    drive[0] = g_drive * np.eye(R)  # unit drive s on row s: axis 2 is the drive
    v_col = np.zeros((R, C, R))
    out = None
    for _ in range(max_sweeps):
        v_row = _thomas_solve(*rows, -g_row, drive + G.T[:, :, None] * v_col.transpose(1, 0, 2))
        v_col = _thomas_solve(*cols, -g_col, G[:, :, None] * v_row.transpose(1, 0, 2))
        new = g_sense * v_col[-1].T  # (drive, column)
        if out is not None and np.abs(new - out).max() <= tol * np.abs(new).max():
            return new
        out = new
    raise ConvergenceError(f"line relaxation did not converge in {max_sweeps} sweeps; use model='exact'")


def effective_conductance(
    G: np.ndarray,
    circuit: CircuitConfig,
    *,
    v_nl: float | None = None,
    v_op: np.ndarray | None = None,
) -> np.ndarray:
    """``G_eff`` (S, rows x cols) such that the column currents are ``v @ G_eff``.

    Parameters
    ----------
    G : array_like, shape (rows, cols)
        Cell conductances (S).
    circuit : CircuitConfig
        Parasitic resistances, as in :func:`~workbench.crossbar.array.circuit.solve_crossbar`, and ``model``: how
        ``G_eff`` is obtained, one of :data:`MODELS` (see the module docstring).
    v_nl : float or None
        Sinh nonlinearity voltage of the cells (V); ``None`` for linear cells. Only ``model="exact"`` supports it.
    v_op : array_like, shape (rows,), optional
        Operating point (row voltages, V) at which nonlinear cells are linearised; required when ``v_nl`` is set.

    Raises
    ------
    ValueError
        For ``v_nl`` without ``v_op`` or with a closed-form model, and for bad circuit inputs.
    """
    G, _, _ = check_inputs(G, np.zeros(np.shape(G)[0]) if np.ndim(G) == 2 else G)
    check_v_nl(v_nl)
    model = circuit.model
    if v_nl is not None and (model != "exact" or v_op is None):
        raise ValueError(f"v_nl={v_nl!r} needs model='exact' (got {model!r}) and an operating point v_op")
    if model == "ideal":
        return G.copy()
    if model == "cumulative":
        return _cumulative(G, circuit)
    if model == "diagonal":
        return _diagonal(G, circuit)
    if model == "line":
        return _line(G, circuit)
    if v_nl is not None:
        op = solve_crossbar(G, np.asarray(v_op, dtype=float), circuit, v_nl=v_nl, full_output=True)
        G = _secant(G, op.v_cell, v_nl)
    return solve_crossbar(G, np.eye(G.shape[0]), circuit)


def _wire_voltages(i_cell: np.ndarray, v: np.ndarray, c: CircuitConfig) -> tuple[np.ndarray, np.ndarray]:
    """Row and column node voltages implied by the cell currents ``i_cell`` (batch, rows, cols) for inputs ``v``.

    ``v_r(i,j) = v_i - r_driver S_i - r_wire_row sum_{k=1..j} tail_k`` (``tail_k``: current of the cells at and
    beyond ``k`` on row ``i``, ``S_i = tail_0``), and column voltages likewise from the sense end.
    """
    tail = np.cumsum(i_cell[:, :, ::-1], axis=2)[:, :, ::-1]
    row = (v - c.r_driver_ohm * tail[:, :, 0])[:, :, None] - c.r_wire_row_ohm * np.concatenate(
        [np.zeros_like(tail[:, :, :1]), np.cumsum(tail[:, :, 1:], axis=2)], axis=2
    )
    head = np.cumsum(i_cell, axis=1)
    col = c.r_sense_ohm * head[:, -1:, :] + c.r_wire_col_ohm * np.concatenate(
        [np.cumsum(head[:, :-1][:, ::-1], axis=1)[:, ::-1], np.zeros_like(head[:, :1])], axis=1
    )
    return row, col


def relaxation_solve(
    G: np.ndarray,
    v_in: np.ndarray,
    circuit: CircuitConfig,
    *,
    v_nl: float | None = None,
    gamma: float = 0.5,
    tol: float = 1e-10,
    max_iter: int = 2000,
) -> np.ndarray:
    """Column currents (A) by damped fixed-point relaxation of the wire voltages (CrossSim-style).

    Each sweep computes the cell currents from the present node voltages, then the wire voltages they imply (the
    parasitic resistances of ``circuit``; ``circuit.model`` is not used), and moves a fraction ``gamma`` towards
    them. All inputs of the batch are relaxed together.

    Parameters
    ----------
    gamma : float
        Damping in (0, 1]; smaller is slower but converges for stronger parasitics.
    tol : float
        Stop when the largest voltage update is below ``tol`` times the largest input magnitude.
    max_iter : int
        Sweep limit.

    Raises
    ------
    ConvergenceError
        When the iteration diverges or has not converged after ``max_iter`` sweeps; lower ``gamma`` or use the
        exact solver.
    """
    G, v, single = check_inputs(G, v_in)
    if not 0 < gamma <= 1:
        raise ValueError(f"gamma={gamma!r} is not allowed; allowed: 0 < gamma <= 1")
    check_v_nl(v_nl)
    v_scale = max(np.abs(v).max(), 1e-30)
    v_row = np.repeat(v[:, :, None], G.shape[1], axis=2)
    v_col = np.zeros_like(v_row)
    for _ in range(max_iter):
        row_new, col_new = _wire_voltages(cell_current(G[None], v_row - v_col, v_nl), v, circuit)
        change = max(np.abs(row_new - v_row).max(), np.abs(col_new - v_col).max())
        if not np.isfinite(change) or change > 1e6 * v_scale:
            raise ConvergenceError(f"relaxation diverged (gamma={gamma}); lower gamma or use the exact solver")
        v_row += gamma * (row_new - v_row)
        v_col += gamma * (col_new - v_col)
        if change <= tol * v_scale:
            break
    else:
        raise ConvergenceError(
            f"relaxation did not converge in max_iter={max_iter} sweeps (last update {change:.3g} V, gamma={gamma})"
        )
    i_out = cell_current(G[None], v_row - v_col, v_nl).sum(axis=1)
    return i_out[0] if single else i_out


class FastCrossbar:
    """A crossbar evaluated as ``I = v G_eff``: one extraction, then one matrix multiply per batch.

    Parameters
    ----------
    G : array_like, shape (rows, cols)
        Cell conductances (S).
    circuit : CircuitConfig
        Parasitic resistances and ``model`` (one of :data:`MODELS`).
    v_nl : float or None
        Sinh nonlinearity voltage (V) of the cells; ``None`` for linear cells (then ``G_eff`` is exact, once).
    refresh_every : int
        Nonlinear cells only: re-linearise at the batch-mean input every ``refresh_every`` calls; 0 linearises once,
        at the first batch.
    """

    def __init__(
        self,
        G: np.ndarray,
        circuit: CircuitConfig,
        *,
        v_nl: float | None = None,
        refresh_every: int = 0,
    ):
        if refresh_every < 0:
            raise ValueError(f"refresh_every={refresh_every!r} is not allowed; allowed: an integer >= 0")
        self.G = np.asarray(G, dtype=float)
        self.circuit, self.v_nl, self.refresh_every = circuit, v_nl, refresh_every
        self.g_eff = None if v_nl is not None else effective_conductance(self.G, circuit)
        self.calls = 0
        self.refreshes = 0

    def __call__(self, v_in: np.ndarray) -> np.ndarray:
        """Column currents (A) for ``v_in`` of shape (rows,) or (batch, rows)."""
        v = np.asarray(v_in, dtype=float)
        if v.ndim not in (1, 2) or v.shape[-1] != self.G.shape[0]:
            rows = self.G.shape[0]
            raise ValueError(f"v_in must have shape (rows,) or (batch, rows) with rows={rows}, got {v.shape}")
        if self.v_nl is not None and (
            self.g_eff is None or (self.refresh_every and self.calls % self.refresh_every == 0)
        ):
            v_op = v if v.ndim == 1 else v.mean(axis=0)
            self.g_eff = effective_conductance(self.G, self.circuit, v_nl=self.v_nl, v_op=v_op)
            self.refreshes += 1
        self.calls += 1
        return v @ self.g_eff
