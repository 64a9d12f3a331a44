"""Pruning theme: filter pruning while training (arXiv:2003.02800) and FRS gradual channel pruning
(arXiv:2002.09958), against train + prune + retrain, with training compute and memory accesses accounted."""

from workbench.pruning.criteria import CRITERIA, score
from workbench.pruning.schedule import PruneSchedule, select
from workbench.pruning.trainer import PruneRun, prune_while_training, train_prune_retrain

__all__ = ["CRITERIA", "PruneRun", "PruneSchedule", "prune_while_training", "score", "select",
           "train_prune_retrain"]
