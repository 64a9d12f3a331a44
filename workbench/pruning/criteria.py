"""Filter-importance criteria: each maps ``(model, batch)`` to one score per output channel of every prunable layer.

A low score means "prune first". All criteria return ``{layer name: 1-D tensor of scores}`` in the order of
``model.prunable()``.

* ``l1``: the L1 norm of each filter's weights (Li et al., "Pruning filters for efficient ConvNets", ICLR 2017).
* ``activation``: the mean post-ReLU activation of each channel over the batch (Molchanov et al., "Pruning
  convolutional neural networks for resource efficient inference", ICLR 2017, Sec. 2.2).
* ``random``: uniform random scores, seeded.
* ``frs``: the Feature Relevance Score of Aketi et al. (arXiv:2002.09958, and the authors' public code):
  LRP-alpha-beta relevance (alpha=2, beta=1) from the one-hot true label, spatial mean per channel, averaged per
  class, each class weighted by ``sigmoid(max_acc / acc_k)`` (poorly classified classes count more), the classes
  averaged, the absolute value taken and the scores L2-normalised per layer.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from workbench.nn.trace import trace_layers
from workbench.pruning.lrp import relevance

Batch = tuple[torch.Tensor, torch.Tensor]
Criterion = Callable[..., dict[str, torch.Tensor]]


def l1_scores(model: nn.Module, batch: Batch | None = None, seed: int = 0) -> dict[str, torch.Tensor]:
    """Sum of absolute weights of each filter (``batch`` and ``seed`` are unused)."""
    return {p.name: p.conv.weight.detach().abs().sum(dim=(1, 2, 3)) for p in model.prunable()}


def activation_scores(model: nn.Module, batch: Batch, seed: int = 0) -> dict[str, torch.Tensor]:
    """Mean post-ReLU activation of each channel over the batch and the spatial positions (eval mode)."""
    layers = model.prunable()
    relus = {id(p.relu): p.name for p in layers}
    means = {relus[id(t.module)]: t.output.mean(dim=(0, 2, 3))
             for t in trace_layers(model, batch[0], select=lambda m: id(m) in relus)}
    return {p.name: means[p.name] for p in layers}


def random_scores(model: nn.Module, batch: Batch | None = None, seed: int = 0) -> dict[str, torch.Tensor]:
    """Independent uniform scores, reproducible from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    return {p.name: torch.rand(p.conv.out_channels, generator=generator) for p in model.prunable()}


def class_weights(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """FRS class factor ``sigmoid(1 / (acc_k / max_k acc_k))`` per class (1.0 for a class never predicted right).

    Classes absent from ``labels`` get weight 0.
    """
    present = torch.bincount(labels, minlength=num_classes).float()
    correct = torch.bincount(labels[predictions == labels], minlength=num_classes).float()
    accuracy = torch.where(present > 0, correct / present.clamp(min=1), torch.zeros(()))
    best = accuracy.max()
    if best <= 0:
        return (present > 0).float() * torch.sigmoid(torch.tensor(1.0))
    ratio = accuracy / best
    weight = torch.where(ratio > 0, torch.sigmoid(1 / ratio.clamp(min=1e-12)), torch.ones(()))
    return weight * (present > 0).float()


def frs_scores(
    model: nn.Module, batch: Batch, seed: int = 0, alpha: float = 2.0, beta: float = 1.0
) -> dict[str, torch.Tensor]:
    """Feature Relevance Scores (see the module docstring), L2-normalised per layer."""
    x, y = batch
    num_classes = model.classifier.out_features
    was_training = model.training
    model.eval()
    with torch.no_grad():
        predictions = model(x).argmax(1)
    model.train(was_training)
    weights = class_weights(predictions, y, num_classes)
    counts = torch.bincount(y, minlength=num_classes).float()
    present = counts > 0
    scores = {}
    maps = relevance(model, x, y, alpha, beta)
    for name, r in ((p.name, maps[p.name]) for p in model.prunable()):
        per_sample = r.mean(dim=(2, 3))  # [N, C]
        per_class = torch.zeros(num_classes, per_sample.shape[1], device=x.device).index_add_(0, y, per_sample)
        per_class = per_class / counts.clamp(min=1)[:, None] * weights[:, None]
        score = per_class[present].mean(0).abs()
        scores[name] = score / (score.norm() + 1e-12)
    return scores


#: The criteria by name (the ``criterion`` knob of the studies).
CRITERIA: dict[str, Criterion] = {
    "l1": l1_scores,
    "activation": activation_scores,
    "random": random_scores,
    "frs": frs_scores,
}


def score(name: str, model: nn.Module, batch: Batch, seed: int = 0) -> dict[str, torch.Tensor]:
    """Scores of criterion ``name`` (one of :data:`CRITERIA`)."""
    if name not in CRITERIA:
        raise ValueError(f"criterion={name!r} is not allowed; allowed: one of {sorted(CRITERIA)}")
    return CRITERIA[name](model, batch, seed=seed)
