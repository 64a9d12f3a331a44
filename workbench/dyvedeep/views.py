"""DyVEDeep views: threshold sweeps per mechanism, the per-layer breakdown of work done and skipped, the map of
output positions computed exactly, and the ops-vs-accuracy Pareto front of the stored ``dyvedeep.effort`` points."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from workbench.core import Choice, Float, Int, View, get_study
from workbench.core.manifest import paper_range
from workbench.core.runner import evaluate_frame
from workbench.core.vocabulary import seed_knob
from workbench.viz.style import category_scale

#: mechanism -> (knob swept, its values, knobs set alongside)
SWEEPS = {
    "saturation": ("spet_threshold", (4.0, 2.0, 1.0, 0.5, 0.25, 0.1, 0.0), {"spet_fraction": 0.25}),
    "significance": ("sig_threshold", (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)),
    "similarity": ("sim_threshold", (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75)),
    "variance": ("var_threshold", (0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 4.0)),
}
LAYERS = ("features.0", "features.4", "features.8")

_IMAGES = Int("images", 64, low=8, high=450, help="Test images evaluated (the first ones of the split).")
_SEED = seed_knob(help="Seed of the data split and the network's training.")
_EFFORT_KNOBS = (
    Float("spet_fraction", 0.25, low=0.05, high=1.0, step=0.05, label="f (first check)",
          help="Saturation prediction: first check after this fraction of the terms (1 = off)."),
    Float("spet_threshold", 0.5, low=0.0, high=4.0, step=0.05, unit="std", label="T (saturation)",
          help="Stop with output 0 when the partial sum is below -T x std(pre-activation)."),
    Float("sig_threshold", 0.2, low=0.0, high=2.0, step=0.05, unit="std", label="T_sig",
          help="Interpolate when all grid neighbours are below T_sig x std(activation) (0 = off)."),
    Float("sim_threshold", 0.1, low=0.0, high=2.0, step=0.05, unit="std", label="T_sim",
          help="Interpolate when the neighbours' spread is below T_sim x std(activation) (0 = off)."),
    Float("var_threshold", 0.2, low=0.0, high=4.0, step=0.05, unit="x mean var", label="T_var",
          help="Replace low-variance input channels by their mean (0 = off)."),
)
_CATEGORIES = {
    "mac_ops": "multiply-adds", "activation_ops": "ReLU", "spet_checks": "saturation checks",
    "sdss_checks": "sampling checks", "interpolation": "interpolation", "variance": "variance tests",
    "approximation": "mean x kernel sum", "skipped_var": "skipped: low-variance channels",
    "skipped_sdss": "skipped: interpolated positions", "skipped_spet": "skipped: early termination",
}


def _effort_params(spet_fraction, spet_threshold, sig_threshold, sim_threshold, var_threshold) -> dict:
    return {"spet_fraction": spet_fraction, "spet_threshold": spet_threshold, "spet_chunk": 32,
            "sig_threshold": sig_threshold, "sim_threshold": sim_threshold, "var_threshold": var_threshold}


def threshold_sweep(mechanism: str, images: int, seed: int):
    """Ops reduction and accuracy against one mechanism's threshold, the others off."""
    knob, values, *alongside = SWEEPS[mechanism]
    extra = alongside[0] if alongside else {}
    points = [{knob: v, **extra, "images": images, "seed": seed} for v in values]
    frame, _ = evaluate_frame(get_study("dyvedeep.ops"), points)
    frame = frame.rename(columns={knob: "threshold"})
    long = frame.melt(id_vars=["threshold"], value_vars=["ops_reduction", "accuracy", "agreement"],
                      var_name="metric", value_name="value")
    base = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("threshold:Q", title=f"{knob} (0 = off)" if mechanism != "saturation" else "T (f = 0.25)"),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False)),
        tooltip=["threshold", "metric", alt.Tooltip("value:Q", format=".3f")],
    )
    chart = base.properties(width=220, height=180).facet(
        column=alt.Column("metric:N", title=None, sort=["ops_reduction", "accuracy", "agreement"]),
    ).resolve_scale(y="independent").properties(
        title=f"{mechanism}: ops reduction (x), accuracy and agreement with the static network (%), "
              f"{images} test images")
    return chart, frame


