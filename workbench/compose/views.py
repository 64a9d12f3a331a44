"""Views of the composed study: the cross-stack Pareto chart and the per-stage waterfall.

Both read the stored points of ``compose.pipeline``; stage names and labels come from the stage registry.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from workbench.compose.studies import COMPOSE
from workbench.core import Choice, View
from workbench.core.stages import ARROW, composed_knobs, composed_names, get_stage, parse_pipeline
from workbench.viz import style
from workbench.viz.charts import tradeoff

COSTS = ("energy_per_inference_nj", "latency_per_inference_us", "area_mm2")


def _note(text: str):
    frame = pd.DataFrame({"note": [text]})
    return alt.Chart(frame).mark_text(fontSize=12).encode(text="note:N").properties(width=360, height=60), frame


def label(pipeline: str) -> str:
    """Short human label of a pipeline from its stages' labels, e.g. ``"prune while training > TiM-DNN"``."""
    return " > ".join(get_stage(n).title for n in parse_pipeline(pipeline))


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["target"] = [get_stage(parse_pipeline(p)[-1]).title for p in frame["pipeline"]]
    # the algorithm stages by their short names ("prune > ternary"): stage titles joined were cut off in legends
    frame["algorithms"] = [" > ".join(style.SHORT_LABELS.get(n, get_stage(n).title) for n in parse_pipeline(p)[:-1])
                           or "none" for p in frame["pipeline"]]
    return frame


def pareto(cost: str, frames: dict[str, pd.DataFrame]):
    """Accuracy on hardware against ``cost`` for every stored combination, colour = target, shape = algorithm
    stages, with the Pareto front across all themes."""
    stored = frames[COMPOSE.name]
    if stored.empty:
        return _note("no stored points yet: run `workbench sweep compose.pipeline --grid ...`")
    data = _labelled(stored.dropna(subset=["accuracy", cost]))
    columns = [c for c in COMPOSE.knob_names + COMPOSE.metric_names if c in data.columns]
    plotted = data[columns + ["target", "algorithms"]].reset_index(drop=True)
    chart = tradeoff(plotted, COMPOSE, x=cost, y="accuracy", color="target", shape="algorithms", log_x=True)
    return chart.properties(width=460, height=300, title=f"Accuracy on hardware vs {COMPOSE.metric(cost).title}"), \
        plotted


def _match(frame: pd.DataFrame, pipeline: str, values: dict) -> pd.DataFrame:
    rows = frame[frame["pipeline"] == pipeline]
    for name, value in values.items():
        if name in rows.columns:
            column = rows[name]
            rows = rows[np.isclose(column.astype(float), float(value))] if isinstance(value, float) else \
                rows[column == value]
    return rows


def steps(frame: pd.DataFrame, pipeline: str, values: dict) -> list[tuple[str, pd.Series]]:
    """The stored rows of the waterfall of ``pipeline``: every algorithm stage off (an optional stage left out, a
    mandatory one at its ``neutral`` knobs), then switched on one after another. A missing row (not computed, or a
    combination the target cannot run) is left out and its change folds into the next step. Every step uses the
    target settings of the first stored point of the full pipeline. Knob values are keyed by composed names."""
    *algorithms, target = parse_pipeline(pipeline)
    final = _match(frame, pipeline, values)
    if len(final):  # every step on the same target settings (tile size, ...) as the first stored final point
        values = {**values, **{k: final.iloc[0][k] for k in composed_names(get_stage(target)).values()
                               if k in final.columns}}
    found = []
    for k in range(len(algorithms) + 1):
        chain, knobs = [], dict(values)
        for i, name in enumerate(algorithms):
            stage = get_stage(name)
            if i < k:
                chain.append(name)
            elif stage.neutral is not None:
                chain.append(name)
                names = composed_names(stage)
                knobs.update({names[k]: v for k, v in stage.neutral.items()})
        rows = _match(frame, ARROW.join([*chain, target]), knobs)
        if len(rows):
            found.append(("+ " + get_stage(algorithms[k - 1]).title if k else "baseline", rows.iloc[0]))
    return found


