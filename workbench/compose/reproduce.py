"""SparCE claim C1 measured on the composed networks: the same core, the sparsity of a network the pipeline built.

C1 (``data/reference/claims.csv``): 19-31 % application time reduction on a scalar core. Here the composed study's
VGG on the digits, trained while pruning (no pruning, and 50 % of the filters) and optionally ternarized, runs its
GEMM/FC kernels on the scalar SparCE core (``sparce.core`` stage); the time reduction counts the MAC kernels only
(the stage does not time batch norm, ReLU and pooling), so it is an upper bound of the application-level figure. The
composition has no paper number of its own; this row shows how the algorithm stages move a hardware claim.
"""

from __future__ import annotations

from workbench.compose.studies import COMPOSE
from workbench.core.manifest import paper_range
from workbench.core.reproduce import ClaimResult, range_claim

PIPELINES = (("pruning.train>sparce.core", "float"), ("pruning.train>tim.ternarize>sparce.core", "ternary"))


def reproduce(quick: bool = False) -> list[ClaimResult]:
    """C1 on the composed networks (quick: width 4, 3 epochs, one image; full: the seed scale, width 8)."""
    scale = {"width": 4, "seed": 0} if quick else {"width": 8, "seed": 0}
    knobs = {"pruning.train.epochs": 3, "tim.ternarize.epochs": 1, "sparce.core.images": 1} if quick else {}
    settings = {**COMPOSE.defaults(), **knobs}
    text = (f"composed VGG [w, M, 2w, M, 4w], w={scale['width']}, digits 8x8, "
            f"{settings['pruning.train.epochs']} epochs, scalar SparCE core, {settings['sparce.core.images']} "
            "image(s)")
    rows = []
    for pipeline, kind in PIPELINES:
        for ratio in (0.0, 0.5):
            point = COMPOSE.evaluate({"pipeline": pipeline, "pruning.train.target_ratio": ratio, **knobs, **scale})
            rows.append(range_claim(
                "C1", f"GEMM/FC time reduction, {kind} network, {ratio:.0%} filters pruned (%)",
                *paper_range("sparce", "time_reduction_scalar"), point["time_reduction"], scale=text,
                note=f"measured activation density {point['activation_density']:.2f} (MAC-weighted layer inputs), "
                     f"{point['skipped_fraction']:.1%} of instructions skipped; MAC kernels only (an upper bound "
                     "of the application-level reduction)"))
    return rows
