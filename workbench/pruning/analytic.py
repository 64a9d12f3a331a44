"""Training compute of a pruning schedule without training: per-layer widths follow the schedule exactly.

With per-layer ranking the width of every prunable layer after each step is known in advance
(:meth:`PruneSchedule.removals`), whatever the criterion. A layer's MACs scale with (live input channels) x (live
output channels), its input reads with the live input channels, its weight reads with both and its output writes
with the live output channels, so one count of the full network (:func:`workbench.nn.count_macs`) gives the cost of
every epoch. Training compute is :data:`~workbench.pruning.accounting.TRAIN_PASSES` forward passes per sample and
training memory the per-phase traffic of :func:`~workbench.pruning.accounting.training_traffic` (forward, input and
weight gradients, the optimiser update spread over the batch), as in :mod:`workbench.pruning.accounting`, so this
is the count arXiv:2003.02800 § 4 compares (training + 10 retraining epochs vs pruning while training) made layer by
layer; the number of samples per epoch cancels in the saving.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch
from torch import nn

from workbench.nn.counting import LayerCount, count_macs
from workbench.nn.models import VGG, ResNet, resnet, vgg
from workbench.pruning.accounting import TRAIN_PASSES, TrainingTraffic, training_traffic
from workbench.pruning.schedule import PruneSchedule


def channel_links(model: nn.Module) -> dict[str, tuple[str | None, str | None]]:
    """For every conv / linear layer: (prunable layer feeding its inputs, prunable layer it is) or None."""
    links: dict[str, tuple[str | None, str | None]] = {
        name: (None, None) for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))
    }
    names = [p.name for p in model.prunable()]
    if isinstance(model, VGG):
        for i, name in enumerate(names):
            links[name] = (names[i - 1] if i else None, name)
        links["classifier"] = (names[-1], None)
    elif isinstance(model, ResNet):
        for name in names:
            links[name] = (None, name)
            links[name.replace("conv1", "conv2")] = (name, None)
    else:
        raise TypeError(f"channel_links supports workbench VGG and ResNet models, got {type(model).__name__}")
    return links


@dataclass(frozen=True)
class NetworkProfile:
    """Per-layer counts of the unpruned network and how its layers depend on the prunable widths.

    Parameters
    ----------
    layers : dict of str to LayerCount
        Counts of every conv / linear layer at full width.
    links : dict
        :func:`channel_links` of the network.
    widths : dict of str to int
        Full widths of the prunable layers.
    other_macs : int
        MACs outside conv / linear layers (not scaled).
    biases : dict of str to int
        Bias elements per layer (they scale with the output channels only).
    """

    layers: dict[str, LayerCount]
    links: dict[str, tuple[str | None, str | None]]
    widths: dict[str, int]
    other_macs: int
    biases: dict[str, int]

    def layer_traffic(self, widths: dict[str, int]) -> list[tuple[float, float, float]]:
        """Per conv / linear layer in forward order: (input reads, parameter reads, output writes) per sample with
        the prunable layers at ``widths``."""
        rows = []
        for name, layer in self.layers.items():
            src, own = self.links[name]
            fi = widths[src] / self.widths[src] if src else 1.0
            fo = widths[own] / self.widths[own] if own else 1.0
            bias = self.biases[name]
            rows.append((layer.input_reads * fi, (layer.weight_reads - bias) * fi * fo + bias * fo,
                         layer.output_writes * fo))
        return rows

    def cost(self, widths: dict[str, int]) -> tuple[float, float]:
        """(forward MACs, forward memory accesses) per sample with the prunable layers at ``widths``."""
        macs = float(self.other_macs)
        for name, layer in self.layers.items():
            src, own = self.links[name]
            fi = widths[src] / self.widths[src] if src else 1.0
            fo = widths[own] / self.widths[own] if own else 1.0
            macs += layer.macs * fi * fo
        return macs, sum(sum(row) for row in self.layer_traffic(widths))

    def training_memory(self, widths: dict[str, int], batch_size: int) -> TrainingTraffic:
        """Training memory accesses per sample, by phase, with the prunable layers at ``widths``."""
        return training_traffic(self.layer_traffic(widths), batch_size)


@lru_cache(maxsize=32)
def profile(network: str, input_size: int, in_channels: int = 3, num_classes: int = 10) -> NetworkProfile:
    """Profile of a named network (``"vgg16"``, ``"resnet110"``, ...) at full width (cached)."""
    with torch.device("meta"):  # shapes only: counting needs no real weights or arithmetic
        if network.startswith("vgg"):
            model = vgg(network, num_classes, in_channels, input_size)
        elif network.startswith("resnet"):
            model = resnet(int(network[6:]), num_classes, in_channels)
        else:
            raise ValueError(f"network={network!r} is not allowed; allowed: vgg8/11/16 or resnet<6n+2>")
    count = count_macs(model, (in_channels, input_size, input_size))
    conv_linear = sum(layer.macs for layer in count.layers.values())
    biases = {name: m.bias.numel() if m.bias is not None else 0 for name, m in model.named_modules()
              if name in count.layers}
    return NetworkProfile(count.layers, channel_links(model), model.widths(), count.macs - conv_linear, biases)


def schedule_widths(profile: NetworkProfile, schedule: PruneSchedule, epochs: int) -> list[dict[str, int]]:
    """The prunable layers' widths during each of ``epochs`` epochs under a per-layer schedule."""
    if schedule.ranking != "layer":
        raise ValueError(f"ranking={schedule.ranking!r} is not allowed here; allowed: 'layer' (global ranking "
                         "depends on the learned scores, so it needs a training run)")
    widths = dict(profile.widths)
    steps = dict(zip(schedule.steps(), schedule.removals(profile.widths)))
    per_epoch = []
    for epoch in range(epochs):
        per_epoch.append(dict(widths))
        for name, n in steps.get(epoch, {}).items():
            widths[name] -= n
    return per_epoch


