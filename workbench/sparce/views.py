"""SparCE views: time reduction vs activation sparsity (scalar and SIMD, with the paper's C1 ranges), the per-layer
cycle breakdown of the trained network, and the SASA table's size/associativity sensitivity."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from workbench.core import Choice, Int, View
from workbench.core.manifest import paper_range
from workbench.core.runner import evaluate_frame
from workbench.explain.figures import TORNADO_DESCRIPTION, band_view, tornado_figure
from workbench.sparce.studies import CORE
from workbench.viz.charts import sweep_heatmap

_LEVELS = tuple(np.round(np.linspace(0.0, 1.0, 11), 2))


def speedup_vs_sparsity(metric: str, images: int):
    """``metric`` of the scalar and NEON cores over synthetic activation sparsity, the trained network's own
    point on each, and the paper's ranges (C1) as bands."""
    points = [{"variant": v, "activations": "synthetic", "sparsity": float(s), "images": images}
              for v in ("scalar", "neon") for s in _LEVELS]
    frame, _ = evaluate_frame(CORE, points)
    frame["source"] = "synthetic"
    own, _ = evaluate_frame(CORE, [{"variant": v, "activations": "network", "images": images}
                                   for v in ("scalar", "neon")])
    own["source"] = "trained CNN"
    own["sparsity"] = own["activation_sparsity"]
    plotted = pd.concat([frame, own], ignore_index=True)[["variant", "source", "sparsity", metric,
                                                          "activation_sparsity"]]
    plotted["core"] = plotted["variant"].map({"scalar": "scalar", "neon": "4-way SIMD (NEON)"})
    base = alt.Chart(plotted)
    lines = base.transform_filter(alt.datum.source == "synthetic").mark_line(point=True).encode(
        x=alt.X("sparsity:Q", title="activation sparsity (fraction of zeros, synthetic knob)"),
        y=alt.Y(f"{metric}:Q", title=CORE.metric(metric).label or metric),
        color=alt.Color("core:N", title="core"),
        tooltip=["core", "sparsity", alt.Tooltip(f"{metric}:Q", format=".2f")],
    )
    dots = base.transform_filter(alt.datum.source == "trained CNN").mark_point(size=140, shape="diamond",
                                                                               filled=True).encode(
        x="activation_sparsity:Q", y=f"{metric}:Q", color="core:N",
        tooltip=["core", "source", alt.Tooltip("activation_sparsity:Q", format=".2f"),
                 alt.Tooltip(f"{metric}:Q", format=".2f")],
    )
    layers = [lines, dots]
    if metric == "time_reduction":
        bands = pd.DataFrame([
            {"core": "scalar", "low": paper_range("sparce", "time_reduction_scalar")[0],
             "high": paper_range("sparce", "time_reduction_scalar")[1]},
            {"core": "4-way SIMD (NEON)", "low": paper_range("sparce", "time_reduction_simd")[0],
             "high": paper_range("sparce", "time_reduction_simd")[1]},
        ])
        layers.insert(0, alt.Chart(bands).mark_rect(opacity=0.15).encode(
            y="low:Q", y2="high:Q", color="core:N", tooltip=["core", "low", "high"]))
    chart = alt.layer(*layers).properties(
        width=460, height=260,
        title="SparCE time reduction vs activation sparsity (bands: paper C1 ranges, diamonds: trained CNN)")
    return chart, plotted


def layer_breakdown(variant: str, images: int):
    """Cycles per inference of each layer of the trained digits CNN, GEMM/FC and glue, without and with SparCE,
    split into compute, control and memory stalls, plus the cycles skipping saved."""
    point = CORE.evaluate(variant=variant, images=images)
    rows = pd.DataFrame(point["layers"])
    rows[["compute_cycles", "control_cycles", "memory_cycles", "cycles", "skipped"]] /= images
    long = rows.melt(id_vars=["layer", "part", "core"], value_vars=["compute_cycles", "control_cycles",
                                                                     "memory_cycles"],
                     var_name="component", value_name="cycles_per_inference")
    long["component"] = long["component"].str.removesuffix("_cycles")
    long["bar"] = long["core"].map({"base": "baseline", "sparce": "SparCE"}) + " " + long["part"]
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("bar:N", title=None, sort=["baseline gemm", "SparCE gemm", "baseline glue", "SparCE glue"]),
        y=alt.Y("sum(cycles_per_inference):Q", title="cycles per inference"),
        color=alt.Color("component:N", title="component"),
        column=alt.Column("layer:N", title=f"{variant} core: layer"),
        tooltip=["layer", "bar", "component", alt.Tooltip("cycles_per_inference:Q", format=",.0f")],
    ).properties(width=110, height=220, title="Per-layer cycles: GEMM/FC vs glue, without and with SparCE")
    return chart, long


