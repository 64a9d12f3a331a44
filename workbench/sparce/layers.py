"""Representative layers: VGG-like convolutions (64-128 output channels) at reduced spatial size, with the
activations of a network trained on real handwritten digits, as kernel calls for the trace model.

The SparCE paper (arXiv:1711.06315, Sec. 6) runs AlexNet/VGG-class networks whose conv layers have 64-512 output
channels, so a layer's GEMM has M >= 64 rows and the non-GEMM glue (im2col, bias + ReLU, pooling; O(K N) or O(M N)
work against the GEMM's O(M K N)) is a small share of the time. The digits CNN (:mod:`workbench.sparce.network`,
8-16 channels) is kept as the small case; this workload is the paper-like one:

- network ``VGG_MNIST``: ``workbench.nn.models.VGG`` with cfg ``[64, M, 64, M, 128, 128]`` (conv-BN-ReLU, VGG's
  conv1/conv2/conv3 widths) on MNIST-5k at 16 x 16 (``workbench.datasets.mnist5k``), trained with
  :func:`workbench.nn.train.fit_small` (a few epochs, ~1-2 min on one CPU thread; cached);
- layer GEMMs (M x K x N): 64 x 9 x 256, 64 x 576 x 64, 128 x 576 x 16, 128 x 1152 x 16, then the 128 -> 10
  classifier as an FC (rows padded to 16);
- each conv layer's input is the trained network's own activation on a test image (captured with
  :func:`workbench.nn.trace.trace_layers`, the previous layer's ReLU and pooling), quantised to int8 per layer
  (scale max|x| / 127 over the calibration batch); BN is folded into the conv weights and bias, weights int8 per
  layer. The layer's glue runs on its own outputs: bias + ReLU with a right shift keeping the outputs below 256
  [R], and a 2 x 2 max pool where the network pools.

The first conv's input is the normalised image (its background is negative, not zero), so its zeros are only
padding; the ReLU zeros SparCE exploits are those of conv2-4 and the classifier.
"""

from __future__ import annotations

import functools
import io
import math
from pathlib import Path

import numpy as np
import torch
from torch import nn

from workbench.core.caches import load_cached
from workbench.core.integrity import check_finite, write_with_sidecar
from workbench.core.paths import data_dir
from workbench.nn.train import fit_small
from workbench.sparce import ops
from workbench.sparce.network import FC_ROWS, GEMMS

#: The VGG-like configuration (conv widths and pools) at 16 x 16 MNIST input.
VGG_CFG = (64, "M", 64, "M", 128, 128)
INPUT_SIZE = 16
EPOCHS = 4
CALIBRATION = 64


def _model(seed: int):
    from workbench.nn.models import VGG

    torch.manual_seed(seed)
    return VGG(list(VGG_CFG), num_classes=10, in_channels=1, input_size=INPUT_SIZE)


