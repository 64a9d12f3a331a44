"""TiM-DNN studies: ``tim.arch`` (interactive architecture explorer) and ``tim.quant`` (ternary accuracy, batch)."""

from __future__ import annotations

from workbench.core import Bool, Choice, Float, Int, Metric, Study
from workbench.core.knobs import config_knobs
from workbench.core.vocabulary import canonical_metric, epochs_knob, lr_knob, seed_knob
from workbench.threads import one_torch_thread
from workbench.tim.arch import REPRESENTATIONS, TimConfig, accelerator, tile_costs
from workbench.tim.mapping import NETWORKS, map_network
from workbench.tim.params import load_params

_SIZES = (64, 128, 256, 512, 1024)
#: The design knobs derive from :class:`TimConfig`'s fields (range, unit, help declared there); the study narrows
#: them to the ranges its dashboard explores.
_CONFIG_KNOBS = config_knobs(
    TimConfig,
    ("representation", "rows", "cols", "rows_active", "tiles", "adc_bits", "adc_type", "cols_per_adc", "node_nm",
     "t_access_ns", "input_density", "weight_density", "i_read_ua", "sigma_i_read_rel", "sigma_offset_mv",
     "sense_margin_sigma", "i_precharge_ua", "acc_bits", "cols_per_pcu", "conversion_pipelined"),
    rows=dict(options=_SIZES), cols=dict(options=_SIZES), rows_active=dict(high=64), tiles=dict(high=256),
    adc_bits=dict(high=8), cols_per_adc=dict(options=(1, 2, 4, 8)), node_nm=dict(options=(22, 32, 45, 65)),
    t_access_ns=dict(high=20.0), input_density=dict(low=0.05), weight_density=dict(low=0.05),
    i_read_ua=dict(low=2.0, high=80.0), sigma_i_read_rel=dict(high=0.1, step=0.0025),
    sigma_offset_mv=dict(high=20.0), sense_margin_sigma=dict(low=1.0, high=6.0),
    i_precharge_ua=dict(low=10.0, high=1000.0),
    acc_bits=dict(low=8, high=32), cols_per_pcu=dict(options=(1, 2, 4, 8, 16)),
)
_ARCH_KNOBS = (
    *_CONFIG_KNOBS,
    Choice("network", "resnet18", options=tuple(NETWORKS), help="Network mapped for the per-inference metrics."),
    Int("batch", 1, low=1, high=256, log=True, help="Inferences sharing one weight load."),
)


def _check_arch(arguments: dict) -> None:
    """The joint constraints the technology table decides (bitline swing, access period >= the circuit minimum);
    :class:`TimConfig` checks the others (L <= rows, ADC bits >= ceil(log2(L+1)), ...) when it is built."""
    tile_costs(arguments["config"])


def evaluate_arch(config: TimConfig, network: str, batch: int) -> dict:
    """Chip figures of merit and per-inference energy/latency of ``network`` on TiM-DNN (see module docs)."""
    s = accelerator(config)
    m = map_network(network, config, summary=s, batch=batch)
    p = load_params()
    return {
        "peak_tops": s.peak_tops,
        "power_w": s.power_w,
        "area_mm2": s.area_mm2,
        "tops_per_w": s.tops_per_w,
        "tops_per_mm2": s.tops_per_mm2,
        "energy_per_inference_nj": m.energy_pj * 1e-3,
        "latency_per_inference_us": m.latency_ns * 1e-3,
        "utilisation": m.utilisation,
        "energy_vs_near_memory": m.nm_energy_pj / m.energy_pj,
        "speedup_vs_near_memory": m.nm_latency_ns / m.latency_ns,
        "tops_per_w_vs_v100": s.tops_per_w / (p.v100_peak_tops / p.v100_power_w),
        "access_period_ns": s.tile.t_access_ns,
        "bitline_step_mv": s.tile.dv_step_mv,
        "period_breakdown_ns": dict(s.tile.critical_path_ns),
        "energy_breakdown_pj": {k: sum(ly.energy_breakdown_pj[k] for ly in m.layers)
                                for k in m.layers[0].energy_breakdown_pj},
        "layers": m.table(),
    }


