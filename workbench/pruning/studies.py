"""Pruning studies: ``pruning.while_training`` and ``pruning.train_prune_retrain`` (batch, real training runs) and
``pruning.schedule_cost`` (interactive: the training compute of a schedule, analytically, at paper scale)."""

from __future__ import annotations

from dataclasses import replace

from workbench.core import Choice, Float, Int, Metric, Study
from workbench.core.vocabulary import canonical_metric, epochs_knob, lr_knob, seed_knob
from workbench.pruning.analytic import compare, profile
from workbench.pruning.criteria import CRITERIA
from workbench.pruning.experiment import DATASETS, NETWORKS, setup, summarise
from workbench.pruning.schedule import RANKINGS, PruneSchedule
from workbench.pruning.trainer import prune_while_training, train_prune_retrain
from workbench.threads import one_torch_thread

_NETWORK = Choice("network", "vgg8", options=NETWORKS, help="VGG (global-average-pool classifier) or CIFAR ResNet.")
_WIDTH = Float("width_mult", 0.25, low=0.125, high=1.0, step=0.125, label="width multiplier",
               help="Multiplies every layer width (1 = the published network; 0.25 trains in seconds on a CPU).")
_DATASET = Choice("dataset", "digits", options=DATASETS,
                  help="digits / MNIST-5k / synthetic: bundled, 16x16; CIFAR from data/datasets (not downloaded).")
_CRITERION = Choice("criterion", "l1", options=tuple(CRITERIA),
                    help="Filter importance: L1 of weights, mean activation, random, or Feature Relevance Score.")
_TARGET = Float("target_ratio", 0.5, low=0.0, high=0.9, step=0.05, label="filters pruned (target)",
                help="Fraction of the prunable filters removed by the end.")
_RANKING = Choice("ranking", "layer", options=RANKINGS,
                  help="Prune the same fraction of every layer, or rank filters across the whole network on scores "
                       "L2-normalised per layer (the FRS authors' choice; it prunes wide layers hardest).")
_EPOCHS = epochs_knob(15, high=300, help="Training epochs (E).")
_LR = lr_knob(0.05, help="Initial SGD learning rate (cosine decay).")
_SEED = seed_knob(help="Seeds the split, the initial weights, the order and the scoring.")
_EVERY_N = Int("every_n", 2, low=1, high=100, unit="epochs", label="n (prune every)",
               help="Prune after every n-th epoch.")
_STOP = Int("stop_epoch", 10, low=1, high=300, unit="epochs", label="N1 (stop pruning)",
            help="No pruning after this epoch.")
_RETRAIN = Int("retrain_epochs", 10, low=0, high=100, unit="epochs", label="retraining",
               help="The baseline's fine-tuning epochs after its one prune.")

_RUN_METRICS = (
    canonical_metric("accuracy", "Top-1 accuracy of the final pruned network on the test split.", "test accuracy"),
    Metric("filters_pruned", "%", None, "Prunable filters actually removed.", label="filters pruned"),
    Metric("train_gmac", "GMAC", "min", "Training compute: 3 x forward MACs of the live network, summed over "
           "every sample of every epoch.", label="training compute"),
    Metric("train_gaccess", "G accesses", "min", "Training memory accesses of conv / linear layers: forward reads "
           "and writes, input- and weight-gradient reads and writes per sample, SGD update per step.",
           label="training memory accesses"),
    Metric("overhead_gmac", "GMAC", "min", "Compute spent scoring filters.", label="scoring compute"),
    Metric("total_gmac", "GMAC", "min", "Training plus scoring compute.", label="total compute"),
    Metric("inference_mmac", "MMAC", "min", "Forward MACs per image of the final network.", label="inference MACs"),
    Metric("params_k", "k", "min", "Parameters of the final network.", label="parameters"),
    Metric("latency_ms", "ms", "min", "Measured CPU latency of one image through the final network (median).",
           measured=True, label="latency"),
)


def _check_schedule(params: dict) -> None:
    if params["stop_epoch"] >= params["epochs"]:
        raise ValueError(f"stop_epoch={params['stop_epoch']} must be below epochs={params['epochs']} (the network "
                         "trains on after its last prune)")
    if params["every_n"] > params["stop_epoch"]:
        raise ValueError(f"every_n={params['every_n']} must not exceed stop_epoch={params['stop_epoch']}")


def while_training(network, width_mult, dataset, criterion, target_ratio, every_n, stop_epoch, ranking, epochs,
                   lr, seed) -> dict:
    """Prune while training (see :func:`workbench.pruning.trainer.prune_while_training`)."""
    model, loaders, splits = setup(network, dataset, width_mult, seed)
    schedule = PruneSchedule(every_n, stop_epoch, target_ratio, ranking)
    run = prune_while_training(model, loaders, criterion=criterion, schedule=schedule, epochs=epochs, lr=lr,
                               seed=seed)
    return {**summarise(run, splits, loaders), "filters_per_step": schedule.filters_per_step(run.initial_widths)}


