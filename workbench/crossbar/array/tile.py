"""The tile engine: a matrix on non-ideal crossbar tiles, read forward or transposed.

A ``K x N`` matrix is cut into tiles of ``rows x cols`` cells (docs/design.md § crossbars). The forward read drives
the rows with the inputs and senses the columns (Rx-Caffe's inference, arXiv 1809.00072, Sec. IV; TxSim's forward
pass); the transposed read drives the columns and senses the rows (TxSim's backward pass, arXiv 2002.11151,
Sec. III), through its own non-ideal matrix since the drivers and sense circuits sit at other ends of the lines.
Either way one read is::

    DAC codes of x (per DAC cycle) -> per tile: currents = v @ G_tile (+ read noise) -> ADC -> sum over tiles
    -> shift-and-add over DAC cycles and weight slices

[R] The DAC scales each call's input by its largest magnitude (a per-tensor dynamic range); the ADC's full scale is
``adc_range_fraction`` of a full tile's largest current; read noise as
:func:`~workbench.crossbar.array.device.add_read_noise`. The tile currents are computed directly in ADC steps: the
DAC codes are scaled once by ``input step / (full scale x ADC step)`` (a pass over the inputs instead of two over the
larger tile outputs), the ADC rounds and clips them in place (:func:`~workbench.crossbar.array.peripherals
.adc_codes_`), and the summed codes are scaled back once. When the periphery is linear (no ADC, no read noise) the
tiles, slices and cycles collapse exactly into one matrix, and a read costs one GEMM, as in plain torch.

The inference layers (:mod:`workbench.crossbar.inference.layers`) program a :class:`Tiles` once per network; the
training layers (:mod:`workbench.crossbar.training.layers`) build one per iteration from their present conductances.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import torch
import torch.nn.functional as F

from workbench.crossbar.array.device import add_read_noise
from workbench.crossbar.array.peripherals import (
    PeripheralConfig,
    adc_codes_,
    adc_step,
    dac_codes,
    dac_cycles,
    input_scale,
    quantize_input,
)

__all__ = ["TileRead", "Tiles"]


@dataclass
class TileRead:
    """One read direction of a tiled matrix.

    Parameters
    ----------
    dense : Tensor, shape (inputs, outputs)
        The whole read collapsed into one matrix, in weight units (exact when the periphery is linear); also what the
        per-tile reference loop reads, one tile at a time (a single weight slice).
    tile_in, tile_out : int
        Lines per tile on the input (driven) and the output (sensed) side.
    full_scale : float
        ADC full scale in the units of :attr:`stack`.
    stack : Tensor, shape (tiles, tile_in, slices * outputs), optional
        Every input-side tile's effective conductance, zero-padded, the weight slices side by side, in units of
        ``Tiles.unit``; built from ``dense`` (one slice, ``unit`` 1) when not given.
    g_square : Tensor, optional
        Sum of the squared conductances of the tile's arrays, for read noise: shaped as ``stack`` (``stack_square``)
        or as ``dense``.
    """

    dense: torch.Tensor
    tile_in: int
    tile_out: int
    full_scale: float
    stack: torch.Tensor | None = None
    g_square: torch.Tensor | None = None
    stack_square: torch.Tensor | None = None

    @property
    def inputs(self) -> int:
        return self.dense.shape[0]

    @property
    def tiles(self) -> int:
        return math.ceil(self.inputs / self.tile_in)

    @property
    def pad(self) -> int:
        """Zero lines padding the last tile on the input side."""
        return self.tiles * self.tile_in - self.inputs

    def tile_stack(self) -> torch.Tensor:
        """:attr:`stack`, built from ``dense`` the first time it is needed."""
        if self.stack is None:
            self.stack = F.pad(self.dense, (0, 0, 0, self.pad)).reshape(self.tiles, self.tile_in, -1).contiguous()
        return self.stack

    def square_stack(self) -> torch.Tensor:
        """:attr:`stack_square`, built from ``g_square`` the first time it is needed."""
        if self.stack_square is None:
            self.stack_square = F.pad(self.g_square, (0, 0, 0, self.pad)).reshape(self.tiles, self.tile_in, -1)
        return self.stack_square

    def map_tensors(self, fn) -> TileRead:
        """A copy with ``fn`` (a device move or dtype cast) applied to every tensor."""
        return replace(self, **{name: fn(getattr(self, name)) for name in ("dense", "stack", "g_square",
                                                                           "stack_square")
                                if getattr(self, name) is not None})


#: ``currents(v)`` of a caller that computes the tile currents itself (a convolution): from the DAC inputs ``v``
#: (cycles * batch, *input shape), normalised to ADC steps, the currents of every tile, each (cycles * batch,
#: slices * outputs, ...), and their read-noise variances likewise (``None`` without read noise).
Currents = Callable[[torch.Tensor], tuple[list[torch.Tensor], list[torch.Tensor] | None]]


@dataclass
class Tiles:
    """A matrix on crossbar tiles, readable forward (inputs on the rows) and transposed (inputs on the columns).

    Parameters
    ----------
    fwd : TileRead
        The forward read: ``y = x @ M`` with ``x`` (batch, K).
    bwd : TileRead, optional
        The transposed read: ``dx = dy @ M_t`` with ``dy`` (batch, N), its own non-ideal matrix ``M_t`` (K x N
        transposed, read from the other side). ``None``: programmed for forward reads only.
    peripherals : PeripheralConfig
        DAC and ADC.
    read_noise_sigma : float
        Relative read noise of a cell (0 = none).
    unit : float
        Weight that 1 in the stacks stands for (``w_max`` of normalised conductances; 1 in weight units).
    slice_factors : tuple of float
        Shift-and-add factors of the weight slices side by side in the stacks.
    """

    fwd: TileRead
    peripherals: PeripheralConfig
    read_noise_sigma: float = 0.0
    bwd: TileRead | None = None
    unit: float = 1.0
    slice_factors: tuple[float, ...] = field(default=(1.0,))

    @property
    def linear(self) -> bool:
        """Whether the periphery is linear (no ADC, no read noise): every read is exactly one GEMM with ``dense``."""
        return not self.peripherals.adc_bits and not self.read_noise_sigma

    def map_tensors(self, fn) -> Tiles:
        """A copy with ``fn`` (a device move or dtype cast) applied to every tensor."""
        return replace(self, fwd=self.fwd.map_tensors(fn), bwd=None if self.bwd is None else self.bwd.map_tensors(fn))

    def read(self, x: torch.Tensor, *, transposed: bool = False, generator: torch.Generator | None = None,
             batched: bool = True, currents: Currents | None = None) -> torch.Tensor:
        """``x @ M`` (forward) or ``x @ M_t`` (transposed) through DAC -> tiles -> ADC, tile outputs summed.

        Parameters
        ----------
        x : Tensor
            (batch, inputs) of the read; any shape with ``currents``.
        transposed : bool
            Drive the columns and sense the rows (the backward read) instead of the forward read.
        generator : torch.Generator, optional
            CPU generator of the read noise.
        batched : bool
            One batched GEMM over all tiles (else the reference: one GEMM per tile, a single weight slice, DAC in one
            cycle).
        currents : callable, optional
            Computes the tile currents from the DAC inputs instead of the GEMM with the stacks (:data:`Currents`).

        Returns
        -------
        Tensor
            (batch, outputs, ...) in the units of ``x`` times weights.
        """
        side = self.bwd if transposed else self.fwd
        if side is None:
            raise ValueError("transposed=True is not allowed for tiles programmed for forward reads only")
        per, sigma = self.peripherals, self.read_noise_sigma
        if self.linear and batched and currents is None:
            return quantize_input(x, per) @ side.dense
        scale = input_scale(x)
        codes, step_in = dac_codes(x, per, scale)
        step_out = adc_step(side.full_scale, per)
        if per.n_cycles == 1:
            v = codes.mul_(step_in / (scale * step_out))  # inputs normalised to [-1, 1], per ADC step
            in_factors = [1.0]
        else:  # every cycle's digits span the DAC's full range, normalised to [-1, 1], per ADC step
            digits, in_factors = dac_cycles(codes, per)  # codes: integers (input_bits > 0)
            v = digits.flatten(0, 1).mul_(1.0 / step_out)
        if not batched:
            return self._tile_loop(v, side, generator).mul_(scale * step_out * self.unit)
        if currents is None:
            vt = F.pad(v, (0, side.pad)).view(v.shape[0], side.tiles, side.tile_in).transpose(0, 1)
            current = torch.bmm(vt, side.tile_stack())
            variance = torch.bmm(vt * vt, side.square_stack()) if sigma else None
        else:
            current, variance = currents(v)
        if isinstance(current, torch.Tensor):  # all tiles stacked: noise, ADC and sum in one pass each
            if sigma:
                current = add_read_noise(current, variance, sigma, generator)
            total = adc_codes_(current, per).sum(0)
        else:  # one tensor per tile (a convolution's outputs): stacking them would cost a copy of them all
            total = None
            for t, tile in enumerate(current):
                if sigma:
                    tile = add_read_noise(tile, variance[t], sigma, generator)
                tile = adc_codes_(tile, per)
                total = tile if total is None else total.add_(tile)
        return self._shift_and_add(total, in_factors).mul_(scale * step_out * self.unit)

    def _shift_and_add(self, total: torch.Tensor, in_factors: list[float]) -> torch.Tensor:
        """Recombine the summed ADC codes (cycles * batch, slices * outputs, ...) over the DAC cycles (``in_factors``,
        :func:`~workbench.crossbar.array.peripherals.dac_cycles`) and the weight slices (:attr:`slice_factors`):
        (batch, outputs, ...)."""
        n_cycles, n_slices = len(in_factors), len(self.slice_factors)
        if n_cycles == 1 and n_slices == 1:
            return total
        total = total.reshape(n_cycles, -1, n_slices, total.shape[1] // n_slices, *total.shape[2:])
        out = None
        for c, f_in in enumerate(in_factors):
            for s, f_w in enumerate(self.slice_factors):
                term = total[c, :, s]
                out = term * (f_in * f_w) if out is None else out.add_(term, alpha=f_in * f_w)
        return out

    def _tile_loop(self, v: torch.Tensor, side: TileRead, generator) -> torch.Tensor:
        """The reference read: one GEMM per tile of ``dense``, ADC codes of each tile, summed over the row tiles."""
        if len(self.slice_factors) != 1 or self.peripherals.n_cycles != 1:
            raise ValueError("batched=False is not allowed with sliced weights or a multi-cycle DAC; allowed: "
                             "batched=True")
        per, sigma, mat, g_sq = self.peripherals, self.read_noise_sigma, side.dense, side.g_square
        out = v.new_zeros((v.shape[0], mat.shape[1]))
        for r in range(0, mat.shape[0], side.tile_in):
            part = []
            for c in range(0, mat.shape[1], side.tile_out):
                cur = v[:, r:r + side.tile_in] @ mat[r:r + side.tile_in, c:c + side.tile_out]
                if sigma:
                    var = (v[:, r:r + side.tile_in] ** 2) @ g_sq[r:r + side.tile_in, c:c + side.tile_out]
                    cur = add_read_noise(cur, var, sigma, generator)
                part.append(adc_codes_(cur, per))
            out += torch.cat(part, dim=1)
        return out