def layer_breakdown(spet_fraction: float, spet_threshold: float, sig_threshold: float, sim_threshold: float,
                    var_threshold: float, images: int, seed: int):
    """Per conv layer: the operations done (by kind, checks included) and the work skipped (by mechanism)."""
    from workbench.dyvedeep.studies import evaluate_ops

    params = _effort_params(spet_fraction, spet_threshold, sig_threshold, sim_threshold, var_threshold)
    result = evaluate_ops(**params, images=images, seed=seed)
    rows = []
    for layer in result["layers"]:
        for key, label in _CATEGORIES.items():
            ops = layer[key] * (2 if key.startswith("skipped") else 1)  # skipped terms -> the 2 ops each would cost
            rows.append({"layer": layer["layer"], "category": label, "ops_per_image": ops,
                         "kind": "skipped" if key.startswith("skipped") else "done",
                         "static_ops": layer["static_ops"]})
    frame = pd.DataFrame(rows)
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("layer:N", title=None),
        x=alt.X("sum(ops_per_image):Q", title="scalar operations per image"),
        color=alt.Color("category:N", scale=category_scale(_CATEGORIES.values()), title=None),
        row=alt.Row("kind:N", title=None, sort=["done", "skipped"]),
        tooltip=["layer", "category", alt.Tooltip("ops_per_image:Q", format=",.0f"),
                 alt.Tooltip("static_ops:Q", format=",.0f")],
    ).properties(width=420, height=90, title=f"Work done and skipped per layer ({result['ops_reduction']:.2f}x "
                                                f"fewer ops, {result['agreement']:.0f}% agreement)")
    return chart, frame


def computed_map(layer: str, image: int, spet_fraction: float, spet_threshold: float, sig_threshold: float,
                 sim_threshold: float, var_threshold: float, seed: int):
    """Which output positions of one layer were computed exactly (fraction of output channels), for one image."""
    from workbench.dyvedeep.effort import Effort
    from workbench.dyvedeep.network import trained_network

    trained = trained_network(seed)
    if image >= len(trained.x_test):
        raise ValueError(f"image={image} is not allowed; allowed: 0 <= image < {len(trained.x_test)}")
    params = _effort_params(spet_fraction, spet_threshold, sig_threshold, sim_threshold, var_threshold)
    result = trained.net.run(trained.x_test[image:image + 1], Effort(**params), keep_maps=True)
    maps = result.maps[layer]
    computed, terminated = maps["computed"][0], maps["terminated"][0]
    h, w = computed.shape
    yy, xx = np.mgrid[0:h, 0:w]
    frame = pd.DataFrame({"row": yy.ravel(), "col": xx.ravel(), "computed_fraction": computed.ravel(),
                          "terminated_fraction": terminated.ravel(),
                          "on_grid": ((yy % 2 == 0) & (xx % 2 == 0)).ravel()})
    chart = alt.Chart(frame).mark_rect().encode(
        x=alt.X("col:O", title="column"), y=alt.Y("row:O", title="row"),
        color=alt.Color("computed_fraction:Q", title="computed", scale=alt.Scale(domain=[0, 1], scheme="viridis")),
        tooltip=["row", "col", alt.Tooltip("computed_fraction:Q", format=".2f"),
                 alt.Tooltip("terminated_fraction:Q", format=".2f"), "on_grid"],
    ).properties(width=240, height=240, title=f"{layer}, test image {image} (label {trained.y_test[image]}): "
                                                "share of output channels computed exactly")
    return chart, frame


