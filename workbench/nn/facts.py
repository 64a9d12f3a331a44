"""Measuring the facts of a composed network (:class:`~workbench.core.stages.LayerFacts`) on data.

The facts are read off one trace of the network on a calibration batch (:func:`workbench.nn.trace.trace_layers`),
never assumed: shapes and MACs per sample, densities of nonzero weights, inputs and outputs over the whole batch, and
the number of distinct weight and input values (which tells a ternary or binary layer from a floating-point one).
"""

from __future__ import annotations

import torch
from torch import nn

from workbench.core.stages import LayerFacts
from workbench.nn.trace import trace_layers

#: Distinct values counted at most (more means "floating point").
LEVELS_CAP = 257
#: Values looked at when counting distinct values (a strided subsample of larger tensors).
LEVELS_SAMPLE = 200_000


def _levels(values: torch.Tensor) -> int:
    flat = values.flatten()
    if flat.numel() > LEVELS_SAMPLE:
        flat = flat[:: flat.numel() // LEVELS_SAMPLE + 1]
    return min(int(torch.unique(flat).numel()), LEVELS_CAP)


def _density(values: torch.Tensor) -> float:
    return float((values != 0).float().mean())


def measure_facts(module: nn.Module, x: torch.Tensor) -> tuple[LayerFacts, ...]:
    """Measure every conv / linear layer of ``module`` on the batch ``x`` (evaluation mode, no gradients).

    Shapes and MACs are per sample; densities are fractions of nonzero values over the whole batch; the weights are
    the ones the layer multiplies with: the output of its ``weight_quantizer`` when it has one. Layers come in the
    order of ``module.named_modules()``; a layer called more than once is measured on its last call.

    Raises
    ------
    ValueError
        When the network has no ``Conv2d`` or ``Linear`` layer.
    """
    traces = {t.name: t for t in trace_layers(module, x)}
    if not traces:
        raise ValueError("the network has no Conv2d or Linear layer to measure")
    order = [name for name, _ in module.named_modules() if name in traces]
    return tuple(
        LayerFacts(name=t.name, kind=t.kind, in_shape=t.in_shape, out_shape=t.out_shape, macs=t.macs, params=t.params,
                   weight_density=_density(t.weight), input_density=_density(t.input),
                   output_density=_density(t.output), weight_levels=_levels(t.weight), input_levels=_levels(t.input))
        for t in (traces[name] for name in order))
