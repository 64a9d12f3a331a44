"""One forward pass of a network, recorded layer by layer: the single walk over a torch network's layers.

:func:`trace_layers` hooks the selected modules (by default every ``nn.Conv2d`` and ``nn.Linear``), runs the network
once in evaluation mode without gradients and returns one :class:`LayerTrace` per call: the layer's input and output
(copies, so later in-place operations cannot change them), the weight it multiplies with, shapes and MACs. Whatever
the workbench observes per layer (MACs and memory traffic, the measured facts of a composed network, TiM and crossbar
layer mappings, MRAM partial sums and output peaks, activation densities and scores, SparCE kernel inputs) is read
from these records; hooks that change what a layer computes (error injection, input quantization) are not traces.

MACs follow the usual first-order accounting (Sze et al., "Efficient processing of deep neural networks", Proc.
IEEE 2017, Sec. II): a convolution does ``C_in / groups x k_h x k_w`` multiply-accumulates per output element, a
linear layer ``in_features`` per output element; bias additions and element-wise layers are not counted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn


def is_weight_layer(module: nn.Module) -> bool:
    """True for the layers that multiply by a weight matrix: ``nn.Conv2d`` and ``nn.Linear`` (and subclasses)."""
    return isinstance(module, (nn.Conv2d, nn.Linear))


@dataclass(frozen=True)
class LayerTrace:
    """One call of one module during a traced forward pass.

    Parameters
    ----------
    name : str
        Module name in ``model.named_modules()``.
    module : torch.nn.Module
        The module itself (its configuration and raw parameters).
    input : torch.Tensor
        Its first positional input, the whole batch (a detached copy).
    output : torch.Tensor
        Its output, the whole batch (a detached copy).
    weight : torch.Tensor or None
        The weight it multiplies with: the output of its ``weight_quantizer`` when it has one (computed in
        evaluation mode), else its ``weight``; ``None`` for a module without weights.
    """

    name: str
    module: nn.Module
    input: torch.Tensor
    output: torch.Tensor
    weight: torch.Tensor | None

    @property
    def kind(self) -> str | None:
        """``"conv"`` for a ``Conv2d``, ``"linear"`` for a ``Linear``, ``None`` for a module not counted."""
        if isinstance(self.module, nn.Conv2d):
            return "conv"
        return "linear" if isinstance(self.module, nn.Linear) else None

    @property
    def in_shape(self) -> tuple[int, ...]:
        """Shape of one sample's input."""
        return tuple(self.input.shape[1:])

    @property
    def out_shape(self) -> tuple[int, ...]:
        """Shape of one sample's output."""
        return tuple(self.output.shape[1:])

    @property
    def macs(self) -> int | None:
        """Multiply-accumulates of one sample (see the module notes); ``None`` for a module not counted."""
        outputs = math.prod(self.out_shape)
        if self.kind == "conv":
            m = self.module
            return outputs * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        return outputs * self.module.in_features if self.kind == "linear" else None

    @property
    def params(self) -> int:
        """The module's own parameters (weights and biases, not those of its children)."""
        return sum(p.numel() for p in self.module.parameters(recurse=False))


def _weight(module: nn.Module) -> torch.Tensor | None:
    weight = getattr(module, "weight", None)
    if not isinstance(weight, torch.Tensor):
        return None
    quantizer = getattr(module, "weight_quantizer", None)
    return (quantizer(weight) if quantizer is not None else weight).detach()


def trace_layers(model: nn.Module, x: torch.Tensor | Sequence[int],
                 select: Callable[[nn.Module], bool] = is_weight_layer) -> list[LayerTrace]:
    """Run ``model`` once on ``x`` and record every call of the modules ``select`` picks, in call order.

    Parameters
    ----------
    model : torch.nn.Module
        The network; it runs in evaluation mode without gradients (batch-norm statistics and quantizer running
        values are left alone) and is put back in its previous mode.
    x : torch.Tensor or sequence of int
        A batch of inputs, or one sample's shape (C, H, W) or (features,) for a batch of one zero sample. It is
        moved to the device of the model's parameters.
    select : callable
        ``select(module) -> bool``: which modules to record; default :func:`is_weight_layer`.

    Returns
    -------
    list of LayerTrace
        One per call: a module called twice appears twice; a selected module the forward pass never calls does
        not appear.
    """
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    batch = x.to(device) if isinstance(x, torch.Tensor) else torch.zeros((1, *x), device=device)
    traces: list[LayerTrace] = []

    def hook(name: str) -> Callable:
        def record(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            traces.append(LayerTrace(name, module, inputs[0].detach().clone(), output.detach().clone(),
                                     _weight(module)))
        return record

    handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules() if select(m)]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(batch)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return traces