def sasa_sensitivity(variant: str, activations: str):
    """Time reduction over SASA table size and associativity (a small table leaves regions out)."""
    points = [{"variant": variant, "activations": activations, "images": 1, "sasa_size": size,
               "sasa_assoc": ways} for size in (1, 2, 4, 8, 16, 32, 64) for ways in (1, 2, 4) if size % ways == 0]
    frame, _ = evaluate_frame(CORE, points)
    plotted = frame[["sasa_size", "sasa_assoc", "time_reduction", "skipped_fraction"]]
    return sweep_heatmap(plotted, CORE, "sasa_size", "sasa_assoc", "time_reduction"), plotted


_IMAGES = Int("images", 1, low=1, high=16, help="Test images averaged per point.")
_METRIC_CHOICE = Choice("metric", "time_reduction", options=("time_reduction", "gemm_time_reduction",
                                                              "skipped_fraction"), help="The metric plotted.")

SPEEDUP_VS_SPARSITY = View(
    name="sparce.speedup_vs_sparsity",
    theme="sparce",
    func=speedup_vs_sparsity,
    title="Time reduction vs activation sparsity (scalar and SIMD)",
    knobs=(_METRIC_CHOICE, _IMAGES),
    description="Synthetic activations with 0-100 % zeros on every layer input of the digits CNN, on the scalar "
                "and the 4-lane NEON core (trace model, default pipeline and 64-entry SASA); diamonds are the "
                "trained network's own ReLU sparsity; shaded bands are the paper's C1 ranges (its networks, gem5).",
)

LAYER_BREAKDOWN = View(
    name="sparce.layer_breakdown",
    theme="sparce",
    func=layer_breakdown,
    title="Per-layer cycle breakdown",
    knobs=(CORE.knob("variant"), _IMAGES),
    description="Cycles per inference of conv1-3 and the FC layer, GEMM/FC kernels and the non-GEMM glue "
                "(im2col, bias+ReLU, pooling), without and with SparCE: compute (issue + hazards), control "
                "(taken-branch bubbles) and memory (L1 misses x penalty).",
)

SASA_SENSITIVITY = View(
    name="sparce.sasa_sensitivity",
    theme="sparce",
    func=sasa_sensitivity,
    title="SASA size and associativity",
    knobs=(CORE.knob("variant"), CORE.knob("activations")),
    description="Application time reduction for SASA tables of 1-64 entries and 1-4 ways: entries that do not fit "
                "their set are left out (the largest regions stay), so their zeros are not skipped.",
)


def core_tornado(metric: str, variant: str):
    """``metric`` of the trace model on the digits CNN (16 test images) with each assumed pipeline parameter at the
    ends of its plausible range, the others at their defaults (:func:`workbench.explain.sensitivity.tornado`)."""
    return tornado_figure(CORE, metric, {"variant": variant, "images": 16})


CORE_TORNADO = View(
    name="sparce.core_tornado",
    theme="sparce",
    func=core_tornado,
    title="Which assumptions move the time reduction",
    knobs=(Choice("metric", "time_reduction", options=tuple(CORE.metric_names), help="The metric explained."),
           CORE.knob("variant")),
    description=TORNADO_DESCRIPTION + " SparCE's ranges are declared on the pipeline's fields (sparce/pipeline.py).",
)

CORE_BAND = band_view(
    CORE, "sparce.core_band", x=("sparsity", "sasa_size", "cache_kb"), metric="time_reduction",
    base={"activations": "synthetic"}, title="Which design differences survive the pipeline assumptions",
    note="Synthetic activations; SparCE's ranges (latencies, penalties) are declared on the pipeline's fields "
         "(sparce/pipeline.py).")
