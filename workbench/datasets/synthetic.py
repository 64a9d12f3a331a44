"""A class-conditional synthetic image generator: learnable, any size, no download.

Each class has a prototype made of a few random Gaussian blobs per channel; a sample is its class prototype,
shifted by a random offset of up to ``max_shift_px`` pixels (circularly), scaled by a random contrast in [0.7, 1.3]
and corrupted by white Gaussian noise of standard deviation ``noise``. Classes are separable with translation
invariance, which is what a small CNN learns; ``noise`` sets the difficulty.
"""

from __future__ import annotations

import numpy as np

from workbench.datasets.base import Splits, check_fractions, normalised_splits, stratified_split


def _prototypes(rng: np.random.Generator, num_classes: int, channels: int, size: int, blobs: int) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    protos = np.zeros((num_classes, channels, size, size), np.float32)
    for k in range(num_classes):
        for c in range(channels):
            for _ in range(blobs):
                cy, cx = rng.uniform(0, size, 2)
                sigma = rng.uniform(0.08, 0.2) * size
                sign = rng.choice([-1.0, 1.0])
                protos[k, c] += sign * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * sigma**2))
    return protos


def synthetic_images(
    num_classes: int = 10,
    samples_per_class: int = 100,
    size: int = 16,
    channels: int = 3,
    noise: float = 0.5,
    max_shift_px: int = 2,
    blobs: int = 3,
    seed: int = 0,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
) -> Splits:
    """Generate a labelled image data set (see the module docstring for the model).

    Parameters
    ----------
    num_classes : int
        Number of classes (>= 2).
    samples_per_class : int
        Images per class before splitting.
    size, channels : int
        Image side (pixels) and channels.
    noise : float
        Standard deviation of the additive Gaussian noise (prototype peaks are about 1).
    max_shift_px : int
        Largest random translation in pixels.
    blobs : int
        Gaussian blobs per channel in each class prototype.
    seed : int
        Seeds the prototypes, the samples and the split.
    val_fraction, test_fraction : float
        Held-out fractions.
    """
    checks = (("num_classes", num_classes, 2), ("samples_per_class", samples_per_class, 4), ("size", size, 4),
              ("channels", channels, 1), ("blobs", blobs, 1), ("max_shift_px", max_shift_px, 0))
    for field, value, low in checks:
        if value < low:
            raise ValueError(f"{field}={value} is not allowed; allowed: >= {low}")
    if noise < 0:
        raise ValueError(f"noise={noise} is not allowed; allowed: >= 0")
    check_fractions(val_fraction, test_fraction)
    rng = np.random.default_rng(seed)
    protos = _prototypes(rng, num_classes, channels, size, blobs)
    labels = np.repeat(np.arange(num_classes), samples_per_class)
    shifts = rng.integers(-max_shift_px, max_shift_px + 1, size=(len(labels), 2))
    contrast = rng.uniform(0.7, 1.3, size=(len(labels), 1, 1, 1)).astype(np.float32)
    images = np.stack([np.roll(protos[k], tuple(s), axis=(1, 2)) for k, s in zip(labels, shifts)]) * contrast
    images += rng.normal(0, noise, images.shape).astype(np.float32)
    rest, test = stratified_split(labels, test_fraction, seed)
    train, val = stratified_split(labels[rest], val_fraction / (1 - test_fraction), seed)
    parts = {"train": rest[train], "val": rest[val], "test": test}
    return normalised_splits(
        "synthetic", {k: images[v] for k, v in parts.items()}, {k: labels[v] for k, v in parts.items()}, num_classes
    )
