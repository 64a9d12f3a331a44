"""SparCE claim C1 (``data/reference/claims.csv``) recomputed at this machine's scale, side by side.

C1: 19-31 % application time reduction on a scalar core and 8-15 % on a 4-way SIMD ARMv8 core (the paper: six
image-recognition DNNs in Caffe/OpenBLAS on gem5). Here, on the default in-order core (pipeline and cache knobs at
their defaults, 64-entry 4-way SASA), from the trace model (it equals the emulation; the full run checks that on
one image):

- the paper-like workload: VGG-like layers (64-128 output channels, :mod:`workbench.sparce.layers`) with the
  activations of a VGG trained on MNIST-5k, with the register-blocked and the packed, cache-blocked GEMM (NEON:
  vectorised over output channels with broadcast activations);
- the small case: the trained digits CNN (3 conv + FC, 8-16 channels), with an independent check of the timing
  model (:mod:`workbench.sparce.inorder`) on its conv2 GEMM and FC.

Every row's note names its workload's ReLU-zero density (padding excluded), the padding share and the glue share.
Nothing is tuned toward the paper's numbers.
"""

from __future__ import annotations

from workbench.core.manifest import paper_range
from workbench.core.reproduce import ClaimResult, range_claim
from workbench.explain.breakeven import ClaimQuantity
from workbench.sparce.model import evaluate


def _scale(images: int, workload: str) -> str:
    what = ("VGG-like layers (64-128 channels, GEMMs 64x9x256 to 128x1152x16) trained on MNIST-5k 16x16"
            if workload == "vgg_mnist" else "digits CNN (8x8, 3 conv + FC, 8-16 channels)")
    return f"{what}, int32, {images} test images, default in-order core, 32 KiB L1, 64-entry 4-way SASA"


def _timing_check() -> str:
    """The block-pair model next to the independent whole-stream model on the digits CNN's conv2 GEMM and FC."""
    from workbench.sparce.emulator import Machine
    from workbench.sparce.inorder import compare_call
    from workbench.sparce.network import calls_numpy, quantised_network

    net = quantised_network()
    parts = []
    for variant in ("scalar", "neon"):
        machine = Machine(variant)
        for layer, function, inputs, _ in calls_numpy(net, net.test_x[0]):
            if (layer, function) in (("conv2", "gemm"), ("fc", "fc")):
                r = compare_call(machine, function, inputs)
                parts.append(f"{variant} {function} {r['block_pair_cycles']} vs {r['stream_cycles']} "
                             f"({r['difference']:+.2%})")
    return "independent whole-stream in-order timing (issue cycles, block-pair vs stream): " + ", ".join(parts)


def _note(point: dict, variant: str) -> str:
    return (f"workload: ReLU-zero density {point['relu_zero_density']:.0%} of layer inputs (padding excluded), "
            f"{point['activation_sparsity']:.0%} zeros in the GEMM/FC operands of which padding is "
            f"{point['padding_zero_share']:.0%} of operands; glue (im2col, bias+ReLU, pool) "
            f"{point['non_gemm_share']:.0%} and L1-miss stalls {point['memory_share']:.0%} of baseline cycles; "
            f"GEMM/FC time cut {point['gemm_time_reduction']:.1f} %, {point['skipped_fraction']:.1%} of "
            "instructions skipped"
            + (" (pixel-vectorised NEON: a skip needs all 4 lanes zero)" if variant == "neon" and
               point.get("gemm") == "gemm" else ""))


#: The core variants of C1: variant, paper quantity, label.
_CORES = (("scalar", "time_reduction_scalar", "scalar core"), ("neon", "time_reduction_simd", "4-way SIMD core"))
#: The VGG-like rows' GEMM kernels: kernel knob, label per core variant.
_GEMMS = (("gemm", {"scalar": "register-blocked GEMM", "neon": "register-blocked GEMM"}),
          ("gemm_blocked", {"scalar": "packed cache-blocked GEMM",
                            "neon": "packed cache-blocked GEMM over output channels"}))
#: Images every C1 row is computed on (the trace model; a second or so once the traces are cached).
IMAGES = 16


def _vgg_quantity(label: str, kernel: str) -> str:
    return f"application time reduction, {label}, VGG-like layers, {kernel} (%)"


def _digits_quantity(label: str) -> str:
    return f"application time reduction, {label}, small digits CNN (%)"


def reproduce(quick: bool = False) -> list[ClaimResult]:
    """Paper vs workbench for C1 on :data:`IMAGES` images by the trace model; the full run adds an emulated check on
    one image."""
    images = IMAGES
    rows = []
    for variant, quantity, label in _CORES:
        for gemm, kernels in _GEMMS:
            point = evaluate(variant, "network", images=images, gemm=gemm, workload="vgg_mnist")
            rows.append(range_claim("C1", _vgg_quantity(label, kernels[variant]),
                                    *paper_range("sparce", quantity), point["time_reduction"],
                                    scale=_scale(images, "vgg_mnist"), note=_note({**point, "gemm": gemm}, variant)))
    check = _timing_check()
    for variant, quantity, label in _CORES:
        point = evaluate(variant, "network", images=images)
        note = _note({**point, "gemm": "gemm"}, variant)
        if variant == "scalar":
            note += "; " + check
        if not quick:
            from workbench.sparce.studies import EMULATED

            emulated = EMULATED.evaluate(variant=variant, activations="network", images=1)
            note += (f"; emulated check on one image: {emulated['time_reduction']:.1f} %, trace model agrees: "
                     f"{bool(emulated['trace_model_agrees'])}")
        rows.append(range_claim("C1", _digits_quantity(label),
                                *paper_range("sparce", quantity), point["time_reduction"],
                                scale=_scale(images, "digits_cnn"), note=note))
    dense = evaluate("scalar", "synthetic", sparsity=0.9, images=images)
    rows.append(range_claim(
        "C1", "application time reduction, scalar core, small digits CNN, 90 % synthetic zeros (%)",
        *paper_range("sparce", "time_reduction_scalar"), dense["time_reduction"],
        scale=_scale(images, "digits_cnn"),
        note="what sparsity the small network needs: every layer input after conv1 set to 90 % zeros; "
             + _note(dense, "scalar")))
    return rows


def explained() -> list[ClaimQuantity]:
    """The C1 rows on the network's activations as ``sparce.trace`` metrics at :data:`IMAGES` images, for
    ``workbench explain`` (the pipeline's latencies, penalties and cache are the assumed knobs)."""
    network = {"activations": "network", "images": IMAGES}
    vgg = [ClaimQuantity("C1", _vgg_quantity(label, kernels[variant]), "sparce.trace", "time_reduction",
                         *paper_range("sparce", quantity),
                         {**network, "variant": variant, "workload": "vgg_mnist", "gemm_kernel": gemm})
           for variant, quantity, label in _CORES for gemm, kernels in _GEMMS]
    digits = [ClaimQuantity("C1", _digits_quantity(label), "sparce.trace", "time_reduction",
                            *paper_range("sparce", quantity), {**network, "variant": variant})
              for variant, quantity, label in _CORES]
    return vgg + digits