def prune_retrain(network, width_mult, dataset, criterion, target_ratio, ranking, epochs, retrain_epochs, lr,
                  seed) -> dict:
    """Train, prune once, retrain (see :func:`workbench.pruning.trainer.train_prune_retrain`)."""
    model, loaders, splits = setup(network, dataset, width_mult, seed)
    run = train_prune_retrain(model, loaders, criterion=criterion, target_ratio=target_ratio, ranking=ranking,
                              epochs=epochs, retrain_epochs=retrain_epochs, lr=lr, retrain_lr=lr / 5, seed=seed)
    return summarise(run, splits, loaders)


def schedule_cost(network, input_size, epochs, every_n, stop_epoch, target_ratio, retrain_epochs) -> dict:
    """Analytic training compute of a per-layer schedule (see :mod:`workbench.pruning.analytic`)."""
    result = compare(profile(network, input_size), PruneSchedule(every_n, stop_epoch, target_ratio, "layer"),
                     epochs, retrain_epochs)
    return {
        "compute_saving": 100 * result["compute_saving"],
        "memory_saving": 100 * result["memory_saving"],
        "pwt_gmac_per_sample": result["pwt_macs"] / 1e9,
        "baseline_gmac_per_sample": result["baseline_macs"] / 1e9,
        "inference_mac_reduction": 100 * result["inference_mac_reduction"],
        "final_widths": result["final_widths"],
    }


WHILE_TRAINING = Study(
    name="pruning.while_training",
    theme="pruning",
    func=while_training,
    knobs=(_NETWORK, _WIDTH, _DATASET, _CRITERION, _TARGET, _EVERY_N, _STOP, _RANKING, _EPOCHS, _LR, _SEED),
    metrics=_RUN_METRICS + (Metric("filters_per_step", "filters", None, "Mean filters removed per step (x).",
                                   label="filters / step"),),
    version="3",
    cost="batch",
    context=one_torch_thread,
    constraints=_check_schedule,
    description="Train a network and remove filters every n epochs until N1 (no retraining), scored by L1, mean "
                "activation, random or FRS; reports accuracy, training compute and memory accesses, and the pruned "
                "network's size and latency (arXiv:2003.02800, arXiv:2002.09958).",
)

PRUNE_RETRAIN = Study(
    name="pruning.train_prune_retrain",
    theme="pruning",
    func=prune_retrain,
    knobs=(_NETWORK, _WIDTH, _DATASET, _CRITERION, _TARGET, _RANKING, _EPOCHS, _RETRAIN, _LR, _SEED),
    metrics=_RUN_METRICS,
    version="3",
    cost="batch",
    context=one_torch_thread,
    description="The baseline: train the full network, prune once to the target, retrain (learning rate / 5).",
)

SCHEDULE_COST = Study(
    name="pruning.schedule_cost",
    theme="pruning",
    func=schedule_cost,
    knobs=(Choice("network", "vgg16", options=NETWORKS, help="Published-width network."),
           Choice("input_size", 32, options=(16, 32, 64, 224), unit="px", label="input side",
                  help="Input image side."),
           epochs_knob(200, high=400, low=2, help="Training epochs (E) of both methods."),
           replace(_EVERY_N, default=21),
           replace(_STOP, default=150, high=400),
           replace(_TARGET, high=0.95, help="Fraction of every prunable layer's filters removed by the end."),
           _RETRAIN),
    metrics=(
        Metric("compute_saving", "%", "max", "1 - training MACs of pruning while training / train + prune + retrain.",
               label="training compute saving"),
        Metric("memory_saving", "%", "max", "The same for memory accesses.", label="training memory saving"),
        Metric("pwt_gmac_per_sample", "GMAC", "min", "Training MACs per training sample, pruning while training.",
               label="training MACs / sample (while training)"),
        Metric("baseline_gmac_per_sample", "GMAC", "min", "Training MACs per training sample, train+prune+retrain.",
               label="training MACs / sample (baseline)"),
        Metric("inference_mac_reduction", "%", "max", "Forward MACs saved by the final pruned network.",
               label="inference MAC reduction"),
    ),
    version="2",
    cost="interactive",
    constraints=_check_schedule,
    description="Training compute of a per-layer pruning schedule vs train + prune + retrain, counted layer by "
                "layer on the published networks (no training; accuracy needs the batch studies).",
    reference=True,
)
