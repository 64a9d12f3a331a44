"""Crossbar-aware training studies (TxSim, arXiv 2002.11151): accuracy as forward, backward and update become
non-ideal, and the speed and error of the speed-up techniques. Registered on import (``studies.py`` imports this)."""

from __future__ import annotations

import functools
import math
from dataclasses import replace

import torch

from workbench.core import Choice, Int, Metric, Study
from workbench.core.knobs import config_knobs
from workbench.core.vocabulary import SEED_HIGH, canonical_metric, epochs_knob, lr_knob
from workbench.crossbar.array.circuit import SHARED_WIRE_LABEL, SQUARE_TILE_LABEL, CircuitConfig
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.array.device import DeviceConfig
from workbench.crossbar.array.peripherals import PeripheralConfig
from workbench.crossbar.training.layers import TxLinear, TxSimConfig, tx_cnn, tx_mlp
from workbench.crossbar.training.optim import train
from workbench.crossbar.training.speed import speedup_errors, step_timing
from workbench.crossbar.training.update import UpdateConfig
from workbench.threads import one_torch_thread

__all__ = ["NETWORKS", "OPS", "SPEED", "SPEED_CONFIG", "TRAINING", "crossbar_training", "network", "training_speed",
           "with_ops"]

#: Which operations are non-ideal: the four curves of TxSim's accuracy-vs-epochs comparison.
OPS = {"ideal": (False, False, False), "forward": (True, False, False), "forward+backward": (True, True, False),
       "all": (True, True, True)}
DATASETS = ("digits", "mnist5k")
NETWORKS = ("mlp", "cnn")


@functools.lru_cache(maxsize=4)
def _splits(dataset: str, seed: int):
    from workbench.datasets import digits, mnist5k

    return digits(seed=seed) if dataset == "digits" else mnist5k(size=14, seed=seed)


