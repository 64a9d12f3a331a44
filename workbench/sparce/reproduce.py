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
from workbench.sparce.model import evaluate


def _scale(images: int) -> str:
    return (f"digits CNN (8x8, 3 conv + FC, int32), {images} test images, default in-order core, 32 KiB L1, "
            "64-entry 4-way SASA")


def _note(point: dict, variant: str) -> str:
    return (f"workload: ReLU-zero density {point['relu_zero_density']:.0%} of layer inputs (padding excluded), "
            f"{point['activation_sparsity']:.0%} zeros in the GEMM/FC operands of which padding is "
            f"{point['padding_zero_share']:.0%} of operands; glue (im2col, bias+ReLU, pool) "
            f"{point['non_gemm_share']:.0%} of baseline cycles; GEMM/FC time cut {point['gemm_time_reduction']:.1f} %,"
            f" {point['skipped_fraction']:.1%} of instructions skipped"
            + (" (pixel-vectorised NEON: a skip needs all 4 lanes zero)" if variant == "neon" and
               point.get("gemm") == "gemm" else ""))


def reproduce(quick: bool = False) -> list[ClaimResult]:
    """Paper vs workbench for C1 (quick: 2 images by the trace model; full: 16 images plus an emulated check)."""
    images = 2 if quick else 16
    rows = []
    for variant, quantity, label in (("scalar", "time_reduction_scalar", "scalar core"),
                                     ("neon", "time_reduction_simd", "4-way SIMD (NEON) core")):
        for gemm, kernel in (("gemm", "register-blocked GEMM"), ("gemm_blocked", "packed cache-blocked GEMM")):
            point = evaluate(variant, "network", images=images, gemm=gemm)
            note = _note({**point, "gemm": gemm}, variant)
            if not quick and gemm == "gemm":
                from workbench.sparce.studies import EMULATED

                check = EMULATED.evaluate(variant=variant, activations="network", images=1)
                note += (f"; emulated check on one image: {check['time_reduction']:.1f} %, trace model agrees: "
                         f"{bool(check['trace_model_agrees'])}")
            if gemm == "gemm_blocked" and variant == "neon":
                kernel += ", over output channels with broadcast activations"
            rows.append(range_claim("C1", f"application time reduction, {label}, {kernel} (%)",
                                    *paper_range("sparce", quantity), point["time_reduction"],
                                    scale=_scale(images), note=note))
        if variant == "scalar":
            dense = evaluate(variant, "synthetic", sparsity=0.9, images=images)
            rows.append(range_claim(
                "C1", "application time reduction, scalar core, 90 % synthetic zeros (%)",
                *paper_range("sparce", quantity), dense["time_reduction"], scale=_scale(images),
                note="what sparsity the same network needs: every layer input after conv1 set to 90 % zeros; "
                     + _note(dense, variant)))
    return rows
