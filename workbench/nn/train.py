"""The training and evaluation loop: seeded, device-aware, with progress, cancellation and checkpoint/resume.

Optimiser: SGD with momentum and weight decay and a per-epoch learning rate (constant or cosine,
Loshchilov and Hutter, "SGDR", ICLR 2017), the standard recipe for VGG/ResNet on CIFAR. The learning rate is a
function of the epoch only, and each epoch's shuffling is seeded from ``(seed, epoch)``, so a run resumed from a
checkpoint gives the same weights as an uninterrupted one, and an ``epoch_hook`` that changes the model's
structure (pruning) can have the optimiser rebuilt without losing the schedule. Another optimiser plugs in through
``optimizer`` (TxSim's :class:`~workbench.crossbar.training.optim.CrossbarSGD`, which programs crossbars, as aihwkit's
``AnalogSGD`` plugs into a torch loop), and in-memory data through :class:`TensorBatches`, whose order is a function
of the seed and the epoch: this is the workbench's one training loop.
"""

from __future__ import annotations

import contextlib
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import torch
from torch import nn
from torch.utils.data import DataLoader

from workbench.core.files import atomic_write
from workbench.core.integrity import check_finite
from workbench.core.progress import track
from workbench.nn.device import resolve_device

#: ``epoch_hook(epoch, model)`` runs after each finished epoch (0-based); it returns True when it changed the
#: model's parameters structurally (so the optimiser must be rebuilt) and False otherwise.
EpochHook = Callable[[int, nn.Module], bool]

#: ``optimizer(model)`` builds the optimiser over the model's current parameters (at the start, and again when an
#: ``epoch_hook`` changed them); :func:`fit` sets every parameter group's ``lr`` each epoch.
OptimizerFactory = Callable[[nn.Module], torch.optim.Optimizer]


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Parameters
    ----------
    model : nn.Module
        The trained model (after a resume, the given model narrowed to the checkpoint's widths if it was pruned,
        holding the checkpoint's weights).
    history : list of dict
        One row per epoch: ``epoch``, ``lr``, ``train_loss``, ``train_accuracy``, ``val_accuracy`` (NaN without a
        validation loader), ``seconds`` (the whole epoch) and ``train_seconds`` (its training pass alone).
    """

    model: nn.Module
    history: list[dict] = field(default_factory=list)

    @property
    def val_accuracy(self) -> float:
        """Validation accuracy after the last epoch."""
        return self.history[-1]["val_accuracy"] if self.history else float("nan")


def learning_rate(epoch: int, epochs: int, lr: float, schedule: str) -> float:
    """Learning rate for ``epoch`` (0-based) of ``epochs``: constant, or cosine decay from ``lr`` towards 0."""
    if schedule == "constant":
        return lr
    return 0.5 * lr * (1 + math.cos(math.pi * epoch / epochs))


def make_optimizer(model: nn.Module, lr: float, momentum: float, weight_decay: float) -> torch.optim.SGD:
    """SGD over the model's *current* parameters (call again after channels were removed)."""
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)


