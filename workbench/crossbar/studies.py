"""Crossbar studies: the circuit-level error of the fast models (interactive) and DNN accuracy on crossbars (batch)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from workbench.core import Choice, Int, Metric, Study, register_study
from workbench.core.knobs import config_knobs
from workbench.crossbar.circuit import CircuitConfig, solve_crossbar
from workbench.crossbar.config import CrossbarConfig
from workbench.crossbar.device import DeviceConfig
from workbench.crossbar.fast import effective_conductance, relaxation_solve
from workbench.crossbar.inference import crossbar_accuracy
from workbench.crossbar.peripherals import PeripheralConfig

__all__ = ["CIRCUIT", "INFERENCE", "circuit_error", "inference_accuracy"]

CIRCUIT_MODELS = ("diagonal", "cumulative", "ideal", "relaxation", "exact")

# Knobs of configuration fields derive from the field (range, unit, help declared there); a study narrows them to
# the range its dashboard explores. One knob sets both tile dimensions, one both wire resistances.
_RESISTANCE_KNOBS = (
    *config_knobs(
        CircuitConfig, ("r_wire_ohm", "r_driver_ohm", "r_sense_ohm"),
        r_wire_ohm=dict(field="r_wire_row_ohm", default=1.0, high=10.0, label="r_wire, row = column"),
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


CIRCUIT = register_study(
    Study(
        name="crossbar.circuit",
        theme="crossbar",
        func=circuit_error,
        knobs=(
            *config_knobs(CircuitConfig, ("size",),
                          size=dict(field="rows", default=32, low=4, high=64, step=4, label="size, rows = cols")),
            *_RESISTANCE_KNOBS,
            *config_knobs(PeripheralConfig, ("v_read_v",), v_read_v=dict(low=0.05, high=1.0)),
            Choice("model", "diagonal", options=CIRCUIT_MODELS,
                   help="Fast model compared with the exact solve ('exact' extracts G_eff: ~0.1 s at 64x64)."),
            Int("seed", 0, low=0, high=1000, help="Seed of the random conductances and inputs."),
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
)


def _inference_config(p: Mapping[str, Any]) -> CrossbarConfig:
    """The crossbar a ``crossbar.inference`` point ``p`` describes; building it checks the joint constraints."""
    return CrossbarConfig(
        circuit=square_circuit(p["tile_size"], p["r_wire_ohm"], p["r_driver_ohm"], p["r_sense_ohm"],
                               p["circuit_model"]),
        device=DeviceConfig(g_max_us=p["g_max_us"], on_off_ratio=p["on_off_ratio"], bits_per_cell=p["bits_per_cell"],
                            weight_bits=p["weight_bits"], program_sigma=p["program_sigma"]),
        peripherals=PeripheralConfig(input_bits=p["input_bits"], adc_bits=p["adc_bits"]),
        seed=p["seed"],
    )


def inference_accuracy(
    tile_size: int, r_wire_ohm: float, r_driver_ohm: float, r_sense_ohm: float, g_max_us: float,
    on_off_ratio: float, bits_per_cell: int, weight_bits: int, input_bits: int, adc_bits: int, program_sigma: float,
    circuit_model: str, epochs: int, seed: int,
) -> dict[str, float]:
    """Digits-CNN test accuracy in floating point and on crossbars with these non-idealities (%)."""
    return crossbar_accuracy(_inference_config(locals()), epochs=epochs, train_seed=0)


INFERENCE = register_study(
    Study(
        name="crossbar.inference",
        theme="crossbar",
        func=inference_accuracy,
        knobs=(
            *config_knobs(CircuitConfig, ("tile_size",),
                          tile_size=dict(field="rows", options=(16, 32, 64, 128), label="tile size, rows = cols")),
            *_RESISTANCE_KNOBS,
            *config_knobs(DeviceConfig, ("bits_per_cell", "weight_bits"), bits_per_cell=dict(default=4, high=8),
                          weight_bits=dict(default=8, high=8)),
            *config_knobs(PeripheralConfig, ("input_bits", "adc_bits"), input_bits=dict(default=8, high=8),
                          adc_bits=dict(default=8, high=12)),
            *config_knobs(DeviceConfig, ("program_sigma",), program_sigma=dict(default=0.02, high=0.3)),
            *config_knobs(CircuitConfig, ("circuit_model",),
                          circuit_model=dict(field="model", options=("exact", "diagonal", "cumulative", "ideal"))),
            Int("epochs", 8, low=1, high=50, help="Floating-point training epochs of the digits CNN."),
            Int("seed", 0, low=0, high=1000, help="Seed of variation (the training seed is fixed)."),
        ),
        metrics=(
            Metric("accuracy_crossbar", unit="%", better="max", label="crossbar accuracy",
                   help="Test accuracy of the CNN evaluated on crossbars."),
            Metric("accuracy_drop", unit="%", better="min", label="accuracy drop",
                   help="Floating-point accuracy minus crossbar accuracy (percentage points)."),
            Metric("accuracy_float", unit="%", better="max", label="float accuracy",
                   help="Test accuracy of the same CNN in floating point."),
        ),
        version="1",
        cost="batch",
        constraints=_inference_config,
        description=(
            "A small VGG trained on the bundled digits, converted layer by layer onto tiled crossbars (fast "
            "crossbar model with parasitics, quantized and sliced cells, variation, DAC/ADC): accuracy as the "
            "non-idealities grow (Rx-Caffe claim X2, at the scale available here)."
        ),
    )
)
