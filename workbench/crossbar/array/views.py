"""Array views: fast-model error against array size and wire resistance, and the voltage drop across an array."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from workbench.core import Choice, Int, View
from workbench.core.runner import evaluate_frame
from workbench.crossbar.array.circuit import solve_crossbar
from workbench.crossbar.array.studies import CIRCUIT, random_array, square_circuit

FAST_MODELS = ("diagonal", "cumulative", "ideal")
SIZES = (8, 16, 24, 32, 48, 64)
WIRES = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0)


def error_sweep(sizes=SIZES, r_wires=WIRES, models=FAST_MODELS, *, size: int = 32, r_wire_ohm: float = 1.0,
                **fixed) -> pd.DataFrame:
    """``crossbar.circuit`` evaluated over array sizes (at ``r_wire_ohm``) and over wire resistances (at ``size``).

    Returns one row per point with the knobs, the metrics and ``sweep`` (``"size"`` or ``"r_wire_ohm"``).
    """
    parts = []
    for sweep, values in (("size", sizes), ("r_wire_ohm", r_wires)):
        base = {"size": size, "r_wire_ohm": r_wire_ohm, **fixed}
        points = [{**base, "model": model, sweep: value} for model in models for value in values]
        frame, _ = evaluate_frame(CIRCUIT, points, skip_invalid=False)
        parts.append(frame.assign(sweep=sweep))
    return pd.concat(parts, ignore_index=True)


def fast_model_error(size: int, r_wire_ohm: float, r_driver_ohm: float, r_sense_ohm: float):
    """Largest column-current error of the closed-form fast models against the exact nodal solve: over array size
    (left, at ``r_wire_ohm``) and over wire resistance (right, at ``size``)."""
    sweep = error_sweep(size=size, r_wire_ohm=r_wire_ohm, r_driver_ohm=r_driver_ohm, r_sense_ohm=r_sense_ohm)
    error = alt.Chart().mark_line(point=True).encode(
        y=alt.Y("model_error_pct:Q", title="max column-current error (%)", scale=alt.Scale(type="symlog")),
        color=alt.Color("model:N", title="fast model"),
        tooltip=["model", "size", "r_wire_ohm", alt.Tooltip("model_error_pct:Q", format=".3g")],
    )
    plotted = sweep[["sweep", "model", "size", "r_wire_ohm", "model_error_pct", "ideal_error_pct"]]
    by_size = error.encode(x=alt.X("size:Q", title="rows = columns")).properties(
        data=plotted[plotted["sweep"] == "size"], width=220, height=200,
        title=f"vs array size ({r_wire_ohm:g} ohm/segment)")
    by_wire = error.encode(x=alt.X("r_wire_ohm:Q", title="wire resistance per segment (ohm)")).properties(
        data=plotted[plotted["sweep"] == "r_wire_ohm"], width=220, height=200,
        title=f"vs wire resistance ({size}x{size})")
    return alt.hconcat(by_size, by_wire), plotted


def cell_voltage_frame(size: int = 32, r_wire_ohm: float = 1.0, r_driver_ohm: float = 100.0,
                       r_sense_ohm: float = 100.0, g_max_us: float = 50.0, on_off_ratio: float = 10.0,
                       v_read_v: float = 0.2, seed: int = 0) -> pd.DataFrame:
    """Voltage across every cell with all rows at ``v_read`` (exact node voltages), as a long frame.

    Columns: ``row``, ``col``, ``cell_voltage_pct`` (% of ``v_read``), ``drop_pct`` (100 minus that).
    """
    G, v = random_array(size, g_max_us, on_off_ratio, v_read_v, seed)
    sol = solve_crossbar(G, v[0], square_circuit(size, r_wire_ohm, r_driver_ohm, r_sense_ohm), full_output=True)
    rows, cols = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    pct = 100 * sol.v_cell / v_read_v
    return pd.DataFrame({"row": rows.ravel(), "col": cols.ravel(), "cell_voltage_pct": pct.ravel(),
                         "drop_pct": 100 - pct.ravel()})


def cell_voltage_map(size: int, r_wire_ohm: float, r_driver_ohm: float, r_sense_ohm: float):
    """Heatmap of the voltage each cell loses with every row driven at v_read."""
    cells = cell_voltage_frame(size=size, r_wire_ohm=r_wire_ohm, r_driver_ohm=r_driver_ohm, r_sense_ohm=r_sense_ohm)
    ticks = list(range(0, size, max(1, size // 8)))
    chart = alt.Chart(cells, title=f"voltage drop across each cell, {size}x{size} (% of v_read)").mark_rect().encode(
        x=alt.X("col:O", title="column", axis=alt.Axis(values=ticks)),
        y=alt.Y("row:O", title="row", axis=alt.Axis(values=ticks)),
        color=alt.Color("drop_pct:Q", title="drop (%)", scale=alt.Scale(scheme="viridis")),
        tooltip=["row", "col", alt.Tooltip("drop_pct:Q", format=".2f")],
    ).properties(width=300, height=300)
    return chart, cells


_PARASITICS = tuple(CIRCUIT.knob(name) for name in ("r_wire_ohm", "r_driver_ohm", "r_sense_ohm"))

FAST_MODEL_ERROR = View(
    name="crossbar.fast_model_error",
    theme="crossbar",
    func=fast_model_error,
    title="Fast-model error against array size and wire resistance",
    knobs=(Choice("size", 32, options=SIZES, help="Array size of the wire-resistance sweep."), *_PARASITICS),
    description="Three closed-form fast models (diagonal scaling, cumulative wire resistance, ideal) against the "
                "exact nodal solution of random arrays (G_max 50 uS, on/off 10): left, growing arrays; right, "
                "growing wire resistance.",
)

CELL_VOLTAGE = View(
    name="crossbar.cell_voltage",
    theme="crossbar",
    func=cell_voltage_map,
    title="Voltage drop across the array",
    knobs=(Int("size", 64, low=4, high=128, step=4, help="Rows = columns."), *_PARASITICS),
    description="Every row driven at v_read: the voltage each cell actually sees, from the exact node voltages. "
                "Cells far from the drivers (right) and far from the sense amplifiers (top rows) lose the most.",
)
