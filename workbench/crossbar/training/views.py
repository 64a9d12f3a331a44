"""Crossbar-aware training views over stored runs (TxSim, arXiv 2002.11151): accuracy against epochs per set of
non-ideal operations, degradation against tile size, wire resistance, nu and gamma, and step time against the
speed-up knobs. Registered on import (``views.py`` imports this)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from workbench.core import View
from workbench.crossbar.training.studies import OPS, SPEED, TRAINING
from workbench.viz.style import category_scale

SWEPT = ("tile_size", "r_wire_ohm", "nu", "gamma")


def _note(text: str):
    frame = pd.DataFrame({"note": [text]})
    return alt.Chart(frame).mark_text(fontSize=12).encode(text="note:N").properties(width=420, height=60), frame


def accuracy_curves(dataset: str, frames: dict[str, pd.DataFrame]):
    """Test accuracy per epoch of every stored ``crossbar.training`` run on ``dataset``: one thin line per run, and
    the median per epoch of each set of non-ideal operations (thick)."""
    stored = frames[TRAINING.name]
    if len(stored):
        stored = stored[stored["dataset"] == dataset]
    if stored.empty or "accuracy_per_epoch" not in stored:
        return _note(f"no stored crossbar.training runs on {dataset}: run a point in the Explorer above")
    rows = [{"run": i, "nonideal_ops": run["nonideal_ops"], "epoch": e + 1, "test_accuracy": acc}
            for i, run in stored.reset_index(drop=True).iterrows()
            for e, acc in enumerate(list(run["accuracy_per_epoch"]))]
    curves = pd.DataFrame(rows)
    color = alt.Color("nonideal_ops:N", title="non-ideal operations", scale=category_scale(OPS))
    thin = alt.Chart(curves).mark_line(opacity=0.2, strokeWidth=1).encode(
        x=alt.X("epoch:Q"), y=alt.Y("test_accuracy:Q", title="test accuracy (%)"), color=color, detail="run:N")
    median = curves.groupby(["nonideal_ops", "epoch"], as_index=False)["test_accuracy"].median()
    thick = alt.Chart(median).mark_line(point=True, strokeWidth=3).encode(
        x="epoch:Q", y="test_accuracy:Q", color=color,
        tooltip=["nonideal_ops", "epoch", alt.Tooltip("test_accuracy:Q", format=".1f")])
    title = f"{dataset}: accuracy while training on crossbars ({stored.shape[0]} stored runs; thick: median)"
    return (thin + thick).properties(width=420, height=260, title=title), curves


def degradation(frames: dict[str, pd.DataFrame]):
    """Accuracy degradation (ideal minus crossbar, points) of every stored ``crossbar.training`` run against tile
    size, wire resistance, nu and gamma, coloured by the set of non-ideal operations."""
    stored = frames[TRAINING.name]
    if stored.empty:
        return _note("no stored crossbar.training runs: run points in the Explorer above")
    plotted = stored[["dataset", "nonideal_ops", *SWEPT, "accuracy_drop"]].reset_index(drop=True)
    panels = []
    for knob in SWEPT:
        panels.append(alt.Chart(plotted).mark_point(filled=True, size=50).encode(
            x=alt.X(f"{knob}:Q", title=TRAINING.knob(knob).title, scale=alt.Scale(zero=False)),
            y=alt.Y("accuracy_drop:Q", title="degradation (points)"),
            color=alt.Color("nonideal_ops:N", title="non-ideal operations", scale=category_scale(OPS)),
            shape=alt.Shape("dataset:N"),
            tooltip=["nonideal_ops", "dataset", *SWEPT, alt.Tooltip("accuracy_drop:Q", format=".1f")],
        ).properties(width=200, height=180))
    chart = alt.vconcat(alt.hconcat(*panels[:2]), alt.hconcat(*panels[2:])).properties(
        title="Degradation of crossbar-aware training vs the ideal run (every stored point)")
    return chart, plotted


def step_time(frames: dict[str, pd.DataFrame]):
    """Wall time of one training step on crossbars for each stored ``crossbar.training_speed`` point (bars), with
    the plain-torch step (tick) and each speed-up's error against the full model in the tooltip."""
    stored = frames[SPEED.name]
    if stored.empty:
        return _note("no stored crossbar.training_speed points: run one in the Explorer above")
    plotted = stored[[*SPEED.knob_names, *SPEED.metric_names]].reset_index(drop=True)
    plotted["setting"] = [
        f"{r.circuit_model}, L={r.refresh_every}, {'batched' if r.batched else 'tile loop'}"
        f"{', pool' if r.random_pool else ''}, {r.tile_size}x{r.tile_size}, b={r.batch}"
        for r in plotted.itertuples()]
    errors = [m for m in SPEED.metric_names if m.startswith("error_")]
    bars = alt.Chart(plotted).mark_bar().encode(
        y=alt.Y("setting:N", sort="x", title=None), x=alt.X("step_ms:Q", title="time per training step (ms)"),
        color=alt.Color("circuit_model:N", title="read model"),
        tooltip=["setting", alt.Tooltip("step_ms:Q", format=".3g"), alt.Tooltip("torch_step_ms:Q", format=".3g"),
                 alt.Tooltip("slowdown:Q", format=".2f"), *[alt.Tooltip(f"{e}:Q", format=".3g") for e in errors]])
    ticks = alt.Chart(plotted).mark_tick(color="black", thickness=2).encode(y=alt.Y("setting:N", sort="x"),
                                                                           x="torch_step_ms:Q")
    return (bars + ticks).properties(width=380, height=alt.Step(22),
                                     title="Training step on crossbars vs the speed-up knobs (tick: plain torch)"), \
        plotted


TRAINING_CURVES = View(
    name="crossbar.training_curves",
    theme="crossbar",
    func=accuracy_curves,
    title="Accuracy against epochs, by non-ideal operations",
    knobs=(TRAINING.knob("dataset"),),
    studies=(TRAINING.name,),
    description="Test accuracy per epoch of every stored crossbar-aware training run: ideal, forward only, "
                "forward + backward, and all three operations (with the pulse-programmed update) non-ideal.",
)

TRAINING_DEGRADATION = View(
    name="crossbar.training_degradation",
    theme="crossbar",
    func=degradation,
    title="Training degradation against tile size, wire resistance, nu and gamma",
    studies=(TRAINING.name,),
    description="Ideal minus crossbar accuracy of every stored run against four of its knobs (the seed results are "
                "a Sobol sample over them, so each panel shows the spread the other knobs cause).",
)

STEP_TIME = View(
    name="crossbar.step_time",
    theme="crossbar",
    func=step_time,
    title="Training step time against the speed-up knobs",
    studies=(SPEED.name,),
    description="Wall time of one crossbar-aware training step (784 - hidden - 10 MLP) for each stored setting of "
                "the speed-up knobs, next to the plain-torch step, with each technique's error vs the full model.",
)
