"""SparCE claim C1 (``data/reference/claims.csv``) recomputed at this machine's scale, side by side.

C1: 19-31 % application time reduction on a scalar core and 8-15 % on a 4-way SIMD ARMv8 core (the paper: six
image-recognition DNNs in Caffe/OpenBLAS on gem5). Here: the trained digits CNN (3 conv + FC, int32) as -O2 AArch64
machine code on the default in-order core (pipeline and cache knobs at their defaults, 64-entry 4-way SASA), its
own ReLU zeros, averaged over test images; the trace model gives the cycles (it equals the emulation, and the full
run checks that on one image). Nothing is tuned toward the paper's numbers; each row's note says what drives the gap.
"""

from __future__ import annotations

from workbench.core.manifest import paper_range
from workbench.core.reproduce import ClaimResult, range_claim
from workbench.explain.breakeven import ClaimQuantity
from workbench.sparce.model import evaluate


def _scale(images: int) -> str:
    return (f"digits CNN (8x8, 3 conv + FC, int32), {images} test images, default in-order core, 32 KiB L1, "
            "64-entry 4-way SASA")


def _note(point: dict, variant: str) -> str:
    return (f"measured activation sparsity {point['activation_sparsity']:.0%} of GEMM/FC inputs; GEMM/FC time cut "
            f"{point['gemm_time_reduction']:.1f} %, diluted by non-GEMM glue (im2col, bias+ReLU, pool) at "
            f"{point['non_gemm_share']:.0%} of baseline cycles; {point['skipped_fraction']:.1%} of instructions "
            "skipped" + (" (a NEON skip needs all 4 lanes zero)" if variant == "neon" else ""))


#: The network rows of C1: core variant, paper quantity, label.
_ROWS = (("scalar", "time_reduction_scalar", "scalar core"), ("neon", "time_reduction_simd", "4-way SIMD (NEON) core"))


def reproduce(quick: bool = False) -> list[ClaimResult]:
    """Paper vs workbench for C1 on 16 images by the trace model (a second or so once the traces are cached); the full
    run adds an emulated check on one image."""
    images = 16
    rows = []
    for variant, quantity, label in _ROWS:
        point = evaluate(variant, "network", images=images)
        note = _note(point, variant)
        if not quick:
            from workbench.sparce.studies import EMULATED

            check = EMULATED.evaluate(variant=variant, activations="network", images=1)
            note += (f"; emulated check on one image: {check['time_reduction']:.1f} %, trace model agrees: "
                     f"{bool(check['trace_model_agrees'])}")
        rows.append(range_claim("C1", f"application time reduction, {label} (%)", *paper_range("sparce", quantity),
                                point["time_reduction"], scale=_scale(images), note=note))
        if variant == "scalar":
            dense = evaluate(variant, "synthetic", sparsity=0.9, images=images)
            rows.append(range_claim(
                "C1", "application time reduction, scalar core, 90 % synthetic zeros (%)",
                *paper_range("sparce", quantity), dense["time_reduction"], scale=_scale(images),
                note="what sparsity the same network needs: every layer input after conv1 set to 90 % zeros"))
    return rows


def explained() -> list[ClaimQuantity]:
    """The network rows of C1 as ``sparce.trace`` metrics at the full run's 16 images, for ``workbench explain``
    (the pipeline's latencies, penalties and cache are the assumed knobs)."""
    return [ClaimQuantity("C1", f"application time reduction, {label} (%)", "sparce.trace", "time_reduction",
                          *paper_range("sparce", quantity), {"variant": variant, "activations": "network",
                                                              "images": 16})
            for variant, quantity, label in _ROWS]
