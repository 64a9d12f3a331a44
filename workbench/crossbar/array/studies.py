"""The array-level study: the circuit-level error of the fast crossbar models against the exact nodal solve
(interactive)."""

from __future__ import annotations

import numpy as np

from workbench.core import Choice, Metric, Study
from workbench.core.knobs import config_knobs
from workbench.core.vocabulary import seed_knob
from workbench.crossbar.array.circuit import SHARED_WIRE_LABEL, CircuitConfig, solve_crossbar
from workbench.crossbar.array.device import DeviceConfig
from workbench.crossbar.array.fast import effective_conductance, relaxation_solve
from workbench.crossbar.array.peripherals import PeripheralConfig

__all__ = ["CIRCUIT", "RESISTANCE_KNOBS", "circuit_error", "random_array", "square_circuit"]

CIRCUIT_MODELS = ("diagonal", "cumulative", "ideal", "relaxation", "exact")

# Knobs of configuration fields derive from the field (range, unit, help declared there); a study narrows them to
# the range its dashboard explores. One knob sets both tile dimensions, one both wire resistances.
RESISTANCE_KNOBS = (
    *config_knobs(
        CircuitConfig, ("r_wire_ohm", "r_driver_ohm", "r_sense_ohm"),
        r_wire_ohm=dict(field=("r_wire_row_ohm", "r_wire_col_ohm"), default=1.0, high=10.0, label=SHARED_WIRE_LABEL),
        r_driver_ohm=dict(default=100.0, high=1000.0), r_sense_ohm=dict(default=100.0, high=1000.0),
    ),
    *config_knobs(DeviceConfig, ("g_max_us", "on_off_ratio"),
                  g_max_us=dict(default=50.0, low=1.0, high=200.0, log=True),
                  on_off_ratio=dict(low=2.0, high=1000.0, log=True)),
)


def square_circuit(size: int, r_wire_ohm: float, r_driver_ohm: float, r_sense_ohm: float,
                   model: str = "exact") -> CircuitConfig:
    """A square ``size x size`` tile with the same resistance on every row and column wire segment."""
    return CircuitConfig(rows=size, cols=size, r_wire_row_ohm=r_wire_ohm, r_wire_col_ohm=r_wire_ohm,
                         r_driver_ohm=r_driver_ohm, r_sense_ohm=r_sense_ohm, model=model)


def random_array(size: int, g_max_us: float, on_off_ratio: float, v_read_v: float, seed: int):
    """Conductances uniform in the cell's ``[G_min, G_max]`` (S) and 9 input vectors: all rows at ``v_read``, then 8
    uniform in ``[0, v_read]`` (V)."""
    rng = np.random.default_rng(seed)
    cell = DeviceConfig(g_max_us=g_max_us, on_off_ratio=on_off_ratio)
    G = rng.uniform(cell.g_min_s, cell.g_max_s, (size, size))
    v = np.vstack([np.full(size, v_read_v), rng.uniform(0, v_read_v, (8, size))])
    return G, v


def circuit_error(
    size: int, r_wire_ohm: float, r_driver_ohm: float, r_sense_ohm: float, g_max_us: float, on_off_ratio: float,
    v_read_v: float, model: str, seed: int,
) -> dict[str, float]:
    """Column-current error of a fast model against the exact nodal solution on a random ``size x size`` array.

    Conductances are uniform in ``[G_min, G_max]``; the inputs are all rows at ``v_read`` plus 8 random vectors
    in ``[0, v_read]``. Errors are the largest deviation relative to the largest exact column current (%).
    """
    G, v = random_array(size, g_max_us, on_off_ratio, v_read_v, seed)
    circuit = square_circuit(size, r_wire_ohm, r_driver_ohm, r_sense_ohm,
                             "exact" if model == "relaxation" else model)
    sol = solve_crossbar(G, v, circuit, full_output=True)
    scale = np.abs(sol.i_out).max()
    if model == "relaxation":
        approx = relaxation_solve(G, v, circuit)
    else:
        approx = v @ effective_conductance(G, circuit)
    worst = sol.v_cell[0] / v_read_v
    return {
        "model_error_pct": float(100 * np.abs(approx - sol.i_out).max() / scale),
        "ideal_error_pct": float(100 * np.abs(v @ G - sol.i_out).max() / scale),
        "min_cell_voltage_pct": float(100 * worst.min()),
    }


CIRCUIT = Study(
    name="crossbar.circuit",
    theme="crossbar",
    func=circuit_error,
    knobs=(
        *config_knobs(CircuitConfig, ("size",),
                      size=dict(field="rows", default=32, low=4, high=64, step=4, label="size, rows = cols")),
        *RESISTANCE_KNOBS,
        *config_knobs(PeripheralConfig, ("v_read_v",), v_read_v=dict(low=0.05, high=1.0)),
        Choice("model", "diagonal", options=CIRCUIT_MODELS,
               help="Fast model compared with the exact solve ('exact' extracts G_eff: ~0.1 s at 64x64)."),
        seed_knob(help="Seed of the random conductances and inputs."),
    ),
    metrics=(
        Metric("model_error_pct", unit="%", better="min", label="fast-model error",
               help="Largest column-current error of the chosen fast model vs the exact nodal solution."),
        Metric("ideal_error_pct", unit="%", better="min", label="ideal-crossbar error",
               help="Largest error of the ideal I = v G vs the exact solution: the parasitics' effect."),
        Metric("min_cell_voltage_pct", unit="%", better="max", label="worst cell voltage",
               help="Smallest voltage across a cell with all rows at v_read, in % of v_read."),
    ),
    version="1",
    cost="interactive",
    description=(
        "Error of fast crossbar models (diagonal scaling, cumulative wire resistance, ideal, fixed-point "
        "relaxation, exact G_eff) against exact sparse nodal analysis, as array size and parasitic resistances "
        "grow (Rx-Caffe / FCM, arXiv 1809.00072)."
    ),
)
