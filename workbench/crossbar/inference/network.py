"""Accuracy of a trained network on crossbars as non-idealities grow (claim X2 at the scale available here).

Rx-Caffe (arXiv 1809.00072, Sec. V) trains ImageNet networks in floating point and evaluates them on crossbars;
here a small VGG-style CNN is trained on the scikit-learn digits (bundled, seconds on a CPU; the study) or on
MNIST-5k (5,000 real MNIST images, the X2 reproduction) and converted with
:func:`workbench.crossbar.inference.layers.convert`. The trained network is cached per process, keyed by its training
settings, so sweeping the crossbar knobs retrains nothing; every result is still a pure function of the knobs.
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.inference.layers import convert
from workbench.datasets import digits, make_loaders, mnist5k
from workbench.nn.device import torch_threads
from workbench.nn.models import vgg
from workbench.nn.train import evaluate_accuracy, fit

__all__ = [
    "DATASETS", "DIGITS_CNN", "DIGITS_INPUT", "MNIST_SIDE", "crossbar_accuracy", "digits_cnn_layers", "trained_cnn",
    "trained_digits_cnn",
]

#: The network: conv widths and pools of a small VGG for 1 x 8 x 8 digits.
DIGITS_CNN = (16, "M", 32, "M", 32)
#: One input of the digits CNN (channels, height, width).
DIGITS_INPUT = (1, 8, 8)
#: Side of the MNIST-5k images the crossbar CNN trains on: 28 x 28 area-averaged to 16 x 16, so that the
#: classifier's input (32 x 4 x 4) fits a few tiles and a conversion takes seconds on a CPU.
MNIST_SIDE = 16
#: Data sets the crossbar CNN trains on, by name: a function of the split seed returning the splits.
DATASETS = {
    "digits": lambda seed: digits(seed=seed),
    "mnist5k": lambda seed: mnist5k(size=MNIST_SIDE, seed=seed),
}


@functools.lru_cache(maxsize=2)
def digits_cnn_layers(trained: bool = False, epochs: int = 8, seed: int = 0) -> tuple:
    """The digits CNN's weight layers as :class:`~workbench.crossbar.inference.cost.LayerShape` (cached).

    ``trained=False`` takes the network's initial weights (``torch.manual_seed(seed)``, no training: cheap enough
    for an interactive study); ``trained=True`` the weights :func:`trained_digits_cnn` returns.
    """
    from workbench.crossbar.inference.cost import layer_shapes

    if trained:
        model = trained_digits_cnn(epochs, seed)[0]
    else:
        with torch.random.fork_rng():  # leaves the caller's random state alone
            torch.manual_seed(seed)
            model = vgg(list(DIGITS_CNN), num_classes=10, in_channels=DIGITS_INPUT[0], input_size=DIGITS_INPUT[1])
    return tuple(layer_shapes(model, DIGITS_INPUT))


def trained_digits_cnn(epochs: int = 8, seed: int = 0) -> tuple[nn.Module, object]:
    """A small VGG trained on the digits in floating point, and the data loaders (cached per process)."""
    return trained_cnn("digits", epochs, seed)


@functools.lru_cache(maxsize=8)
def trained_cnn(dataset: str = "digits", epochs: int = 8, seed: int = 0) -> tuple[nn.Module, object]:
    """The :data:`DIGITS_CNN` VGG trained in floating point on one of :data:`DATASETS`, and its data loaders
    (cached per process). ``seed`` sets the split, the initial weights and the batch order.

    Training runs on one torch thread: multi-threaded reductions round differently, and the crossbar accuracy of
    the resulting network is sensitive enough to such differences that results would depend on the machine.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset={dataset!r} is not allowed; allowed: {sorted(DATASETS)}")
    splits = DATASETS[dataset](seed)
    loaders = make_loaders(splits, batch_size=64)
    torch.manual_seed(seed)  # the initial weights
    model = vgg(list(DIGITS_CNN), num_classes=splits.num_classes, in_channels=1, input_size=splits.input_size)
    with torch_threads(1):
        fitted = fit(model, loaders.train, loaders.val, epochs=epochs, lr=0.05, device="cpu", seed=seed,
                     description="training digits CNN")
    return fitted.model.eval(), loaders


def crossbar_accuracy(config: CrossbarConfig, *, epochs: int = 8, train_seed: int = 0,
                      dataset: str = "digits") -> dict[str, float]:
    """Test accuracy (%) of the trained CNN (:func:`trained_cnn`) in floating point and on crossbars with ``config``.

    Returns ``accuracy_float``, ``accuracy`` (on crossbars) and ``accuracy_drop`` (percentage points).
    """
    model, loaders = trained_cnn(dataset, epochs, train_seed)
    with torch.no_grad():
        acc_float = 100 * evaluate_accuracy(model, loaders.test, "cpu")
        acc_xbar = 100 * evaluate_accuracy(convert(model, config), loaders.test, "cpu")
    return {"accuracy_float": acc_float, "accuracy": acc_xbar, "accuracy_drop": acc_float - acc_xbar}
