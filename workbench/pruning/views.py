"""Pruning views over stored runs: accuracy against training compute for both methods, and remaining width per
layer."""

from __future__ import annotations

from dataclasses import replace

import altair as alt
import pandas as pd

from workbench.core import View, register_view
from workbench.pruning.studies import PRUNE_RETRAIN, WHILE_TRAINING
from workbench.viz.charts import tradeoff

METHODS = {WHILE_TRAINING.name: "while training", PRUNE_RETRAIN.name: "train + prune + retrain"}


def _note(text: str):
    frame = pd.DataFrame({"note": [text]})
    return alt.Chart(frame).mark_text(fontSize=12).encode(text="note:N").properties(width=360, height=60), frame


def accuracy_vs_compute(frames: dict[str, pd.DataFrame]):
    """Test accuracy against total training compute of every stored run of both methods (shape: criterion)."""
    parts = [frame.assign(method=METHODS[name]) for name, frame in frames.items() if not frame.empty]
    if not parts:
        return _note("no stored runs yet: run a point of pruning.while_training")
    both = pd.concat(parts, ignore_index=True).dropna(subset=["total_gmac", "test_accuracy"])
    columns = [c for c in WHILE_TRAINING.knob_names + WHILE_TRAINING.metric_names if c in both.columns]
    plotted = both[columns + ["method"]]
    return tradeoff(plotted, WHILE_TRAINING, x="total_gmac", y="test_accuracy", color="method",
                    shape="criterion"), plotted


def remaining_width(target_ratio: float, frames: dict[str, pd.DataFrame]):
    """Final width of each prunable layer of the stored runs at ``target_ratio`` (tick: initial width)."""
    stored = frames[WHILE_TRAINING.name]
    picked = stored[(stored["target_ratio"] - target_ratio).abs() < 1e-9] if len(stored) else stored
    if picked.empty:
        return _note(f"no stored run at {target_ratio:.0%} target: run one in the Explorer above")
    rows = [{"run": f"{run['criterion']} ({run['ranking']}, seed {run['seed']})", "layer": layer, "width": width,
             "initial": run["initial_widths"][layer]}
            for _, run in picked.iterrows() for layer, width in run["final_widths"].items()]
    widths = pd.DataFrame(rows)
    order = sorted(set(widths["layer"]), key=lambda n: [int(t) if t.isdigit() else t for t in n.split(".")])
    bars = alt.Chart(widths).mark_bar().encode(
        x=alt.X("layer:N", sort=order), y=alt.Y("width:Q", title="remaining filters"), xOffset="run:N",
        color=alt.Color("run:N", title="run"), tooltip=["run", "layer", "width", "initial"])
    ticks = alt.Chart(widths).mark_tick(color="black", thickness=2).encode(x=alt.X("layer:N", sort=order),
                                                                          y="initial:Q")
    title = f"Remaining width per layer at {target_ratio:.0%} target (tick: initial)"
    return (bars + ticks).properties(width=460, height=220, title=title), widths


register_view(View(
    name="pruning.accuracy_vs_compute",
    theme="pruning",
    func=accuracy_vs_compute,
    title="Accuracy against training compute",
    studies=(WHILE_TRAINING.name, PRUNE_RETRAIN.name),
    description="Every stored run of both methods: pruning while training and the train + prune + retrain "
                "baseline. It redraws when a Run on this page stores a new point.",
))

register_view(View(
    name="pruning.remaining_width",
    theme="pruning",
    func=remaining_width,
    title="Remaining width per layer",
    knobs=(replace(WHILE_TRAINING.knob("target_ratio"), default=0.8),),
    studies=(WHILE_TRAINING.name,),
    description="The final width of each prunable layer for the stored runs at the chosen target: global FRS "
                "ranking prunes the wide late layers hardest; per-layer ranking removes the same share everywhere.",
))
