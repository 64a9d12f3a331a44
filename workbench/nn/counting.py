"""Counting multiply-accumulates (MACs) and memory accesses of one forward pass.

MACs come from ``torch.utils.flop_counter.FlopCounterMode`` (which counts 2 FLOPs per MAC for convolutions and
matrix products); memory accesses from forward hooks on every convolution and linear layer, counted in elements as
input reads + weight (and bias) reads + output writes, each once per layer (no reuse across layers, no cache
model: the usual first-order accounting of Sze et al., "Efficient processing of deep neural networks", 2017).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


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
    put back in its previous mode.
    """
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    x = torch.zeros((1, *input_shape), device=device)
    names = {module: name for name, module in model.named_modules()}
    traffic: dict[str, tuple[str, int, int, int]] = {}

    def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        weights = sum(p.numel() for p in module.parameters(recurse=False))
        kind = "conv" if isinstance(module, nn.Conv2d) else "linear"
        traffic[names[module]] = (kind, inputs[0].numel(), weights, output.numel())

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            model(x)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    flops = counter.get_flop_counts()
    root = type(model).__name__
    layers = {}
    for name, (kind, reads, weights, writes) in traffic.items():
        layer_flops = sum(flops.get(f"{root}.{name}", {}).values())
        layers[name] = LayerCount(name, kind, int(layer_flops) // 2, reads, weights, writes)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return ModelCount(macs=int(counter.get_total_flops()) // 2, layers=layers, params=params)
