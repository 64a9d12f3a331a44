"""Exact circuit reference: sparse nodal analysis of a resistive crossbar.

The network (docs/design.md § crossbars; Rx-Caffe / FCM, arXiv 1809.00072, Sec. "crossbar non-idealities")
has one row-wire node and one column-wire node at every cell, ``2 R C`` nodes in all:

* row node ``(i, j)`` connects to column node ``(i, j)`` through the cell, to its left and right neighbours
  through a row-wire segment of resistance ``r_wire_row``; at ``j = 0`` the left neighbour is the row driver
  (an ideal source ``v_i`` behind ``r_driver``); the right end of the row is open;
* column node ``(i, j)`` connects to the cell, to the nodes above and below through column-wire segments of
  ``r_wire_col``; below the last row the column ends in the sense resistor ``r_sense`` to virtual ground;
* the output of column ``j`` is the current through its sense resistor, ``I_j = v_col(R-1, j) / r_sense``.

Sneak paths are not modelled separately: they follow from solving the whole network. Kirchhoff's current law at
every free node gives a sparse symmetric system ``L v = b`` (the weighted graph Laplacian restricted to the free
nodes, cf. Chua, Desoer & Kuh, *Linear and Nonlinear Circuits*, ch. 10, nodal analysis), factorised with SuperLU.
A zero resistance merges the nodes it joins (a zero driver or sense resistance fixes the node at the source or at
ground), so the ideal limit is solved exactly instead of approximated by a tiny resistor.

Cells are linear (``I = g v``) or, with ``v_nl`` set, sinh-type ``I = g v_nl sinh(v / v_nl)``, a common compact
model of a selector / memristive cell (small-signal conductance ``g`` at 0 V; e.g. Yang et al., *Nat. Nanotech.*
2013). Nonlinear cells are solved by Newton's method on the nodal equations, starting from the linear solution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from workbench.core.knobs import knob_field, validate_config

#: SuperLU settings for the symmetric positive-definite nodal matrix: minimum-degree ordering on A + A^T and no
#: pivoting search (symmetric mode), measured fastest here for 64 x 64 arrays.
_SPLU = dict(permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options=dict(SymmetricMode=True))

__all__ = [
    "MODELS",
    "CircuitConfig",
    "ConvergenceError",
    "CrossbarSolution",
    "cell_current",
    "check_inputs",
    "check_v_nl",
    "solve_crossbar",
]

#: How ``G_eff`` is computed (:func:`workbench.crossbar.array.fast.effective_conductance`): nodal analysis or a closed
#: form.
MODELS = ("exact", "line", "cumulative", "diagonal", "ideal")

SQUARE_TILE_LABEL = "tile size, rows = cols"
"""Label of a knob that sets both ``rows`` and ``cols`` (square tiles)."""
SHARED_WIRE_LABEL = "r_wire, row = column"
"""Label of a knob that sets ``r_wire_row_ohm`` and ``r_wire_col_ohm`` together."""


@dataclass(frozen=True)
class CircuitConfig:
    """Array size and parasitics. Defaults: ideal wiring (every resistance 0), 64 x 64 tiles.

    Every solver (:func:`solve_crossbar`, :func:`~workbench.crossbar.array.fast.effective_conductance`,
    :func:`~workbench.crossbar.array.fast.relaxation_solve`, :func:`~workbench.crossbar.array.spice.ngspice_solve`)
    takes its
    parasitic resistances from here; the array solved is the conductance matrix given with it, which may be smaller
    than ``rows x cols`` (a layer smaller than a tile uses a sub-array). Each field declares its range, unit and help
    (:func:`~workbench.core.knobs.knob_field`); the crossbar studies derive their knobs from them.
    """

    rows: int = knob_field(64, low=1, high=1024, label="tile rows", help="Rows (inputs) per crossbar tile.")
    cols: int = knob_field(64, low=1, high=1024, label="tile columns", help="Columns (outputs) per crossbar tile.")
    r_wire_row_ohm: float = knob_field(0.0, low=0.0, high=math.inf, unit="ohm", label="row-wire segment",
                                       help="Resistance of one row-wire segment between adjacent cells.")
    r_wire_col_ohm: float = knob_field(0.0, low=0.0, high=math.inf, unit="ohm", label="column-wire segment",
                                       help="Resistance of one column-wire segment between adjacent cells.")
    r_driver_ohm: float = knob_field(0.0, low=0.0, high=math.inf, unit="ohm", label="driver resistance",
                                     help="Output resistance of each row driver.")
    r_sense_ohm: float = knob_field(0.0, low=0.0, high=math.inf, unit="ohm", label="sense resistance",
                                    help="Input resistance of each column's sensing circuit to virtual ground.")
    model: str = knob_field("exact", options=MODELS, label="circuit model",
                            help="How each tile's G_eff is computed: exact nodal analysis (sparse LU or, 'line', "
                                 "block relaxation over the lines: the same answer) or a closed form.")
    v_op_fraction: float = knob_field(
        0.5, low=0.0, high=1.0, label="linearisation point (x v_read)",
        help="Nonlinear cells only: they are linearised with every row at v_op_fraction x v_read.")

    def __post_init__(self) -> None:
        validate_config(self)


class ConvergenceError(RuntimeError):
    """An iterative crossbar solve did not converge (Newton here, fixed-point relaxation in ``fast``)."""


@dataclass(frozen=True)
class CrossbarSolution:
    """Everything :func:`solve_crossbar` computes for one input batch.

    Parameters
    ----------
    i_out : ndarray, shape (batch, cols) or (cols,)
        Current sensed at each column (A).
    i_in : ndarray, shape (batch, rows) or (rows,)
        Current injected by each row driver (A).
    v_row : ndarray, shape (batch, rows, cols) or (rows, cols)
        Row-wire node voltages (V).
    v_col : ndarray, shape (batch, rows, cols) or (rows, cols)
        Column-wire node voltages (V).
    iterations : int
        Newton iterations used by the slowest batch element (0 for linear cells).
    """

    i_out: np.ndarray
    i_in: np.ndarray
    v_row: np.ndarray
    v_col: np.ndarray
    iterations: int

    @property
    def v_cell(self) -> np.ndarray:
        """Voltage across each cell, ``v_row - v_col`` (V)."""
        return self.v_row - self.v_col


def cell_current(g: np.ndarray, v: np.ndarray, v_nl: float | None) -> np.ndarray:
    """Cell current (A) for conductance ``g`` (S) and cell voltage ``v`` (V).

    ``I = g v`` for ``v_nl=None``, else ``I = g v_nl sinh(v / v_nl)`` (same small-signal conductance ``g``).
    """
    if v_nl is None:
        return g * v
    return g * v_nl * np.sinh(v / v_nl)


def _cell_slope(g: np.ndarray, v: np.ndarray, v_nl: float | None) -> np.ndarray:
    """Differential conductance dI/dv of a cell (S)."""
    if v_nl is None:
        return g
    return g * np.cosh(v / v_nl)


def check_v_nl(v_nl: float | None) -> None:
    """``ValueError`` unless ``v_nl`` is ``None`` (linear cells) or a finite voltage > 0."""
    if v_nl is not None and not (math.isfinite(v_nl) and v_nl > 0):
        raise ValueError(f"v_nl={v_nl!r} V is not allowed; allowed: None (linear cells) or a finite value > 0 V")


def check_inputs(G: np.ndarray, v_in: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Validate ``G`` (rows x cols, finite, >= 0) and ``v_in`` (rows or batch x rows); return them as float arrays.

    The flag says whether ``v_in`` was a single vector.
    """
    G = np.asarray(G, dtype=float)
    if G.ndim != 2 or G.shape[0] < 1 or G.shape[1] < 1:
        raise ValueError(f"G must be a 2-D conductance matrix (rows x cols), got shape {G.shape}")
    if not np.all(np.isfinite(G)) or np.any(G < 0):
        raise ValueError(f"G must hold finite conductances >= 0 S; got min {np.nanmin(G)!r}, max {np.nanmax(G)!r}")
    v = np.asarray(v_in, dtype=float)
    single = v.ndim == 1
    v2 = v[None, :] if single else v
    if v2.ndim != 2 or v2.shape[1] != G.shape[0]:
        raise ValueError(
            f"v_in must have shape (rows,) or (batch, rows) with rows={G.shape[0]} to match G {G.shape}, "
            f"got {v.shape}"
        )
    if not np.all(np.isfinite(v2)):
        raise ValueError("v_in must be finite")
    return G, v2, single


