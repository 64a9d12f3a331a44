"""Training compute and memory-access accounting for pruning while training vs train + prune + retrain.

Compute [R] (docs/design.md § pruning; the papers, arXiv:2003.02800 § 4 and arXiv:2002.09958 § 4, report "computations"
without a formula): one training step on one sample costs about three forward passes: the forward pass, the gradient
with respect to the layer inputs and the gradient with respect to the weights each take the forward MACs of the
layer (Sze et al., "Efficient processing of deep neural networks", Proc. IEEE 2017; the "6N FLOPs per token" rule of
Kaplan et al. 2020 is the same count).

Memory accesses [R] are counted from the tensors each phase touches, not from the MACs (:func:`training_traffic`),
in elements, per conv / linear layer with input ``I``, parameters ``W`` (weights and bias) and output ``O``
elements per sample, no reuse across layers or samples (the first-order accounting of Sze et al.):

* forward: read ``I`` and ``W``, write ``O`` (the outputs are the activations stored for the backward pass);
* input gradient: read the output gradient ``O`` and ``W``, write the input gradient ``I``; skipped for the first
  layer, whose input (the image) needs no gradient;
* weight gradient: read the stored input ``I`` and the output gradient ``O``, write the weight gradient ``W``;
* update, once per optimiser step (not per sample): SGD with momentum reads the weight, its gradient and its
  velocity and writes the velocity and the weight, :data:`UPDATE_ACCESSES` x ``W`` per step.

So memory is not proportional to MACs: a convolution's MACs grow with its kernel and spatial size while its traffic
grows with its activations and parameters, the first layer has no input-gradient traffic, and the update traffic
scales with the parameters over the batch size. Batch norm, ReLU and pooling layers are not counted (as in the
forward count of :func:`workbench.nn.count_macs`). An epoch is charged with the network as it was during that
epoch (live channels only). Scoring filters also costs compute; it is charged separately as ``overhead`` in units
of forward passes per scored sample (:data:`SCORING_PASSES`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from workbench.nn.counting import count_macs

#: Cost of one training sample in forward passes (forward, input gradient, weight gradient).
TRAIN_PASSES = 3

#: Memory accesses per parameter and optimiser step of SGD with momentum (:func:`workbench.nn.train.make_optimizer`):
#: read weight, gradient and velocity, write velocity and weight (weight decay reuses the weight already read).
UPDATE_ACCESSES = 5

#: Forward-pass equivalents per scored sample for each criterion: L1 and random read only the weights (charged 0
#: per sample); the activation criterion runs one forward pass; FRS runs one forward pass for the predictions and
#: one recording pass, and LRP-alpha-beta evaluates each layer with W+ and W- and transposes both (4 more).
SCORING_PASSES = {"l1": 0, "random": 0, "activation": 1, "frs": 6}


@dataclass(frozen=True)
class TrainingTraffic:
    """Memory accesses (elements) of training on one sample, by phase (see the module docstring).

    Parameters
    ----------
    forward : float
        Input and weight reads and output writes of the forward pass (outputs stored for the backward pass).
    input_gradient : float
        Output-gradient and weight reads and input-gradient writes (every layer but the first).
    weight_gradient : float
        Stored-input and output-gradient reads and weight-gradient writes.
    update : float
        The optimiser's reads and writes of the parameters, per sample (per step / batch size).
    """

    forward: float
    input_gradient: float
    weight_gradient: float
    update: float

    @property
    def total(self) -> float:
        """All phases together (elements per sample)."""
        return self.forward + self.input_gradient + self.weight_gradient + self.update


def training_traffic(layers: Iterable[tuple[float, float, float]], batch_size: int) -> TrainingTraffic:
    """Training memory accesses per sample of conv / linear layers given as ``(I, W, O)`` in forward order.

    Parameters
    ----------
    layers : iterable of (float, float, float)
        Per layer and sample: input elements read, parameter elements (weights and bias), output elements written;
        the first entry is the layer that reads the network input.
    batch_size : int
        Samples per optimiser step (the update traffic is spread over them).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size} is not allowed; allowed: >= 1")
    forward = input_gradient = weight_gradient = params = 0.0
    for index, (i, w, o) in enumerate(layers):
        forward += i + w + o
        if index:
            input_gradient += o + w + i
        weight_gradient += i + o + w
        params += w
    return TrainingTraffic(forward, input_gradient, weight_gradient, UPDATE_ACCESSES * params / batch_size)


def forward_cost(model: nn.Module, input_shape: Sequence[int]) -> dict[str, int]:
    """Forward MACs, memory accesses (elements) and parameters of ``model`` for one sample."""
    count = count_macs(model, input_shape)
    return {"forward_macs": count.macs, "forward_memory": count.memory_accesses, "params": count.params}


def epoch_cost(model: nn.Module, input_shape: Sequence[int], samples: int, batch_size: int) -> dict[str, int]:
    """One epoch over ``samples`` training samples in batches of ``batch_size`` with the network as it is now.

    Returns the forward cost per sample, ``train_macs`` = :data:`TRAIN_PASSES` x forward MACs x samples and
    ``train_memory`` = the three passes' traffic of :func:`training_traffic` x samples + the update traffic x
    optimiser steps (``ceil(samples / batch_size)``, a last partial batch is a step too).
    """
    count = count_macs(model, input_shape)
    traffic = training_traffic(((c.input_reads, c.weight_reads, c.output_writes) for c in count.layers.values()),
                               batch_size=1)
    steps = -(-samples // batch_size)
    passes = traffic.forward + traffic.input_gradient + traffic.weight_gradient
    return {
        "forward_macs": count.macs,
        "forward_memory": count.memory_accesses,
        "params": count.params,
        "samples": samples,
        "train_macs": TRAIN_PASSES * count.macs * samples,
        "train_memory": int(passes * samples + traffic.update * steps),
    }


def scoring_overhead(criterion: str, forward_macs: int, samples: int) -> int:
    """MACs spent scoring ``samples`` samples with ``criterion`` on a network of ``forward_macs`` per sample."""
    if criterion not in SCORING_PASSES:
        raise ValueError(f"criterion={criterion!r} is not allowed; allowed: one of {sorted(SCORING_PASSES)}")
    return SCORING_PASSES[criterion] * forward_macs * samples


def saving(cost: float, baseline: float) -> float:
    """Fractional saving ``1 - cost / baseline`` (0.41 means 41 % fewer)."""
    if baseline <= 0:
        raise ValueError(f"baseline={baseline} is not allowed; allowed: > 0")
    return 1.0 - cost / baseline


def measure_latency_ms(
    model: nn.Module, input_shape: Sequence[int], batch_size: int = 1, repeats: int = 20, warmup: int = 3
) -> float:
    """Median wall-clock time (ms) of one eval-mode forward pass on a zero batch (a measurement, not a model)."""
    param = next(model.parameters())
    x = torch.zeros((batch_size, *input_shape), device=param.device)
    was_training = model.training
    model.eval()
    times = []
    with torch.no_grad():
        for i in range(warmup + repeats):
            began = time.perf_counter()
            model(x)
            if param.device.type == "cuda":
                torch.cuda.synchronize()
            if i >= warmup:
                times.append((time.perf_counter() - began) * 1e3)
    model.train(was_training)
    return statistics.median(times)
