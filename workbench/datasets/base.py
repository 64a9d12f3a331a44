"""Train/validation/test splits, normalisation and data loaders shared by every data set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset


@dataclass(frozen=True)
class Splits:
    """A data set split three ways.

    Parameters
    ----------
    name : str
        Data set name (``"digits"``, ``"synthetic"``, ``"cifar10"``, ...).
    train, val, test : TensorDataset
        ``(images float32 [N, C, H, W], labels int64 [N])``, normalised with the training split's per-channel
        mean and standard deviation.
    num_classes : int
        Number of classes (labels are 0 .. num_classes - 1).
    """

    name: str
    train: TensorDataset
    val: TensorDataset
    test: TensorDataset
    num_classes: int

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of one image."""
        return tuple(self.train.tensors[0].shape[1:])  # type: ignore[return-value]

    @property
    def in_channels(self) -> int:
        return self.input_shape[0]

    @property
    def input_size(self) -> int:
        """Image height (images are square)."""
        return self.input_shape[1]


@dataclass(frozen=True)
class Loaders:
    """Data loaders for the three splits (``train`` shuffles from torch's global generator)."""

    train: DataLoader
    val: DataLoader
    test: DataLoader


def check_fractions(val_fraction: float, test_fraction: float) -> None:
    """Raise ``ValueError`` unless both fractions are in (0, 1) and leave a training split."""
    for field, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 < value < 1:
            raise ValueError(f"{field}={value} is not allowed; allowed: 0 < {field} < 1")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction = {val_fraction + test_fraction} is not allowed; allowed: < 1"
        )


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(rest, held_out)`` with ``fraction`` of each class held out, deterministic in ``seed``."""
    index = np.arange(len(labels))
    rest, held = train_test_split(index, test_size=fraction, random_state=seed, stratify=labels)
    return np.sort(rest), np.sort(held)


def normalised_splits(
    name: str, images: dict[str, np.ndarray], labels: dict[str, np.ndarray], num_classes: int
) -> Splits:
    """Build :class:`Splits` from float arrays ``[N, C, H, W]``, normalising every split with train statistics."""
    train = images["train"].astype(np.float32)
    mean = train.mean(axis=(0, 2, 3), keepdims=True)
    std = train.std(axis=(0, 2, 3), keepdims=True) + 1e-6

    def dataset(split: str) -> TensorDataset:
        x = torch.from_numpy(((images[split].astype(np.float32) - mean) / std).astype(np.float32))
        return TensorDataset(x, torch.from_numpy(labels[split].astype(np.int64)))

    return Splits(name, dataset("train"), dataset("val"), dataset("test"), num_classes)


def make_loaders(splits: Splits, batch_size: int = 128, eval_batch_size: int = 1024) -> Loaders:
    """Loaders over ``splits``: training batches shuffled, evaluation batches in order, single process."""
    for field, value in (("batch_size", batch_size), ("eval_batch_size", eval_batch_size)):
        if value < 1:
            raise ValueError(f"{field}={value} is not allowed; allowed: >= 1")
    return Loaders(
        train=DataLoader(splits.train, batch_size=batch_size, shuffle=True),
        val=DataLoader(splits.val, batch_size=eval_batch_size),
        test=DataLoader(splits.test, batch_size=eval_batch_size),
    )
