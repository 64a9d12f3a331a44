"""Torch layers that compute through non-ideal crossbars, and ``convert`` to swap them into a trained network.

Rx-Caffe's flow (arXiv 1809.00072, Sec. IV, as summarised in docs/design.md § crossbars): each layer's weight matrix is
tiled over crossbars of a given size, each tile is programmed (mapping, quantization, variation, faults), its effective
conductance matrix ``G_eff`` is pre-solved once (:mod:`workbench.crossbar.array.fast`), and inference evaluates
``y = sum_tiles ADC(DAC(x) G_eff)``. The work splits in two so that a later TxSim backward / update can reuse it:

* :func:`program_crossbar` turns a ``K x N`` matrix (rows = inputs) into a :class:`TiledCrossbar` (programming
  happens once per weight update);
* :func:`crossbar_matmul` evaluates ``x @ W`` through the tiles (DAC, per-tile currents, read noise, ADC,
  shift-and-add over weight slices and input cycles). A backward pass is the same call on the tiles programmed
  for the transposed read.

When the periphery is linear (no ADC, no read noise) the tiles, slices and cycles collapse exactly into one
effective weight matrix, so the layer costs one GEMM / convolution, as in plain torch.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from workbench.core.progress import track
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.array.device import add_read_noise, map_weights, program, slice_weights
from workbench.crossbar.array.fast import effective_conductance
from workbench.crossbar.array.peripherals import PeripheralConfig, adc, dac_slices, input_scale, quantize_input

__all__ = ["CrossbarConv2d", "CrossbarLinear", "TiledCrossbar", "convert", "crossbar_matmul", "program_crossbar"]


@dataclass
class TiledCrossbar:
    """A ``K x N`` matrix programmed onto crossbar tiles, in normalised units (weights / ``w_max``).

    Parameters
    ----------
    geff : Tensor, shape (row_tiles, tile_rows, slices * N)
        Effective conductance of every tile (positive minus negative array, or minus the offset reference),
        divided by the conductance that represents a weight of ``w_max``; the weight slices side by side.
    g_square : Tensor, same shape
        Sum of the squared programmed conductances of the tile's arrays in the same units (for read noise).
    slice_factors : Tensor, shape (slices,)
        Shift-and-add factors of the weight slices.
    w_max : float
        Weight magnitude represented by a full-range cell.
    full_scale : float
        ADC full scale in the same normalised current units (input 1 on every row of a full-range column = rows).
    in_features : int
        ``K`` (rows used; the last tile is padded).
    w_eff : Tensor, shape (K, N)
        Everything collapsed into one matrix in weight units: exact when the periphery is linear.
    """

    geff: torch.Tensor
    g_square: torch.Tensor
    slice_factors: torch.Tensor
    w_max: float
    full_scale: float
    in_features: int
    w_eff: torch.Tensor

    def map_tensors(self, fn) -> TiledCrossbar:
        """A copy with ``fn`` (a device move or dtype cast) applied to every tensor."""
        return replace(self, geff=fn(self.geff), g_square=fn(self.g_square), slice_factors=fn(self.slice_factors),
                       w_eff=fn(self.w_eff))


def program_crossbar(W: np.ndarray | torch.Tensor, config: CrossbarConfig, rng: np.random.Generator) -> TiledCrossbar:
    """Program a weight matrix ``W`` (K inputs x N outputs) onto tiles and pre-solve each tile's ``G_eff``.

    A layer smaller than a tile uses a ``min(K, rows) x min(N, cols)`` sub-array (unused lines are not wired);
    padded cells of the last tiles hold weight 0 and are driven at 0 V, so they still load the wires.
    """
    W = torch.as_tensor(W).detach().cpu().double().numpy()
    if W.ndim != 2:
        raise ValueError(f"W must be a 2-D (inputs x outputs) matrix, got shape {W.shape}")
    dev, circ, per = config.device, config.circuit, config.peripherals
    K, N = W.shape
    rows, cols = min(circ.rows, K), min(circ.cols, N)
    n_rt, n_ct = math.ceil(K / rows), math.ceil(N / cols)
    w_max = float(np.abs(W).max()) or 1.0
    digits, factors = slice_weights(W / w_max, dev)
    padded = np.zeros((digits.shape[0], n_rt * rows, n_ct * cols))
    padded[:, :K, :N] = digits
    geff = np.zeros_like(padded)
    g_square = np.zeros_like(padded)
    v_op = None if dev.v_nl is None else np.full(rows, circ.v_op_fraction * per.v_read_v)
    s_per_unit = 1.0
    for s in range(padded.shape[0]):
        for t in range(n_rt):
            for u in range(n_ct):
                block = (s, slice(t * rows, (t + 1) * rows), slice(u * cols, (u + 1) * cols))
                cmap = map_weights(padded[block], dev)
                s_per_unit = cmap.s_per_unit
                arrays = [program(cmap.g_pos, dev, rng)]
                if cmap.g_neg is not None:
                    arrays.append(program(cmap.g_neg, dev, rng))
                solved = [
                    effective_conductance(g, circ, v_nl=dev.v_nl, v_op=v_op)
                    for g in arrays
                ]
                diff = solved[0] - (solved[1] if len(solved) > 1 else cmap.g_ref_s)
                geff[block] = diff / s_per_unit
                g_square[block] = sum(g * g for g in arrays) / s_per_unit**2
    geff, g_square = geff[:, :, :N], g_square[:, :, :N]
    full_scale = per.adc_range_fraction * rows * (dev.g_max_s - dev.g_min_s) / s_per_unit
    factors_t = torch.tensor(factors, dtype=torch.float32)
    w_eff = (torch.einsum("s,skn->kn", factors_t, torch.tensor(geff, dtype=torch.float32))[:K] * w_max).contiguous()

    def side_by_side(a: np.ndarray) -> torch.Tensor:  # (S, T*rows, N) -> (T, rows, S*N)
        a = a.reshape(len(factors), n_rt, rows, N).transpose(1, 2, 0, 3).reshape(n_rt, rows, len(factors) * N)
        return torch.tensor(a, dtype=torch.float32)

    return TiledCrossbar(
        geff=side_by_side(geff),
        g_square=side_by_side(g_square),
        slice_factors=factors_t,
        w_max=w_max,
        full_scale=full_scale,
        in_features=K,
        w_eff=w_eff,
    )


def _linear_periphery(config: CrossbarConfig) -> bool:
    return not config.peripherals.adc_bits and not config.device.read_noise_sigma


def _dac(x: torch.Tensor, per: PeripheralConfig) -> tuple[torch.Tensor, list[float], torch.Tensor]:
    """Normalised per-cycle inputs (volts / v_read), their factors, and the input scale (max |x|)."""
    scale = input_scale(x)
    volts, factors = dac_slices(x / scale, per)
    return volts / per.v_read_v, factors, scale


def _read_out(
    tiles, xbar: TiledCrossbar, config: CrossbarConfig, in_factors: list[float], generator: torch.Generator | None
) -> torch.Tensor:
    """Sense, digitise and recombine tile currents.

    ``tiles`` yields ``(current, variance)`` per row tile, each of shape (cycles * batch, slices * N, ...) in
    normalised units (``variance`` of the read noise, or ``None``). Returns (batch, N, ...) in units of
    ``x / max|x| @ W / w_max``.
    """
    sigma = config.device.read_noise_sigma
    total = None
    for current, variance in tiles:
        if sigma:
            current = add_read_noise(current, variance, sigma, generator)
        current = adc(current, xbar.full_scale, config.peripherals)
        total = current if total is None else total + current
    n_slices = xbar.slice_factors.numel()
    total = total.reshape(len(in_factors), -1, n_slices, total.shape[1] // n_slices, *total.shape[2:])
    out = None
    for c, f_in in enumerate(in_factors):
        for s, f_w in enumerate(xbar.slice_factors.tolist()):
            term = total[:, :, s][c]
            out = term * (f_in * f_w) if out is None else out.add_(term, alpha=f_in * f_w)
    return out


def crossbar_matmul(
    x: torch.Tensor, xbar: TiledCrossbar, config: CrossbarConfig, generator: torch.Generator | None = None
) -> torch.Tensor:
    """``x @ W`` (x: batch x K) evaluated through the programmed tiles.

    [R] The DAC scales each call's input by its largest magnitude (a per-tensor dynamic range). Currents of every
    tile are read (with read noise), digitised by the ADC, then summed over row tiles and recombined over weight
    slices and input cycles by shift-and-add. With a linear periphery this is exactly ``DAC(x) @ w_eff``.
    """
    if _linear_periphery(config):
        return quantize_input(x, config.peripherals) @ xbar.w_eff
    volts, in_factors, scale = _dac(x, config.peripherals)
    n_rt, rows, _ = xbar.geff.shape
    v = F.pad(volts, (0, n_rt * rows - xbar.in_features)).reshape(-1, n_rt, rows).transpose(0, 1)  # (t, cb, rows)
    currents = torch.bmm(v, xbar.geff)
    variances = torch.bmm(v * v, xbar.g_square) if config.device.read_noise_sigma else [None] * n_rt
    y = _read_out(zip(currents, variances, strict=True), xbar, config, in_factors, generator)
    return y * (scale * xbar.w_max)


class _CrossbarLayer(nn.Module):
    def __init__(self, weight_kn: torch.Tensor, bias: torch.Tensor | None, config: CrossbarConfig, seed: int):
        super().__init__()
        self.config = config
        self.xbar = program_crossbar(weight_kn, config, np.random.default_rng(seed))
        self.bias = None if bias is None else nn.Parameter(bias.detach().clone(), requires_grad=False)
        self.generator = torch.Generator().manual_seed(seed)

    def _apply(self, fn, recurse=True):
        """Move or cast the programmed tiles with the module (``.to("cuda")``, ``.double()``): they are derived
        state, not parameters. Read noise is still drawn from the CPU generator, so results do not depend on the
        device."""
        super()._apply(fn, recurse)
        self.xbar = self.xbar.map_tensors(fn)
        return self


class CrossbarLinear(_CrossbarLayer):
    """``nn.Linear`` computed on crossbars (inputs on rows, outputs on columns; the bias is added digitally)."""

    def __init__(self, linear: nn.Linear, config: CrossbarConfig, seed: int = 0):
        super().__init__(linear.weight.detach().T, linear.bias, config, seed)
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = crossbar_matmul(x.reshape(-1, self.in_features), self.xbar, self.config, self.generator)
        y = y.reshape(*x.shape[:-1], self.out_features)
        return y if self.bias is None else y + self.bias


class CrossbarConv2d(_CrossbarLayer):
    """``nn.Conv2d`` (groups=1) on crossbars: the unrolled kernel (C_in*kh*kw rows) x C_out columns.

    Each row tile covers a contiguous range of unrolled rows, i.e. of (channel, kh, kw) entries; its currents are
    computed as a convolution over just the input channels it touches with the tile's ``G_eff`` as kernel, which
    equals the tile's im2col matrix product without materialising the unrolled input.
    """

    def __init__(self, conv: nn.Conv2d, config: CrossbarConfig, seed: int = 0):
        if conv.groups != 1 or conv.padding_mode != "zeros":
            raise ValueError(f"CrossbarConv2d supports groups=1 and zero padding, got groups={conv.groups}, "
                             f"padding_mode={conv.padding_mode!r}")
        weight = conv.weight.detach()
        super().__init__(weight.reshape(weight.shape[0], -1).T, conv.bias, config, seed)
        self.weight_shape = tuple(weight.shape)
        self.stride, self.padding, self.dilation = conv.stride, conv.padding, conv.dilation
        self.tile_kernels = self._tile_kernels()
        self.weight_eff = self.xbar.w_eff.T.reshape(self.weight_shape).contiguous()

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        self.tile_kernels = [(c0, c1, fn(k), fn(k2)) for c0, c1, k, k2 in self.tile_kernels]
        self.weight_eff = fn(self.weight_eff)
        return self

    def _tile_kernels(self) -> list[tuple[int, int, torch.Tensor, torch.Tensor]]:
        """Per row tile: first and last+1 input channel, G_eff kernel and squared-conductance kernel."""
        _, c_in, kh, kw = self.weight_shape
        n_rt, rows, width = self.xbar.geff.shape
        area, out = kh * kw, []
        for t in range(n_rt):
            r0, r1 = t * rows, min((t + 1) * rows, c_in * area)
            c0, c1 = r0 // area, (r1 - 1) // area + 1
            kernels = []
            for tensor in (self.xbar.geff[t], self.xbar.g_square[t]):
                k = torch.zeros((c1 - c0) * area, width)
                k[r0 - c0 * area : r1 - c0 * area] = tensor[: r1 - r0]
                kernels.append(k.T.reshape(width, c1 - c0, kh, kw).contiguous())
            out.append((c0, c1, *kernels))
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        conv = dict(stride=self.stride, padding=self.padding, dilation=self.dilation)
        if _linear_periphery(self.config):
            return F.conv2d(quantize_input(x, self.config.peripherals), self.weight_eff, self.bias, **conv)
        volts, in_factors, scale = _dac(x, self.config.peripherals)
        v = volts.reshape(-1, *x.shape[1:])  # (cycles * batch, C, H, W)
        noisy = bool(self.config.device.read_noise_sigma)
        tiles = (
            (F.conv2d(v[:, c0:c1], k, **conv), F.conv2d(v[:, c0:c1] ** 2, k2, **conv) if noisy else None)
            for c0, c1, k, k2 in self.tile_kernels
        )
        y = _read_out(tiles, self.xbar, self.config, in_factors, self.generator) * (scale * self.xbar.w_max)
        return y if self.bias is None else y + self.bias.view(1, -1, 1, 1)


def convert(model: nn.Module, config: CrossbarConfig) -> nn.Module:
    """A copy of ``model`` whose ``nn.Linear`` and ``nn.Conv2d`` layers compute on crossbars.

    Layer ``k`` (in module order) draws its programming variation, faults and read noise from seed
    ``config.seed + k``, so a converted network is a pure function of the trained weights and the config.
    """
    model = copy.deepcopy(model).eval()
    targets = [(name, m) for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    for k, (name, module) in enumerate(track(targets, description="programming crossbars")):
        layer_cls = CrossbarLinear if isinstance(module, nn.Linear) else CrossbarConv2d
        new = layer_cls(module, config, seed=config.seed + k)
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, new)
    return model