def _folded(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> tuple[np.ndarray, np.ndarray]:
    """Conv weights (M, C*9) and bias with the eval-mode batch norm folded in."""
    g = (bn.weight / torch.sqrt(bn.running_var + bn.eps)).detach().numpy().astype(np.float64)
    w = conv.weight.detach().numpy().astype(np.float64) * g.reshape(-1, 1, 1, 1)
    b = bn.bias.detach().numpy().astype(np.float64) - bn.running_mean.detach().numpy() * g
    return w.reshape(w.shape[0], -1), b


def _build(seed: int) -> dict:
    from workbench.datasets import mnist5k
    from workbench.nn.trace import trace_layers

    splits = mnist5k(size=INPUT_SIZE, seed=seed)
    x, y = splits.train.tensors
    model = fit_small(_model(seed), x, y, seed, EPOCHS)
    test_x, test_y = splits.test.tensors
    with torch.no_grad():
        accuracy = float((model(test_x).argmax(1) == test_y).float().mean())
    calib = test_x[:CALIBRATION]
    traces = {t.name: t for t in trace_layers(model, calib)}
    modules = list(model.features)
    arrays: dict = {"accuracy": np.array(accuracy)}
    layer = 0
    for i, m in enumerate(modules):
        if not isinstance(m, nn.Conv2d):
            continue
        w, b = _folded(m, modules[i + 1])
        inputs = traces[f"features.{i}"].input.numpy().astype(np.float64)
        s_x = float(np.abs(inputs).max()) / 127 or 1.0
        s_w = float(np.abs(w).max()) / 127 or 1.0
        arrays[f"x{layer}"] = np.clip(np.round(inputs / s_x), -127, 127).astype(np.int32)
        arrays[f"w{layer}"] = np.round(w / s_w).astype(np.int32)
        arrays[f"b{layer}"] = np.round(b / (s_w * s_x)).astype(np.int32)
        pooled = i + 3 < len(modules) and isinstance(modules[i + 3], nn.MaxPool2d)
        arrays[f"pool{layer}"] = np.array(pooled)
        layer += 1
    fc_in = traces["classifier"].input.numpy().astype(np.float64)
    s_x = float(np.abs(fc_in).max()) / 127 or 1.0
    w = model.classifier.weight.detach().numpy().astype(np.float64)
    s_w = float(np.abs(w).max()) / 127 or 1.0
    fc_w = np.zeros((FC_ROWS, w.shape[1]), np.int32)
    fc_w[:10] = np.round(w / s_w)
    arrays.update(fc_x=np.clip(np.round(fc_in / s_x), -127, 127).astype(np.int32), fc_w=fc_w,
                  fc_b=np.pad(np.round(model.classifier.bias.detach().numpy() / (s_w * s_x)), (0, FC_ROWS - 10))
                  .astype(np.int32))
    return arrays


def _load(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    check_finite(arrays)  # a NaN weight or input would be timed as a network the kernels never see
    return arrays


@functools.lru_cache(maxsize=2)
def vgg_layers(seed: int = 0) -> dict:
    """The trained VGG-like network's int8 layer inputs, folded weights and biases (cached in memory and in
    ``data/results/sparce_vgg_<seed>.npz``): ``x<i>`` (calibration batch, C, H, W), ``w<i>``, ``b<i>``, ``pool<i>``
    per conv, ``fc_x``/``fc_w``/``fc_b`` for the classifier, and the float test ``accuracy``."""
    path = data_dir() / "results" / f"sparce_vgg_{seed}_{EPOCHS}.npz"
    cached = load_cached(path, _load, instead=f"retraining the seed-{seed} VGG-like network")
    if cached is not None:
        return cached
    arrays = _build(seed)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_with_sidecar(path, buffer.getvalue(), {"seed": seed, "epochs": EPOCHS})
    return arrays


def layer_shapes(seed: int = 0) -> list[tuple[int, int, int]]:
    """(M, K, N) of every conv layer's GEMM."""
    net = vgg_layers(seed)
    shapes, i = [], 0
    while f"w{i}" in net:
        x = net[f"x{i}"]
        shapes.append((net[f"w{i}"].shape[0], net[f"w{i}"].shape[1], x.shape[2] * x.shape[3]))
        i += 1
    return shapes


def calls_vgg(image: int, synthetic: float | None = None, seed: int = 0, gemm: str = "gemm"):
    """The kernel calls of the VGG-like workload on calibration image ``image`` (the list format of
    :func:`workbench.sparce.network.calls_numpy`; with ``synthetic``, every layer input after the first is
    replaced by random positive values with that fraction of zeros)."""
    if gemm not in GEMMS:
        raise ValueError(f"gemm_kernel={gemm!r} is not allowed; allowed: one of {GEMMS}")
    if synthetic is not None and not 0.0 <= synthetic <= 1.0:
        raise ValueError(f"sparsity={synthetic!r} is not allowed; allowed: 0 <= sparsity <= 1")
    net = vgg_layers()
    rng = np.random.default_rng(seed)
    calls = []
    i = 0
    while f"w{i}" in net:
        W, b = net[f"w{i}"], net[f"b{i}"]
        x = net[f"x{i}"][image % CALIBRATION]
        if synthetic is not None and i > 0:
            x = rng.integers(1, 128, x.shape).astype(np.int32)
            x[rng.random(x.shape) < synthetic] = 0
        layer = f"conv{i + 1}"
        cols = ops.im2col_ref(x, 3, 1)
        calls.append((layer, "im2col", {"x": x, "k": 3, "pad": 1}, cols))
        y = W @ cols
        calls.append((layer, gemm, {"W": W, "X": cols}, y))
        shift = max(0, math.ceil(math.log2(max(float(np.abs(y + b[:, None]).max()), 1.0) / 255)))
        a = ops.bias_relu_ref(y.reshape(W.shape[0], *x.shape[1:]), b, shift)
        calls.append((layer, "bias_relu", {"y": y.reshape(a.shape), "bias": b, "shift": shift}, a))
        if bool(net[f"pool{i}"]):
            calls.append((layer, "maxpool2", {"x": a}, ops.maxpool2_ref(a)))
        i += 1
    flat = net["fc_x"][image % CALIBRATION].reshape(-1)
    if synthetic is not None:
        flat = rng.integers(1, 128, flat.shape).astype(np.int32)
        flat[rng.random(flat.shape) < synthetic] = 0
    y = net["fc_w"] @ flat
    calls.append(("fc", "fc", {"W": net["fc_w"], "x": flat}, y))
    calls.append(("fc", "bias_add", {"y": y, "bias": net["fc_b"]}, y + net["fc_b"]))
    return calls