def schedule_costs(profile: NetworkProfile, schedule: PruneSchedule, epochs: int) -> list[tuple[float, float]]:
    """Per-epoch (forward MACs, forward memory) per sample under a per-layer schedule over ``epochs``."""
    return [profile.cost(widths) for widths in schedule_widths(profile, schedule, epochs)]


def compare(profile: NetworkProfile, schedule: PruneSchedule, epochs: int, retrain_epochs: int,
            batch_size: int = 128) -> dict:
    """Training compute and memory of pruning while training vs training ``epochs`` + pruning once +
    ``retrain_epochs`` (arXiv:2003.02800 § 4).

    Parameters
    ----------
    profile : NetworkProfile
        The network (:func:`profile`).
    schedule : PruneSchedule
        Per-layer schedule of pruning while training; the baseline prunes once to its target.
    epochs, retrain_epochs : int
        Training epochs of both methods (E) and the baseline's retraining epochs.
    batch_size : int
        Samples per optimiser step (sets the share of the update traffic).

    Returns
    -------
    dict
        Per-sample totals (``pwt_macs``, ``baseline_macs`` already x TRAIN_PASSES; ``pwt_memory``,
        ``baseline_memory`` in elements), the savings, the inference MAC reduction and the final widths.
    """
    if schedule.stop_epoch > epochs:
        raise ValueError(f"stop_epoch={schedule.stop_epoch} is not allowed; allowed: <= epochs={epochs}")
    pwt = schedule_widths(profile, schedule, epochs)
    once = PruneSchedule(1, 1, schedule.target_ratio, "layer", schedule.min_channels)
    removed = once.removals(profile.widths)[0]
    final_widths = {k: w - removed[k] for k, w in profile.widths.items()}
    per_widths: dict[tuple[int, ...], tuple[float, float]] = {}

    def epoch_cost(widths: dict[str, int]) -> tuple[float, float]:
        """(training MACs, training memory) per sample of an epoch at ``widths``, counted once per distinct widths
        (the widths change only at the schedule's steps, so most epochs repeat the one before)."""
        key = tuple(widths.values())
        if key not in per_widths:
            per_widths[key] = (TRAIN_PASSES * profile.cost(widths)[0],
                               profile.training_memory(widths, batch_size).total)
        return per_widths[key]

    pwt_macs = sum(epoch_cost(w)[0] for w in pwt)
    pwt_memory = sum(epoch_cost(w)[1] for w in pwt)
    (full_macs, full_memory), (final_macs, final_memory) = epoch_cost(profile.widths), epoch_cost(final_widths)
    base_macs = epochs * full_macs + retrain_epochs * final_macs
    base_memory = epochs * full_memory + retrain_epochs * final_memory
    return {
        "pwt_macs": pwt_macs,
        "pwt_memory": pwt_memory,
        "baseline_macs": base_macs,
        "baseline_memory": base_memory,
        "compute_saving": 1 - pwt_macs / base_macs,
        "memory_saving": 1 - pwt_memory / base_memory,
        "inference_mac_reduction": 1 - profile.cost(final_widths)[0] / profile.cost(profile.widths)[0],
        "final_widths": final_widths,
    }


def saving_curve(profile: NetworkProfile, *, epochs: int, every_n: int, retrain_epochs: int,
                 targets: tuple[float, ...], stop_fractions: tuple[float, ...], batch_size: int = 128) -> list[dict]:
    """Compute and memory savings of pruning while training over a grid of targets and ``N1 / E`` (claim P3 of
    arXiv:2003.02800 § 4 as a curve: the paper states neither its target nor its ``N1``).

    Parameters
    ----------
    profile : NetworkProfile
        The network (:func:`profile`).
    epochs, every_n, retrain_epochs : int
        ``E``, ``n`` and the baseline's retraining epochs, fixed along the curve.
    targets : tuple of float
        Fractions of every prunable layer's filters removed by the end.
    stop_fractions : tuple of float
        ``N1 / E`` values; ``N1 = max(n, round(fraction * E))``.
    batch_size : int
        Samples per optimiser step.

    Returns
    -------
    list of dict
        One per (target, fraction): ``target_ratio``, ``stop_fraction``, ``stop_epoch``, ``compute_saving`` and
        ``memory_saving`` (%).
    """
    rows = []
    for fraction in stop_fractions:
        if not 0 < fraction <= 1:
            raise ValueError(f"stop fraction {fraction} is not allowed; allowed: 0 < N1 / E <= 1")
        stop = min(epochs, max(every_n, round(fraction * epochs)))
        for target in targets:
            result = compare(profile, PruneSchedule(every_n, stop, target, "layer"), epochs, retrain_epochs,
                             batch_size)
            rows.append({"target_ratio": target, "stop_fraction": fraction, "stop_epoch": stop,
                         "compute_saving": 100 * result["compute_saving"],
                         "memory_saving": 100 * result["memory_saving"]})
    return rows