def network(name: str, input_shape: tuple[int, ...], hidden: int, classes: int, config: TxSimConfig,
            seed: int) -> torch.nn.Sequential:
    """The study's network on crossbars: ``"mlp"``, input - ``hidden`` - classes (:func:`~workbench.crossbar
    .training.tx_mlp`), or ``"cnn"``, two 3x3 conv blocks of ``hidden // 2`` and ``hidden`` channels and a linear
    classifier (:func:`~workbench.crossbar.training.layers.tx_cnn`)."""
    if name == "cnn":
        return tx_cnn(tuple(input_shape), (max(hidden // 2, 1), hidden), classes, config, seed=seed)
    return tx_mlp((math.prod(input_shape), hidden, classes), config, seed=seed)


def with_ops(config: TxSimConfig, nonideal_ops: str) -> TxSimConfig:
    """``config`` with the operations :data:`OPS` lists for ``nonideal_ops`` non-ideal and the others ideal."""
    forward, backward, update = OPS[nonideal_ops]
    return replace(config, forward=forward, backward=backward, update=update)


def _run(config: TxSimConfig, nonideal_ops: str, dataset: str, name: str, hidden: int, epochs: int,
         lr: float) -> dict:
    """Train network ``name`` on ``config`` with the operations ``nonideal_ops`` non-ideal; the crossbar's seed
    also seeds the initial weights and the data order."""
    config = with_ops(config, nonideal_ops)
    seed = config.crossbar.seed
    splits = _splits(dataset, 0)
    torch.manual_seed(seed)
    model = network(name, splits.train.tensors[0].shape[1:], hidden, splits.num_classes, config, seed)
    matrices = [[m.in_features, m.out_features] for m in model if isinstance(m, TxLinear)]
    result = train(model, splits, epochs=epochs, lr=lr, seed=seed,
                   description=f"crossbar-aware training ({name}, {nonideal_ops})")
    return {"history": result.history, "matrices": matrices}


@functools.lru_cache(maxsize=8)
def _ideal_run(dataset: str, name: str, hidden: int, epochs: int, lr: float, seed: int) -> dict:
    """The all-ideal run (plain SGD: the crossbar knobs do not enter it), cached per process."""
    config = TRAINING.arguments({**TRAINING.defaults(), "seed": seed})["config"]
    return _run(config, "ideal", dataset, name, hidden, epochs, lr)


def crossbar_training(config: TxSimConfig, dataset: str, network: str, nonideal_ops: str, hidden: int, epochs: int,
                      lr: float) -> dict:
    """Train a network (an MLP or a small CNN, :func:`network`) on crossbars with the chosen operations non-ideal,
    and the same network with all of them ideal (same seed, data order and initial weights); test accuracy of both
    per epoch, and the write's effective mid-window step (``write_mid_step``, fraction of the window)."""
    run = _run(config, nonideal_ops, dataset, network, hidden, epochs, lr)
    ideal = run if nonideal_ops == "ideal" else _ideal_run(dataset, network, hidden, epochs, lr,
                                                            config.crossbar.seed)
    acc = [row["test_accuracy"] for row in run["history"]]
    acc_ideal = [row["test_accuracy"] for row in ideal["history"]]
    return {
        "accuracy": acc[-1],
        "accuracy_float": acc_ideal[-1],
        "accuracy_drop": acc_ideal[-1] - acc[-1],
        "wall_per_epoch_s": sum(r["wall_s"] for r in run["history"]) / len(run["history"]),
        "accuracy_per_epoch": acc,
        "accuracy_float_per_epoch": acc_ideal,
        "layer_matrices": run["matrices"],
        "write_mid_step": config.write.mid_step,
    }


_TILE = config_knobs(CircuitConfig, ("tile_size",),
                     tile_size=dict(field=("rows", "cols"), options=(8, 16, 32, 64, 128), default=32,
                                    label=SQUARE_TILE_LABEL))

TRAINING = Study(
    name="crossbar.training",
    theme="crossbar",
    func=crossbar_training,
    config=TxSimConfig(device="cpu"),
    knobs=(
        Choice("dataset", "digits", options=DATASETS,
               help="digits: scikit-learn 8x8 digits; mnist5k: 5,000 real MNIST images at 14x14."),
        Choice("network", "mlp", options=NETWORKS,
               help="mlp: input - hidden - classes; cnn: two 3x3 conv blocks (hidden/2 and hidden channels, "
                    "ReLU, 2x2 max pooling) and a linear classifier, the convolutions mapped onto the tiles by "
                    "im2col."),
        Choice("nonideal_ops", "all", options=tuple(OPS), label="non-ideal operations",
               help="Which operations run on non-ideal crossbars: none, forward, forward + backward, or all "
                    "three including the pulse-programmed update."),
        *_TILE,
        *config_knobs(CircuitConfig, ("r_wire_ohm", "circuit_model"),
                      r_wire_ohm=dict(field=("r_wire_row_ohm", "r_wire_col_ohm"), default=2.0, high=20.0,
                                      label=SHARED_WIRE_LABEL),
                      circuit_model=dict(field="model", default="cumulative",
                                         options=("exact", "cumulative", "ideal"))),
        *config_knobs(DeviceConfig, ("g_max_us", "on_off_ratio"),
                      g_max_us=dict(default=100.0, low=1.0, high=200.0, log=True),
                      on_off_ratio=dict(low=2.0, high=1000.0, log=True)),
        *config_knobs(UpdateConfig, ("nu", "response", "gamma", "noise", "d2d_sigma", "pulses"),
                      nu=dict(default=2.0, high=6.0), gamma=dict(default=0.2, high=1.0),
                      d2d_sigma=dict(default=0.1, high=0.5), pulses=dict(default=100, low=4, high=4096, log=True)),
        *config_knobs(PeripheralConfig, ("input_bits", "adc_bits"), input_bits=dict(default=8, high=12),
                      adc_bits=dict(default=8, high=12)),
        *config_knobs(TxSimConfig, ("refresh_every",), refresh_every=dict(default=1, high=100)),
        Int("hidden", 32, low=4, high=256, help="Hidden units of the MLP; channels of the CNN's second conv "
                                                "layer (its first has half)."),
        epochs_knob(10, high=50, help="Training epochs."),
        lr_knob(0.1, high=1.0, help="SGD learning rate (no momentum)."),
        *config_knobs(CrossbarConfig, ("seed",), seed=dict(high=SEED_HIGH)),
    ),
    metrics=(
        canonical_metric("accuracy", "Test accuracy after training with the chosen operations non-ideal (read on "
                         "crossbars).", "accuracy on crossbars"),
        canonical_metric("accuracy_float", "Test accuracy of the same MLP trained with all operations ideal (plain "
                         "SGD).", "ideal accuracy"),
        canonical_metric("accuracy_drop", "Ideal minus crossbar test accuracy (the training degradation).",
                         "degradation"),
        Metric("wall_per_epoch_s", unit="s", better="min", label="wall time / epoch", measured=True,
               help="Training wall time per epoch on crossbars (this machine, one thread)."),
    ),
    version="3",
    cost="batch",
    context=one_torch_thread,
    description=(
        "TxSim-style crossbar-aware training of an MLP or a small CNN (convolutions mapped onto the tiles by "
        "im2col): forward and transposed backward reads through DAC -> "
        "tiled crossbars with wire parasitics -> ADC, and the weight update programmed as quantised pulses with "
        "a nonlinear asymmetric (nu; NeuroSim's saturating response or an exponential step), noisy (gamma), "
        "varying (d2d) write on positive/negative array pairs, pulses counted with the mid-window step. "
        "Each operation can be ideal or not (claim T2 at the scale available here)."
    ),
)


#: The training ``crossbar.training_speed`` times, before its knobs: all operations non-ideal, 8-bit DAC and ADC,
#: nu = 2, gamma = 0.2.
SPEED_CONFIG = TxSimConfig(crossbar=CrossbarConfig(peripherals=PeripheralConfig(input_bits=8, adc_bits=8)),
                           write=UpdateConfig(nu=2.0, gamma=0.2), device="cpu")


def training_speed(config: TxSimConfig, hidden: int, batch: int) -> dict:
    """Wall time of one training step of a 784 - hidden - 10 MLP on crossbars (:data:`SPEED_CONFIG` with the
    study's knobs) against plain torch, and the error of each speed-up against the full model on a small MLP
    (64 - 32 - 10, 16x16 tiles)."""
    timing = step_timing((784, hidden, 10), config, batch=batch, repeats=2, inner=3)
    small = replace_circuit(config, rows=16, cols=16)
    errors = speedup_errors((64, 32, 10), small, steps=3, refresh_every=max(config.refresh_every, 2))
    return {"step_ms": 1e3 * timing["t_crossbar_s"], "torch_step_ms": 1e3 * timing["t_torch_s"],
            "slowdown": timing["slowdown"], **{f"error_{k}_pct": v for k, v in errors.items()}}


def replace_circuit(config: TxSimConfig, **circuit) -> TxSimConfig:
    """``config`` with circuit fields replaced."""
    return replace(config, crossbar=config.crossbar.with_changes(circuit=circuit))


SPEED = Study(
    name="crossbar.training_speed",
    theme="crossbar",
    func=training_speed,
    config=SPEED_CONFIG,
    knobs=(
        *config_knobs(CircuitConfig, ("tile_size",),
                      tile_size=dict(field=("rows", "cols"), options=(16, 32, 64, 128), default=64,
                                     label=SQUARE_TILE_LABEL)),
        *config_knobs(CircuitConfig, ("r_wire_ohm", "circuit_model"),
                      r_wire_ohm=dict(field=("r_wire_row_ohm", "r_wire_col_ohm"), default=2.0, high=20.0,
                                      label=SHARED_WIRE_LABEL),
                      circuit_model=dict(field="model", default="cumulative", options=("exact", "cumulative"))),
        *config_knobs(TxSimConfig, ("refresh_every", "batched", "random_pool"),
                      refresh_every=dict(default=10, high=100)),
        Int("hidden", 256, low=16, high=1024, help="Hidden units of the timed 784 - hidden - 10 MLP."),
        Int("batch", 64, low=1, high=1024, help="Batch size of the timed step."),
    ),
    metrics=(
        Metric("step_ms", unit="ms", better="min", label="crossbar step", measured=True,
               help="Wall time of one training step on crossbars (one thread)."),
        Metric("torch_step_ms", unit="ms", better="min", label="torch step", measured=True,
               help="Wall time of the same step in plain torch (one thread)."),
        Metric("slowdown", unit="x", better="min", label="slowdown vs torch", measured=True,
               help="Crossbar step / plain torch step (target <= 3 at 64x64 tiles)."),
        Metric("error_short_path_pct", unit="%", better="min", label="short-path error",
               help="Largest output deviation over 3 steps, short-path model vs exact (full model), % of max output."),
        Metric("error_refresh_every_pct", unit="%", better="min", label="refresh-every-L error",
               help="Largest output deviation over 3 steps, refreshing every L vs every iteration."),
        Metric("error_batched_pct", unit="%", better="min", label="batched-GEMM error",
               help="Largest output deviation over 3 steps, batched GEMM vs a loop over tiles (rounding only)."),
        Metric("error_random_pool_pct", unit="%", better="min", label="random-pool error",
               help="Largest output deviation over 3 steps, pooled vs fresh random numbers (different draws)."),
    ),
    version="2",
    cost="batch",
    context=one_torch_thread,
    description=(
        "Speed-up techniques of crossbar-aware training (TxSim Sec. IV): the analytical short-path model, "
        "refreshing the non-ideal matrices every L iterations, batched GEMM over tiles, pooled random numbers; "
        "wall time per training step against plain torch and each technique's error against the full model."
    ),
)
