"""Wall-clock time of the conv layers: torch's own convolution, the compiled static kernel and the compiled
dynamic-effort kernel, measured side by side on one thread in one run (:mod:`workbench.dyvedeep.kernels`).

:func:`measure_images` times the method: per-image (batch 1) latency of the channel-vectorised kernel
(:class:`~workbench.dyvedeep.kernels.ChannelPlan`, each neuron's decisions its own) against torch's convolution on
one image and against the same kernel with every mechanism off (the static kernel of the same loop structure).
:func:`measure` times the batch kernels, whose SIMD lanes are images: a skip there needs a whole block of images to
agree, so it measures the kernel's granularity more than the method.

Each layer is timed on its own input (the static network's activations for torch and the static kernel, the dynamic
network's for the dynamic kernel), the layout change to images-innermost outside the timed region (both kernels get
the same layout; torch gets NCHW). Every time is the minimum over ``repeats`` interleaved runs (the machine is
shared, the minimum is the least disturbed run).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from workbench.core.timing import best_time
from workbench.dyvedeep import kernels
from workbench.dyvedeep.effort import Effort
from workbench.dyvedeep.engine import DynamicNet, _maxpool
from workbench.nn import torch_threads


@dataclass(frozen=True)
class LayerTiming:
    layer: str
    torch_ms: float
    static_ms: float
    dynamic_ms: float


@dataclass(frozen=True)
class Timing:
    """Per-layer times (ms for the whole batch) and the batch size."""

    layers: list[LayerTiming]
    images: int

    def total(self, which: str) -> float:
        return sum(getattr(t, f"{which}_ms") for t in self.layers)

    @property
    def speedup(self) -> float:
        """Static kernel time / dynamic kernel time over all conv layers (x)."""
        return self.total("static") / self.total("dynamic")

    @property
    def static_vs_torch(self) -> float:
        """Static kernel time / torch time (x; 1 = as fast as torch)."""
        return self.total("static") / self.total("torch")

    def rows(self) -> list[dict]:
        return [{"layer": t.layer, "torch_ms": t.torch_ms, "static_ms": t.static_ms, "dynamic_ms": t.dynamic_ms,
                 "static_vs_torch": t.static_ms / t.torch_ms, "speedup": t.static_ms / t.dynamic_ms}
                for t in self.layers]


@dataclass(frozen=True)
class ImageTiming:
    """Per-image time of each conv layer three ways (``*_ms`` fields: ms per image, mean over the images) and the
    group size of the kernel; :meth:`total` in us per image."""

    layers: list[LayerTiming]
    images: int
    group: int

    def total(self, which: str) -> float:
        return sum(getattr(t, f"{which}_ms") for t in self.layers) * 1e3

    @property
    def vs_torch(self) -> float:
        """torch's per-image time / the dynamic kernel's (x; > 1: the method beats the library convolution)."""
        return self.total("torch") / self.total("dynamic")

    @property
    def vs_static(self) -> float:
        """Static per-image kernel time / dynamic (x): the decisions' own saving on the same loop structure."""
        return self.total("static") / self.total("dynamic")

    def rows(self) -> list[dict]:
        return [{"layer": t.layer, "torch_us": t.torch_ms * 1e3, "static_us": t.static_ms * 1e3,
                 "dynamic_us": t.dynamic_ms * 1e3, "vs_torch": t.torch_ms / t.dynamic_ms,
                 "vs_static": t.static_ms / t.dynamic_ms} for t in self.layers]


