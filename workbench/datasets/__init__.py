"""Data sets as torch ``TensorDataset`` splits: scikit-learn digits, synthetic images, CIFAR-10/100 from disk."""

from workbench.datasets.base import Loaders, Splits, make_loaders
from workbench.datasets.cifar import cifar10, cifar100
from workbench.datasets.digits import digits
from workbench.datasets.synthetic import synthetic_images

__all__ = ["Loaders", "Splits", "cifar10", "cifar100", "digits", "make_loaders", "synthetic_images"]
