"""Torch layers that compute through non-ideal crossbars, and ``convert`` to swap them into a trained network.

Rx-Caffe's flow (arXiv 1809.00072, Sec. IV, as summarised in docs/design.md § crossbars): each layer's weight matrix is
tiled over crossbars of a given size, each tile is programmed (mapping, quantization, variation, faults), its effective
conductance matrix ``G_eff`` is pre-solved once (:mod:`workbench.crossbar.array.fast`), and inference evaluates
``y = sum_tiles ADC(DAC(x) G_eff)``. :func:`program_crossbar` turns a ``K x N`` matrix (rows = inputs) into the
:class:`~workbench.crossbar.array.tile.Tiles` of the one tile engine, whose ``read`` evaluates ``x @ W`` (DAC,
per-tile currents, read noise, ADC, shift-and-add over weight slices and input cycles); TxSim's training layers read
through the same engine (:mod:`workbench.crossbar.training.layers`).

When the periphery is linear (no ADC, no read noise) the tiles, slices and cycles collapse exactly into one
effective weight matrix, so the layer costs one GEMM / convolution, as in plain torch.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from workbench.core.progress import track
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.array.device import map_weights, program, slice_weights
from workbench.crossbar.array.fast import effective_conductance
from workbench.crossbar.array.peripherals import quantize_input
from workbench.crossbar.array.tile import TileRead, Tiles

__all__ = ["CrossbarConv2d", "CrossbarLinear", "convert", "program_crossbar"]


def program_crossbar(W: np.ndarray | torch.Tensor, config: CrossbarConfig, rng: np.random.Generator) -> Tiles:
    """Program a weight matrix ``W`` (K inputs x N outputs) onto tiles and pre-solve each tile's ``G_eff``: the
    :class:`~workbench.crossbar.array.tile.Tiles` of its forward read, in units of ``w_max = max |W|`` (the effective
    conductance of the positive minus the negative array, or minus the offset reference, divided by the conductance
    that represents ``w_max``; the weight slices side by side) and collapsed into one matrix in weight units.

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

    forward = TileRead(dense=w_eff, tile_in=rows, tile_out=cols, full_scale=full_scale, stack=side_by_side(geff),
                       stack_square=side_by_side(g_square))
    return Tiles(fwd=forward, peripherals=per, read_noise_sigma=dev.read_noise_sigma, unit=w_max,
                 slice_factors=tuple(factors_t.tolist()))


class _CrossbarLayer(nn.Module):
    def __init__(self, weight_kn: torch.Tensor, bias: torch.Tensor | None, config: CrossbarConfig, seed: int):
        super().__init__()
        self.config = config
        self.tiles = program_crossbar(weight_kn, config, np.random.default_rng(seed))
        self.bias = None if bias is None else nn.Parameter(bias.detach().clone(), requires_grad=False)
        self.generator = torch.Generator().manual_seed(seed)

    def _apply(self, fn, recurse=True):
        """Move or cast the programmed tiles with the module (``.to("cuda")``, ``.double()``): they are derived
        state, not parameters. Read noise is still drawn from the CPU generator, so results do not depend on the
        device."""
        super()._apply(fn, recurse)
        self.tiles = self.tiles.map_tensors(fn)
        return self


class CrossbarLinear(_CrossbarLayer):
    """``nn.Linear`` computed on crossbars (inputs on rows, outputs on columns; the bias is added digitally)."""

    def __init__(self, linear: nn.Linear, config: CrossbarConfig, seed: int = 0):
        super().__init__(linear.weight.detach().T, linear.bias, config, seed)
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.tiles.read(x.reshape(-1, self.in_features), generator=self.generator)
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
        self.weight_eff = self.tiles.fwd.dense.T.reshape(self.weight_shape).contiguous()

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        self.tile_kernels = [(c0, c1, fn(k), fn(k2)) for c0, c1, k, k2 in self.tile_kernels]
        self.weight_eff = fn(self.weight_eff)
        return self

    def _tile_kernels(self) -> list[tuple[int, int, torch.Tensor, torch.Tensor]]:
        """Per row tile: first and last+1 input channel, G_eff kernel and squared-conductance kernel."""
        _, c_in, kh, kw = self.weight_shape
        stack, square = self.tiles.fwd.stack, self.tiles.fwd.stack_square
        n_rt, rows, width = stack.shape
        area, out = kh * kw, []
        for t in range(n_rt):
            r0, r1 = t * rows, min((t + 1) * rows, c_in * area)
            c0, c1 = r0 // area, (r1 - 1) // area + 1
            kernels = []
            for tensor in (stack[t], square[t]):
                k = torch.zeros((c1 - c0) * area, width)
                k[r0 - c0 * area : r1 - c0 * area] = tensor[: r1 - r0]
                kernels.append(k.T.reshape(width, c1 - c0, kh, kw).contiguous())
            out.append((c0, c1, *kernels))
        return out

    def _currents(self, v: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor] | None]:
        """Every tile's currents (and read-noise variances) from the DAC inputs ``v`` (cycles * batch, C, H, W): a
        convolution over the input channels the tile touches (:data:`~workbench.crossbar.array.tile.Currents`)."""
        conv = dict(stride=self.stride, padding=self.padding, dilation=self.dilation)
        current = [F.conv2d(v[:, c0:c1], k, **conv) for c0, c1, k, _ in self.tile_kernels]
        if not self.tiles.read_noise_sigma:
            return current, None
        return current, [F.conv2d(v[:, c0:c1] ** 2, k2, **conv) for c0, c1, _, k2 in self.tile_kernels]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.tiles.linear:
            return F.conv2d(quantize_input(x, self.config.peripherals), self.weight_eff, self.bias,
                            stride=self.stride, padding=self.padding, dilation=self.dilation)
        y = self.tiles.read(x, generator=self.generator, currents=self._currents)
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
