"""Counting multiply-accumulates (MACs) and memory accesses of one forward pass.

The total comes from ``torch.utils.flop_counter.FlopCounterMode`` (which counts 2 FLOPs per MAC for convolutions and
matrix products, so every such operation of the forward pass is included); the per-layer MACs and memory accesses
from one trace of every convolution and linear layer (:func:`workbench.nn.trace.trace_layers`), memory counted in
elements as input reads + weight (and bias) reads + output writes, each once per layer (no reuse across layers, no
cache model: the usual first-order accounting of Sze et al., "Efficient processing of deep neural networks", 2017).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from workbench.nn.trace import trace_layers


@dataclass(frozen=True)
class LayerCount:
    """MACs and memory traffic of one conv or linear layer for a batch of one.

    Parameters
    ----------
    name : str
        Module name in ``model.named_modules()``.
    kind : str
        ``"conv"`` or ``"linear"``.
    macs : int
        Multiply-accumulates.
    input_reads, weight_reads, output_writes : int
        Elements read from the input activation, read from the parameters, written to the output.
    """

    name: str
    kind: str
    macs: int
    input_reads: int
    weight_reads: int
    output_writes: int

    @property
    def memory_accesses(self) -> int:
        """Input reads + weight reads + output writes (elements)."""
        return self.input_reads + self.weight_reads + self.output_writes


@dataclass(frozen=True)
class ModelCount:
    """Counts for a whole model and one input sample.

    Parameters
    ----------
    macs : int
        Total MACs of the forward pass (every op FlopCounterMode knows, FLOPs / 2).
    layers : dict of str to LayerCount
        Per conv / linear layer, in forward order.
    params : int
        Number of trainable parameters.
    """

    macs: int
    layers: dict[str, LayerCount]
    params: int

    @property
    def memory_accesses(self) -> int:
        """Sum of the layers' memory accesses (elements)."""
        return sum(layer.memory_accesses for layer in self.layers.values())


def count_macs(model: nn.Module, input_shape: Sequence[int]) -> ModelCount:
    """Count one forward pass of ``model`` on one sample of shape ``input_shape`` (C, H, W) or (features,).

    The model runs in eval mode on a zero input on its own device (batch norm statistics are not touched) and is
    put back in its previous mode (:func:`~workbench.nn.trace.trace_layers`).
    """
    with FlopCounterMode(display=False) as counter:
        traces = trace_layers(model, input_shape)
    layers = {t.name: LayerCount(t.name, t.kind, t.macs, math.prod(t.in_shape), t.params, math.prod(t.out_shape))
              for t in traces}
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return ModelCount(macs=int(counter.get_total_flops()) // 2, layers=layers, params=params)
