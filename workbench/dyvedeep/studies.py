"""DyVEDeep studies on the cached digits VGG (:func:`workbench.dyvedeep.network.trained_network`).

* ``dyvedeep.effort`` (batch): one global threshold setting evaluated on the whole test split (450 images): accuracy
  against the static network and scalar operations with every check counted. One point takes about a second (more
  on a busy machine), over the 100 ms an Explorer may spend live, so it is a batch study with seed results.
* ``dyvedeep.ops`` (interactive): the same setting on the first ``images`` test images: the operation breakdown and
  how many predictions agree with the static network; answers in tens of milliseconds for 16 images.

Per-layer thresholds are a Python-API feature (:class:`workbench.dyvedeep.effort.Effort` ``layers=``) used by the
tuner; the studies expose the global knobs.
"""

from __future__ import annotations

from workbench.core import Float, Int, Metric, Study
from workbench.core.vocabulary import canonical_metric, seed_knob
from workbench.dyvedeep.effort import Effort
from workbench.threads import one_torch_thread

_THRESHOLD_KNOBS = (
    Float("spet_fraction", 1.0, low=0.05, high=1.0, step=0.05, label="f (first check)",
          help="Saturation prediction: first check after this fraction of a neuron's terms (1 = off, exact)."),
    Float("spet_threshold", 0.5, low=0.0, high=4.0, step=0.05, unit="std", label="T (saturation)",
          help="A neuron stops with output 0 when its partial sum is below -T x std(pre-activation of the layer)."),
    Int("spet_chunk", 32, low=1, high=512, label="chunk (terms)",
        help="Terms between two further saturation checks after the first."),
    Float("sig_threshold", 0.0, low=0.0, high=2.0, step=0.05, unit="std", label="T_sig",
          help="Selective sampling: interpolate a position whose grid neighbours are all below T_sig x std(activation)"
               " (0 = off)."),
    Float("sim_threshold", 0.0, low=0.0, high=2.0, step=0.05, unit="std", label="T_sim",
          help="Selective sampling: interpolate when the neighbours' max - min is below T_sim x std(activation) "
               "(0 = off)."),
    Float("var_threshold", 0.0, low=0.0, high=4.0, step=0.05, unit="x mean var", label="T_var",
          help="Replace an input channel with variance below T_var x the layer's mean channel variance by its mean "
               "(0 = off)."),
)
_SEED = seed_knob(help="Seed of the data split and the network's training.")

_OPS_METRICS = (
    Metric("ops_reduction", "x", "max", "Static / dynamic scalar operations per image, checks included.",
           "ops reduction"),
    Metric("dynamic_mops", "Mops", "min", "Scalar operations per image with dynamic effort (checks included).",
           "dynamic ops"),
    Metric("static_mops", "Mops", None, "Scalar operations per image of the static network.", "static ops"),
    Metric("overhead_fraction", "", "min", "Share of the dynamic operations spent on checks and interpolation.",
           label="check overhead share"),
    Metric("terminated_fraction", "", None, "Computed conv neurons that stopped early (saturation predicted).",
           label="terminated share"),
    Metric("interpolated_fraction", "", None, "Conv neurons interpolated instead of computed.",
           label="interpolated share"),
    Metric("approximated_fraction", "", None, "Conv input channels replaced by their mean.",
           label="approximated share"),
)


def _effort(spet_fraction, spet_threshold, spet_chunk, sig_threshold, sim_threshold, var_threshold) -> Effort:
    return Effort(spet_fraction=spet_fraction, spet_threshold=spet_threshold, spet_chunk=spet_chunk,
                  sig_threshold=sig_threshold, sim_threshold=sim_threshold, var_threshold=var_threshold)


def _ops_metrics(result) -> dict:
    layers = result.layers
    neurons = sum(s.neurons for s in layers)
    overhead = sum(s.overhead_ops for s in layers) / result.images
    return {
        "ops_reduction": result.ops_reduction,
        "dynamic_mops": result.dynamic_ops / 1e6,
        "static_mops": result.static_ops / 1e6,
        "overhead_fraction": overhead / result.dynamic_ops,
        "terminated_fraction": sum(s.terminated for s in layers) / neurons,
        "interpolated_fraction": sum(s.interpolated for s in layers) / neurons,
        "approximated_fraction": sum(s.approximated_channels for s in layers) / sum(s.input_channels for s in layers),
        "layers": result.table(),
    }