def pareto_front(frames):
    """Stored ``dyvedeep.effort`` points: accuracy loss against ops reduction, the front, and the paper's D1 box."""
    from workbench.core.pareto import pareto_mask

    frame = frames.get("dyvedeep.effort", pd.DataFrame())
    columns = ["ops_reduction", "accuracy_drop"]
    data = frame[[c for c in frame.columns if c in columns + ["spet_threshold", "sig_threshold", "sim_threshold",
                                                                "var_threshold", "spet_fraction"]]].copy() \
        if not frame.empty else pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    data["front"] = pareto_mask(data, {"ops_reduction": "max", "accuracy_drop": "min"}) if len(data) else []
    low, high = paper_range("dyvedeep", "ops_reduction", label="DyVEDeep (paper)")
    _, loss_high = paper_range("dyvedeep", "accuracy_drop", label="DyVEDeep (paper)")
    box = pd.DataFrame({"x": [low], "x2": [high], "y": [0.0], "y2": [loss_high]})
    paper = alt.Chart(box).mark_rect(opacity=0.15, color="firebrick").encode(
        x="x:Q", x2="x2:Q", y="y:Q", y2="y2:Q", tooltip=[alt.Tooltip("x:Q", title="paper ops reduction from")])
    points = alt.Chart(data).mark_circle(size=40, opacity=0.6).encode(
        x=alt.X("ops_reduction:Q", title="ops reduction (x, checks included)", scale=alt.Scale(zero=False)),
        y=alt.Y("accuracy_drop:Q", title="test accuracy loss (pp)"),
        color=alt.Color("front:N", title="on the front"),
        tooltip=list(data.columns.drop("front")) if len(data.columns) > 1 else [],
    )
    line = alt.Chart(data[data["front"]] if len(data) else data).mark_line(color="black").encode(
        x="ops_reduction:Q", y="accuracy_drop:Q", order="ops_reduction:Q")
    chart = (paper + points + line).properties(
        width=420, height=280, title="Stored dyvedeep.effort points; shaded: DyVEDeep's reported 2.1-2.6x at < 0.5% "
                                     "loss (ImageNet/CIFAR networks)")
    return chart, data


THRESHOLD_SWEEP = View(
    name="dyvedeep.threshold_sweep", theme="dyvedeep", func=threshold_sweep,
    title="Ops and accuracy against each mechanism's threshold",
    knobs=(Choice("mechanism", "saturation", options=tuple(SWEEPS), help="Which mechanism's threshold to sweep."),
           Int("images", 32, low=8, high=450, help="Test images evaluated at each threshold (the first ones)."),
           _SEED),
    description="One mechanism at a time, the others off: how many scalar operations it saves (checks included) "
                "and what it costs in accuracy on the first test images.",
)
LAYER_BREAKDOWN = View(
    name="dyvedeep.layer_breakdown", theme="dyvedeep", func=layer_breakdown,
    title="Per-layer work done and skipped",
    knobs=(*_EFFORT_KNOBS, _IMAGES, _SEED),
    description="For each conv layer: multiply-adds, ReLUs and every check actually performed, and the work each "
                "mechanism skipped (2 operations per skipped term).",
)
COMPUTED_MAP = View(
    name="dyvedeep.computed_map", theme="dyvedeep", func=computed_map,
    title="Output positions computed exactly",
    knobs=(Choice("layer", "features.0", options=LAYERS, help="Conv layer."),
           Int("image", 0, low=0, high=449, help="Test image index."), *_EFFORT_KNOBS, _SEED),
    description="Selective sampling computes the stride-2 grid and interpolates elsewhere when the neighbours are "
                "insignificant or similar; saturation prediction stops neurons early. Colour: the share of output "
                "channels computed at each position.",
)
PARETO = View(
    name="dyvedeep.pareto", theme="dyvedeep", func=pareto_front, studies=("dyvedeep.effort",),
    title="Ops-vs-accuracy Pareto front",
    description="Every stored point of dyvedeep.effort (seed results plus what you ran), the non-dominated ones "
                "joined, and the paper's reported region for comparison.",
)
