"""A small CNN trained on the bundled digits, quantised to int32 for the kernels, and its inference as a sequence of
kernel calls (im2col, GEMM, bias+ReLU, max pool, FC), in numpy or on the emulator.

Network (digits at ``size`` x ``size``: 8 native, 16 or 32 upsampled): conv 1->8 3x3 pad 1, ReLU; conv 8->16 3x3
pad 1, ReLU, 2x2 max pool; conv 16->16 3x3 pad 1, ReLU; FC 16*(size/2)^2 -> 10 (padded to 16 rows, zero weights,
for the NEON kernel's 16-output block). No batch norm, so the integer network is the float one up to rounding.

Quantisation [R] (a standard post-training scheme): weights to int8 range per layer (scale max|W| / 127), the input
to int8 range, biases in the accumulator's scale, and after each conv an arithmetic right shift chosen on the
training set so activations stay below 256. ReLU zeros are exact zeros, so the activation sparsity SparCE sees is
the trained network's own.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from workbench.core.caches import load_cached
from workbench.core.integrity import check_finite, write_with_sidecar
from workbench.core.paths import data_dir
from workbench.nn.train import fit_small
from workbench.sparce import ops
from workbench.sparce.emulator import CallTrace, Machine

FC_ROWS = 16
#: The convolution GEMM kernels an inference may use: register-blocked, or packed and cache-blocked (NEON build:
#: vectorised over output channels with broadcast activations).
GEMMS = ("gemm", "gemm_blocked")
INPUT_SIZES = (8, 16, 32)


class DigitsCNN(nn.Module):
    def __init__(self, size: int = 8):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.conv3 = nn.Conv2d(16, 16, 3, padding=1)
        self.fc = nn.Linear(16 * (size // 2) ** 2, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.relu(self.conv3(x))
        return self.fc(x.flatten(1))


@dataclass(frozen=True)
class QuantNet:
    """The integer network: per conv (W (M, C*9), bias, shift), the FC (W (16, 256), bias) and test data."""

    convs: tuple          # ((W, b, shift), ...) for conv1..conv3
    fc_w: np.ndarray
    fc_b: np.ndarray
    test_x: np.ndarray    # (n, 1, 8, 8) int32
    test_y: np.ndarray
    float_accuracy: float
    int_accuracy: float

    @property
    def layer_names(self) -> tuple[str, ...]:
        return ("conv1", "conv2", "conv3", "fc")


def _train(seed: int, epochs: int, size: int = 8) -> tuple[DigitsCNN, object]:
    """The digits CNN trained by :func:`workbench.nn.train.fit_small` on the bundled digits at ``size`` x ``size``."""
    from workbench.datasets import digits

    splits = digits(size=size, seed=seed)
    x, y = splits.train.tensors
    torch.manual_seed(seed)
    return fit_small(DigitsCNN(size), x, y, seed, epochs, description="SparCE digits CNN"), splits


def _forward_int(net_convs, fc_w, fc_b, xq: np.ndarray) -> np.ndarray:
    """Batched integer forward pass (float64 convolutions hold these integers exactly)."""
    x = torch.from_numpy(xq.astype(np.float64))
    for i, (W, b, shift) in enumerate(net_convs):
        m = W.shape[0]
        c = W.shape[1] // 9
        w = torch.from_numpy(W.reshape(m, c, 3, 3).astype(np.float64))
        acc = nn.functional.conv2d(x, w, padding=1) + torch.from_numpy(b.astype(np.float64)).view(1, -1, 1, 1)
        x = torch.clamp(torch.floor(acc / 2 ** shift), min=0)
        if i == 1:
            x = nn.functional.max_pool2d(x, 2)
    flat = x.flatten(1).numpy()
    return flat @ fc_w.T.astype(np.float64) + fc_b


def _quantise(model: DigitsCNN, splits) -> QuantNet:
    train_x = splits.train.tensors[0].numpy()
    s_x = float(np.abs(train_x).max()) / 127
    xq_train = np.round(train_x / s_x).astype(np.int32)
    convs = []
    x_float_scale = s_x
    act = torch.from_numpy(xq_train.astype(np.float64))
    for i, conv in enumerate((model.conv1, model.conv2, model.conv3)):
        w = conv.weight.detach().numpy().astype(np.float64)
        s_w = np.abs(w).max() / 127
        Wq = np.round(w / s_w).astype(np.int32).reshape(w.shape[0], -1)
        bq = np.round(conv.bias.detach().numpy() / (s_w * x_float_scale)).astype(np.int32)
        acc = nn.functional.conv2d(act, torch.from_numpy(Wq.reshape(w.shape).astype(np.float64)), padding=1)
        acc = acc + torch.from_numpy(bq.astype(np.float64)).view(1, -1, 1, 1)
        shift = max(0, math.ceil(math.log2(max(float(acc.max()), 1.0) / 255)))
        convs.append((Wq, bq, shift))
        act = torch.clamp(torch.floor(acc / 2 ** shift), min=0)
        if i == 1:
            act = nn.functional.max_pool2d(act, 2)
        x_float_scale = s_w * x_float_scale * 2 ** shift
    w = model.fc.weight.detach().numpy().astype(np.float64)
    s_w = np.abs(w).max() / 127
    fc_w = np.zeros((FC_ROWS, w.shape[1]), np.int32)
    fc_w[:10] = np.round(w / s_w)
    fc_b = np.zeros(FC_ROWS, np.int32)
    fc_b[:10] = np.round(model.fc.bias.detach().numpy() / (s_w * x_float_scale))
    test_x, test_y = (t.numpy() for t in splits.test.tensors)
    xq_test = np.round(test_x / s_x).astype(np.int32)
    with torch.no_grad():
        float_acc = float((model(torch.from_numpy(test_x)).argmax(1).numpy() == test_y).mean())
    logits = _forward_int(convs, fc_w, fc_b, xq_test)
    int_acc = float((logits[:, :10].argmax(1) == test_y).mean())
    return QuantNet(tuple(convs), fc_w, fc_b, xq_test, test_y, float_acc, int_acc)


def _load_network(path: Path) -> QuantNet:
    with np.load(path, allow_pickle=False) as z:
        check_finite({name: z[name] for name in z.files})
        convs = tuple((z[f"w{i}"], z[f"b{i}"], int(z[f"s{i}"])) for i in range(3))
        return QuantNet(convs, z["fc_w"], z["fc_b"], z["test_x"], z["test_y"], float(z["float_acc"]),
                        float(z["int_acc"]))


@functools.lru_cache(maxsize=4)
def quantised_network(seed: int = 0, epochs: int = 12, size: int = 8) -> QuantNet:
    """The trained, quantised digits CNN at ``size`` x ``size`` input (8, 16 or 32), cached in memory and in
    ``data/results/sparce_net_<seed>_<epochs>[_<size>].npz``."""
    if size not in INPUT_SIZES:
        raise ValueError(f"input_size={size!r} is not allowed; allowed: one of {INPUT_SIZES}")
    suffix = "" if size == 8 else f"_{size}"
    path = data_dir() / "results" / f"sparce_net_{seed}_{epochs}{suffix}.npz"
    cached = load_cached(path, _load_network, instead=f"retraining the seed-{seed} network")
    if cached is not None:
        return cached
    model, splits = _train(seed, epochs, size)
    net = _quantise(model, splits)
    arrays = {f"{k}{i}": v for i, (w, b, s) in enumerate(net.convs) for k, v in (("w", w), ("b", b), ("s", s))}
    buffer = io.BytesIO()
    np.savez(buffer, fc_w=net.fc_w, fc_b=net.fc_b, test_x=net.test_x, test_y=net.test_y,
             float_acc=net.float_accuracy, int_acc=net.int_accuracy, **arrays)
    write_with_sidecar(path, buffer.getvalue(), {"seed": seed, "epochs": epochs, "input_size": size})
    return net


# -- one inference as kernel calls ---------------------------------------------------------------------------------
def calls_numpy(net: QuantNet, image: np.ndarray, synthetic: float | None = None, seed: int = 0,
                gemm: str = "gemm"):
    """The inference of one (1, 8, 8) image as the list of kernel calls with their numpy inputs and outputs.

    Each call is ``(layer, function, inputs dict, output)``; GEMM/FC inputs are what the kernel multiplies (im2col
    columns, flattened activations). With ``synthetic`` in [0, 1], each layer's input activations are replaced by
    random positive values with that fraction of exact zeros (a sweep knob; the network's own zeros otherwise).
    ``gemm`` names the convolution's GEMM kernel (``"gemm"`` or the packed, cache-blocked ``"gemm_blocked"``).
    """
    if gemm not in GEMMS:
        raise ValueError(f"gemm_kernel={gemm!r} is not allowed; allowed: one of {GEMMS}")
    if synthetic is not None and not 0.0 <= synthetic <= 1.0:
        raise ValueError(f"sparsity={synthetic!r} is not allowed; allowed: 0 <= sparsity <= 1")
    rng = np.random.default_rng(seed)
    calls = []
    x = image.astype(np.int32)
    for i, (W, b, shift) in enumerate(net.convs):
        if synthetic is not None and i > 0:
            x = rng.integers(1, 128, x.shape).astype(np.int32)
            x[rng.random(x.shape) < synthetic] = 0
        cols = ops.im2col_ref(x, 3, 1)
        layer = f"conv{i + 1}"
        calls.append((layer, "im2col", {"x": x, "k": 3, "pad": 1}, cols))
        y = W @ cols
        calls.append((layer, gemm, {"W": W, "X": cols}, y))
        a = ops.bias_relu_ref(y.reshape(W.shape[0], *x.shape[1:]), b, shift)
        calls.append((layer, "bias_relu", {"y": y.reshape(a.shape), "bias": b, "shift": shift}, a))
        if i == 1:
            p = ops.maxpool2_ref(a)
            calls.append((layer, "maxpool2", {"x": a}, p))
            a = p
        x = a
    flat = x.reshape(-1)
    if synthetic is not None:
        flat = rng.integers(1, 128, flat.shape).astype(np.int32)
        flat[rng.random(flat.shape) < synthetic] = 0
    y = net.fc_w @ flat
    calls.append(("fc", "fc", {"W": net.fc_w, "x": flat}, y))
    calls.append(("fc", "bias_add", {"y": y, "bias": net.fc_b}, y + net.fc_b))
    return calls


def run_call(machine: Machine, function: str, inputs: dict) -> tuple[np.ndarray, CallTrace]:
    """Run one call of :func:`calls_numpy` on the emulator."""
    if function == "im2col":
        return ops.im2col(machine, inputs["x"], inputs["k"], inputs["pad"])
    if function in ("gemm", "gemm_naive", "gemm_blocked"):
        return ops.gemm(machine, inputs["W"], inputs["X"], function)
    if function == "bias_relu":
        return ops.bias_relu(machine, inputs["y"], inputs["bias"], inputs["shift"])
    if function == "maxpool2":
        return ops.maxpool2(machine, inputs["x"])
    if function == "fc":
        return ops.fc(machine, inputs["W"], inputs["x"])
    if function == "bias_add":
        return ops.bias_add(machine, inputs["y"], inputs["bias"])
    raise ValueError(f"kernel={function!r} is not allowed")


def emulate_inference(machine: Machine, net: QuantNet, image: np.ndarray, synthetic: float | None = None,
                      seed: int = 0, gemm: str = "gemm"):
    """Run every call of one inference on ``machine``; (numpy calls, emulated outputs, traces)."""
    calls = calls_numpy(net, image, synthetic, seed, gemm)
    outputs, traces = [], []
    for _, function, inputs, _ in calls:
        out, trace = run_call(machine, function, inputs)
        outputs.append(out)
        traces.append(trace)
    return calls, outputs, traces
