"""TxSim's weight update as a torch optimizer, and crossbar-aware training through the workbench's one loop.

:class:`CrossbarSGD` plugs the pulse-programmed update (TxSim, arXiv 2002.11151, Sec. III;
:mod:`workbench.crossbar.training.update`) into a torch training loop the way aihwkit's ``AnalogSGD`` does: the loop
computes the gradients, ``step()`` programs every :class:`~workbench.crossbar.training.layers.TxLinear` layer's
crossbars (or applies the ideal SGD step when the update is ideal) and updates the digital parameters by plain SGD.
:func:`train` runs it in :func:`workbench.nn.train.fit`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from workbench.crossbar.training.layers import crossbar_sgd_step
from workbench.nn.train import TensorBatches, fit

__all__ = ["CrossbarSGD", "TrainResult", "train"]


class CrossbarSGD(torch.optim.Optimizer):
    """Plain SGD whose :class:`~workbench.crossbar.training.layers.TxLinear` layers program their crossbars.

    Parameters
    ----------
    model : nn.Module
        The network: its crossbar layers are updated by :meth:`TxLinear.apply_update
        <workbench.crossbar.training.layers.TxLinear.apply_update>` (pulses, or the ideal step), every other
        parameter by ``p -= lr grad``. One parameter group holds all its parameters; ``lr`` is that group's.
    lr : float
        Learning rate (> 0).
    """

    def __init__(self, model: nn.Module, lr: float):
        if not lr > 0:
            raise ValueError(f"lr={lr} is not allowed; allowed: > 0")
        super().__init__(model.parameters(), {"lr": lr})
        self.model = model

    @torch.no_grad()
    def step(self, closure=None):
        """One update of every parameter from its gradient (:func:`~workbench.crossbar.training.layers
        .crossbar_sgd_step`); returns the closure's loss when one is given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        crossbar_sgd_step(self.model, self.param_groups[0]["lr"])
        return loss


@dataclass
class TrainResult:
    """What :func:`train` returns: the model and one row per epoch."""

    model: nn.Module
    history: list[dict]


def _accuracy(model: nn.Module, data, device) -> float:
    """Test accuracy (%) of the whole test set read in one call (the DAC's full scale is the call's largest input),
    in eval mode."""
    x, y = data.tensors
    was_training = model.training
    model.eval()
    with torch.no_grad():
        pred = model(x.to(device)).argmax(1).cpu()
    model.train(was_training)
    return 100.0 * float((pred == y).float().mean())


def train(model: nn.Module, splits, *, epochs: int, lr: float, batch_size: int = 64, seed: int = 0,
          description: str = "crossbar-aware training") -> TrainResult:
    """Train ``model`` (with :class:`~workbench.crossbar.training.layers.TxLinear` layers) by :class:`CrossbarSGD`
    with cross-entropy at a constant learning rate, in :func:`workbench.nn.train.fit`; one history row per epoch with
    ``epoch`` (from 1), ``train_loss``, ``test_accuracy`` (%) and ``wall_s`` (training time of the epoch).

    The shuffle draws one permutation per epoch from a generator seeded by ``seed``; evaluation reads the crossbars
    as the forward pass does.
    """
    device = next(model.parameters()).device
    x_train, y_train = splits.train.tensors
    gen = torch.Generator().manual_seed(seed)
    batches = TensorBatches(x_train, y_train, batch_size, lambda epoch: torch.randperm(len(y_train), generator=gen))
    result = fit(model, batches, epochs=epochs, lr=lr, schedule="constant", device=device, seed=seed,
                 optimizer=lambda net: CrossbarSGD(net, lr), description=description,
                 epoch_log=lambda net: {"test_accuracy": _accuracy(net, splits.test, device)})
    history = [{"epoch": row["epoch"] + 1, "train_loss": row["train_loss"], "test_accuracy": row["test_accuracy"],
                "wall_s": row["train_seconds"]} for row in result.history]
    return TrainResult(model, history)
