"""Pruning views: accuracy against training compute for both methods and remaining width per layer (over stored
runs), and the training saving of pruning while training as a curve over target and N1 / E (counted, no runs)."""

from __future__ import annotations

from dataclasses import replace

import altair as alt
import pandas as pd

from workbench.core import View
from workbench.core.manifest import paper_value
from workbench.pruning.analytic import profile, saving_curve
from workbench.pruning.studies import PRUNE_RETRAIN, SCHEDULE_COST, WHILE_TRAINING
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
    both = pd.concat(parts, ignore_index=True).dropna(subset=["total_gmac", "accuracy"])
    columns = [c for c in WHILE_TRAINING.knob_names + WHILE_TRAINING.metric_names if c in both.columns]
    plotted = both[columns + ["method"]]
    return tradeoff(plotted, WHILE_TRAINING, x="total_gmac", y="accuracy", color="method",
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


CURVE_TARGETS = (0.1, 0.3, 0.5, 0.7, 0.8, 0.9)
CURVE_STOPS = (0.25, 0.5, 0.75, 1.0)


def saving_curve_view(network: str, input_size: int, epochs: int, every_n: int, retrain_epochs: int):
    """Compute and memory-access savings of pruning while training against the target, one line per N1 / E (the
    schedule arXiv:2003.02800 leaves unstated); the rule is the paper's 41 %."""
    rows = saving_curve(profile(network, input_size), epochs=epochs, every_n=every_n, retrain_epochs=retrain_epochs,
                        targets=CURVE_TARGETS, stop_fractions=CURVE_STOPS)
    frame = pd.DataFrame(rows).melt(id_vars=["target_ratio", "stop_fraction", "stop_epoch"],
                                    value_vars=["compute_saving", "memory_saving"], var_name="count",
                                    value_name="saving")
    frame["count"] = frame["count"].map({"compute_saving": "MACs", "memory_saving": "memory accesses"})
    frame["N1 / E"] = frame["stop_fraction"].map(lambda f: f"{f:g}")
    lines = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("target_ratio:Q", title="filters pruned (target)", axis=alt.Axis(format="%")),
        y=alt.Y("saving:Q", title="training saving vs train + prune + retrain (%)"),
        color=alt.Color("N1 / E:N"), strokeDash=alt.StrokeDash("count:N", title="count"),
        tooltip=["target_ratio", "N1 / E", "stop_epoch", "count", alt.Tooltip("saving:Q", format=".1f")])
    paper = paper_value("pruning", "compute_saving", label="PWT paper (VGG-16 CIFAR-10)")
    rule = alt.Chart(pd.DataFrame({"saving": [paper]})).mark_rule(color="black", strokeDash=[2, 2]).encode(y="saving:Q")
    title = f"{network} {input_size}px, E={epochs}, n={every_n}, retrain {retrain_epochs} (dotted: paper)"
    return (lines + rule).properties(width=420, height=260, title=title), frame


SAVING_CURVE = View(
    name="pruning.saving_curve",
    theme="pruning",
    func=saving_curve_view,
    title="Training saving over target and N1 / E",
    knobs=tuple(SCHEDULE_COST.knob(name) for name in ("network", "input_size", "epochs", "every_n",
                                                         "retrain_epochs")),
    description="Claim P3 as a curve: the saving grows with the target and as pruning stops earlier (smaller N1 / E); "
                "counted layer by layer on the published network, no training.",
)

ACCURACY_VS_COMPUTE = View(
    name="pruning.accuracy_vs_compute",
    theme="pruning",
    func=accuracy_vs_compute,
    title="Accuracy against training compute",
    studies=(WHILE_TRAINING.name, PRUNE_RETRAIN.name),
    description="Every stored run of both methods: pruning while training and the train + prune + retrain "
                "baseline. It redraws when a Run on this page stores a new point.",
)

REMAINING_WIDTH = View(
    name="pruning.remaining_width",
    theme="pruning",
    func=remaining_width,
    title="Remaining width per layer",
    knobs=(replace(WHILE_TRAINING.knob("target_ratio"), default=0.8),),
    studies=(WHILE_TRAINING.name,),
    description="The final width of each prunable layer for the stored runs at the chosen target: global FRS "
                "ranking prunes the wide late layers hardest; per-layer ranking removes the same share everywhere.",
)
