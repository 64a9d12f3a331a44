"""CIFAR-10 and CIFAR-100 from a local directory in the standard "python version" pickle format.

Nothing is downloaded. ``root`` is the extracted ``cifar-10-batches-py`` / ``cifar-100-python`` directory or a
directory containing it (A. Krizhevsky, "Learning multiple layers of features from tiny images", 2009,
https://www.cs.toronto.edu/~kriz/cifar.html). The official test set is the test split; a stratified
``val_fraction`` of the training set is held out for validation.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from workbench.datasets.base import Splits, normalised_splits, stratified_split

_LAYOUT = {
    "cifar10": ("cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)], ["test_batch"], b"labels", 10),
    "cifar100": ("cifar-100-python", ["train"], ["test"], b"fine_labels", 100),
}


def _locate(root: str | Path, name: str) -> Path:
    subdir, train_files, test_files, _, _ = _LAYOUT[name]
    root = Path(root).expanduser()
    expected = train_files + test_files
    for candidate in (root, root / subdir):
        if all((candidate / f).is_file() for f in expected):
            return candidate
    raise FileNotFoundError(
        f"{name}: no data set at {str(root)!r}: expected the files {expected} in that directory or in "
        f"{str(root / subdir)!r} (the python-version archive from https://www.cs.toronto.edu/~kriz/cifar.html, "
        "extracted; nothing is downloaded)"
    )


def _read(files: list[Path], label_key: bytes) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for f in files:
        with open(f, "rb") as handle:
            batch = pickle.load(handle, encoding="bytes")
        images.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
        labels.append(np.asarray(batch[label_key], dtype=np.int64))
    return np.concatenate(images).astype(np.float32) / 255.0, np.concatenate(labels)


def _load(name: str, root: str | Path, seed: int, val_fraction: float) -> Splits:
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction={val_fraction} is not allowed; allowed: 0 < val_fraction < 1")
    _, train_files, test_files, label_key, num_classes = _LAYOUT[name]
    folder = _locate(root, name)
    x, y = _read([folder / f for f in train_files], label_key)
    x_test, y_test = _read([folder / f for f in test_files], label_key)
    train, val = stratified_split(y, val_fraction, seed)
    return normalised_splits(
        name,
        {"train": x[train], "val": x[val], "test": x_test},
        {"train": y[train], "val": y[val], "test": y_test},
        num_classes,
    )


def cifar10(root: str | Path, seed: int = 0, val_fraction: float = 0.1) -> Splits:
    """CIFAR-10 (50,000 training and 10,000 test 32x32 RGB images, 10 classes) from ``root``.

    Raises
    ------
    FileNotFoundError
        Naming ``root`` and the expected files when they are not there.
    """
    return _load("cifar10", root, seed, val_fraction)


def cifar100(root: str | Path, seed: int = 0, val_fraction: float = 0.1) -> Splits:
    """CIFAR-100 (fine labels, 100 classes) from ``root``; see :func:`cifar10`."""
    return _load("cifar100", root, seed, val_fraction)