def waterfall(pipeline: str, frames: dict[str, pd.DataFrame], **values):
    """Where accuracy and energy went, stage by stage, for one pipeline (algorithm knobs from ``values``, by their
    composed names)."""
    stored = frames[COMPOSE.name]
    chain = steps(stored, pipeline, values) if len(stored) else []
    if not chain:
        return _note(f"no stored points of {label(pipeline)} at these settings: run them in the Explorer")
    rows = []
    for panel, key in (("accuracy (%)", "accuracy_float"), ("energy / inference (nJ)", "energy_per_inference_nj")):
        level = None
        for name, row in chain:
            value = float(row[key])
            rows.append({"panel": panel, "step": name, "start": 0.0 if level is None else level, "end": value})
            level = value
        if key == "accuracy_float":  # the hardware's own share: network -> as the target computes it
            last = chain[-1][1]
            rows.append({"panel": panel, "step": f"on {get_stage(parse_pipeline(pipeline)[-1]).title}",
                         "start": level, "end": float(last["accuracy"])})
    data = pd.DataFrame(rows)
    data["change"] = data["end"] - data["start"]
    sign = np.where(data["panel"].str.startswith("accuracy"), 1.0, -1.0)  # more accuracy, less energy is better
    data["effect"] = np.where(data["start"] == 0, "level", np.where(sign * data["change"] >= 0, "better", "worse"))
    order = list(dict.fromkeys(data["step"]))
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("step:N", sort=order, title=None), y=alt.Y("start:Q", title=None), y2="end:Q",
        color=alt.Color("effect:N", scale=alt.Scale(domain=["level", "better", "worse"],
                                                       range=["#4c78a8", "#54a24b", "#e45756"]), legend=None),
        tooltip=["step", alt.Tooltip("start:Q", format=".3g"), alt.Tooltip("end:Q", format=".3g"),
                 alt.Tooltip("change:Q", format="+.3g")])
    chart = bars.properties(width=260, height=220).facet(
        column=alt.Column("panel:N", title=None, sort=list(dict.fromkeys(data["panel"])))).resolve_scale(
        y="independent", x="independent")
    return chart.properties(title=f"Per-stage waterfall: {label(pipeline)}"), data


def _algorithm_knobs() -> tuple:
    algorithm = {name for s in map(get_stage, {n for p in COMPOSE.knob("pipeline").options
                                               for n in parse_pipeline(p)[:-1]}) for name in composed_names(s).values()}
    return tuple(k for k in composed_knobs() if k.name in algorithm)


_ALGORITHM_KNOBS = _algorithm_knobs()


def _waterfall(pipeline: str, stages: dict, frames: dict):
    return waterfall(pipeline, frames, **stages)


def _default_pipeline() -> str:
    """The longest pipeline whose baseline (optional stages left out, mandatory ones neutral) is also a pipeline."""
    options = COMPOSE.knob("pipeline").options

    def baseline(p: str) -> str:
        *algorithms, target = parse_pipeline(p)
        return ARROW.join([n for n in algorithms if get_stage(n).neutral is not None] + [target])

    return max(options, key=lambda p: (baseline(p) in options, len(parse_pipeline(p)), -options.index(p)))

PARETO = View(
    name="compose.pareto",
    theme="compose",
    func=pareto,
    title="Cross-stack Pareto front: accuracy on hardware against cost",
    knobs=(Choice("cost", "energy_per_inference_nj", options=COSTS,
                  help="Cost on the x axis (per inference; area per chip)."),),
    studies=(COMPOSE.name,),
    description="Every stored combination of algorithm stages and hardware target: accuracy as the hardware "
                "computes it against energy, latency or area, with the non-dominated front across themes.",
)

WATERFALL = View(
    name="compose.waterfall",
    theme="compose",
    func=_waterfall,
    title="Per-stage waterfall: where accuracy and energy went",
    knobs=(Choice("pipeline", _default_pipeline(), options=COMPOSE.knob("pipeline").options,
                  help="The pipeline whose stages are switched on one after another."),
           *_ALGORITHM_KNOBS),
    stage_knobs=tuple(k.name for k in _ALGORITHM_KNOBS),
    studies=(COMPOSE.name,),
    description="From the baseline (every algorithm stage off, or at its neutral setting) each stage switched on in "
                "turn: the change of the network's accuracy and of the energy per inference on the target, then the "
                "accuracy the hardware itself costs. Steps come from stored points.",
)
