"""Claims X1 and X2 (Rx-Caffe / FCM, arXiv 1809.00072) recomputed by the workbench, side by side with the paper.

* X1: the fast crossbar model is ~5 orders of magnitude faster than circuit simulation and accurate against it
  (paper: <= 0.28% deviation from HSPICE). Here: per matrix-vector product, fast model (G_eff GEMM) vs one
  ngspice ``.op`` per vector on random arrays (16/32/64; quick: 16/32), and the column-current error of the fast
  model against ngspice and against the exact nodal solver.
* X2: non-idealities degrade large DNN accuracy by 9.6%-32% (ImageNet networks). Here: a small CNN on the bundled
  digits under the ``rx_caffe`` preset ([R] parameters, not fitted to the paper); the scale differs, so the
  comparison says only whether the drop falls in the same band.
"""

from __future__ import annotations

from workbench.core.manifest import paper_range, paper_value
from workbench.core.reproduce import NOT_COMPUTED, ClaimResult, range_claim
from workbench.crossbar.config import load_preset
from workbench.crossbar.inference import crossbar_accuracy
from workbench.crossbar.speed import compare_models
from workbench.crossbar.spice import ngspice_path

__all__ = ["reproduce"]

NO_NGSPICE = "ngspice is not installed (apt-get install ngspice), so the circuit-simulator side cannot be measured"


def reproduce(quick: bool = False) -> list[ClaimResult]:
    """The X1 and X2 rows of the reproduction table (``quick``: 16/32 arrays, 3 training epochs, 32x32 tiles)."""
    paper_speedup = paper_value("crossbar", "speedup_vs_circuit_simulation")
    paper_error_pct = paper_range("crossbar", "max_error_pct")[1]
    config = load_preset("rx_caffe")
    sizes = (16, 32) if quick else (16, 32, 64)
    n_spice = 1 if quick else 3
    runs = [compare_models(n, config, n_spice=n_spice, batch=1024 if quick else 4096) for n in sizes]
    results = []
    largest = runs[-1]
    scale = (f"random {largest['size']}x{largest['size']} array, rx_caffe parasitics, ngspice one .op per vector, "
             f"{n_spice} vector(s)")
    spice = ngspice_path() is not None
    speedup = largest["speedup_vs_spice"] if spice else NOT_COMPUTED
    speed_note = ("per-size speed-ups: " + ", ".join(f"{r['size']}: {r['speedup_vs_spice']:.3g}" for r in runs)
                  + "; ngspice time includes process start; fast time = one batched GEMM / batch size")
    results.append(
        ClaimResult(
            "X1", "fast model vs ngspice, time per matrix-vector product (x faster)", paper_speedup, speedup,
            ">= 1e5 (~5 orders of magnitude)", bool(speedup >= paper_speedup) if spice else None, scale,
            speed_note if spice else NO_NGSPICE,
        )
    )
    worst_fast_vs_spice = max(100 * r["err_fast_vs_spice"] for r in runs) if spice else NOT_COMPUTED
    closed_forms = ("closed forms at the largest size: diagonal "
                    f"{100 * largest['err_diagonal']:.3g}%, cumulative {100 * largest['err_cumulative']:.3g}%, ideal "
                    f"{100 * largest['err_ideal']:.3g}%")
    results.append(
        ClaimResult(
            "X1", "fast model vs circuit simulator, max column-current error (%)", paper_error_pct,
            worst_fast_vs_spice, f"<= {paper_error_pct}%",
            bool(worst_fast_vs_spice <= paper_error_pct) if spice else None,
            f"sizes {', '.join(str(r['size']) for r in runs)}; linear cells",
            f"G_eff is exact for linear cells; {closed_forms}" if spice else f"{NO_NGSPICE}; {closed_forms}",
        )
    )
    tile = 32 if quick else 64
    epochs = 3 if quick else 8
    acc = crossbar_accuracy(config.with_changes(circuit={"rows": tile, "cols": tile}), epochs=epochs)
    results.append(
        range_claim(
            "X2", "accuracy degradation from crossbar non-idealities (percentage points)",
            *paper_range("crossbar", "accuracy_degradation_pct"),
            acc["accuracy_drop"],
            scale=f"digits VGG (16-M-32-M-32), {epochs} epochs, {tile}x{tile} tiles, rx_caffe preset [R]",
            note=f"float {acc['accuracy_float']:.1f}% -> crossbar {acc['accuracy_crossbar']:.1f}%; paper: ImageNet "
            "DNNs; the drop depends strongly on tile size and parasitics (see crossbar.inference)",
        )
    )
    return results