ARCH = Study(
    name="tim.arch",
    theme="tim",
    func=evaluate_arch,
    config=TimConfig,
    knobs=_ARCH_KNOBS,
    metrics=(
        Metric("peak_tops", "TOPS", "max", "Peak throughput: tiles x cols x L x 2 per access period.", "peak TOPS"),
        Metric("power_w", "W", "min", "Power at peak throughput (dynamic + leakage).", "power"),
        canonical_metric("area_mm2", "Chip area (tiles, buffers, SFU, routing)."),
        Metric("tops_per_w", "TOPS/W", "max", "Energy efficiency at peak.", "TOPS/W"),
        Metric("tops_per_mm2", "TOPS/mm2", "max", "Area efficiency at peak.", "TOPS/mm2"),
        canonical_metric("energy_per_inference_nj", "Energy per inference of the chosen network."),
        canonical_metric("latency_per_inference_us", "Latency per inference of the chosen network."),
        Metric("utilisation", "", "max", "Fraction of peak TiM throughput used by the network.", label="utilisation"),
        Metric("energy_vs_near_memory", "x", "max", "Near-memory energy / TiM energy for the network.",
               label="energy gain vs near-memory"),
        Metric("speedup_vs_near_memory", "x", "max", "Near-memory latency / TiM latency for the network.",
               label="speedup vs near-memory"),
        Metric("tops_per_w_vs_v100", "x", "max", "TOPS/W relative to the V100 datasheet (125 TOPS, 300 W).",
               label="TOPS/W vs V100"),
        Metric("access_period_ns", "ns", None, "Tile access period used.", label="access period"),
        Metric("bitline_step_mv", "mV", None, "Bitline step per discharging cell that resolves L + 1 levels.",
               label="bitline step"),
    ),
    version="3",
    cost="interactive",
    description=(
        "TiM-DNN (arXiv:1909.06892) architecture model: ternary processing cells in tiles of rows x cols with L rows "
        "active per access, column ADCs and peripheral compute units, built from a sourced 32 nm component table. "
        "Shows peak TOPS, power, area and their ratios, and maps a network (conv, FC, LSTM/GRU) onto the tiles for "
        "energy and latency per inference against a near-memory ternary baseline on the same memory."
    ),
    constraints=_check_arch,
    reference=True,
)


def evaluate_quant(representation: str, scale_mode: str, threshold: float, quantize_activations: bool,
                   keep_first_last: bool, width: int, epochs: int, lr: float, seed: int) -> dict:
    """Train a small VGG on digits in full precision and ternary (STE); accuracy and TiM energy per inference."""
    from workbench.tim.quant import ternary_experiment

    return ternary_experiment(representation=representation, scale_mode=scale_mode, threshold=threshold,
                              quantize_activations=quantize_activations, keep_first_last=keep_first_last,
                              width=width, epochs=epochs, lr=lr, seed=seed)


QUANT = Study(
    name="tim.quant",
    theme="tim",
    func=evaluate_quant,
    knobs=(
        Choice("representation", "symmetric", options=REPRESENTATIONS,
               help="Ternary system of weights and activations."),
        Choice("scale_mode", "statistics", options=("statistics", "learnable"), label="scale mode",
               help="Scales from tensor statistics (TWN rule) or learned (TTQ-style); unweighted ignores it."),
        Float("threshold", 0.7, low=0.05, high=1.5, step=0.05,
              help="Delta = threshold x mean|x|; values with |x| <= Delta become 0."),
        Bool("quantize_activations", True, label="ternary activations",
             help="Ternary activations too (else weights only)."),
        Bool("keep_first_last", True, label="keep first/last layer full precision",
             help="Keep the first and last weight layers in full precision."),
        Int("width", 16, low=4, high=64, help="Channels of the first conv (doubling per stage)."),
        epochs_knob(15, high=200, help="Epochs of full-precision pre-training and of ternary training."),
        lr_knob(0.05, help="Initial SGD learning rate (cosine decay)."),
        seed_knob(help="Seed of the split, the initialisation and the shuffles."),
    ),
    metrics=(
        canonical_metric("accuracy", "Test accuracy of the ternary network.", "ternary accuracy"),
        canonical_metric("accuracy_float", "Test accuracy of the full-precision network.", "FP32 accuracy"),
        canonical_metric("accuracy_drop", "Full-precision minus ternary test accuracy."),
        Metric("weight_density", "", None, "Fraction of nonzero ternary weights.", label="weight density"),
        Metric("activation_density", "", None, "Fraction of nonzero ternary activations on test data.",
               label="activation density"),
        canonical_metric("energy_per_inference_nj",
                         "Energy per inference on the default TiM-DNN with the measured densities."),
        Metric("nm_energy_per_inference_nj", "nJ", "min", "The same on the near-memory baseline.",
               label="near-memory energy / inference"),
    ),
    version="4",
    cost="batch",
    context=one_torch_thread,
    description=(
        "Ternary weights and activations ({-1,0,1}, {-a,0,a}, {-a,0,b}) trained with a straight-through estimator "
        "on the bundled 8x8 digits, starting from the full-precision network; accuracy against full precision, and "
        "the energy per inference of the trained network on TiM-DNN with its measured operand densities."
    ),
)
