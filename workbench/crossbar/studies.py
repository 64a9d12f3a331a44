"""Crossbar studies: the circuit-level error of the fast models (interactive) and DNN accuracy on crossbars (batch)."""

from __future__ import annotations

import numpy as np

from workbench.core import Choice, Float, Int, Metric, Study, register_study
from workbench.crossbar.circuit import solve_crossbar
from workbench.crossbar.config import CircuitConfig, CrossbarConfig
from workbench.crossbar.device import DeviceConfig
from workbench.crossbar.fast import effective_conductance, relaxation_solve
from workbench.crossbar.inference import crossbar_accuracy
from workbench.crossbar.peripherals import PeripheralConfig

__all__ = ["CIRCUIT", "INFERENCE", "circuit_error", "inference_accuracy"]

CIRCUIT_MODELS = ("diagonal", "cumulative", "ideal", "relaxation", "exact")

_RESISTANCE_KNOBS = (
    Float("r_wire_ohm", 1.0, low=0.0, high=10.0, unit="ohm", help="Resistance of one wire segment (rows and columns)."),
    Float("r_driver_ohm", 100.0, low=0.0, high=1000.0, unit="ohm", help="Output resistance of each row driver."),
    Float("r_sense_ohm", 100.0, low=0.0, high=1000.0, unit="ohm", help="Resistance of each column's sense path."),
    Float("g_max_us", 50.0, low=1.0, high=200.0, log=True, unit="uS", help="Highest cell conductance (on state)."),
    Float("on_off_ratio", 10.0, low=2.0, high=1000.0, log=True, help="G_max / G_min of the cells."),
)


def random_array(size: int, g_max_us: float, on_off_ratio: float, v_read_v: float, seed: int):
    """Conductances uniform in ``[G_max / on_off, G_max]`` (S) and 9 input vectors: all rows at ``v_read``, then 8
    uniform in ``[0, v_read]`` (V)."""
    rng = np.random.default_rng(seed)
    g_max = g_max_us * 1e-6
    G = rng.uniform(g_max / on_off_ratio, g_max, (size, size))
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
    p = dict(r_wire_row=r_wire_ohm, r_wire_col=r_wire_ohm, r_driver=r_driver_ohm, r_sense=r_sense_ohm)
    sol = solve_crossbar(G, v, **p, full_output=True)
    scale = np.abs(sol.i_out).max()
    if model == "relaxation":
        approx = relaxation_solve(G, v, **p)
    else:
        approx = v @ effective_conductance(G, **p, model=model)
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
            Int("size", 32, low=4, high=64, step=4, help="Rows = columns of the crossbar."),
            *_RESISTANCE_KNOBS,
            Float("v_read_v", 0.2, low=0.05, high=1.0, unit="V", help="Full-scale input voltage."),
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


def inference_accuracy(
    tile_size: int, r_wire_ohm: float, r_driver_ohm: float, r_sense_ohm: float, g_max_us: float,
    on_off_ratio: float, bits_per_cell: int, weight_bits: int, input_bits: int, adc_bits: int, program_sigma: float,
    circuit_model: str, epochs: int, seed: int,
) -> dict[str, float]:
    """Digits-CNN test accuracy in floating point and on crossbars with these non-idealities (%)."""
    config = CrossbarConfig(
        circuit=CircuitConfig(rows=tile_size, cols=tile_size, r_wire_row_ohm=r_wire_ohm, r_wire_col_ohm=r_wire_ohm,
                              r_driver_ohm=r_driver_ohm, r_sense_ohm=r_sense_ohm, model=circuit_model),
        device=DeviceConfig(g_max_s=g_max_us * 1e-6, on_off_ratio=on_off_ratio, bits_per_cell=bits_per_cell,
                            weight_bits=weight_bits, program_sigma=program_sigma),
        peripherals=PeripheralConfig(input_bits=input_bits, adc_bits=adc_bits),
        seed=seed,
    )
    return crossbar_accuracy(config, epochs=epochs, train_seed=0)


def _inference_constraints(params: dict) -> None:
    if params["adc_bits"] == 1:
        raise ValueError("adc_bits=1 is not allowed; allowed: 0 (ideal ADC) or 2 to 12")


INFERENCE = register_study(
    Study(
        name="crossbar.inference",
        theme="crossbar",
        func=inference_accuracy,
        knobs=(
            Choice("tile_size", 64, options=(16, 32, 64, 128), help="Rows = columns of each crossbar tile."),
            *_RESISTANCE_KNOBS,
            Int("bits_per_cell", 4, low=0, high=8, help="Bits per cell (0 = analog)."),
            Int("weight_bits", 8, low=0, high=8, help="Weight magnitude bits, sliced over cells (0 = unquantized)."),
            Int("input_bits", 8, low=0, high=8, help="DAC input magnitude bits (0 = analog)."),
            Int("adc_bits", 8, low=0, high=12, help="ADC bits (0 = ideal)."),
            Float("program_sigma", 0.02, low=0.0, high=0.3, help="Relative programming variation of G."),
            Choice("circuit_model", "exact", options=("exact", "diagonal", "cumulative", "ideal"),
                   help="How each tile's G_eff is computed."),
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
        constraints=_inference_constraints,
        description=(
            "A small VGG trained on the bundled digits, converted layer by layer onto tiled crossbars (fast "
            "crossbar model with parasitics, quantized and sliced cells, variation, DAC/ADC): accuracy as the "
            "non-idealities grow (Rx-Caffe claim X2, at the scale available here)."
        ),
    )
)
