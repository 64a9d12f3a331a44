"""Training compute and memory-access accounting for pruning while training vs train + prune + retrain.

Model [R] (DESIGN.md § pruning; the papers do not spell it out): one training step on one sample costs about three
forward passes: the forward pass, the gradient with respect to the layer inputs and the gradient with respect to
the weights each take the forward MACs of the layer (Sze et al., "Efficient processing of deep neural networks",
Proc. IEEE 2017; the "6N FLOPs per token" rule of Kaplan et al. 2020 is the same count). Memory accesses scale the
same way: ``3 x (input reads + weight reads + output writes)`` per layer and sample. An epoch is charged with the
network as it was during that epoch (live channels only). Scoring filters also costs compute; it is charged
separately as ``overhead`` in units of forward passes per scored sample (:data:`SCORING_PASSES`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

import torch
from torch import nn

from workbench.nn.counting import count_macs

#: Cost of one training sample in forward passes (forward, input gradient, weight gradient).
TRAIN_PASSES = 3

#: Forward-pass equivalents per scored sample for each criterion: L1 and random read only the weights (charged 0
#: per sample); the activation criterion runs one forward pass; FRS runs one forward pass for the predictions and
#: one recording pass, and LRP-alpha-beta evaluates each layer with W+ and W- and transposes both (4 more).
SCORING_PASSES = {"l1": 0, "random": 0, "activation": 1, "frs": 6}


def forward_cost(model: nn.Module, input_shape: Sequence[int]) -> dict[str, int]:
    """Forward MACs, memory accesses (elements) and parameters of ``model`` for one sample."""
    count = count_macs(model, input_shape)
    return {"forward_macs": count.macs, "forward_memory": count.memory_accesses, "params": count.params}


def epoch_cost(model: nn.Module, input_shape: Sequence[int], samples: int) -> dict[str, int]:
    """One epoch over ``samples`` training samples with the network as it is now.

    Returns the forward cost per sample and ``train_macs`` / ``train_memory`` =
    :data:`TRAIN_PASSES` x forward cost x samples.
    """
    cost = forward_cost(model, input_shape)
    return {
        **cost,
        "samples": samples,
        "train_macs": TRAIN_PASSES * cost["forward_macs"] * samples,
        "train_memory": TRAIN_PASSES * cost["forward_memory"] * samples,
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
