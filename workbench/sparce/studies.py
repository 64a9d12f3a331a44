"""SparCE studies: ``sparce.trace`` (interactive: the trace model on cached traces) and ``sparce.emulated`` (batch:
the same point run instruction by instruction in Unicorn, cross-checked against the trace model)."""

from __future__ import annotations

from workbench.core import Choice, Float, Int, Metric, Study
from workbench.core.knobs import config_knobs
from workbench.sparce.pipeline import PipelineConfig
from workbench.threads import one_torch_thread

_PIPELINE_KNOBS = config_knobs(
    PipelineConfig,
    ("mul_latency", "load_latency", "neon_latency", "branch_penalty", "fetch_to_issue", "cache_kb", "assoc",
     "miss_penalty"),
    cache_kb=dict(options=(4, 8, 16, 32, 64)), assoc=dict(options=(1, 2, 4, 8)), miss_penalty=dict(high=100),
    fetch_to_issue=dict(high=6),
)
_KNOBS = (
    Choice("variant", "scalar", options=("scalar", "neon"),
           help="Core: scalar in-order (-mgeneral-regs-only build) or with 4-lane NEON GEMM/FC kernels."),
    Choice("activations", "network", options=("network", "synthetic"),
           help="The trained network's own ReLU zeros, or random activations with the sparsity knob's zeros."),
    Float("sparsity", 0.5, low=0.0, high=1.0, step=0.05,
          help="Fraction of zero activations per layer input (activations='synthetic' only)."),
    Int("images", 2, low=1, high=16, help="Test images averaged (each one inference)."),
    Choice("sasa_size", 64, options=(1, 2, 4, 8, 16, 32, 64), label="SASA entries", help="SASA table entries."),
    Choice("sasa_assoc", 4, options=(1, 2, 4), label="SASA ways", help="SASA table ways (size must be a multiple)."),
    Choice("workload", "digits_cnn", options=("digits_cnn", "vgg_mnist"),
           help="digits_cnn: the small digits CNN (8-16 channels); vgg_mnist: VGG-like layers (64-128 output "
                "channels, GEMMs up to 128 x 1152 x 16) with the activations of a VGG trained on MNIST-5k at 16x16 "
                "(first use trains it and records its kernel traces, a few minutes)."),
    Choice("gemm_kernel", "gemm", options=("gemm", "gemm_blocked"), label="conv GEMM kernel",
           help="Convolution GEMM: register-blocked on im2col columns (NEON: vectorised over 4 pixels, a skip "
                "needs 4 zero pixels), or packed and cache-blocked, OpenBLAS style (NEON: vectorised over output "
                "channels with each activation broadcast, a skip needs one zero)."),
    Choice("input_size", 8, options=(8, 16), unit="px", label="input side",
           help="Digits at 8x8 (native) or upsampled to 16x16: the same CNN on 4x the pixels (first use of 16 trains "
                "it and records its kernel traces, ~1 min)."),
    *_PIPELINE_KNOBS,
)
_METRICS = (
    Metric("time_reduction", "%", "max", "Application-level time reduction: 1 - cycles with / without SparCE.",
           "time reduction"),
    Metric("gemm_time_reduction", "%", "max", "Time reduction of the GEMM and FC kernels alone.",
           "GEMM time reduction"),
    Metric("skipped_fraction", "", "max", "Instructions skipped / instructions of the baseline run.",
           label="skipped instructions"),
    Metric("activation_sparsity", "", None, "Fraction of zeros in the GEMM/FC inputs (incl. im2col padding).",
           label="activation sparsity"),
    Metric("relu_zero_density", "", None, "Fraction of zeros in the layers' input activations (ReLU outputs; "
           "conv1: the image), padding excluded.", label="ReLU-zero density"),
    Metric("padding_zero_share", "", None, "Fraction of GEMM/FC operands that are im2col zero padding.",
           label="padding-zero share"),
    Metric("non_gemm_share", "", None, "Share of baseline cycles outside GEMM/FC (im2col, bias+ReLU, pooling).",
           label="non-GEMM share"),
    Metric("memory_share", "", None, "Share of baseline cycles stalled on L1 misses.", label="memory-stall share"),
    Metric("cycles_base", "cycles", "min", "Cycles per inference without SparCE.", label="cycles (baseline)"),
    Metric("cycles_sparce", "cycles", "min", "Cycles per inference with SparCE.", label="cycles (SparCE)"),
)