def evaluate_effort(spet_fraction: float, spet_threshold: float, spet_chunk: int, sig_threshold: float,
                    sim_threshold: float, var_threshold: float, seed: int) -> dict:
    """Accuracy and scalar operations of one global setting on the whole test split."""
    from workbench.dyvedeep.network import trained_network

    trained = trained_network(seed)
    effort = _effort(spet_fraction, spet_threshold, spet_chunk, sig_threshold, sim_threshold, var_threshold)
    result = trained.net.run(trained.x_test, effort)
    static = float((trained.net.static_forward(trained.x_test).argmax(1) == trained.y_test).mean())
    accuracy = result.accuracy(trained.y_test)
    return {"accuracy": 100 * accuracy, "accuracy_float": 100 * static, "accuracy_drop": 100 * (static - accuracy),
            **_ops_metrics(result)}


EFFORT = Study(
    name="dyvedeep.effort",
    theme="dyvedeep",
    func=evaluate_effort,
    knobs=(*_THRESHOLD_KNOBS, _SEED),
    metrics=(
        canonical_metric("accuracy", "Test accuracy with dynamic effort (450 digits test images)."),
        canonical_metric("accuracy_drop", "Static minus dynamic test accuracy (one image = 0.22 pp).",
                         "accuracy loss"),
        canonical_metric("accuracy_float", "Test accuracy of the static network.", "static accuracy"),
        *_OPS_METRICS,
    ),
    version="3",  # 2: the network's initial weights come from its seed (they came from the process's RNG state)
    cost="batch",
    context=one_torch_thread,
    description=(
        "DyVEDeep (arXiv:1704.01137) dynamic effort on a trained VGG (3 conv layers, digits 16x16): saturation "
        "prediction and early termination per neuron, significance-driven selective sampling per feature map, "
        "low-variance input channels replaced by their mean per layer. Scalar operations count every check, "
        "comparison and interpolation against the static network's count; accuracy is on the whole test split."
    ),
    reference=True,
)


def evaluate_ops(spet_fraction: float, spet_threshold: float, spet_chunk: int, sig_threshold: float,
                 sim_threshold: float, var_threshold: float, images: int, seed: int) -> dict:
    """Operation breakdown of one global setting on the first ``images`` test images (fast)."""
    from workbench.dyvedeep.network import trained_network

    trained = trained_network(seed)
    x, y = trained.test_subset(images)
    effort = _effort(spet_fraction, spet_threshold, spet_chunk, sig_threshold, sim_threshold, var_threshold)
    result = trained.net.run(x, effort)
    agree = float((result.logits.argmax(1) == trained.static_predictions(images)).mean())
    return {"agreement": 100 * agree, "accuracy": 100 * result.accuracy(y), **_ops_metrics(result)}


OPS = Study(
    name="dyvedeep.ops",
    theme="dyvedeep",
    func=evaluate_ops,
    knobs=(*_THRESHOLD_KNOBS,
           Int("images", 16, low=1, high=450, help="Test images evaluated (the first ones of the split)."), _SEED),
    metrics=(
        Metric("agreement", "%", "max", "Images whose prediction equals the static network's (a live proxy for "
                                        "accuracy; dyvedeep.effort measures accuracy on the whole test split).",
                                        label="agreement with static"),
        Metric("accuracy", "%", "max", "Accuracy on the evaluated images (coarse: one image of 16 is 6 points).",
               label="accuracy"),
        *_OPS_METRICS,
    ),
    version="1",
    cost="interactive",
    description=(
        "The dynamic-effort operation count on a few test images, live: where the work goes (multiply-adds, "
        "saturation checks, sampling checks, interpolation, variance tests) and how often each mechanism fires. "
        "Accuracy over the whole test split is the batch study dyvedeep.effort."
    ),
)
