"""CIFAR-10 and CIFAR-100 from a local directory in the standard "python version" pickle format.

Nothing is downloaded. ``root`` is the extracted ``cifar-10-batches-py`` / ``cifar-100-python`` directory or a
directory containing it (A. Krizhevsky, "Learning multiple layers of features from tiny images", 2009,
https://www.cs.toronto.edu/~kriz/cifar.html). The official test set is the test split; a stratified
``val_fraction`` of the training set is held out for validation.

The batches are pickles, and unpickling runs whatever a file names; :class:`_BatchUnpickler` resolves only the
globals the format needs (numpy array reconstruction, and ``_codecs.encode`` for byte strings pickled by Python 3),
so a crafted file raises ``ValueError`` instead of running code.
"""

from __future__ import annotations

import codecs
import pickle
from pathlib import Path

import numpy as np
from numpy._core import multiarray, numeric

from workbench.datasets.base import Splits, normalised_splits, stratified_split

_LAYOUT = {
    "cifar10": ("cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)], ["test_batch"], b"labels", 10),
    "cifar100": ("cifar-100-python", ["train"], ["test"], b"fine_labels", 100),
}


#: The only globals a CIFAR batch may name: Python 2 pickles (the official archives) name ``numpy.core``, numpy 2
#: names ``numpy._core``; protocol 5 rebuilds arrays from a buffer.
_ALLOWED_GLOBALS = {
    **{(f"{package}.multiarray", "_reconstruct"): multiarray._reconstruct for package in ("numpy.core", "numpy._core")},
    **{(f"{package}.numeric", "_frombuffer"): numeric._frombuffer for package in ("numpy.core", "numpy._core")},
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,
}


class _BatchUnpickler(pickle.Unpickler):
    """An unpickler that resolves only :data:`_ALLOWED_GLOBALS`; any other global raises ``UnpicklingError``."""

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"it names {module}.{name}, which a CIFAR batch never needs (allowed: numpy arrays, lists, dicts, "
                "bytes)"
            ) from None


def _load_batch(path: Path) -> dict:
    """One CIFAR batch file as its dict, through :class:`_BatchUnpickler`.

    Raises
    ------
    ValueError
        Naming the file when it is not a CIFAR batch (damaged, or naming objects the format does not hold); nothing
        in it is executed.
    """
    try:
        with open(path, "rb") as handle:
            batch = _BatchUnpickler(handle, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as error:
        raise ValueError(f"{path} is not a CIFAR batch in the python format: {error}") from None
    if not isinstance(batch, dict) or b"data" not in batch:
        raise ValueError(f"{path} is not a CIFAR batch in the python format: it holds no b'data' entry")
    return batch


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
        batch = _load_batch(f)
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
