"""Crossbar-aware training (TxSim, arXiv 2002.11151): forward, backward and weight update on non-ideal crossbars.

TxSim (Sec. III, as summarised in docs/design.md § crossbars) runs every layer of a training step on crossbars:

* **forward**: ``y = ADC(DAC(x) G_fwd)`` per tile, tile outputs summed, with ``G_fwd`` the non-ideal effective
  conductance of the positive minus the negative array (inputs on the rows, drivers on the left, sensing at the
  bottom of the columns);
* **backward**: ``dx = ADC(DAC(dy) G_bwd)``, the *transposed read*: the errors drive the columns and the rows are
  sensed, so the drivers and sense circuits sit on the other sides of the array and ``G_bwd`` is its own non-ideal
  matrix, not ``G_fwd^T``. [R] The column drivers sit at the columns' sense ends (bottom) and the row sensing at the
  rows' driver ends (left), i.e. every line has one bidirectional periphery block at one end (a documented choice;
  :func:`transposed_conductance`);
* **update**: the outer product ``dW = -lr dy^T x`` is computed digitally and programmed as pulses on the array
  pair with the nonlinear, asymmetric, noisy write of :mod:`workbench.crossbar.training.update`.

Both reads run on the tile engine the inference layers use (:mod:`workbench.crossbar.array.tile`, built per iteration
by :meth:`TxLinear.tiles`); the update is the step of :class:`~workbench.crossbar.training.optim.CrossbarSGD`,
the optimizer :func:`workbench.nn.train.fit` drives.

Each of the three can be ideal or non-ideal on its own (:class:`TxSimConfig` ``forward``, ``backward``,
``update``), so a study shows which hurts most. With all three ideal the layer is ``nn.Linear`` trained by plain
SGD, bit for bit. Convolutions (:class:`TxConv2d`) map onto the same tiles the standard way (im2col): the kernel is a
``(C_in k k) x C_out`` matrix and every output position's patch one input vector (:func:`tx_cnn` builds a small CNN).

Speed-up techniques (TxSim Sec. IV), each a knob whose error against the full model is measured
(:func:`speedup_error`):

* the analytical short-path model (``CircuitConfig.model="cumulative"``, valid when R_cell >> R_wire): every cell in
  series with the wires on its shortest path, ``G_eff = G / (1 + G R_series)``, elementwise over the whole layer;
* refreshing the non-ideal matrices only every ``refresh_every = L`` iterations: between refreshes each array
  reuses its per-cell attenuation ``G_eff / G`` from the last refresh on the present conductances (``L = 1`` is the
  full model). With the short-path (and ideal) model a cell's attenuation depends on its own conductance only, so a
  refresh recomputes just the cells programmed since the last one (the same numbers as recomputing all);
* ``batched``: one batched GEMM over all tiles of a layer (a single GEMM when the periphery is linear) instead of a
  loop over tiles;
* ``device="auto"``: CUDA when present.

The exact model (``"exact"``, or ``"line"``, the same answer by block relaxation, and ``"diagonal"``) pre-solves each
tile with :func:`~workbench.crossbar.array.fast.effective_conductance`, and the transposed read with
:func:`transposed_conductance` (for ``"exact"`` and ``"line"`` with ``r_driver == r_sense`` reciprocity makes it the
forward one transposed: solved once). Layers smaller than a tile,
and the last tiles of a layer, use a sub-array of the size they need (unused lines are not wired). Biases are kept
and updated digitally (plain SGD).

Not supported in training (``ValueError``): nonlinear (sinh) cells, bit-sliced weights (``bits_per_cell`` /
``weight_bits``), offset mapping and multi-cycle DACs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from workbench.core.knobs import knob_field, validate_config
from workbench.crossbar.array.circuit import CircuitConfig
from workbench.crossbar.array.config import CrossbarConfig
from workbench.crossbar.array.device import fault_masks, program
from workbench.crossbar.array.fast import effective_conductance, series_resistance
from workbench.crossbar.array.tile import TileRead, Tiles
from workbench.crossbar.training.update import UpdateConfig, program_pairs
from workbench.nn.device import DEVICES, resolve_device

__all__ = ["TxConv2d", "TxLinear", "TxSimConfig", "crossbar_sgd_step", "layer_tiles", "to_crossbars", "to_torch",
           "transposed_conductance", "tx_cnn", "tx_mlp"]


@dataclass(frozen=True)
class TxSimConfig:
    """A crossbar-aware training run: the crossbar (circuit, device, periphery), the write model, which operations
    are non-ideal, and the speed-up knobs.

    Each scalar field declares its range and help once (:func:`~workbench.core.knobs.knob_field`).
    """

    crossbar: CrossbarConfig = field(default_factory=CrossbarConfig)
    """Tile size, parasitics, read non-idealities of the cells, DAC / ADC, seed."""
    write: UpdateConfig = field(default_factory=UpdateConfig)
    """Programming pulses: nonlinearity, noise, variation, bounds, levels."""
    forward: bool = knob_field(True, help="Forward read through the non-ideal crossbars (else an ideal GEMM).")
    backward: bool = knob_field(True, help="Backward (transposed) read through the non-ideal crossbars.")
    update: bool = knob_field(True, help="Weight update as device programming pulses (else ideal SGD).")
    refresh_every: int = knob_field(1, low=1, high=100000, label="refresh read matrices every L",
                                    help="Recompute the non-ideal read matrices every L iterations (1 = always).")
    batched: bool = knob_field(True, label="batched tile GEMM",
                               help="One batched GEMM over all tiles of a layer (else a loop over tiles).")
    random_pool: bool = knob_field(True, label="random numbers from a pool",
                                   help="Draw the update's random numbers from a pre-drawn pool at a random offset "
                                        "each iteration (fast), else fresh draws.")
    device: str = knob_field("auto", options=DEVICES, label="compute device",
                             help="Where to compute: auto = CUDA when present, else CPU.")

    def __post_init__(self) -> None:
        validate_config(self)
        dev, per = self.crossbar.device, self.crossbar.peripherals
        if dev.v_nl is not None:
            raise ValueError(f"DeviceConfig.v_nl_v={dev.v_nl_v!r} is not allowed in training; allowed: 0 (linear "
                             "cells)")
        if dev.bits_per_cell or dev.weight_bits:
            raise ValueError(f"DeviceConfig.bits_per_cell={dev.bits_per_cell}, weight_bits={dev.weight_bits} are "
                             "not allowed in training; allowed: 0 (analog cells; levels come from "
                             "UpdateConfig.pulses)")
        if dev.mapping != "differential":
            raise ValueError(f"DeviceConfig.mapping={dev.mapping!r} is not allowed in training; allowed: "
                             "'differential' (positive / negative array pairs)")
        if per.n_cycles != 1:
            raise ValueError(f"PeripheralConfig.dac_bits={per.dac_bits} (multi-cycle DAC) is not allowed in "
                             "training; allowed: 0 or >= input_bits")

    @property
    def elementwise(self) -> bool:
        """Whether every cell's read attenuation depends on its own conductance alone (the ideal and short-path
        circuit models), so that a refresh needs recomputing only the cells programmed since the last one."""
        return self.crossbar.circuit.model in ("ideal", "cumulative")

    @property
    def nonideal(self) -> bool:
        """Whether any of forward, backward, update is non-ideal."""
        return self.forward or self.backward or self.update


def transposed_conductance(G: np.ndarray, circuit: CircuitConfig) -> np.ndarray:
    """The transposed read's effective conductance ``M`` (cols x rows): row currents are ``v_cols @ M``.

    The columns are driven (behind ``r_driver``) at their bottom ends, where the forward read senses them, and the
    rows are sensed (through ``r_sense`` to virtual ground) at their left ends, where the forward read drives them.
    The same nodal solver handles it by relabelling: the array flipped in both directions and transposed is an
    ordinary crossbar (drivers on the left, sensing at the bottom) with the row and column wire resistances swapped.
    For linear cells and ``r_driver == r_sense`` reciprocity gives ``M = G_eff^T`` of the forward read exactly.
    """
    G = np.asarray(G, dtype=float)
    swapped = replace(circuit, r_wire_row_ohm=circuit.r_wire_col_ohm, r_wire_col_ohm=circuit.r_wire_row_ohm)
    return effective_conductance(np.ascontiguousarray(G[::-1, ::-1].T), swapped)[::-1, ::-1].copy()


def layer_tiles(K: int, N: int, circuit: CircuitConfig) -> list[tuple[slice, slice]]:
    """Row and column slices of every tile of a ``K x N`` matrix (sub-arrays at the edges)."""
    rows, cols = min(circuit.rows, K), min(circuit.cols, N)
    return [(slice(r, min(r + rows, K)), slice(c, min(c + cols, N)))
            for r in range(0, K, rows) for c in range(0, N, cols)]


def _series(K: int, N: int, circuit: CircuitConfig) -> np.ndarray:
    """Short-path series resistance of every cell of a tiled ``K x N`` layer (ohm)."""
    out = np.zeros((K, N))
    for rs, cs in layer_tiles(K, N, circuit):
        out[rs, cs] = series_resistance(rs.stop - rs.start, cs.stop - cs.start, circuit)
    return out


class _TxMatmul(torch.autograd.Function):
    """``x @ W^T`` whose forward and backward reads go through the layer's crossbars."""

    @staticmethod
    def forward(ctx, x, weight, layer):
        ctx.save_for_backward(x, weight)
        ctx.layer = layer
        if layer.config.forward:
            return layer.read(x, transposed=False)
        return x @ weight.T

    @staticmethod
    def backward(ctx, grad_y):
        x, weight = ctx.saved_tensors
        layer = ctx.layer
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:  # not for a first layer: its transposed read would be thrown away
            grad_x = layer.read(grad_y, transposed=True) if layer.config.backward else grad_y @ weight
        if ctx.needs_input_grad[1]:
            grad_w = (x.T @ grad_y).T  # in the weight's (K, N) storage order (TxLinear's notes)
        return grad_x, grad_w, None


