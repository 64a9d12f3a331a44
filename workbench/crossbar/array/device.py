"""Resistive cells: weight-to-conductance mapping, quantization, bit slicing, variation, read noise, faults.

The device non-idealities follow the ones Rx-Caffe and TxSim model (arXiv 1809.00072, 2002.11151;
docs/design.md § crossbars): a bounded conductance range ``[G_min, G_max]`` set by the on/off ratio, a finite number of
levels per cell (weights wider than a cell are bit-sliced over several cells, shift-and-add recombined, as in ISAAC,
Shafiee et al., ISCA 2016), programming variation, read noise and stuck-at faults. [R] Variation and read noise are
Gaussian and multiplicative (relative to the target conductance), the usual first-order model (e.g. aihwkit's
``PCMLikeNoiseModel`` uses the same form); stuck-at cells sit at ``G_max`` (stuck-on) or ``G_min`` (stuck-off). Every
non-ideality is a field of :class:`DeviceConfig` and is off at its zero value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.core.knobs import knob_field, validate_config

__all__ = [
    "MAPPINGS",
    "add_read_noise",
    "ConductanceMap",
    "DeviceConfig",
    "check_conductance",
    "fault_masks",
    "map_weights",
    "program",
    "quantize_conductance",
    "slice_weights",
]

MAPPINGS = ("differential", "offset")


@dataclass(frozen=True)
class DeviceConfig:
    """The resistive cell and how weights are stored in it. Defaults: an analog 10 kOhm / 100 kOhm cell, ideal.

    Each field declares its range, unit and help (:func:`~workbench.core.knobs.knob_field`); the crossbar studies
    derive their knobs from them. Conductances are given in uS, the unit a designer reads; :attr:`g_max_s` and
    :attr:`g_min_s` are the one place they become S, and the device model computes in S.
    """

    g_max_us: float = knob_field(100.0, low=0.0, low_open=True, high=math.inf, unit="uS", label="max conductance G_max",
                                 help="Highest programmable cell conductance (on state); 100 uS is a 10 kOhm cell.")
    on_off_ratio: float = knob_field(10.0, low=1.0, high=math.inf, label="on/off ratio G_max/G_min",
                                     help="G_max / G_min of the cells.")
    bits_per_cell: int = knob_field(0, low=0, high=16, unit="bit", label="bits per cell",
                                    help="Bits per cell: 2**bits evenly spaced conductance levels (0 = analog).")
    weight_bits: int = knob_field(0, low=0, high=32, unit="bit", label="weight precision",
                                  help="Weight magnitude bits, sliced over cells of bits_per_cell (0 = unquantized).")
    """With ``bits_per_cell`` > 0 a weight spans ``ceil(weight_bits / bits_per_cell)`` slices (cells in separate
    arrays, recombined by shift-and-add)."""
    mapping: str = knob_field("differential", options=MAPPINGS, label="signed-weight mapping",
                              help="Signed weights on two arrays (differential) or one array with an offset.")
    """``"differential"``: positive and negative weights in two arrays, currents subtracted; ``"offset"``: one array
    holding ``w + w_max``, the reference current ``sum(v) G_mid`` subtracted (an ideal reference column)."""
    program_sigma: float = knob_field(0.0, low=0.0, high=math.inf, label="programming variation sigma",
                                      help="Relative standard deviation of each programmed conductance.")
    read_noise_sigma: float = knob_field(0.0, low=0.0, high=math.inf, label="read noise sigma",
                                         help="Relative standard deviation of each cell's current on every read.")
    stuck_on_fraction: float = knob_field(0.0, low=0.0, high=1.0, label="stuck-on cells (at G_max)",
                                          help="Fraction of cells stuck at G_max.")
    stuck_off_fraction: float = knob_field(0.0, low=0.0, high=1.0, label="stuck-off cells (at G_min)",
                                           help="Fraction of cells stuck at G_min.")
    v_nl_v: float = knob_field(0.0, low=0.0, high=math.inf, unit="V", label="nonlinearity voltage v_nl",
                               help="Sinh nonlinearity voltage of I = g v_nl sinh(v / v_nl); 0 = linear cells.")
    """Smaller is more nonlinear; ``0`` (or ``None``, kept for older callers) means linear (ohmic) cells. Read it
    through :attr:`v_nl`, which gives the solvers' ``None`` for linear cells."""

    def __post_init__(self) -> None:
        if self.v_nl_v is None:
            object.__setattr__(self, "v_nl_v", 0.0)
        validate_config(self)
        stuck = self.stuck_on_fraction + self.stuck_off_fraction
        if stuck > 1:
            raise ValueError(f"stuck_on_fraction + stuck_off_fraction={stuck!r} is not allowed; allowed: <= 1")

    @property
    def v_nl(self) -> float | None:
        """The sinh nonlinearity voltage (V) as the circuit solvers take it: ``None`` for linear cells."""
        return self.v_nl_v or None

    @property
    def g_max_s(self) -> float:
        """Highest conductance (S): ``g_max_us`` converted from uS, the only conversion of this unit."""
        return self.g_max_us * 1e-6

    @property
    def g_min_s(self) -> float:
        """Lowest conductance (S), ``g_max_s / on_off_ratio``."""
        return self.g_max_s / self.on_off_ratio

    @property
    def n_slices(self) -> int:
        """Cells (arrays) per weight."""
        if self.bits_per_cell and self.weight_bits:
            return math.ceil(self.weight_bits / self.bits_per_cell)
        return 1

    @property
    def slice_levels(self) -> int:
        """Highest digit stored in one cell (levels - 1); 0 for analog cells holding any value in [0, 1]."""
        bits = self.bits_per_cell or self.weight_bits
        return 2**bits - 1 if bits else 0


