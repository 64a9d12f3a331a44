"""The scikit-learn handwritten digits (1,797 8x8 grey images, 10 classes; bundled, no download)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits

from workbench.datasets.base import Splits, check_fractions, normalised_splits, stratified_split


def digits(size: int = 8, seed: int = 0, val_fraction: float = 0.15, test_fraction: float = 0.15) -> Splits:
    """The UCI optical-recognition digits as one-channel images.

    Parameters
    ----------
    size : int
        Image side in pixels: 8 (native) or larger, upsampled bilinearly (e.g. 16 for a VGG with 4 pools).
    seed : int
        Seed of the stratified train/validation/test split.
    val_fraction, test_fraction : float
        Fractions of the 1,797 images held out for validation and test.
    """
    if not 8 <= size <= 64:
        raise ValueError(f"size={size} is not allowed; allowed: 8 <= size <= 64")
    check_fractions(val_fraction, test_fraction)
    data = load_digits()
    images = data.images.astype(np.float32)[:, None] / 16.0
    if size != 8:
        images = F.interpolate(torch.from_numpy(images), size=(size, size), mode="bilinear",
                               align_corners=False).numpy()
    labels = data.target
    rest, test = stratified_split(labels, test_fraction, seed)
    train, val = stratified_split(labels[rest], val_fraction / (1 - test_fraction), seed)
    train, val = rest[train], rest[val]
    parts = {"train": train, "val": val, "test": test}
    return normalised_splits(
        "digits", {k: images[v] for k, v in parts.items()}, {k: labels[v] for k, v in parts.items()}, 10
    )
