"""The aihwkit side of ``bench_txsim.py --aihwkit`` (``make bench-aihwkit``): runs in its own venv
(``.venv-aihwkit``: torch 2.10 + aihwkit 1.1.0; aihwkit's cp311 wheel fails with torch 2.13, ``Invalid weights
dimensions``), imports nothing of the workbench, and talks to the workbench side through files.

    .venv-aihwkit/bin/python benchmarks/aihwkit_side.py SPEC.json OUT.json

SPEC names the data file (``.npz`` with ``x_train``, ``y_train``, ``x_test``, ``y_test``), the MLP sizes, epochs,
learning rate, batch, tile size and the timed layer size. OUT receives, for aihwkit's ``ConstantStepDevice`` with its
default periphery: the IR-drop error of one tile's forward read (RMS of ir_drop on minus off over RMS of off, random
weights and inputs), the time per training step of the timed layer with IR drop off and on (one thread, best of
repeats), and the test accuracy after training the MLP with IR drop on.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from aihwkit.nn import AnalogLinear, AnalogSequential
from aihwkit.optim import AnalogSGD
from aihwkit.simulator.configs import SingleRPUConfig
from aihwkit.simulator.configs.devices import ConstantStepDevice


def rpu(ir_drop: bool, tile: int) -> SingleRPUConfig:
    config = SingleRPUConfig(device=ConstantStepDevice())
    config.mapping.max_input_size = tile
    config.mapping.max_output_size = tile
    for io in (config.forward, config.backward):
        io.ir_drop = 1.0 if ir_drop else 0.0
    return config


def ir_drop_error(tile: int, samples: int = 256) -> float:
    """RMS deviation of one tile's forward read with IR drop from the same read without (relative, noise off)."""
    gen = torch.Generator().manual_seed(0)
    weights = torch.rand(tile, tile, generator=gen) - 0.5
    x = torch.rand(samples, tile, generator=gen)
    outs = []
    for ir in (False, True):
        config = rpu(ir, tile)
        config.forward.out_noise = 0.0
        config.forward.inp_res = -1
        config.forward.out_res = -1
        layer = AnalogLinear(tile, tile, bias=False, rpu_config=config)
        layer.set_weights(weights)
        layer.eval()
        with torch.no_grad():
            outs.append(layer(x))
    return float((outs[1] - outs[0]).pow(2).mean().sqrt() / outs[0].pow(2).mean().sqrt())


def step_ms(size: int, batch: int, ir_drop: bool, tile: int, repeats: int = 3, inner: int = 5) -> float:
    layer = AnalogLinear(size, size, rpu_config=rpu(ir_drop, tile))
    opt = AnalogSGD(layer.parameters(), lr=0.01)
    opt.regroup_param_groups(layer)
    x, target = torch.randn(batch, size), torch.randn(batch, size)

    def step():
        opt.zero_grad()
        F.mse_loss(layer(x), target).backward()
        opt.step()

    step()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            step()
        best = min(best, (time.perf_counter() - start) / inner)
    return 1e3 * best


def train_accuracy(spec: dict) -> float:
    data = np.load(spec["data"])
    x_train, y_train = torch.tensor(data["x_train"]), torch.tensor(data["y_train"])
    x_test, y_test = torch.tensor(data["x_test"]), torch.tensor(data["y_test"])
    torch.manual_seed(0)
    sizes = spec["sizes"]
    layers = []
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(AnalogLinear(a, b, rpu_config=rpu(True, spec["tile"])))
        if k < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = AnalogSequential(*layers)
    opt = AnalogSGD(model.parameters(), lr=spec["lr"])
    opt.regroup_param_groups(model)
    gen = torch.Generator().manual_seed(0)
    for _ in range(spec["epochs"]):
        order = torch.randperm(len(y_train), generator=gen)
        for i in range(0, len(order), spec["batch"]):
            idx = order[i:i + spec["batch"]]
            opt.zero_grad()
            F.cross_entropy(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        return 100.0 * float((model(x_test).argmax(1) == y_test).float().mean())


def main() -> None:
    spec = json.loads(open(sys.argv[1]).read())
    torch.set_num_threads(1)
    out = {"torch": torch.__version__, "ir_drop_rms": ir_drop_error(spec["tile"]),
           "step_ms_off": step_ms(spec["layer"], spec["batch"], False, spec["tile"]),
           "step_ms_on": step_ms(spec["layer"], spec["batch"], True, spec["tile"]),
           "accuracy": train_accuracy(spec)}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
