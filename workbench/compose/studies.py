"""The composed study ``compose.pipeline``: knobs = the pipeline (stage choices) x every registered stage's knobs.

The study is built from the stage registry alone: a new theme that registers a stage adds its pipelines to the
``pipeline`` options and its knobs to the study without touching this package. A knob a pipeline does not use is
ignored by that point (its stages never read it).
"""

from __future__ import annotations

import inspect

from workbench.compose.pipeline import DATASETS, run_pipeline
from workbench.core import Choice, Int, Metric, Study
from workbench.core.stages import pipelines, stage_knobs
from workbench.threads import one_torch_thread

#: Knobs of the composition itself (the stages' knobs follow them).
BASE_KNOBS = (
    Choice("dataset", "digits", options=DATASETS, help="Bundled scikit-learn digits, 8x8, 1,257 training images."),
    Int("width", 8, low=4, high=32, step=4, label="width (first conv)",
        help="Channels of the first conv of the VGG [w, M, 2w, M, 4w] (doubling per stage)."),
    Int("seed", 0, low=0, high=1000, help="Seed of the split, the initial weights and every stage."),
)
METRICS = (
    Metric("accuracy", "%", "max", "Test accuracy of the network as the target hardware computes it.",
           "accuracy on hardware"),
    Metric("energy_nj", "nJ", "min", "Energy of one inference on the target.", "energy / inference"),
    Metric("latency_us", "us", "min", "Latency of one inference on the target.", "latency / inference"),
    Metric("area_mm2", "mm2", "min", "Area of the target chip (arrays and periphery, or the core).", "area"),
    Metric("network_accuracy", "%", "max", "Test accuracy of the same network as torch computes it.",
           "network accuracy"),
    Metric("hardware_loss", "pp", "min", "Network accuracy minus accuracy on hardware.", "hardware loss"),
    Metric("macs_k", "kMAC", "min", "MACs of one inference of the final network (measured with hooks).", "MACs"),
    Metric("params_k", "k", "min", "Weights of the final network.", "parameters"),
    Metric("weight_density", "", None, "MAC-weighted fraction of nonzero weights (measured).", label="weight density"),
    Metric("activation_density", "", None, "MAC-weighted fraction of nonzero layer inputs on data (measured).",
           label="activation density"),
)


def knobs() -> tuple:
    """``pipeline`` (every valid chain of registered stages), the base knobs, then every stage's knobs."""
    options = pipelines()
    default = next((p for p in options if p.count(">") == 2), options[0])
    pipeline = Choice("pipeline", default, options=options,
                      help="Algorithm stages then one hardware target, e.g. prune while training > ternarize > TiM.")
    return (pipeline, *BASE_KNOBS, *stage_knobs())


KNOBS = knobs()


def compose(**params) -> dict:
    """One composed point: the pipeline's stages on the network (:func:`workbench.compose.pipeline.run_pipeline`)."""
    pipeline, dataset, width, seed = (params.pop(k) for k in ("pipeline", "dataset", "width", "seed"))
    return run_pipeline(pipeline, params, dataset=dataset, width=width, seed=seed)


# The study's function takes exactly its knobs, which come from the registry: declare them as its signature.
compose.__signature__ = inspect.Signature(
    [inspect.Parameter(k.name, inspect.Parameter.KEYWORD_ONLY) for k in KNOBS])

COMPOSE = Study(
    name="compose.pipeline",
    theme="compose",
    func=compose,
    knobs=KNOBS,
    metrics=METRICS,
    version="5",
    cost="batch",
    context=one_torch_thread,
    description=(
        "One network from algorithm to hardware: a small VGG trained on the bundled digits while pruning, optionally "
        "fine-tuned on crossbars (TxSim) and ternarized, then evaluated on a target (TiM-DNN tiles, resistive "
        "crossbars with their non-idealities in the forward pass, the SparCE core on the network's real sparsity). "
        "Accuracy is the network's as that hardware "
        "computes it, next to energy, latency and area per inference; facts (MACs, densities, precision) are "
        "measured on the network after every stage."
    ),
)