def measure_images(net: DynamicNet, images: np.ndarray, effort: Effort, *, repeats: int = 5,
                   group: int = kernels.VEC) -> ImageTiming:
    """Per-image latency of every conv layer of ``net`` (a shared-order network,
    :meth:`~workbench.dyvedeep.engine.DynamicNet.with_shared_order` with this ``group``): torch
    ``conv2d`` (+ ReLU) on one image, the per-image kernel with every mechanism off (static) and with ``effort``
    (dynamic); one thread, interleaved, the minimum over ``repeats`` passes over all images.

    Each pass runs the layer on every image in turn (batch 1); the inputs are prepared outside the timed region
    (torch: one [1, C, H, W] tensor per image; the kernels: each image zero-padded and flattened, the layout a
    previous kernel would write). As in :func:`measure`, torch and the static kernel see the static network's
    activations, the dynamic kernel its own."""
    if repeats < 1:
        raise ValueError(f"repeats={repeats} is not allowed; allowed: >= 1")
    net.check_effort(effort)
    x_static = np.ascontiguousarray(images, dtype=np.float32)
    x_dyn = x_static
    n = len(images)
    rows = []
    with torch_threads(1), torch.no_grad():
        for layer in net.convs:
            static_plan = kernels.ChannelPlan(layer, Effort().for_layer(layer.name), net, group)
            plan = kernels.ChannelPlan(layer, effort.for_layer(layer.name), net, group)
            wt, bt = torch.from_numpy(layer.weight), torch.from_numpy(layer.bias)
            singles = [torch.from_numpy(x_static[i:i + 1]) for i in range(n)]
            padded_s = [kernels.pad(x_static[i:i + 1]).reshape(-1) for i in range(n)]
            padded_d = [kernels.pad(x_dyn[i:i + 1]).reshape(-1) for i in range(n)]
            out_s = np.empty((n, layer.out_channels, static_plan.h * static_plan.w), np.float32)
            out_d = np.empty_like(out_s)
            counts = np.zeros(len(kernels.COUNTERS), np.int64)

            def run_torch(singles=singles, wt=wt, bt=bt, relu=layer.relu):
                for xt in singles:
                    y = F.conv2d(xt, wt, bt, padding=1)
                    if relu:
                        torch.relu_(y)

            def run_static(plan=static_plan, padded=padded_s, out=out_s, counts=counts):
                for i, xp in enumerate(padded):
                    plan.run(xp, out[i], counts)

            def run_dynamic(plan=plan, padded=padded_d, out=out_d, counts=counts):
                for i, xp in enumerate(padded):
                    plan.run(xp, out[i], counts)

            run_torch(), run_static(), run_dynamic()  # compile and warm up
            times = {"torch": [], "static": [], "dynamic": []}
            for _ in range(repeats):
                for which, fn in (("torch", run_torch), ("static", run_static), ("dynamic", run_dynamic)):
                    times[which].append(1e3 * best_time(fn, warmup=False) / n)
            rows.append(LayerTiming(layer.name, min(times["torch"]), min(times["static"]), min(times["dynamic"])))
            static = out_s.reshape(n, layer.out_channels, static_plan.h, static_plan.w)
            dynamic = out_d.reshape(static.shape)
            x_static = _maxpool(static) if layer.pool else static
            x_dyn = _maxpool(dynamic) if layer.pool else dynamic
    return ImageTiming(rows, n, group)


def measure(net: DynamicNet, images: np.ndarray, effort: Effort, *, repeats: int = 5) -> Timing:
    """Time every conv layer of ``net`` on ``images`` [N, C, H, W] three ways (see the module docstring)."""
    if repeats < 1:
        raise ValueError(f"repeats={repeats} is not allowed; allowed: >= 1")
    net.check_effort(effort)
    x_static = np.ascontiguousarray(images, dtype=np.float32)
    x_dyn = x_static
    rows = []
    with torch_threads(1):
        for layer in net.convs:
            prep = kernels.Prepared(layer)
            le = effort.for_layer(layer.name)
            xq_s, xq_d = kernels.pad(x_static), kernels.pad(x_dyn)
            xt = torch.from_numpy(x_static)
            wt, bt = torch.from_numpy(layer.weight), torch.from_numpy(layer.bias)

            def run_torch(xt=xt, wt=wt, bt=bt, relu=layer.relu):
                with torch.no_grad():
                    y = F.conv2d(xt, wt, bt, padding=1)
                    return torch.relu(y) if relu else y

            static = kernels.conv_static(prep, xq_s)  # compiles on first use
            dynamic, _ = kernels.conv_dynamic(prep, xq_d, le, net)
            run_torch()
            times = {"torch": [], "static": [], "dynamic": []}
            for _ in range(repeats):
                times["torch"].append(1e3 * best_time(run_torch, warmup=False))
                times["static"].append(1e3 * best_time(lambda prep=prep, xq=xq_s: kernels.conv_static(prep, xq),
                                                       warmup=False))
                times["dynamic"].append(1e3 * best_time(
                    lambda prep=prep, xq=xq_d, le=le: kernels.conv_dynamic(prep, xq, le, net), warmup=False))
            rows.append(LayerTiming(layer.name, min(times["torch"]), min(times["static"]), min(times["dynamic"])))
            x_static = _maxpool(static) if layer.pool else static
            x_dyn = _maxpool(dynamic) if layer.pool else dynamic
    return Timing(rows, len(images))