def check_conductance(G: np.ndarray, config: DeviceConfig, *, name: str = "G") -> np.ndarray:
    """``G`` as a float array; ``ValueError`` naming the range when any value is outside ``[G_min, G_max]``."""
    G = np.asarray(G, dtype=float)
    low, high = config.g_min_s, config.g_max_s
    tol = 1e-12 * high
    if G.size and (not np.all(np.isfinite(G)) or G.min() < low - tol or G.max() > high + tol):
        raise ValueError(
            f"{name} holds conductances in [{np.nanmin(G):.4g}, {np.nanmax(G):.4g}] S; allowed: "
            f"[g_min_s={low:.4g}, g_max_s={high:.4g}] S"
        )
    return G


def quantize_conductance(G: np.ndarray, config: DeviceConfig) -> np.ndarray:
    """Round each conductance to the nearest of the ``2**bits_per_cell`` levels spanning ``[G_min, G_max]``.

    Returns ``G`` unchanged for analog cells (``bits_per_cell=0``).
    """
    G = check_conductance(G, config)
    if config.bits_per_cell == 0:
        return G.copy()
    steps = 2**config.bits_per_cell - 1
    low, span = config.g_min_s, config.g_max_s - config.g_min_s
    return low + np.round((G - low) / span * steps) / steps * span


