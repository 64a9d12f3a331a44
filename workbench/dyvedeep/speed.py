"""Wall-clock time of the conv layers: torch's own convolution, the compiled static kernel and the compiled
dynamic-effort kernel, measured side by side on one thread in one run (:mod:`workbench.dyvedeep.kernels`).

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
