"""The composed study ``compose.pipeline``: knobs = the pipeline (stage choices) x every registered stage's knobs.

The study is built from the stage registry alone (:func:`~workbench.core.stages.pipeline_study`): a new theme that
registers a stage adds its pipelines to the ``pipeline`` options and its knobs, under their composed names
(``crossbar.arrays.program_sigma``), to the study without touching this package. A knob a pipeline does not use
takes its default in that point: its stages never read it, so it does not split stored points.
"""

from __future__ import annotations

from workbench.compose.pipeline import DATASETS, run_pipeline
from workbench.core import Choice, Int, Metric
from workbench.core.stages import pipeline_study
from workbench.core.vocabulary import canonical_metric, seed_knob
from workbench.threads import one_torch_thread

#: Knobs of the composition itself (the stages' knobs follow them).
BASE_KNOBS = (
    Choice("dataset", "digits", options=DATASETS, help="Bundled scikit-learn digits, 8x8, 1,257 training images."),
    Int("width", 8, low=4, high=32, step=4, label="width (first conv)",
        help="Channels of the first conv of the VGG [w, M, 2w, M, 4w] (doubling per stage)."),
    seed_knob(help="Seed of the split, the initial weights and every stage."),
)
METRICS = (
    canonical_metric("accuracy", "Test accuracy of the network as the target hardware computes it.",
                     "accuracy on hardware"),
    canonical_metric("energy_per_inference_nj", "Energy of one inference on the target."),
    canonical_metric("latency_per_inference_us", "Latency of one inference on the target."),
    canonical_metric("area_mm2", "Area of the target chip (arrays and periphery, or the core)."),
    canonical_metric("accuracy_float", "Test accuracy of the same network as torch computes it (after the "
                     "algorithm stages, in floating point).", "network accuracy"),
    canonical_metric("accuracy_drop", "Network accuracy minus accuracy on hardware (the hardware's own loss).",
                     "hardware loss"),
    Metric("macs_k", "kMAC", "min", "MACs of one inference of the final network (measured with hooks).", "MACs"),
    Metric("params_k", "k", "min", "Weights of the final network.", "parameters"),
    Metric("weight_density", "", None, "MAC-weighted fraction of nonzero weights (measured).", label="weight density"),
    Metric("activation_density", "", None, "MAC-weighted fraction of nonzero layer inputs on data (measured).",
           label="activation density"),
)


def compose(pipeline: str, dataset: str, width: int, seed: int, stages: dict) -> dict:
    """One composed point: the pipeline's stages on the network (:func:`workbench.compose.pipeline.run_pipeline`);
    ``stages`` holds the stage knobs' values by their composed names."""
    return run_pipeline(pipeline, stages, dataset=dataset, width=width, seed=seed)


COMPOSE = pipeline_study(
    name="compose.pipeline",
    theme="compose",
    func=compose,
    knobs=BASE_KNOBS,
    pipeline_help="Algorithm stages then one hardware target, e.g. prune while training > ternarize > TiM.",
    metrics=METRICS,
    version="7",
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