def slice_weights(w: np.ndarray, config: DeviceConfig) -> tuple[np.ndarray, np.ndarray]:
    """Split normalised weight magnitudes over cells.

    Parameters
    ----------
    w : ndarray
        Weights normalised to [-1, 1].

    Returns
    -------
    digits : ndarray, shape (n_slices, *w.shape)
        Signed cell contents in [-1, 1] per slice, least significant slice first (fractions of the cell range).
    weights : ndarray, shape (n_slices,)
        Recombination factors: ``sum_s weights[s] * digits[s]`` is the quantized ``w``.
    """
    w = np.asarray(w, dtype=float)
    if w.size and np.abs(w).max() > 1 + 1e-12:
        raise ValueError(f"weights must be normalised to [-1, 1], got max |w| = {np.abs(w).max():.4g}")
    sign, mag = np.sign(w), np.abs(w)
    total_bits = config.weight_bits or config.bits_per_cell
    if not total_bits:
        return w[None].copy(), np.ones(1)
    full = 2**total_bits - 1
    q = np.round(mag * full).astype(np.int64)
    if config.n_slices == 1:
        return (sign * q / full)[None], np.ones(1)
    base, top = 2**config.bits_per_cell, config.slice_levels
    digits = np.stack([(q // base**s) % base for s in range(config.n_slices)]) * sign / top
    return digits, np.array([top * base**s / full for s in range(config.n_slices)])


@dataclass(frozen=True)
class ConductanceMap:
    """Conductance arrays for one weight slice.

    Parameters
    ----------
    g_pos : ndarray
        The (positive) array (S).
    g_neg : ndarray or None
        The negative array for ``mapping="differential"`` (S); ``None`` for ``"offset"``.
    g_ref_s : float
        Reference conductance per row subtracted in ``"offset"`` mapping (S); 0 for differential.
    s_per_unit : float
        Conductance (S) that represents a normalised weight of 1: ``w = (g_pos - g_neg) / s_per_unit`` or
        ``(g_pos - g_ref_s) / s_per_unit``.
    """

    g_pos: np.ndarray
    g_neg: np.ndarray | None
    g_ref_s: float
    s_per_unit: float


def map_weights(w: np.ndarray, config: DeviceConfig) -> ConductanceMap:
    """Map normalised weights in [-1, 1] (one slice) onto conductances in ``[G_min, G_max]``.

    Differential: ``g_pos = G_min + max(w, 0) dG``, ``g_neg = G_min + max(-w, 0) dG`` with ``dG = G_max - G_min``.
    Offset: ``g = G_min + (w + 1) dG / 2`` against ``G_mid = (G_min + G_max) / 2``.
    """
    w = np.asarray(w, dtype=float)
    if w.size and np.abs(w).max() > 1 + 1e-12:
        raise ValueError(f"weights must be normalised to [-1, 1], got max |w| = {np.abs(w).max():.4g}")
    low, span = config.g_min_s, config.g_max_s - config.g_min_s
    if config.mapping == "differential":
        return ConductanceMap(low + np.clip(w, 0, 1) * span, low + np.clip(-w, 0, 1) * span, 0.0, span)
    return ConductanceMap(low + (np.clip(w, -1, 1) + 1) * span / 2, None, low + span / 2, span / 2)


def fault_masks(
    shape: tuple[int, ...], config: DeviceConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of stuck-on and stuck-off cells (disjoint), drawn with the configured fractions."""
    u = rng.random(shape)
    stuck_on = u < config.stuck_on_fraction
    stuck_off = (u >= config.stuck_on_fraction) & (u < config.stuck_on_fraction + config.stuck_off_fraction)
    return stuck_on, stuck_off


def program(G: np.ndarray, config: DeviceConfig, rng: np.random.Generator) -> np.ndarray:
    """The conductances an array actually holds after programming the targets ``G`` (S).

    Quantization to the cell's levels, then multiplicative Gaussian programming variation (clipped at 0 S, the
    physical bound), then stuck-at faults (which override everything). With every non-ideality off it returns the
    targets exactly.
    """
    G = quantize_conductance(G, config)
    if config.program_sigma:
        G = np.clip(G * (1 + config.program_sigma * rng.standard_normal(G.shape)), 0.0, None)
    if config.stuck_on_fraction or config.stuck_off_fraction:
        stuck_on, stuck_off = fault_masks(G.shape, config, rng)
        G = np.where(stuck_on, config.g_max_s, np.where(stuck_off, config.g_min_s, G))
    return G


def add_read_noise(current, variance, sigma: float, generator=None):
    """Column currents with independent relative read noise of every cell (torch tensors).

    A cell carrying ``v_i g_ij`` contributes variance ``(sigma v_i g_ij)^2``, so a column current gets Gaussian noise
    of standard deviation ``sigma sqrt(variance)`` with ``variance = (v**2) @ (G**2)`` (first order: the parasitics
    scale the currents by less than one). The noise is drawn in float32 from ``generator`` (a CPU generator) and
    then moved to the current's device and dtype, so a seeded result is the same on CPU and GPU.
    """
    import torch

    return current + sigma * variance.sqrt() * torch.randn(current.shape, generator=generator).to(current)
