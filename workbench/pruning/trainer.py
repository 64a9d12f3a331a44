"""Pruning while training, and the train + prune + retrain baseline, with filters removed for real.

Pruning while training (Roy et al., arXiv:2003.02800; Aketi et al., arXiv:2002.09958): train normally; after the
epochs named by the :class:`~workbench.pruning.schedule.PruneSchedule`, score the filters on a fixed-size sample of
training images, physically remove the lowest-scored ones (``model.remove_channels``) and rebuild the optimiser
over the new parameters; keep training, with no separate retraining. Every epoch is charged with the network it
actually trained (:mod:`workbench.pruning.accounting`).

Baseline: train the full network, prune once to the same target, retrain for ``retrain_epochs``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from workbench.datasets.base import Loaders
from workbench.nn.train import evaluate_accuracy, fit
from workbench.pruning.accounting import epoch_cost, scoring_overhead
from workbench.pruning.criteria import CRITERIA, score
from workbench.pruning.schedule import PruneSchedule, select


@dataclass
class PruneRun:
    """The outcome of a pruning run.

    Parameters
    ----------
    model : nn.Module
        The final, physically pruned network.
    history : list of dict
        Per epoch: the training history of :func:`workbench.nn.fit` plus the epoch's cost (``forward_macs``,
        ``forward_memory``, ``train_macs``, ``train_memory``, ``samples``, ``params``) and ``widths``.
    initial_widths, final_widths : dict of str to int
        Output channels of every prunable layer before and after.
    test_accuracy : float
        Accuracy of the final network on the test split (fraction).
    overhead_macs : int
        MACs spent scoring filters (not included in ``train_macs``).
    prune_epochs : list of int
        Epochs after which filters were removed.
    """

    model: nn.Module
    history: list[dict]
    initial_widths: dict[str, int]
    final_widths: dict[str, int]
    test_accuracy: float
    overhead_macs: int = 0
    prune_epochs: list[int] = field(default_factory=list)

    @property
    def train_macs(self) -> int:
        """MACs of all training epochs (3 x forward of the live network per sample)."""
        return sum(h["train_macs"] for h in self.history)

    @property
    def train_memory(self) -> int:
        """Memory accesses (elements) of all training epochs."""
        return sum(h["train_memory"] for h in self.history)

    @property
    def total_macs(self) -> int:
        """Training MACs plus scoring overhead."""
        return self.train_macs + self.overhead_macs

    @property
    def pruned_fraction(self) -> float:
        """Fraction of the prunable filters removed."""
        return 1 - sum(self.final_widths.values()) / sum(self.initial_widths.values())


def scoring_batch(dataset: torch.utils.data.TensorDataset, samples: int, seed: int) -> tuple[torch.Tensor, ...]:
    """A fixed random subset of ``samples`` training images and labels (the whole set when smaller)."""
    x, y = dataset.tensors
    index = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))[:samples]
    return x[index], y[index]


def apply_keep(model: nn.Module, keep: dict[str, torch.Tensor]) -> int:
    """Remove every channel not in ``keep`` from ``model``; returns how many filters were removed."""
    widths = model.widths()
    removed = 0
    for name, index in keep.items():
        if len(index) < widths[name]:
            model.remove_channels(name, index)
            removed += widths[name] - len(index)
    return removed


def _check(criterion: str, scoring_samples: int) -> None:
    if criterion not in CRITERIA:
        raise ValueError(f"criterion={criterion!r} is not allowed; allowed: one of {sorted(CRITERIA)}")
    if scoring_samples < 1:
        raise ValueError(f"scoring_samples={scoring_samples} is not allowed; allowed: >= 1")


def prune_while_training(
    model: nn.Module,
    loaders: Loaders,
    *,
    criterion: str = "l1",
    schedule: PruneSchedule | None = None,
    epochs: int = 20,
    lr: float = 0.05,
    seed: int = 0,
    device: str = "auto",
    scoring_samples: int = 256,
    checkpoint: str | Path | None = None,
) -> PruneRun:
    """Train ``model`` and prune it gradually as ``schedule`` says (see the module docstring).

    Parameters
    ----------
    model : nn.Module
        A workbench VGG or ResNet (anything with ``prunable``, ``widths`` and ``remove_channels``).
    loaders : Loaders
        Train / validation / test loaders (:func:`workbench.datasets.make_loaders`).
    criterion : {"l1", "activation", "random", "frs"}
        Filter-importance criterion (:mod:`workbench.pruning.criteria`).
    schedule : PruneSchedule
        When and how much to prune; ``schedule.stop_epoch`` must not exceed ``epochs``.
    epochs, lr, seed, device, checkpoint
        As for :func:`workbench.nn.fit` (a checkpointed run resumes mid-schedule).
    scoring_samples : int
        Training images used to score the filters at each step.
    """
    schedule = schedule or PruneSchedule()
    _check(criterion, scoring_samples)
    if schedule.stop_epoch > epochs:
        raise ValueError(f"schedule.stop_epoch={schedule.stop_epoch} is not allowed; allowed: <= epochs={epochs}")
    initial = model.widths()
    steps = schedule.steps()
    removals = schedule.removals(initial)
    train_set = loaders.train.dataset
    input_shape = tuple(train_set.tensors[0].shape[1:])

    def log(net: nn.Module) -> dict:
        return {**epoch_cost(net, input_shape, len(train_set), loaders.train.batch_size), "widths": net.widths()}

    def hook(epoch: int, net: nn.Module) -> bool:
        if epoch not in steps:
            return False
        param = next(net.parameters())
        x, y = scoring_batch(train_set, scoring_samples, seed * 7919 + epoch)
        scores = score(criterion, net, (x.to(param.device), y.to(param.device)), seed=seed * 7919 + epoch)
        scores = {name: s.cpu() for name, s in scores.items()}
        keep = select(scores, removals[steps.index(epoch)], schedule.ranking, schedule.min_channels)
        return apply_keep(net, keep) > 0

    result = fit(model, loaders.train, loaders.val, epochs=epochs, lr=lr, seed=seed, device=device,
                 checkpoint=checkpoint, epoch_hook=hook, epoch_log=log, description=f"pruning ({criterion})")
    overhead = sum(
        scoring_overhead(criterion, h["forward_macs"], min(scoring_samples, len(train_set)))
        for h in result.history if h["epoch"] in steps
    )
    return PruneRun(
        model=result.model,
        history=result.history,
        initial_widths=initial,
        final_widths=result.model.widths(),
        test_accuracy=evaluate_accuracy(result.model, loaders.test, device),
        overhead_macs=overhead,
        prune_epochs=steps,
    )


def train_prune_retrain(
    model: nn.Module,
    loaders: Loaders,
    *,
    criterion: str = "l1",
    target_ratio: float = 0.5,
    ranking: str = "global",
    epochs: int = 20,
    retrain_epochs: int = 10,
    lr: float = 0.05,
    retrain_lr: float = 0.01,
    seed: int = 0,
    device: str = "auto",
    scoring_samples: int = 256,
    min_channels: int = 1,
) -> PruneRun:
    """The baseline: train ``epochs``, prune ``target_ratio`` of the filters once, retrain ``retrain_epochs``."""
    _check(criterion, scoring_samples)
    if retrain_epochs < 0:
        raise ValueError(f"retrain_epochs={retrain_epochs} is not allowed; allowed: >= 0")
    once = PruneSchedule(every_n_epochs=1, stop_epoch=1, target_ratio=target_ratio, ranking=ranking,
                         min_channels=min_channels)
    initial = model.widths()
    train_set = loaders.train.dataset
    input_shape = tuple(train_set.tensors[0].shape[1:])

    def log(net: nn.Module) -> dict:
        return {**epoch_cost(net, input_shape, len(train_set), loaders.train.batch_size), "widths": net.widths()}

    trained = fit(model, loaders.train, loaders.val, epochs=epochs, lr=lr, seed=seed, device=device,
                  epoch_log=log, description="training (baseline)")
    net = trained.model
    param = next(net.parameters())
    x, y = scoring_batch(train_set, scoring_samples, seed * 7919 + epochs)
    scores = {k: s.cpu() for k, s in score(criterion, net, (x.to(param.device), y.to(param.device)),
                                           seed=seed * 7919 + epochs).items()}
    apply_keep(net, select(scores, once.removals(initial)[0], ranking, min_channels))
    overhead = scoring_overhead(criterion, trained.history[-1]["forward_macs"], len(x))
    history = trained.history
    if retrain_epochs:
        retrained = fit(net, loaders.train, loaders.val, epochs=retrain_epochs, lr=retrain_lr, seed=seed + 1,
                        device=device, epoch_log=log, description="retraining (baseline)")
        net = retrained.model
        history = history + [{**h, "epoch": epochs + h["epoch"]} for h in retrained.history]
    return PruneRun(
        model=net,
        history=history,
        initial_widths=initial,
        final_widths=net.widths(),
        test_accuracy=evaluate_accuracy(net, loaders.test, device),
        overhead_macs=overhead,
        prune_epochs=[epochs - 1],
    )