class TensorBatches:
    """Mini-batches of in-memory tensors in a seeded order: what :func:`fit` takes instead of a ``DataLoader`` when
    the data fit in memory (no per-sample collation) or the order must follow a given seeding.

    Parameters
    ----------
    x, y : Tensor
        Inputs and labels, indexed along the first dimension.
    batch_size : int
        Samples per batch (the last batch holds the rest).
    order : callable
        ``order(epoch) -> permutation of range(len(y))`` for each epoch; :func:`fit` announces the epoch through
        :meth:`set_epoch` (the ``DistributedSampler`` convention), so a resumed run draws the same orders.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, order: Callable[[int], torch.Tensor]):
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size} is not allowed; allowed: >= 1")
        self.x, self.y, self.batch_size, self.order = x, y, batch_size, order
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        order = self.order(self.epoch)
        for i in range(0, len(order), self.batch_size):
            idx = order[i:i + self.batch_size]
            yield self.x[idx], self.y[idx]


def evaluate_accuracy(model: nn.Module, loader: DataLoader, device: str | torch.device = "auto") -> float:
    """Top-1 accuracy (fraction in [0, 1]) of ``model`` over ``loader``, in eval mode; restores the mode."""
    dev = resolve_device(device)
    was_training = model.training
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(dev), y.to(dev)
            correct += (model(x).argmax(1) == y).sum().item()
            total += y.numel()
    model.train(was_training)
    if total == 0:
        raise ValueError("evaluate_accuracy: the loader yielded no samples")
    return correct / total


def fit(
    model: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader | None = None,
    *,
    epochs: int = 10,
    lr: float = 0.05,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    schedule: Literal["cosine", "constant"] = "cosine",
    device: str | torch.device = "auto",
    seed: int = 0,
    checkpoint: str | Path | None = None,
    epoch_hook: EpochHook | None = None,
    epoch_log: Callable[[nn.Module], dict] | None = None,
    description: str = "training",
    optimizer: OptimizerFactory | None = None,
) -> FitResult:
    """Train ``model`` with SGD and cross-entropy.

    Parameters
    ----------
    model : nn.Module
        Trained in place (moved to ``device``).
    train_loader, val_loader : DataLoader or iterable of (x, y)
        Training batches (shuffled by the loader; the shuffle is seeded per epoch here, and a loader with a
        ``set_epoch`` method, such as :class:`TensorBatches`, is told the epoch first) and optional validation.
    epochs : int
        Total epochs of the run (a resumed run continues up to this number).
    lr, momentum, weight_decay : float
        SGD settings; ``lr`` is the initial learning rate (of any ``optimizer``).
    schedule : {"cosine", "constant"}
        Learning-rate schedule over epochs.
    device : {"auto", "cpu", "cuda"}
        See :func:`workbench.nn.resolve_device`.
    seed : int
        Seeds torch before the run and at each epoch (``seed * 100003 + epoch``).
    checkpoint : path, optional
        Written atomically after every epoch (see :func:`_checkpoint_state`); when it exists at the start, training
        resumes from it. It is read with ``torch.load(weights_only=True)``, so a crafted file cannot run code.
    epoch_hook : callable, optional
        ``epoch_hook(epoch, model) -> bool`` after each epoch (before the checkpoint); returning True rebuilds
        the optimiser over the model's new parameters (momentum restarts from zero).
    epoch_log : callable, optional
        ``epoch_log(model) -> dict`` after each epoch and before the hook; its items join that epoch's history
        row (and so the checkpoint), e.g. the cost of the network as it was during the epoch.
    description : str
        Label of the progress bar over epochs.
    optimizer : callable, optional
        ``optimizer(model)`` builds another optimiser than SGD with ``momentum`` and ``weight_decay``
        (:data:`OptimizerFactory`); the schedule still sets its learning rate.

    Returns
    -------
    FitResult
    """
    if epochs < 1:
        raise ValueError(f"epochs={epochs} is not allowed; allowed: >= 1")
    if lr <= 0:
        raise ValueError(f"lr={lr} is not allowed; allowed: > 0")
    if schedule not in ("cosine", "constant"):
        raise ValueError(f"schedule={schedule!r} is not allowed; allowed: 'cosine' or 'constant'")
    dev = resolve_device(device)
    with _deterministic_kernels():
        return _fit(model, train_loader, val_loader, epochs=epochs, lr=lr, momentum=momentum,
                    weight_decay=weight_decay, schedule=schedule, dev=dev, seed=seed, checkpoint=checkpoint,
                    epoch_hook=epoch_hook, epoch_log=epoch_log, description=description,
                    build=optimizer or (lambda net: make_optimizer(net, lr, momentum, weight_decay)))


@contextlib.contextmanager
def _deterministic_kernels():
    """Ask cuDNN for deterministic convolution kernels (its fastest ones accumulate in a run-dependent order), so a
    seeded run, and a run resumed from a checkpoint, give the same weights on a GPU as well; restored afterwards."""
    saved = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = saved


CHECKPOINT_FORMAT = "workbench-fit-checkpoint-2"


def _checkpoint_state(model: nn.Module, history: list[dict], epoch: int, optimizer: torch.optim.Optimizer) -> dict:
    """What a checkpoint holds: only tensors, lists, dicts, strings and numbers, so it loads with ``weights_only``.

    The model's weights (``state_dict``) and, for a prunable model, its channel widths (a resumed run narrows the
    fresh model to them first); the history, the next epoch and the optimiser state. No RNG state is needed: every
    epoch reseeds torch from ``(seed, epoch)``.
    """
    return {
        "format": CHECKPOINT_FORMAT,
        "model": model.state_dict(),
        "widths": model.widths() if hasattr(model, "widths") else {},
        "history": history,
        "epoch": epoch,
        "optimizer": optimizer.state_dict(),
    }


def _load_checkpoint(path: Path, model: nn.Module, dev: torch.device) -> tuple[list[dict], int, dict]:
    """Restore ``model`` (narrowed to the stored widths, then the stored weights) from a checkpoint of :func:`fit`;
    returns the history, the next epoch and the optimiser state.

    Raises
    ------
    ValueError
        Naming the file when it is unreadable, not a :func:`fit` checkpoint, holds anything but tensors and plain
        data (nothing in it is executed), a non-finite weight, or does not fit ``model``; the file is left untouched.
    """
    try:
        state = torch.load(path, map_location=dev, weights_only=True)
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"it is not a {CHECKPOINT_FORMAT!r} file")
        check_finite(state["model"])  # a NaN weight would train on as NaN
        for name, width in state["widths"].items():
            if model.widths()[name] > width:
                model.remove_channels(name, range(width))
        model.load_state_dict(state["model"])
        return state["history"], state["epoch"], state["optimizer"]
    except Exception as error:  # any unpickling failure, foreign object or shape mismatch means the same to the user
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ValueError(
            f"checkpoint {path} is not a readable training checkpoint of this model ({type(error).__name__}: "
            f"{reason}); it was left untouched: move or delete it to start the run afresh"
        ) from error


def _fit(model, train_loader, val_loader, *, epochs, lr, momentum, weight_decay, schedule, dev, seed, checkpoint,
         epoch_hook, epoch_log, description, build) -> FitResult:
    torch.manual_seed(seed)
    history: list[dict] = []
    start = 0
    path = Path(checkpoint) if checkpoint is not None else None
    optimizer_state = None
    if path is not None and path.exists():
        history, start, optimizer_state = _load_checkpoint(path, model, dev)
    model.to(dev)
    optimizer = build(model)
    if optimizer_state is not None:
        optimizer.load_state_dict(optimizer_state)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in track(range(start, epochs), total=epochs - start, description=description):
        began = time.perf_counter()
        torch.manual_seed(seed * 100003 + epoch)
        rate = learning_rate(epoch, epochs, lr, schedule)
        for group in optimizer.param_groups:
            group["lr"] = rate
        if hasattr(train_loader, "set_epoch"):
            train_loader.set_epoch(epoch)
        model.train()
        loss_sum = correct = seen = 0.0
        for x, y in train_loader:
            x, y = x.to(dev), y.to(dev)
            optimizer.zero_grad(set_to_none=True)
            out = model(x)
            loss = loss_fn(out, y)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * y.numel()
            correct += (out.argmax(1) == y).sum().item()
            seen += y.numel()
        trained = time.perf_counter() - began
        val = evaluate_accuracy(model, val_loader, dev) if val_loader is not None else float("nan")
        history.append(
            {
                "epoch": epoch,
                "lr": rate,
                "train_loss": loss_sum / max(seen, 1),
                "train_accuracy": correct / max(seen, 1),
                "val_accuracy": val,
                "seconds": time.perf_counter() - began,
                "train_seconds": trained,
                **(epoch_log(model) if epoch_log is not None else {}),
            }
        )
        if epoch_hook is not None and epoch_hook(epoch, model):
            optimizer = build(model)
        if path is not None:
            buffer = io.BytesIO()
            torch.save(_checkpoint_state(model, history, epoch + 1, optimizer), buffer)
            atomic_write(path, buffer.getvalue())
    return FitResult(model=model, history=history)


def fit_small(model: nn.Module, x: torch.Tensor, y: torch.Tensor, seed: int, epochs: int,
              lr: float = 0.05, description: str = "small network") -> nn.Module:
    """:func:`fit` over in-memory tensors ``x``, ``y`` (batches of 64 in an order seeded by ``seed`` per epoch,
    :class:`TensorBatches`) on one thread, on the CPU, without checkpoints: the SparCE and MRAM workload networks.
    Returns the model in eval mode."""
    from workbench.nn.device import torch_threads

    batches = TensorBatches(x, y, 64, lambda epoch: torch.randperm(
        len(x), generator=torch.Generator().manual_seed(seed * 1000 + epoch)))
    with torch_threads(1):   # a small net trains faster on one thread than on two busy cores
        fit(model, batches, epochs=epochs, lr=lr, device="cpu", seed=seed, description=description)
    return model.eval()