class TxLinear(nn.Module):
    """A fully connected layer trained on crossbars (TxSim, arXiv 2002.11151, Sec. III).

    Parameters
    ----------
    in_features, out_features : int
        As ``nn.Linear``; inputs map to crossbar rows, outputs to columns (``K x N`` matrix ``W^T``).
    config : TxSimConfig
        Crossbar, write model, non-ideal operations, speed-up knobs.
    seed : int
        Seed of the initial weights (``nn.Linear``'s initialisation), programming variation, faults, step
        variation, read noise and pulse rounding.
    linear : nn.Linear, optional
        Start from its weights instead (copied).

    Notes
    -----
    ``weight`` (``out x in``) always holds the weights the arrays store: with a non-ideal update it is
    ``w_max (u_pos - u_neg)^T`` after every step; with an ideal update it is the truth, and the arrays are
    programmed from it (clipped to ``[-w_max, w_max]``) whenever the read matrices are recomputed. Unless every
    operation is ideal (then it is ``nn.Linear``'s, bit for bit) it is stored in the arrays' ``in x out`` order (a
    transposed view), so that its gradient, the pulse counts and the weights written back share one contiguous
    layout.
    """

    def __init__(self, in_features: int, out_features: int, config: TxSimConfig, *, bias: bool = True, seed: int = 0,
                 linear: nn.Linear | None = None):
        super().__init__()
        if linear is None:
            with torch.random.fork_rng():
                torch.manual_seed(seed)
                linear = nn.Linear(in_features, out_features, bias=bias)
        self.in_features, self.out_features = linear.in_features, linear.out_features
        self.config = config
        self.dev = resolve_device(config.device)
        # Stored (K, N)-contiguous like the arrays, shown (out, in), unless all is ideal (nn.Linear's layout and GEMMs).
        weight = linear.weight.detach().float().to(self.dev)
        self.weight = nn.Parameter(weight.T.contiguous().T if config.nonideal else weight.clone())
        self.bias = None if linear.bias is None else nn.Parameter(linear.bias.detach().clone().float().to(self.dev))
        self.generator = torch.Generator().manual_seed(seed)
        self.w_max = config.write.weight_range * max(float(self.weight.detach().abs().max()), 1e-12)
        self.steps = 0
        self.refreshes = 0
        self._factors: dict[str, torch.Tensor] | None = None
        self._mats: dict[str, torch.Tensor] | None = None
        self._mats_step = -1
        self._refreshed_step = -1
        self._dirty: list[torch.Tensor] | None = []  # cells programmed since the last refresh (None: too many)
        self._patched = False
        K, N = self.in_features, self.out_features
        rng = np.random.default_rng(seed)
        dev = config.crossbar.device
        w = torch.clamp(self.weight.detach().T.double().cpu() / self.w_max, -1, 1).numpy()
        u_target = np.stack([0.5 + w / 2, 0.5 - w / 2])
        # Initial programming: the device model's quantization-free variation and faults act on the conductances.
        g = self._window_to_g(u_target)
        programmed = program(g, replace(dev, stuck_on_fraction=0.0, stuck_off_fraction=0.0), rng)
        stuck_on, stuck_off = fault_masks(g.shape, dev, rng)
        programmed = np.where(stuck_on, dev.g_max_s, np.where(stuck_off, dev.g_min_s, programmed))
        u = np.clip(self._g_to_window(programmed), 0.0, 1.0) if config.update else u_target
        self.register_buffer("u", torch.tensor(u, dtype=torch.float32, device=self.dev))  # (2, K, N)
        self.register_buffer("stuck", torch.tensor(stuck_on | stuck_off, device=self.dev))
        self.register_buffer("g_fixed", torch.tensor(programmed, dtype=torch.float32, device=self.dev))
        step = 1.0 + config.write.d2d_sigma * rng.standard_normal((2, K, N))
        self.register_buffer("delta", torch.tensor(config.write.delta * np.clip(step, 0.0, None),
                                                   dtype=torch.float32, device=self.dev))
        self.register_buffer("series", torch.tensor(_series(K, N, config.crossbar.circuit), dtype=torch.float32,
                                                    device=self.dev))
        self._pools: dict[str, torch.Tensor] = {}
        self.has_faults = bool(stuck_on.any() or stuck_off.any())
        self._uniform_step = not config.write.d2d_sigma
        if config.update:
            self._sync_weight()

    # --- conductance bookkeeping --------------------------------------------------------------------------------
    def _window_to_g(self, u):
        """Conductance (S) of window state ``u`` (array or tensor)."""
        dev, wr = self.config.crossbar.device, self.config.write
        span = dev.g_max_s - dev.g_min_s
        return u * (span * (wr.bound_high - wr.bound_low)) + (dev.g_min_s + span * wr.bound_low)

    def _g_to_window(self, g):
        dev, wr = self.config.crossbar.device, self.config.write
        return ((g - dev.g_min_s) / (dev.g_max_s - dev.g_min_s) - wr.bound_low) / (wr.bound_high - wr.bound_low)

    @property
    def s_per_weight(self) -> float:
        """Conductance difference (S) that represents a weight of ``w_max``."""
        dev, wr = self.config.crossbar.device, self.config.write
        return (dev.g_max_s - dev.g_min_s) * (wr.bound_high - wr.bound_low)

    def _sync_weight(self) -> None:
        with torch.no_grad():
            torch.sub(self.u[0], self.u[1], out=self.weight.data.T).mul_(self.w_max)

    def _state(self) -> torch.Tensor:
        """Window state of both arrays, (2, K, N): the programmed state, or, with an ideal update, the weights mapped
        symmetrically about the middle of the window (clipped to ``[-w_max, w_max]``)."""
        if self.config.update:
            return self.u
        w = torch.clamp(self.weight.detach().T / self.w_max, -1, 1)
        return torch.stack([0.5 + w / 2, 0.5 - w / 2])

    def conductances(self, cells: torch.Tensor | None = None, states: torch.Tensor | None = None) -> torch.Tensor:
        """The conductances (S) the arrays hold now, shape (2, K, N): positive and negative array; or, given flat
        indices ``cells`` of a (K, N) array, those cells' conductances, shape (2, len(cells)) (``states``: their
        window states when known, else gathered)."""
        u, stuck, fixed = self._state(), self.stuck, self.g_fixed
        if cells is not None:
            u = u.reshape(2, -1).index_select(1, cells) if states is None else states
            if self.has_faults:
                stuck, fixed = (t.view(2, -1).index_select(1, cells) for t in (stuck, fixed))
        G = self._window_to_g(u)
        return torch.where(stuck, fixed, G) if self.has_faults else G

    # --- read matrices ------------------------------------------------------------------------------------------
    def _attenuation(self, G: torch.Tensor, cells: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Per-cell ``G_eff / G`` of both arrays for the forward and the transposed read (full model): of the whole
        arrays, ``G`` (2, K, N), or, for an elementwise model, of the cells at flat indices ``cells``, ``G`` (2, m).
        Reciprocal reads (ideal, short-path, exact with ``r_driver == r_sense``) return the same tensor for both."""
        circuit = self.config.crossbar.circuit
        if circuit.model == "ideal":
            one = torch.ones_like(G)
            return {"fwd": one, "bwd": one}
        if circuit.model == "cumulative":
            series = self.series if cells is None else self.series.view(-1).index_select(0, cells)
            factor = 1.0 / (1.0 + G * series)
            return {"fwd": factor, "bwd": factor}
        # Exact linear cells with r_driver == r_sense are reciprocal (transposed_conductance): one solve per tile.
        reciprocal = circuit.model in ("exact", "line") and circuit.r_driver_ohm == circuit.r_sense_ohm
        g = G.detach().double().cpu().numpy()
        fwd, bwd = np.zeros_like(g), np.zeros_like(g)
        for a in range(2):
            for rs, cs in layer_tiles(self.in_features, self.out_features, circuit):
                block = g[a, rs, cs]
                fwd[a, rs, cs] = effective_conductance(block, circuit) / block
                if not reciprocal:
                    bwd[a, rs, cs] = transposed_conductance(block, circuit).T / block
        fwd = torch.tensor(fwd, dtype=torch.float32, device=self.dev)
        return {"fwd": fwd, "bwd": fwd if reciprocal else torch.tensor(bwd, dtype=torch.float32, device=self.dev)}

    def _folded(self, G: torch.Tensor, cells: torch.Tensor | None = None) -> dict[str, tuple]:
        """The attenuation f = G_eff / G of every cell (or of ``cells``), folded with the state-to-conductance map
        G = a u + b and the weight scale, so that an iteration costs one fused multiply-add per cell:
        G_eff scale = u (f a scale) + f b scale. Returns ``{read: (f a scale, f b scale)}``; reciprocal reads share
        one pair."""
        a_scale, b_scale = self._affine
        att = self._attenuation(G, cells)
        fwd = (att["fwd"] * a_scale, att["fwd"] * b_scale)
        bwd = fwd if att["bwd"] is att["fwd"] else (att["bwd"] * a_scale, att["bwd"] * b_scale)
        return {"fwd": fwd, "bwd": bwd}

    @property
    def _affine(self) -> tuple[float, float]:
        """``(a scale, b scale)``: the state-to-conductance map ``G = a u + b`` (S) times the conductance-to-weight
        scale ``w_max / s_per_weight``."""
        dev, wr = self.config.crossbar.device, self.config.write
        span = dev.g_max_s - dev.g_min_s
        scale = self.w_max / self.s_per_weight
        return span * (wr.bound_high - wr.bound_low) * scale, (dev.g_min_s + span * wr.bound_low) * scale

    def matrices(self) -> dict[str, torch.Tensor]:
        """Read matrices of this iteration in weight units, shape (K, N) each: ``"fwd"`` (``y = x @ fwd``) and
        ``"bwd"`` (``dx = dy @ bwd.T``), plus ``"g_square"`` (sum of squared conductances, for read noise).

        The attenuations are refreshed every ``refresh_every`` iterations (TxSim Sec. IV); in between the last ones
        act on the present conductances. An elementwise model's refresh recomputes only the cells programmed since
        the last one (:meth:`_program`; the same numbers as recomputing all).
        """
        if self._mats is not None and self._mats_step == self.steps:
            return self._mats
        due = self.steps % self.config.refresh_every == 0 and self._refreshed_step != self.steps
        if self._factors is None or due:
            self._factors = self._folded(self.conductances())
            self._refreshed_step, self._dirty = self.steps, []
            self.refreshes += 1
        u = self._state()
        out = {}
        for k, (fa, fb) in self._factors.items():
            if k == "bwd" and self._factors["bwd"] is self._factors["fwd"]:
                out[k] = out["fwd"]  # reciprocal reads: the same matrix
                continue
            fg = torch.addcmul(fb, u, fa)
            if self.has_faults:
                scale = self.w_max / self.s_per_weight
                fg = torch.where(self.stuck, fa / self._affine[0] * self.g_fixed * scale, fg)
            if k == "fwd" and self.config.batched:  # stored in its zero-padded tile stack, which tiles() uses
                tile_in = min(self.config.crossbar.circuit.rows, self.in_features)
                n_tiles = math.ceil(self.in_features / tile_in)
                out["tiles_fwd"] = fg.new_zeros((n_tiles, tile_in, self.out_features))
                out[k] = torch.sub(fg[0], fg[1], out=out["tiles_fwd"].view(-1, self.out_features)[:self.in_features])
            else:
                out[k] = torch.sub(fg[0], fg[1])
        if self.config.crossbar.device.read_noise_sigma:
            G = self.conductances()
            out["g_square"] = (G[0] ** 2 + G[1] ** 2) * (self.w_max / self.s_per_weight) ** 2
        self._mats, self._mats_step = out, self.steps
        return out

    def tiles(self) -> Tiles:
        """This iteration's read matrices on the tile engine (:class:`~workbench.crossbar.array.tile.Tiles`), in weight
        units: the forward read ``"fwd"`` (inputs on the K rows) and the transposed read ``"bwd"`` (inputs on the N
        columns), each with an ADC full scale of ``adc_range_fraction`` of a full tile's largest current."""
        m = self.matrices()
        if "tiles" not in m:
            cfg = self.config.crossbar
            circuit, per, g_sq = cfg.circuit, cfg.peripherals, m.get("g_square")
            reads = {}
            for key, dense, g_square, (lines_in, lines_out) in (
                    ("fwd", m["fwd"], g_sq, (circuit.rows, circuit.cols)),
                    ("bwd", m["bwd"].T, None if g_sq is None else g_sq.T, (circuit.cols, circuit.rows))):
                tile_in = min(lines_in, dense.shape[0])
                reads[key] = TileRead(dense=dense, tile_in=tile_in, tile_out=min(lines_out, dense.shape[1]),
                                      full_scale=per.adc_range_fraction * tile_in * self.w_max,
                                      stack=m.get("tiles_fwd") if key == "fwd" else None, g_square=g_square)
            m["tiles"] = Tiles(fwd=reads["fwd"], bwd=reads["bwd"], peripherals=per,
                               read_noise_sigma=cfg.device.read_noise_sigma)
        return m["tiles"]

    def read(self, x: torch.Tensor, *, transposed: bool) -> torch.Tensor:
        """``x @ M`` through DAC -> tiles -> ADC, tile outputs summed (``M`` = forward or transposed read matrix):
        :meth:`Tiles.read <workbench.crossbar.array.tile.Tiles.read>` of :meth:`tiles`.

        Forward: ``x`` is (batch, K), inputs on the rows; transposed: ``x`` is (batch, N), inputs on the columns.
        """
        return self.tiles().read(x, transposed=transposed, generator=self.generator, batched=self.config.batched)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x = x.reshape(-1, self.in_features)
        if not (self.config.forward or self.config.backward):
            y = F.linear(x, self.weight, self.bias)
        else:
            y = _TxMatmul.apply(x, self.weight, self)
            if self.bias is not None:
                y = y + self.bias
        return y.reshape(*shape[:-1], self.out_features)

    def _draw(self, kind: str, size: int) -> torch.Tensor | None:
        """``size`` random numbers (``"uniform"`` in [0, 1) or ``"normal"``) for the update, or ``None`` to let the
        update draw them itself. With ``random_pool`` they are a window of a pool of ``4 size`` numbers drawn once,
        at an offset drawn every iteration: a speed-up (one integer draw instead of ``size`` numbers) whose draws are
        each exactly distributed but repeat across iterations at random offsets."""
        if not self.config.random_pool:
            return None
        pool = self._pools.get(kind)
        if pool is None:
            draw = torch.rand if kind == "uniform" else torch.randn
            pool = self._pools[kind] = draw(4 * size, generator=self.generator).to(self.dev)
        offset = int(torch.randint(0, pool.numel() - size + 1, (1,), generator=self.generator))
        return pool[offset:offset + size]

    def _program(self, lr: float) -> None:
        """Program ``-lr grad`` as pulses (:func:`~workbench.crossbar.training.update.program_pairs`, in place), then
        bring the
        weights and, between refreshes, this iteration's read matrices up to date at the pulsed cells only (the
        attenuations are fixed until the next refresh, so patching equals recomputing). An elementwise model
        (:attr:`TxSimConfig.elementwise`) refreshes here, before the next iteration, at the cells programmed since
        the last refresh: the other cells' attenuations have not changed, so this equals recomputing all."""
        wr = self.config.write
        K, N = self.in_features, self.out_features
        signed = torch.mul(self.weight.grad.T, -lr / (2 * self.w_max * wr.mid_step),
                           out=torch.empty((K, N), device=self.dev))  # contiguous (K, N) in one pass
        if wr.rounding == "stochastic":
            uniform = self._draw("uniform", K * N)
            signed = signed.add_(uniform.view(K, N) if uniform is not None
                                 else torch.rand((K, N), generator=self.generator).to(self.dev)).floor_()
        elif wr.rounding == "nearest":
            signed = signed.round_()
        normal = self._draw("normal", 2 * K * N) if wr.gamma else None
        idx, programmed = program_pairs(self.u, signed, wr, None if self._uniform_step else self.delta,
                                        self.stuck if self.has_faults else None, self.generator, normal)
        self.weight.data.T.view(-1).index_copy_(0, idx, (programmed[0] - programmed[1]) * self.w_max)
        cells, states = idx, programmed
        if self.config.elementwise and self._factors is not None and self._dirty is not None:
            self._dirty.append(idx)
            if sum(d.numel() for d in self._dirty) > K * N:
                self._dirty = None  # a full refresh is cheaper
        next_refresh = (self.steps + 1) % self.config.refresh_every == 0
        if next_refresh and self._dirty:
            if len(self._dirty) > 1:  # repeated cells are recomputed to equal values
                cells, states = torch.cat(self._dirty), None
            fresh = self._folded(self.conductances(cells, states), cells)
            for key, (fa, fb) in self._factors.items():
                if key == "bwd" and self._factors["bwd"] is self._factors["fwd"]:
                    continue
                fa.view(2, -1).index_copy_(1, cells, fresh[key][0])
                fb.view(2, -1).index_copy_(1, cells, fresh[key][1])
            self._refreshed_step, self._dirty = self.steps + 1, []
            self.refreshes += 1
            next_refresh = False
        else:
            fresh = None
        valid = self._mats is not None and self._mats_step == self.steps
        if valid and not next_refresh and not self.has_faults and not self.config.crossbar.device.read_noise_sigma:
            self._patch(cells, states, fresh)
            self._patched = True

    def _patch(self, cells: torch.Tensor, states: torch.Tensor | None = None, factors: dict | None = None) -> None:
        """Recompute this iteration's read matrices (and the transposed read's tile stack; the forward one holds the
        forward matrix) at the flat indices ``cells``, whose window states are ``states`` (2, len(cells)) and folded
        attenuations ``factors`` (as :meth:`_folded` returns them; both default: gathered)."""
        if not cells.numel():
            return
        K, N = self.in_features, self.out_features
        mats = self._mats
        u = self.u.view(2, -1).index_select(1, cells) if states is None else states
        diff = {}
        for key, (fa, fb) in self._factors.items():
            if key == "bwd" and mats["bwd"] is mats["fwd"]:
                diff[key] = diff["fwd"]
                continue
            fa, fb = (fa.view(2, -1).index_select(1, cells), fb.view(2, -1).index_select(1, cells)) \
                if factors is None else factors[key]
            diff[key] = torch.sub(*torch.addcmul(fb, u, fa))
            mats[key].view(-1).index_copy_(0, cells, diff[key])
        bwd_stack = mats["tiles"].bwd.stack if "tiles" in mats else None
        if bwd_stack is not None:  # the transposed read's tile stack, (N, K) order
            bwd_stack.view(-1).index_copy_(0, (cells % N) * K + cells // N, diff["bwd"])

    @torch.no_grad()
    def apply_update(self, lr: float) -> None:
        """One SGD step: ``W -= lr grad`` ideal, or programmed as pulses (:func:`~workbench.crossbar.training.update
        .program_pairs`); the bias is updated digitally. Advances the iteration counter."""
        self._patched = False
        if self.weight.grad is not None:
            if self.config.update:
                self._program(lr)
            else:
                self.weight.add_(self.weight.grad, alpha=-lr)
        if self.bias is not None and self.bias.grad is not None:
            self.bias.add_(self.bias.grad, alpha=-lr)
        self.steps += 1
        if self.config.update and self._patched:
            self._mats_step = self.steps  # patched in place: still this iteration's matrices


def _pair(value, name: str, low: int) -> tuple[int, int]:
    """An int or pair of ints (``nn.Conv2d``'s convention) as a pair, each ``>= low``."""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= low for v in pair):
        raise ValueError(f"TxConv2d.{name}={value!r} is not allowed; allowed: an int >= {low} or a pair of them")
    return pair


class TxConv2d(TxLinear):
    """A 2-D convolution trained on crossbars (TxSim, arXiv 2002.11151, Sec. III), mapped the standard way (im2col):
    the kernel is the ``(C_in k_h k_w) x C_out`` matrix of :class:`TxLinear`, tiled over the arrays exactly like it,
    and every output position's patch (``F.unfold``) is one input vector on the rows.

    Forward and transposed backward reads and the pulse-programmed update are :class:`TxLinear`'s, on the patch
    matrix: the transposed read gives each patch's gradient, which ``F.fold`` (unfold's adjoint, digital) sums into
    the input gradient; the weight gradient sums over all positions, as ``nn.Conv2d``'s. The DAC's full scale is the
    largest input magnitude of the call (the patches hold the input's values, and zero padding).

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding, dilation, bias
        As ``nn.Conv2d`` (``groups = 1``).
    config : TxSimConfig
        Crossbar, write model, non-ideal operations, speed-up knobs.
    seed : int
        As :class:`TxLinear` (initial weights are ``nn.Conv2d``'s initialisation under this seed).
    conv : nn.Conv2d, optional
        Start from its weights and geometry instead (copied; ``groups`` must be 1).

    Notes
    -----
    ``weight`` is :class:`TxLinear`'s ``out x (in k_h k_w)`` matrix; :attr:`conv_weight` is the same tensor in
    ``nn.Conv2d``'s shape.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, config: TxSimConfig, *, stride=1,
                 padding=0, dilation=1, bias: bool = True, seed: int = 0, conv: nn.Conv2d | None = None):
        if conv is None:
            for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
                if not isinstance(value, int) or value < 1:
                    raise ValueError(f"TxConv2d.{name}={value!r} is not allowed; allowed: an int >= 1")
            kernel = _pair(kernel_size, "kernel_size", 1)
            geometry = dict(stride=_pair(stride, "stride", 1), padding=_pair(padding, "padding", 0),
                            dilation=_pair(dilation, "dilation", 1))
            with torch.random.fork_rng():
                torch.manual_seed(seed)
                conv = nn.Conv2d(in_channels, out_channels, kernel, bias=bias, **geometry)
        elif conv.groups != 1 or not isinstance(conv.padding, tuple):
            raise ValueError(f"TxConv2d: conv with groups={conv.groups}, padding={conv.padding!r} is not allowed; "
                             "allowed: groups 1 and numeric padding")
        linear = nn.Linear(conv.weight[0].numel(), conv.out_channels, bias=conv.bias is not None)
        with torch.no_grad():
            linear.weight.copy_(conv.weight.reshape(conv.out_channels, -1))
            if conv.bias is not None:
                linear.bias.copy_(conv.bias)
        super().__init__(linear.in_features, linear.out_features, config, bias=conv.bias is not None, seed=seed,
                         linear=linear)
        self.in_channels, self.out_channels = conv.in_channels, conv.out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = (conv.kernel_size, conv.stride, conv.padding,
                                                                      conv.dilation)

    @property
    def conv_weight(self) -> torch.Tensor:
        """The weights in ``nn.Conv2d``'s shape ``(out, in, k_h, k_w)`` (a view of ``weight``)."""
        return self.weight.view(self.out_channels, self.in_channels, *self.kernel_size)

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """Output height and width for an input of ``height x width`` (``nn.Conv2d``'s formula); ``ValueError`` when
        the dilated kernel is larger than the padded input."""
        out = []
        for name, size, k, s, p, d in zip(("height", "width"), (height, width), self.kernel_size, self.stride,
                                          self.padding, self.dilation, strict=True):
            span = d * (k - 1) + 1
            if span > size + 2 * p:
                raise ValueError(f"TxConv2d.kernel_size={self.kernel_size} (dilated extent {span}) is not allowed for "
                                 f"an input {name} of {size} with padding {p}; allowed: extent <= {size + 2 * p}")
            out.append((size + 2 * p - span) // s + 1)
        return out[0], out[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"TxConv2d input of shape {tuple(x.shape)} is not allowed; allowed: (batch, "
                             f"in_channels={self.in_channels}, height, width)")
        h, w = self.output_size(x.shape[2], x.shape[3])
        patches = F.unfold(x, self.kernel_size, dilation=self.dilation, padding=self.padding, stride=self.stride)
        y = super().forward(patches.transpose(1, 2))  # (batch, positions, out)
        return y.transpose(1, 2).reshape(x.shape[0], self.out_channels, h, w)


def crossbar_sgd_step(model: nn.Module, lr: float) -> None:
    """Plain SGD on every parameter, except :class:`TxLinear` layers, which program their crossbars: the step of
    :class:`~workbench.crossbar.training.optim.CrossbarSGD`, callable without an optimiser (the timing loops)."""
    tx_params = set()
    for module in model.modules():
        if isinstance(module, TxLinear):
            module.apply_update(lr)
            tx_params.update(id(p) for p in module.parameters())
    with torch.no_grad():
        for p in model.parameters():
            if id(p) not in tx_params and p.grad is not None:
                p.add_(p.grad, alpha=-lr)


def tx_mlp(sizes: tuple[int, ...], config: TxSimConfig, seed: int = 0) -> nn.Sequential:
    """An MLP of :class:`TxLinear` layers (``sizes`` = input, hidden..., classes) with ReLUs; layer ``k`` seeded
    ``seed + k``."""
    if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
        raise ValueError(f"sizes={sizes!r} is not allowed; allowed: >= 2 positive layer widths")
    layers: list[nn.Module] = [nn.Flatten()]
    for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(TxLinear(a, b, config, seed=seed + k))
        if k < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def tx_cnn(input_shape: tuple[int, int, int], channels: tuple[int, ...], classes: int, config: TxSimConfig,
           seed: int = 0) -> nn.Sequential:
    """A small CNN on crossbars: per entry of ``channels`` a 3x3 :class:`TxConv2d` (padding 1), ReLU and 2x2 max
    pooling, then a :class:`TxLinear` classifier; layer ``k`` seeded ``seed + k``. E.g. ``(1, 28, 28)`` MNIST or
    ``(3, 32, 32)`` CIFAR with ``channels=(8, 16)``.

    Pooling and ReLU are digital (TxSim maps the conv and fully connected layers onto crossbars).
    """
    if len(input_shape) != 3 or any(int(s) < 1 for s in input_shape):
        raise ValueError(f"input_shape={input_shape!r} is not allowed; allowed: (channels, height, width) >= 1")
    if not channels or any(int(c) < 1 for c in channels):
        raise ValueError(f"channels={channels!r} is not allowed; allowed: one or more positive widths")
    if int(classes) < 1:
        raise ValueError(f"classes={classes!r} is not allowed; allowed: >= 1")
    c, h, w = input_shape
    if min(h, w) < 2 ** len(channels):
        raise ValueError(f"input_shape={input_shape!r} is not allowed with {len(channels)} 2x2 poolings; allowed: "
                         f"height and width >= {2 ** len(channels)}")
    layers: list[nn.Module] = []
    for k, out in enumerate(channels):
        layers += [TxConv2d(c, out, 3, config, padding=1, seed=seed + k), nn.ReLU(), nn.MaxPool2d(2)]
        c, h, w = out, h // 2, w // 2
    layers += [nn.Flatten(), TxLinear(c * h * w, classes, config, seed=seed + len(channels))]
    return nn.Sequential(*layers)


def _children_where(module: nn.Module, keep) -> list[tuple[nn.Module, str, nn.Module]]:
    """``(parent, attribute name, child)`` of every submodule of ``module`` for which ``keep(child)`` holds, parents
    in module order (the order :func:`to_crossbars` seeds the layers in)."""
    return [(parent, name, child) for parent in module.modules() for name, child in parent.named_children()
            if keep(child)]


def to_crossbars(module: nn.Module, config: TxSimConfig, seed: int = 0) -> nn.Module:
    """``module`` with every ``nn.Conv2d`` and ``nn.Linear`` replaced (in place) by a :class:`TxConv2d` /
    :class:`TxLinear` starting from its weights; the ``k``-th layer in module order is seeded ``seed + k``."""
    layers = _children_where(module, lambda child: type(child) in (nn.Conv2d, nn.Linear))
    for k, (parent, name, child) in enumerate(layers):
        if isinstance(child, nn.Conv2d):
            if child.padding_mode != "zeros":
                raise ValueError(f"{name}: padding_mode={child.padding_mode!r} is not allowed; allowed: 'zeros'")
            tx = TxConv2d(child.in_channels, child.out_channels, child.kernel_size, config, conv=child, seed=seed + k)
        else:
            tx = TxLinear(child.in_features, child.out_features, config, linear=child, seed=seed + k)
        setattr(parent, name, tx)
    return module


def to_torch(module: nn.Module) -> nn.Module:
    """``module`` with every :class:`TxConv2d` / :class:`TxLinear` replaced (in place) by the ``nn.Conv2d`` /
    ``nn.Linear`` holding the weights its arrays store (:func:`to_crossbars` undone)."""
    layers = _children_where(module, lambda child: isinstance(child, TxLinear))
    for parent, name, child in layers:
        bias = child.bias is not None
        if isinstance(child, TxConv2d):
            plain = nn.Conv2d(child.in_channels, child.out_channels, child.kernel_size, stride=child.stride,
                              padding=child.padding, dilation=child.dilation, bias=bias)
            weight = child.conv_weight
        else:
            plain, weight = nn.Linear(child.in_features, child.out_features, bias=bias), child.weight
        plain = plain.to(weight.device)
        with torch.no_grad():
            plain.weight.copy_(weight)
            if bias:
                plain.bias.copy_(child.bias)
        setattr(parent, name, plain)
    return module