def _check_sasa(arguments: dict) -> None:
    """The SASA table's ways divide its entries (the pipeline's own fields are checked by :class:`PipelineConfig`)."""
    if arguments["sasa_size"] % arguments["sasa_assoc"]:
        raise ValueError(f"sasa_assoc={arguments['sasa_assoc']} is not allowed with sasa_size="
                         f"{arguments['sasa_size']}; allowed: a divisor of sasa_size")


def evaluate_core(config: PipelineConfig, variant: str, activations: str, sparsity: float, images: int,
                  sasa_size: int, sasa_assoc: int, workload: str, gemm_kernel: str, input_size: int) -> dict:
    """SparCE on the trained digits CNN, from the trace model (identical to emulation, see tests)."""
    from workbench.sparce.model import evaluate

    return evaluate(variant, activations, sparsity, images, sasa_size, sasa_assoc, config, input_size=input_size,
                    gemm=gemm_kernel, workload=workload)


CORE = Study(
    name="sparce.trace",
    theme="sparce",
    func=evaluate_core,
    config=PipelineConfig,
    knobs=_KNOBS,
    metrics=_METRICS,
    version="2",
    cost="interactive",
    description=(
        "SparCE (arXiv:1711.06315): a zero bit per register (SpRF, set at writeback) and a SASA table of skippable "
        "regions let an in-order AArch64 core skip the MACs of zero activations before fetching them. Inference of "
        "a digits CNN or of VGG-like layers (64-128 channels, trained on MNIST-5k) as real -O2 machine code (im2col "
        "+ register- or cache-blocked GEMM, FC, bias+ReLU, pooling), timed by an "
        "in-order pipeline model with an L1 data cache; the trace model reproduces the emulated cycle counts "
        "exactly."
    ),
    constraints=_check_sasa,
)


def evaluate_emulated(variant: str, activations: str, sparsity: float, images: int, sasa_size: int,
                      sasa_assoc: int) -> dict:
    """The default core, emulated in Unicorn with real skipping; also reports whether the trace model agrees."""
    from workbench.sparce.emulator import Machine
    from workbench.sparce.model import check_sparsity
    from workbench.sparce.network import emulate_inference, quantised_network
    from workbench.sparce.trace import TraceModel

    check_sparsity(activations, sparsity)
    net = quantised_network()
    base = sparce = 0
    agree = True
    skipped = instructions = 0
    for i in range(images):
        synthetic = sparsity if activations == "synthetic" else None
        runs = {}
        for on in (False, True):
            machine = Machine(variant, sparce=on, sasa_size=sasa_size, sasa_assoc=sasa_assoc)
            calls, outputs, traces = emulate_inference(machine, net, net.test_x[i], synthetic, seed=i)
            agree &= all((o == c[3]).all() for o, c in zip(outputs, calls))
            runs[on] = machine.timing(traces)
            model = TraceModel(variant, sparce=on, sasa_size=sasa_size, sasa_assoc=sasa_assoc)
            agree &= model.run([(f, inputs) for _, f, inputs, _ in calls]) == runs[on]
        base += runs[False]["cycles"]
        sparce += runs[True]["cycles"]
        skipped += runs[True]["skipped"]
        instructions += runs[False]["instructions"]
    return {"time_reduction": 100.0 * (1 - sparce / base), "skipped_fraction": skipped / instructions,
            "cycles_base": base / images, "cycles_sparce": sparce / images, "trace_model_agrees": float(agree)}


EMULATED = Study(
    name="sparce.emulated",
    theme="sparce",
    func=evaluate_emulated,
    knobs=_KNOBS[:6],
    metrics=(
        *(m for m in _METRICS if m.name in ("time_reduction", "skipped_fraction", "cycles_base", "cycles_sparce")),
        Metric("trace_model_agrees", "", "max",
               "1 when outputs equal numpy and the trace model's cycles equal the emulated ones on every image.",
               label="trace agrees with model"),
    ),
    version="2",
    cost="batch",
    context=one_torch_thread,
    description="The sparce.trace point on the default pipeline, run instruction by instruction in Unicorn "
                "(seconds per image) with real PC jumps over the skipped regions; a cross-check of the trace model.",
    constraints=_check_sasa,
)