class _Network:
    """Node bookkeeping and the parts of the nodal equations that do not depend on the cells' state.

    Node labels: row node ``(i, j)`` is ``i*C + j``, column node ``(i, j)`` is ``R*C + i*C + j``, source ``i`` is
    ``2*R*C + i`` and ground is ``2*R*C + R``. Zero resistances merge labels; merged labels that reach a source or
    ground are fixed, the rest are the unknowns.
    """

    def __init__(self, rows: int, cols: int, circuit: CircuitConfig):
        R, C = rows, cols
        self.rows, self.cols = R, C
        r_wire_row, r_wire_col = circuit.r_wire_row_ohm, circuit.r_wire_col_ohm
        r_driver, r_sense = circuit.r_driver_ohm, circuit.r_sense_ohm
        n_grid = R * C
        i_idx, j_idx = np.meshgrid(np.arange(R), np.arange(C), indexing="ij")
        src = 2 * n_grid + np.arange(R)
        gnd = 2 * n_grid + R
        # Representative label of every row / column node after merging zero-resistance connections.
        row = i_idx * C + (0 if r_wire_row == 0 else j_idx)
        if r_driver == 0:
            row = np.where(row == (i_idx * C), src[i_idx], row)
        col = n_grid + (R - 1 if r_wire_col == 0 else i_idx) * C + j_idx
        if r_sense == 0:
            col = np.where(col == n_grid + (R - 1) * C + j_idx, gnd, col)
        self.row_label, self.col_label = row, col
        # Unknowns: labels that are not fixed; fixed values vector is [v_1..v_R, 0].
        labels = np.unique(np.concatenate([row.ravel(), col.ravel()]))
        free = labels[labels < 2 * n_grid]
        n_total = 2 * n_grid + R + 1
        self.index = np.full(n_total, -1)
        self.index[free] = np.arange(free.size)
        self.fixed_index = np.full(n_total, -1)
        self.fixed_index[src] = np.arange(R)
        self.fixed_index[gnd] = R
        self.n_free = free.size
        # Linear two-terminal elements (wires, driver, sense): endpoints and conductances.
        a, b, g = [], [], []
        if r_wire_row > 0 and C > 1:
            a.append(row[:, :-1].ravel())
            b.append(row[:, 1:].ravel())
            g.append(np.full(R * (C - 1), 1.0 / r_wire_row))
        if r_wire_col > 0 and R > 1:
            a.append(col[:-1, :].ravel())
            b.append(col[1:, :].ravel())
            g.append(np.full((R - 1) * C, 1.0 / r_wire_col))
        if r_driver > 0:
            a.append(row[:, 0])
            b.append(src)
            g.append(np.full(R, 1.0 / r_driver))
        if r_sense > 0:
            a.append(col[-1, :])
            b.append(np.full(C, gnd))
            g.append(np.full(C, 1.0 / r_sense))
        ends_a = np.concatenate(a) if a else np.zeros(0, int)
        ends_b = np.concatenate(b) if b else np.zeros(0, int)
        cond = np.concatenate(g) if g else np.zeros(0)
        self.lin_free, self.lin_fixed = self._laplacian(ends_a, ends_b, cond)
        # Cell incidence restricted to free / fixed labels: v_cell = D_free x + D_fixed y.
        n_cells = n_grid
        cells = np.arange(n_cells)
        self.d_free, self.d_fixed = self._incidence(cells, row.ravel(), col.ravel())

    def _split(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        fi, xi = self.index[labels], self.fixed_index[labels]
        return fi, xi, fi >= 0, xi >= 0

    def _laplacian(self, a: np.ndarray, b: np.ndarray, g: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Free-free and free-fixed blocks of the Laplacian of the elements ``(a, b, g)``."""
        n_fixed = self.rows + 1
        rows_f, cols_f, vals_f, rows_x, cols_x, vals_x = [], [], [], [], [], []
        for p, q in ((a, b), (b, a)):
            fp, _, p_free, _ = self._split(p)
            fq, xq, q_free, q_fixed = self._split(q)
            # Diagonal term at p.
            rows_f.append(fp[p_free])
            cols_f.append(fp[p_free])
            vals_f.append(g[p_free])
            # Off-diagonal to q.
            m = p_free & q_free
            rows_f.append(fp[m])
            cols_f.append(fq[m])
            vals_f.append(-g[m])
            m = p_free & q_fixed
            rows_x.append(fp[m])
            cols_x.append(xq[m])
            vals_x.append(-g[m])
        lf = sp.csr_matrix(
            (np.concatenate(vals_f), (np.concatenate(rows_f), np.concatenate(cols_f))), shape=(self.n_free,) * 2
        )
        lx = sp.csr_matrix(
            (np.concatenate(vals_x), (np.concatenate(rows_x), np.concatenate(cols_x))), shape=(self.n_free, n_fixed)
        )
        return lf, lx

    def _incidence(self, cells: np.ndarray, row: np.ndarray, col: np.ndarray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        n_cells, n_fixed = cells.size, self.rows + 1
        out = []
        for target, size in (("free", self.n_free), ("fixed", n_fixed)):
            r, c, v = [], [], []
            for labels, sign in ((row, 1.0), (col, -1.0)):
                fi, xi, is_free, is_fixed = self._split(labels)
                idx, mask = (fi, is_free) if target == "free" else (xi, is_fixed)
                r.append(cells[mask])
                c.append(idx[mask])
                v.append(np.full(mask.sum(), sign))
            entries = (np.concatenate(v), (np.concatenate(r), np.concatenate(c)))
            out.append(sp.csr_matrix(entries, shape=(n_cells, size)))
        return out[0], out[1]

    def system(self, slope: np.ndarray) -> sp.csc_matrix:
        """Jacobian of the free-node currents for cell slopes ``slope`` (S, one per cell)."""
        return (self.lin_free + self.d_free.T @ sp.diags(slope) @ self.d_free).tocsc()

    def residual(
        self, x: np.ndarray, y: np.ndarray, g: np.ndarray, v_nl: float | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Net current (A) leaving each free node and the cell voltages for free values ``x``, fixed ``y``."""
        v_cell = self.d_free @ x + self.d_fixed @ y
        f = self.lin_free @ x + self.lin_fixed @ y + self.d_free.T @ cell_current(g, v_cell, v_nl)
        return f, v_cell


def _unpack(net: _Network, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column node voltages, shape (batch, rows, cols), from free ``x`` and fixed ``y`` (nodes x batch)."""
    full = np.zeros((net.index.size, x.shape[1]))
    free = net.index >= 0
    full[free] = x[net.index[free]]
    fixed = net.fixed_index >= 0
    full[fixed] = y[net.fixed_index[fixed]]
    return np.moveaxis(full[net.row_label], -1, 0), np.moveaxis(full[net.col_label], -1, 0)


def _newton(
    net: _Network, x: np.ndarray, y: np.ndarray, g: np.ndarray, v_nl: float, tol_a: float, max_newton: int
) -> int:
    """Solve the nonlinear nodal equations in place, one batch element (column of ``x``) at a time, by damped
    Newton iterations from the linear solution ``x``; return the iterations of the slowest element.

    Raises
    ------
    ConvergenceError
        When an element's KCL residual is still above tolerance after ``max_newton`` iterations.
    """
    iterations = 0
    for b in range(x.shape[1]):
        xb, yb = x[:, b], y[:, b]
        for it in range(max_newton + 1):
            f, v_cell = net.residual(xb, yb, g, v_nl)
            scale = tol_a + 1e-12 * np.max(np.abs(cell_current(g, v_cell, v_nl)), initial=0.0)
            if np.max(np.abs(f), initial=0.0) <= scale:
                iterations = max(iterations, it)
                break
            if it == max_newton:
                raise ConvergenceError(
                    f"Newton did not converge in max_newton={max_newton} iterations "
                    f"(residual {np.max(np.abs(f)):.3g} A)"
                )
            jacobian = net.system(_cell_slope(g, v_cell, v_nl))
            step = spla.splu(jacobian, **_SPLU).solve(-f)
            # Backtracking keeps the sinh from overshooting on strongly nonlinear cells.
            norm0, t = np.linalg.norm(f), 1.0
            while t > 1e-4 and np.linalg.norm(net.residual(xb + t * step, yb, g, v_nl)[0]) > norm0:
                t *= 0.5
            xb = xb + t * step
        x[:, b] = xb
    return iterations


def solve_crossbar(
    G: np.ndarray,
    v_in: np.ndarray,
    circuit: CircuitConfig,
    *,
    v_nl: float | None = None,
    full_output: bool = False,
    tol_a: float = 1e-15,
    max_newton: int = 50,
) -> np.ndarray | CrossbarSolution:
    """Solve the crossbar exactly and return the column currents.

    Parameters
    ----------
    G : array_like, shape (rows, cols)
        Cell conductances (S), finite and >= 0 (small-signal conductance at 0 V for nonlinear cells).
    v_in : array_like, shape (rows,) or (batch, rows)
        Row input voltages applied behind the drivers (V).
    circuit : CircuitConfig
        Its parasitic resistances: one wire segment between adjacent cells on a row / a column, every row driver's
        output resistance, the resistance from the end of every column to the sensing virtual ground (ohm).
    v_nl : float or None
        ``None`` for linear cells; else the sinh nonlinearity voltage (V) of ``I = g v_nl sinh(v / v_nl)``.
    full_output : bool
        Return a :class:`CrossbarSolution` (node voltages, driver currents, iterations) instead of ``I_out``.
    tol_a : float
        Newton stops when the largest KCL residual is below ``tol_a`` (A) plus 1e-12 of the largest cell current.
    max_newton : int
        Newton iteration limit; :class:`ConvergenceError` when exceeded.

    Returns
    -------
    ndarray or CrossbarSolution
        Column currents (A), shape (cols,) or (batch, cols) following ``v_in``.

    Raises
    ------
    ValueError
        On negative or non-finite conductances or voltages, or mismatched shapes.
    ConvergenceError
        When Newton iterations for nonlinear cells do not converge.
    """
    G, v, single = check_inputs(G, v_in)
    check_v_nl(v_nl)
    rows, cols = G.shape
    net = _Network(rows, cols, circuit)
    g = G.ravel()
    batch = v.shape[0]
    y = np.concatenate([v, np.zeros((batch, 1))], axis=1).T  # fixed values, (R+1, batch)
    lu = spla.splu(net.system(g), **_SPLU) if net.n_free else None
    x = lu.solve(-(net.lin_fixed @ y) - net.d_free.T @ (g[:, None] * (net.d_fixed @ y))) if lu else np.zeros((0, batch))
    iterations = _newton(net, x, y, g, v_nl, tol_a, max_newton) if v_nl is not None and net.n_free else 0
    # Node voltages and terminal currents.
    v_row, v_col = _unpack(net, x, y)
    i_cell = cell_current(G[None], v_row - v_col, v_nl)
    # Sensed / injected currents through the terminal resistors; by KCL they equal the column / row sums of the
    # cell currents, which is what a zero terminal resistance leaves to measure.
    r_sense, r_driver = circuit.r_sense_ohm, circuit.r_driver_ohm
    i_out = v_col[:, -1, :] / r_sense if r_sense > 0 else i_cell.sum(axis=1)
    i_in = (v - v_row[:, :, 0]) / r_driver if r_driver > 0 else i_cell.sum(axis=2)
    if single:
        i_out, i_in, v_row, v_col = i_out[0], i_in[0], v_row[0], v_col[0]
    if full_output:
        return CrossbarSolution(i_out=i_out, i_in=i_in, v_row=v_row, v_col=v_col, iterations=iterations)
    return i_out
