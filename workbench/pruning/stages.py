"""The pruning theme's stage for cross-stack composition: ``pruning.train``, pruning while training.

The stage trains the incoming (untrained) network with :func:`~workbench.pruning.trainer.prune_while_training`:
filters scored by the chosen criterion are physically removed every ``n = 2`` epochs until two thirds of the
epochs, then the network trains on (arXiv:2003.02800; FRS, arXiv:2002.09958). ``target_ratio = 0`` trains the
unpruned network with the same recipe: the baseline a per-stage waterfall starts from.
"""

from __future__ import annotations

from workbench.core import Choice, Float
from workbench.core.stages import NetworkArtifact, Stage, Workload
from workbench.core.vocabulary import epochs_knob
from workbench.pruning.schedule import PruneSchedule
from workbench.pruning.trainer import prune_while_training

#: Prune after every n-th epoch (the schedule's n).
EVERY_N = 2


def schedule_for(target_ratio: float, epochs: int) -> PruneSchedule:
    """The stage's schedule: prune every :data:`EVERY_N` epochs until epoch ``max(n, 2 epochs / 3)``, same fraction
    of every layer (at least one filter left per layer)."""
    return PruneSchedule(every_n_epochs=EVERY_N, stop_epoch=max(EVERY_N, 2 * epochs // 3), target_ratio=target_ratio,
                         ranking="layer")


def train(artifact: NetworkArtifact, workload: Workload, target_ratio: float, criterion: str, epochs: int):
    """Train ``artifact.module`` while pruning ``target_ratio`` of its filters (see the module docstring)."""
    run = prune_while_training(artifact.module, workload.loaders, criterion=criterion,
                               schedule=schedule_for(target_ratio, epochs), epochs=epochs, lr=0.05,
                               seed=workload.seed, device="cpu", scoring_samples=256)
    return run.model, {"filters_pruned": run.pruned_fraction, "train_gmac": run.total_macs / 1e9}


TRAIN = Stage(
    name="pruning.train",
    kind="algorithm",
    theme="pruning",
    func=train,
    knobs=(
        Float("target_ratio", 0.5, low=0.0, high=0.9, step=0.05, label="filters pruned (target)",
              help="Fraction of every layer's filters removed while training (0 = train without pruning)."),
        Choice("criterion", "l1", options=("l1", "frs", "activation"), label="pruning criterion",
               help="Filter importance: L1 of weights, Feature Relevance Score (LRP), or mean activation."),
        epochs_knob(12, high=100, low=3, label="pruning training epochs",
                    help="Training epochs (pruning during the first 2/3)."),
    ),
    provides=("trained",),
    order=10,
    neutral={"target_ratio": 0.0},
    label="prune while training",
    description="Trains the network from scratch and removes filters gradually while it trains (no retraining).",
)
