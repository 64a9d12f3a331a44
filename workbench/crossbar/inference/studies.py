"""Crossbar inference studies: DNN accuracy and cost on crossbars (batch), and the accelerator's cost alone
(interactive)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from workbench.core import Int, Metric, Study
from workbench.core.knobs import config_knobs
from workbench.core.vocabulary import SEED_HIGH, canonical_metric, epochs_knob
from workbench.crossbar.array.circuit import SQUARE_TILE_LABEL, CircuitConfig
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.array.device import DeviceConfig
from workbench.crossbar.array.peripherals import PeripheralConfig
from workbench.crossbar.array.studies import RESISTANCE_KNOBS
from workbench.crossbar.inference.cost import CostConfig, adc_bits_priced, network_cost, tiles_needed
from workbench.crossbar.inference.network import crossbar_accuracy, digits_cnn_layers
from workbench.threads import one_torch_thread

__all__ = ["COST", "INFERENCE", "AcceleratorConfig", "cost_metrics", "inference_accuracy", "inference_cost"]


#: Cell non-idealities of ``crossbar.inference`` beyond programming variation (Rx-Caffe Sec. III lists device
#: nonlinearity and variation; read noise and stuck-at faults as in TxSim, arXiv 2002.11151). Off at 0.
_CELL_KNOBS = config_knobs(
    DeviceConfig, ("v_nl_v", "read_noise_sigma", "stuck_on_fraction", "stuck_off_fraction"),
    v_nl_v=dict(high=2.0), read_noise_sigma=dict(high=0.3), stuck_on_fraction=dict(high=0.2),
    stuck_off_fraction=dict(high=0.2),
)


def _check_inference(arguments: dict) -> None:
    """Nonlinear cells only with the exact model (a closed form has no operating point); the configuration checks
    its own joint constraints (e.g. stuck-on + stuck-off fractions <= 1) when it is built."""
    config = arguments["config"]
    if config.device.v_nl_v and config.circuit.model != "exact":
        raise ValueError(f"v_nl_v={config.device.v_nl_v!r} (nonlinear cells) needs circuit_model='exact', got "
                         f"{config.circuit.model!r}; allowed: v_nl_v=0 (linear cells) with a closed-form model")


#: Cost metrics shared by ``crossbar.inference`` and ``crossbar.cost``; analog cells or inputs have none
#: (:func:`inference_accuracy`).
COST_METRICS = tuple(replace(metric, not_applicable="analog cells or inputs (bits_per_cell = weight_bits = 0 or "
                                                    "input_bits = 0): no ADC/DAC resolution to price")
                     for metric in (
    canonical_metric("energy_per_inference_nj", "Energy of one digits-CNN inference on the crossbar accelerator "
                     "(arrays, DAC, ADC, S+H, shift-add, buffers)."),
    canonical_metric("latency_per_inference_us", "Latency of one inference, layer after layer (bit-serial cycles, "
                     "shared ADCs, replication)."),
    canonical_metric("area_mm2", "Chip area: crossbar arrays, row drivers, ADCs, sample-and-holds, shift-add "
                     "units, buffer."),
    Metric("energy_per_mac_fj", unit="fJ", better="min", label="energy / MAC",
           help="Energy per inference divided by the network's multiply-accumulates."),
    Metric("adc_energy_share_pct", unit="%", better=None, label="ADC share of energy",
           help="Share of the ADCs in the energy per inference."),
    Metric("line_current_ratio", unit="", better="min", label="line current / wire limit",
           help="Worst-case row or column read current (g_max on every cell at v_read) over what a wire at the "
                "cell pitch carries within its electromigration limit: above 1 the array draws more than its "
                "wires can carry (component library, hardware.analog.max_line_current_a).",
           limit=1.0, limit_help="the array draws more current than a wire at the cell pitch carries within its "
                                 "electromigration limit (lower g_max or v_read, or smaller tiles)"),
))


def cost_metrics(config: CrossbarConfig, cost: CostConfig, layers) -> dict:
    """The :data:`COST_METRICS` of ``layers`` on ``config`` and ``cost``, plus the breakdowns (per component, per
    layer) for views."""
    c = network_cost(list(layers), config, cost)
    total = c.total_energy_pj
    return {
        "energy_per_inference_nj": total * 1e-3,
        "latency_per_inference_us": c.latency_ns * 1e-3,
        "area_mm2": c.total_area_mm2,
        "energy_per_mac_fj": total * 1e3 / c.macs,
        "adc_energy_share_pct": 100 * c.energy_pj["adc"] / total,
        "line_current_ratio": c.extras["line_current_ratio"],
        "adc_bits_priced": c.adc_bits,
        "energy_breakdown_pj": c.energy_pj,
        "area_breakdown_mm2": c.area_mm2,
        "layers": c.table(),
    }


def inference_cost(config: CrossbarConfig, layers, copies: int = 1, cost: CostConfig | None = None) -> dict:
    """Cost metrics with the chip of ``cost`` (default :class:`CostConfig`) sized to ``copies`` x the tiles
    ``layers`` need."""
    layers = list(layers)
    tiles = copies * tiles_needed(layers, config)
    return cost_metrics(config, replace(cost or CostConfig(), tiles=tiles), layers)


def inference_accuracy(config: CrossbarConfig, epochs: int) -> dict[str, float]:
    """Digits-CNN test accuracy in floating point and on crossbars with these non-idealities (%), and the energy,
    latency and area of one inference of the same trained network on a crossbar accelerator built from the same
    configuration (:mod:`workbench.crossbar.inference.cost`; the chip holds exactly the tiles the network needs,
    periphery at
    the :class:`~workbench.crossbar.inference.cost.CostConfig` defaults, lossy ADCs allowed: accuracy shows their
    effect). ``config.seed`` seeds the whole pipeline: the training (split, initial weights, batch order) and the
    crossbar's random draws, so repeated seeds cover the trained network's variation too.
    Analog cells or inputs (``bits_per_cell = weight_bits = 0`` or ``input_bits = 0``) have no ADC/DAC resolution
    to price: their cost metrics are NaN."""
    result = crossbar_accuracy(config, epochs=epochs, train_seed=config.seed)
    if not (config.device.bits_per_cell or config.device.weight_bits) or not config.peripherals.input_bits:
        return {**result, **{m.name: math.nan for m in COST_METRICS}}
    cost = inference_cost(config, digits_cnn_layers(trained=True, epochs=epochs, seed=config.seed),
                          cost=CostConfig(allow_lossy_adc=True))
    return {**result, **{m.name: cost[m.name] for m in COST_METRICS}}


INFERENCE = Study(
    name="crossbar.inference",
    theme="crossbar",
    func=inference_accuracy,
    config=CrossbarConfig,
    knobs=(
        *config_knobs(CircuitConfig, ("tile_size",), tile_size=dict(field=("rows", "cols"),
                                                                     options=(16, 32, 64, 128),
                                                                     label=SQUARE_TILE_LABEL)),
        *RESISTANCE_KNOBS,
        *config_knobs(DeviceConfig, ("bits_per_cell", "weight_bits"), bits_per_cell=dict(default=4, high=8),
                      weight_bits=dict(default=8, high=8)),
        *config_knobs(PeripheralConfig, ("input_bits", "adc_bits"), input_bits=dict(default=8, high=8),
                      adc_bits=dict(default=8, high=12)),
        *config_knobs(DeviceConfig, ("program_sigma",), program_sigma=dict(default=0.02, high=0.3)),
        *_CELL_KNOBS,
        *config_knobs(CircuitConfig, ("circuit_model",),
                      circuit_model=dict(field="model", options=("exact", "diagonal", "cumulative", "ideal"))),
        epochs_knob(8, high=50, help="Floating-point training epochs of the digits CNN."),
        *config_knobs(CrossbarConfig, ("seed",), seed=dict(high=SEED_HIGH)),
    ),
    metrics=(
        canonical_metric("accuracy", "Test accuracy of the CNN evaluated on crossbars.", "crossbar accuracy"),
        canonical_metric("accuracy_drop", "Floating-point accuracy minus crossbar accuracy."),
        canonical_metric("accuracy_float", "Test accuracy of the same CNN in floating point."),
        *COST_METRICS,
    ),
    version="6",
    cost="batch",
    context=one_torch_thread,
    constraints=_check_inference,
    description=(
        "A small VGG trained on the bundled digits, converted layer by layer onto tiled crossbars (fast "
        "crossbar model with parasitics, quantized and sliced cells, variation, sinh nonlinearity, read noise, "
        "stuck-at faults, DAC/ADC): accuracy as the non-idealities grow (Rx-Caffe claim X2, at the scale "
        "available here), next to the energy, latency and area of one inference on an ISAAC-style accelerator "
        "built from the same configuration."
    ),
)

#: Accelerator knobs of ``crossbar.cost`` (the fields the accuracy model does not need).
_COST_KNOBS = config_knobs(
    CostConfig, ("adc_type", "adc_population", "adc_rate_gsps", "cols_per_adc", "node_nm", "t_read_ns",
                 "input_activity", "read_level_source", "allow_lossy_adc"),
    adc_rate_gsps=dict(low=0.01, high=10.0, log=True),
    cols_per_adc=dict(options=(1, 2, 4, 8, 16, 32, 64, 128)), node_nm=dict(options=(22, 32, 45, 65)),
    t_read_ns=dict(low=1.0, high=100.0, log=True), input_activity=dict(low=0.05),
)


@dataclass(frozen=True)
class AcceleratorConfig:
    """The configuration ``crossbar.cost`` takes: the crossbars and the chip's periphery. Building it checks that the
    ADCs resolve a column (unless lossy ADCs are allowed); the chip holds every layer by construction (copies x the
    tiles the network needs)."""

    crossbar: CrossbarConfig = field(default_factory=CrossbarConfig)
    cost: CostConfig = field(default_factory=CostConfig)

    def __post_init__(self) -> None:
        adc_bits_priced(self.crossbar, self.cost)


def crossbar_cost(config: AcceleratorConfig, copies: int) -> dict:
    """Energy, latency and area per inference of the digits CNN (initial weights) on the crossbar accelerator."""
    return inference_cost(config.crossbar, digits_cnn_layers(), copies, config.cost)


COST = Study(
    name="crossbar.cost",
    theme="crossbar",
    func=crossbar_cost,
    config=AcceleratorConfig,
    knobs=(
        *config_knobs(CircuitConfig, ("tile_size",),
                      tile_size=dict(field=("rows", "cols"), options=(16, 32, 64, 128, 256), default=64,
                                     label=SQUARE_TILE_LABEL)),
        *config_knobs(DeviceConfig, ("g_max_us", "on_off_ratio", "bits_per_cell", "weight_bits"),
                      g_max_us=dict(default=50.0, low=1.0, high=200.0, log=True),
                      on_off_ratio=dict(low=2.0, high=1000.0, log=True),
                      bits_per_cell=dict(default=2, low=1, high=8), weight_bits=dict(default=8, high=16)),
        *config_knobs(PeripheralConfig, ("v_read_v", "input_bits", "dac_bits", "adc_bits"),
                      v_read_v=dict(low=0.05, high=1.0), input_bits=dict(default=8, low=1, high=16),
                      dac_bits=dict(default=1, low=1, high=16), adc_bits=dict(default=9, high=16)),
        *_COST_KNOBS,
        Int("copies", 1, low=1, high=16,
            help="Chip tiles = copies x the tiles the network needs; spare tiles replicate layers."),
    ),
    metrics=COST_METRICS,
    version="3",
    cost="interactive",
    description=(
        "Energy, latency and area of one digits-CNN inference on an ISAAC/PUMA-style crossbar accelerator: "
        "weights sliced over tiles, bit-serial inputs, column ADCs shared between columns, shift-and-add, "
        "buffers. Array energy from the programmed conductances (v_read^2 sum(G) t_read); every circuit from the "
        "component library (survey ADC at its sample rate, row drivers sized for the row current). The accuracy of "
        "the same settings is crossbar.inference."
    ),
)
