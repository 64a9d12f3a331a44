"""Application-level SparCE figures of one configuration, from the trace model (what the studies and views call).

Time reduction = 1 - cycles with SparCE / cycles without (arXiv:1711.06315's metric), over the whole inference:
the GEMM and FC kernels SparCE accelerates and the non-GEMM glue (im2col, bias + ReLU, pooling) it does not.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from workbench.sparce.layers import calls_vgg
from workbench.sparce.network import calls_numpy, quantised_network
from workbench.sparce.ops import im2col_ref
from workbench.sparce.pipeline import PipelineConfig
from workbench.sparce.trace import TraceModel

GEMM_KERNELS = ("gemm", "gemm_blocked", "fc")
WORKLOADS = ("digits_cnn", "vgg_mnist")
COMPONENTS = ("compute_cycles", "control_cycles", "memory_cycles")


def check_sparsity(activations: str, sparsity: float) -> None:
    if activations not in ("network", "synthetic"):
        raise ValueError(f"activations={activations!r} is not allowed; allowed: 'network' or 'synthetic'")
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparsity={sparsity!r} is not allowed; allowed: 0 <= sparsity <= 1")


@dataclass(frozen=True)
class _Image:
    """One inference timed with and without SparCE: the cycle components, skipped and executed instructions (whole
    numbers) of its calls summed per ``(layer, "gemm" or "glue", "sparce" or "base")`` in call order, and the zeros
    its GEMM/FC operands hold (see :func:`evaluate`)."""

    parts: dict[tuple[str, str, str], dict[str, int]]
    zeros: int
    total: int
    relu_zeros: int
    relu_total: int
    padding: int


@functools.lru_cache(maxsize=1024)
def _image(variant: str, sasa_size: int, sasa_assoc: int, config: PipelineConfig, synthetic: float | None,
           seed: int, gemm: str, workload: str, input_size: int, index: int) -> _Image:
    """Test image ``index`` (activations from ``seed`` when ``synthetic``) through both cores; cached, since a sweep
    curve or a knob change recomputes the same images (the sums are shared: read them only)."""
    if workload == "digits_cnn":
        net = quantised_network(size=input_size)
        calls = calls_numpy(net, net.test_x[index % len(net.test_x)], synthetic, seed=seed, gemm=gemm)
    else:
        calls = calls_vgg(index, synthetic, seed=seed, gemm=gemm)
    plain = [(f, inputs) for _, f, inputs, _ in calls]
    parts: dict[tuple[str, str, str], dict[str, int]] = {}
    for kind, model in zip(("sparce", "base"), _trace_models(variant, sasa_size, sasa_assoc, config)):
        for (layer, function, _, _), row in zip(calls, model.run(plain, per_call=True)):
            part = "gemm" if function in GEMM_KERNELS else "glue"
            acc = parts.setdefault((layer, part, kind), dict.fromkeys(list(COMPONENTS) + ["cycles", "skipped",
                                                                                         "instructions"], 0))
            for k in acc:
                acc[k] += row[k]
    zeros = total = relu_zeros = relu_total = padding = 0
    for _, function, inputs, _ in calls:
        if function in GEMM_KERNELS:
            data = inputs["x"] if function == "fc" else inputs["X"]
            zeros += int((data == 0).sum())
            total += data.size
        if function in ("im2col", "fc"):   # a layer's input activations, before any padding
            x = inputs["x"]
            relu_zeros += int((x == 0).sum())
            relu_total += x.size
        if function == "im2col":           # operands that are padding: im2col of an all-ones map
            cols = im2col_ref(np.ones((1, *x.shape[1:]), np.int32), inputs["k"], inputs["pad"])
            padding += int((cols == 0).sum()) * x.shape[0]
    return _Image(parts, zeros, total, relu_zeros, relu_total, padding)


@functools.lru_cache(maxsize=64)
def _trace_models(variant: str, sasa_size: int, sasa_assoc: int, config: PipelineConfig) -> tuple[TraceModel, ...]:
    """The core with SparCE and the baseline core of this configuration (a run keeps no state between calls)."""
    return (TraceModel(variant, sparce=True, sasa_size=sasa_size, sasa_assoc=sasa_assoc, config=config),
            TraceModel(variant, sparce=False, config=config))


def evaluate(variant: str = "scalar", activations: str = "network", sparsity: float = 0.5, images: int = 4,
             sasa_size: int = 64, sasa_assoc: int = 4, config: PipelineConfig | None = None,
             seed: int = 0, input_size: int = 8, gemm: str = "gemm", workload: str = "digits_cnn") -> dict:
    """Cycles with and without SparCE for ``images`` test images of a trained network: ``workload`` is
    ``"digits_cnn"`` (the small digits CNN at ``input_size``) or ``"vgg_mnist"`` (the VGG-like layers of
    :mod:`workbench.sparce.layers`, 64-128 output channels; ``input_size`` does not apply).

    ``activations="network"`` uses the network's own ReLU zeros; ``"synthetic"`` replaces every layer's input
    (after conv1) by random values with a fraction ``sparsity`` of zeros. ``gemm`` is the convolution's GEMM
    kernel (:data:`~workbench.sparce.network.GEMMS`).

    Zeros are reported two ways: ``activation_sparsity`` counts every zero the GEMM/FC kernels multiply, im2col's
    zero padding included; ``relu_zero_density`` counts only the zeros of the layers' input activations (the
    ReLU's, or the synthetic knob's) and ``padding_zero_share`` the fraction of GEMM operands that are padding.
    """
    check_sparsity(activations, sparsity)
    if images < 1:
        raise ValueError(f"images={images} is not allowed; allowed: >= 1")
    config = config or PipelineConfig()
    if workload not in WORKLOADS:
        raise ValueError(f"workload={workload!r} is not allowed; allowed: one of {WORKLOADS}")
    layers: dict = {}
    zeros = total = relu_zeros = relu_total = padding = 0
    synthetic = sparsity if activations == "synthetic" else None
    for i in range(images):
        image = _image(variant, sasa_size, sasa_assoc, config, synthetic, seed + i, gemm, workload, input_size, i)
        for key, sums in image.parts.items():  # whole numbers: the order of the additions does not matter
            acc = layers.setdefault(key, dict.fromkeys(sums, 0))
            for k in acc:
                acc[k] += sums[k]
        zeros += image.zeros
        total += image.total
        relu_zeros += image.relu_zeros
        relu_total += image.relu_total
        padding += image.padding
    def cycles(kind, part=None):
        return sum(v["cycles"] for (layer, p, k), v in layers.items() if k == kind and (part is None or p == part))
    base, sparce = cycles("base"), cycles("sparce")
    base_gemm, sparce_gemm = cycles("base", "gemm"), cycles("sparce", "gemm")
    skipped = sum(v["skipped"] for (_, _, k), v in layers.items() if k == "sparce")
    instructions = sum(v["instructions"] for (_, _, k), v in layers.items() if k == "base")
    rows = [{"layer": layer, "part": part, "core": kind, **v} for (layer, part, kind), v in layers.items()]
    return {
        "time_reduction": 100.0 * (1 - sparce / base),
        "gemm_time_reduction": 100.0 * (1 - sparce_gemm / base_gemm),
        "skipped_fraction": skipped / instructions,
        "activation_sparsity": zeros / total,
        "relu_zero_density": relu_zeros / relu_total,
        "padding_zero_share": padding / total,
        "non_gemm_share": 1 - base_gemm / base,
        "cycles_base": base / images,
        "cycles_sparce": sparce / images,
        "memory_share": sum(v["memory_cycles"] for (_, _, k), v in layers.items() if k == "base") / base,
        "layers": rows,
    }

