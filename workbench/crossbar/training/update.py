"""Weight update on resistive crossbars: programming pulses with a nonlinear, asymmetric, noisy conductance response.

TxSim (arXiv 2002.11151, Sec. III-C, from secondary notes in docs/design.md § crossbars) applies the weight update as
programming pulses on positive / negative array pairs, with an asymmetric nonlinear write (factor ``nu``) and
cycle-to-cycle Gaussian write noise (``gamma``). The paper's exact equations were not available here, so this module
implements documented, physically sound write models [R] whose every choice is a field of :class:`UpdateConfig`:

* **State.** Each cell's conductance inside its write window, ``u`` in [0, 1]: ``G = G_min + (G_max - G_min)
  (bound_low + (bound_high - bound_low) u)``. A weight is ``w = w_max (u_pos - u_neg)``.
* **Response** (``response``), in terms of the *distance* ``x`` a cell has already travelled in the pulse direction
  (``x = u`` for a potentiating (up) pulse, ``1 - u`` for a depressing (down) one; depression mirrors potentiation),
  with ``P = pulses`` the pulse count that takes a cell across the whole window for any ``nu`` (``nu = 0``: the
  linear device, step ``1 / P`` everywhere):

  - ``"saturating"``: NeuroSim's form (Chen et al., IEEE TCAD 2018, Eq. 1; Yu's group's fits of measured
    devices), ``G(p) = B (1 - exp(-p / A)) + G_min`` after ``p`` pulses from the bottom of the window, with
    ``A = P / nu`` and ``B`` such that ``G(P) = G_max``. In window units ``x(p) = (1 - exp(-nu p / P)) / c``,
    ``c = 1 - exp(-nu)``; ``n`` pulses from ``x`` move it by ``(1/c - x) (1 - exp(-nu n / P))`` (exact for the
    pulse recursion, which is affine), one pulse's step falls linearly with ``x``.
  - ``"exp_step"``: the step decays exponentially with the distance travelled, ``dx/dp = s exp(-nu x)`` (the
    form this module implemented before, after Gokmen & Vlasov, Front. Neurosci. 2016 -- *not* NeuroSim's), with
    ``s = (e^nu - 1) / (nu P)`` so that ``P`` pulses span the window. ``n`` pulses move ``x`` by
    ``ln(1 + (e^nu - 1) n exp(-nu x) / P) / nu``: logarithmic in the pulse count (the continuum limit of the
    recursion; exact for ``nu = 0``).

  Up steps shrink towards the top of the window and down steps towards the bottom, so an up and a down pulse cancel
  only at ``u = 1/2``. Either response's step at ``u = 1/2`` is :attr:`UpdateConfig.mid_step`, the *effective
  mid-window step*: it exceeds ``1 / P`` for ``nu > 0`` (the ends are slower), and it is the step a desired change is
  converted with, so the learning rate of a nonlinear device equals a linear one's in the middle of the window,
  where the pairs sit.
* **Cycle-to-cycle noise** (``gamma``, ``noise``), Gaussian and independent per pulse: ``"absolute"`` (NeuroSim's
  ``sigmaCtoC``): each pulse adds ``gamma mid_step xi``, state independent, so ``n`` pulses add standard deviation
  ``gamma mid_step sqrt(n)``; ``"relative"``: each pulse's step is scaled by ``1 + gamma xi`` (aihwkit's
  ``dw_min_std``), ``n`` pulses add ``gamma step(x) sqrt(n)`` with ``step(x)`` the step at the starting state.
  NeuroSim's ``sigmaCtoC`` (a fraction of the window) is ``gamma mid_step``.
* **Device-to-device variation** (``d2d_sigma``): every cell's pulse rate is scaled once by ``1 + d2d_sigma xi``
  (clipped at 0), fixed for the life of the array: ``n`` pulses act as ``n (1 + d2d_sigma xi)``.
* **Bounds.** ``u`` is clipped to [0, 1] after every update (hard bounds of the write window).
* **Quantised pulses.** A desired change becomes a pulse count ``desired / mid_step``: ``"stochastic"`` rounding
  (floor plus a Bernoulli draw of the remainder, unbiased; the usual choice for small learning rates),
  ``"nearest"``, or ``"none"`` (an analog, continuous pulse count: the ideal limit).
* **Pairs.** A weight change ``dw`` is split over the pair: ``|dw| / (2 w_max mid_step)`` pulses, up on the
  positive array and down on the negative one for ``dw > 0`` (and the reverse for ``dw < 0``); both cells stay near
  the middle of their window, where the response is most symmetric.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch

from workbench.core.knobs import knob_field, validate_config

__all__ = ["NOISES", "RESPONSES", "ROUNDINGS", "UpdateConfig", "apply_pulses", "apply_pulses_sequential",
           "pair_update", "program_pairs", "pulse_counts", "pulsed_cells", "step_size"]

ROUNDINGS = ("stochastic", "nearest", "none")
RESPONSES = ("saturating", "exp_step")
NOISES = ("absolute", "relative")


@dataclass(frozen=True)
class UpdateConfig:
    """How a crossbar weight update programs the cells (TxSim's update non-idealities, arXiv 2002.11151, Sec. III-C).

    Defaults: a 100-pulse linear symmetric device without noise or variation, stochastic pulse rounding; with
    ``nu > 0`` NeuroSim's saturating response. Each field declares its range, unit and help once
    (:func:`~workbench.core.knobs.knob_field`).
    """

    nu: float = knob_field(0.0, low=0.0, high=10.0,
                           help="Write nonlinearity (0 = linear, symmetric): saturating: G = B (1 - exp(-nu p / "
                                "pulses)) + G_min after p pulses; exp_step: the step falls as exp(-nu x) with the "
                                "distance x travelled.")
    response: str = knob_field("saturating", options=RESPONSES, label="write response",
                               help="saturating: NeuroSim's G = B (1 - exp(-P/A)) + G_min; exp_step: step "
                                    "exp(-nu x), logarithmic in pulses (see crossbar.update).")
    gamma: float = knob_field(0.0, low=0.0, high=2.0,
                              help="Cycle-to-cycle write noise: standard deviation of each pulse, as a fraction of "
                                   "the mid-window step (absolute) or of the pulse's own step (relative).")
    noise: str = knob_field("absolute", options=NOISES, label="write noise form",
                            help="absolute: state-independent per-pulse noise (NeuroSim's sigmaCtoC); relative: "
                                 "each step scaled by 1 + gamma xi (aihwkit's dw_min_std).")
    d2d_sigma: float = knob_field(0.0, low=0.0, high=1.0, label="device-to-device step spread sigma",
                                  help="Device-to-device variation: relative standard deviation of each cell's "
                                       "pulse rate.")
    pulses: int = knob_field(100, low=1, high=100000,
                             help="Pulses that take a cell across its whole write window, for any nu.")
    bound_low: float = knob_field(0.0, low=0.0, high=1.0,
                                  help="Lower end of the write window, as a fraction of [G_min, G_max].")
    bound_high: float = knob_field(1.0, low=0.0, high=1.0,
                                   help="Upper end of the write window, as a fraction of [G_min, G_max].")
    rounding: str = knob_field("stochastic", options=ROUNDINGS,
                               help="Pulse count from the desired change: stochastic rounding, nearest, or none "
                                    "(analog pulses, the ideal limit).")
    weight_range: float = knob_field(2.0, low=0.0, low_open=True, high=1000.0,
                                     help="w_max, the weight of a full-window pair difference, as a multiple of the "
                                          "layer's largest initial |weight|.")

    def __post_init__(self) -> None:
        validate_config(self)
        if not self.bound_low < self.bound_high:
            raise ValueError(f"UpdateConfig.bound_low={self.bound_low!r}, bound_high={self.bound_high!r} are not "
                             "allowed; allowed: bound_low < bound_high (the write window's ends, fractions of "
                             "[G_min, G_max])")

    @property
    def delta(self) -> float:
        """Nominal pulse rate, ``1 / pulses``: the step of a linear cell; a cell's device-to-device variation scales
        it (per-cell ``delta`` tensors are this times ``1 + d2d_sigma xi``)."""
        return 1.0 / self.pulses

    @functools.cached_property
    def mid_step(self) -> float:
        """The effective mid-window step: one pulse's change of ``u`` at ``u = 1/2`` (either direction), in window
        units; ``1 / pulses`` for a linear device, larger for ``nu > 0`` (module docstring)."""
        return float(_moved(torch.tensor(0.5, dtype=torch.float64), 1.0, self))


def _moved(distance: torch.Tensor, n, config: UpdateConfig) -> torch.Tensor:
    """Noise-free change of the distance travelled, from ``distance``, after ``n`` pulses of nominal rate (a count
    scaled by the cell's rate; tensor or float), by ``config``'s response (module docstring)."""
    nu, rate = config.nu, n * config.delta
    if nu == 0:
        return rate + torch.zeros_like(distance)
    if config.response == "saturating":
        return (1.0 / -math.expm1(-nu) - distance) * -torch.expm1(torch.as_tensor(-nu * rate, dtype=distance.dtype))
    return torch.log1p(math.expm1(nu) * rate * torch.exp(-nu * distance)) / nu


def _distance(u: torch.Tensor, direction) -> torch.Tensor:
    """Distance already travelled in the pulse direction: ``u`` for up (+1), ``1 - u`` for down (-1)."""
    return (1 - direction) / 2 + direction * u


def _direction(up: torch.Tensor | bool) -> torch.Tensor | float:
    """+1 for up pulses, -1 for down (a bool tensor or flag, or an already signed float tensor)."""
    if isinstance(up, bool):
        return 1.0 if up else -1.0
    return up.to(torch.get_default_dtype()) * 2 - 1 if up.dtype == torch.bool else up


def _rate(delta, config: UpdateConfig):
    """A cell's pulse rate relative to the nominal one (``delta / config.delta``; 1 without variation)."""
    return 1.0 if delta is None else delta / config.delta


def step_size(u: torch.Tensor, up: torch.Tensor | bool, config: UpdateConfig,
              delta: torch.Tensor | float | None = None) -> torch.Tensor:
    """Change of ``u`` by one noise-free pulse (magnitude), at state ``u`` in direction ``up`` (a bool (tensor) or a
    signed direction, +1 up, -1 down); ``delta``: the cell's pulse rate (default ``config.delta``)."""
    return _moved(_distance(u, _direction(up)), _rate(delta, config), config)


def _noise(u, d, n, config: UpdateConfig, delta, normal) -> torch.Tensor:
    """The write noise of ``n`` pulses (module docstring): ``gamma sqrt(n) xi`` times the mid-window step
    (absolute) or the step at the starting state (relative)."""
    scale = config.mid_step if config.noise == "absolute" else step_size(u, d, config, delta)
    return normal.mul(n.sqrt() * config.gamma).mul_(scale)


def pulse_counts(desired: torch.Tensor, step: float, rounding: str, generator: torch.Generator | None = None,
                 uniform: torch.Tensor | None = None) -> torch.Tensor:
    """Signed pulse counts (float tensor; + up, - down) that best realise the desired change ``desired`` (window
    units) with pulses of ``step`` (the mid-window step, :attr:`UpdateConfig.mid_step`): ``n = desired / step``
    rounded.

    ``"stochastic"``: ``floor(n + U)`` with ``U`` uniform in [0, 1), i.e. ``floor(n)`` plus a Bernoulli draw of the
    remainder (unbiased for either sign); ``"nearest"``: ``round(n)``; ``"none"``: ``n`` itself (analog). Random
    numbers come from ``generator`` on the CPU and are moved to ``desired``'s device, unless ``uniform`` (same
    shape, in [0, 1)) gives them.
    """
    n = desired * (1.0 / step)
    if rounding == "none":
        return n
    if rounding == "nearest":
        return n.round_()
    if rounding == "stochastic":
        draw = torch.rand(n.shape, generator=generator, dtype=n.dtype) if uniform is None else uniform
        return n.add_(draw.to(n.device)).floor_()
    raise ValueError(f"rounding={rounding!r} is not allowed; allowed: one of {ROUNDINGS}")


def apply_pulses(u: torch.Tensor, n: torch.Tensor, up: torch.Tensor, config: UpdateConfig,
                 delta: torch.Tensor | float | None = None, generator: torch.Generator | None = None,
                 normal: torch.Tensor | None = None) -> torch.Tensor:
    """``u`` after ``n`` pulses per cell, in closed form (see the module docstring); a new tensor.

    Parameters
    ----------
    u : Tensor
        State in the write window, [0, 1].
    n : Tensor
        Pulse count per cell (>= 0; may be fractional with ``rounding="none"``); broadcast against ``u``.
    up : Tensor
        Direction per cell: bool (True = up) or signed (+1 up, -1 down, 0 none).
    delta : Tensor or float, optional
        Per-cell pulse rate (device-to-device variation); default ``config.delta``.
    normal : Tensor, optional
        Standard normal draws for the write noise (default: drawn from ``generator``).
    """
    d = _direction(up)
    moved = _moved(_distance(u, d), n * _rate(delta, config), config)
    if config.gamma:
        if normal is None:
            normal = torch.randn(torch.broadcast_shapes(u.shape, n.shape), generator=generator, dtype=u.dtype)
        moved = moved + _noise(u, d, n, config, delta, normal.to(u.device))
    return torch.addcmul(u, moved, torch.as_tensor(d, dtype=u.dtype, device=u.device)).clamp_(0.0, 1.0)


def apply_pulses_sequential(u: torch.Tensor, n: int, up: bool, config: UpdateConfig,
                            generator: torch.Generator | None = None) -> torch.Tensor:
    """Reference: ``n`` pulses applied one at a time with the per-pulse recursion and per-pulse noise (slow; tests)."""
    u = u.clone()
    for _ in range(n):
        step = step_size(u, up, config)
        if config.gamma:
            xi = torch.randn(u.shape, generator=generator, dtype=u.dtype)
            step = step * (1 + config.gamma * xi) if config.noise == "relative" else step + config.gamma * \
                config.mid_step * xi
        u = (u + step if up else u - step).clamp_(0.0, 1.0)
    return u


def pair_update(u: torch.Tensor, dw: torch.Tensor, w_max: float, config: UpdateConfig,
                delta: torch.Tensor | None = None, frozen: torch.Tensor | None = None,
                generator: torch.Generator | None = None, uniform: torch.Tensor | None = None,
                normal: torch.Tensor | None = None) -> torch.Tensor:
    """The pair's new state after the desired weight change ``dw`` is programmed on it (module docstring).

    Parameters
    ----------
    u : Tensor, shape (2, ...)
        Window states of the positive and the negative array.
    dw : Tensor, shape (...)
        Desired weight change.
    w_max : float
        Weight of a full-window difference, ``w = w_max (u[0] - u[1])``.
    delta : Tensor, shape (2, ...), optional
        Per-cell pulse rates (device-to-device variation); default ``config.delta``.
    frozen : Tensor of bool, shape (2, ...), optional
        Stuck cells, which keep their state.
    uniform, normal : Tensor, optional
        Pre-drawn random numbers (shape of ``dw``, and (2, ...)) for the pulse rounding and the write noise; default:
        drawn from ``generator``.

    With ``nu = gamma = 0``, no variation, ``rounding="none"`` and no bound reached, ``w_max (u[0] - u[1])``
    changes by exactly ``dw``; with ``nu > 0`` it does so to first order at ``u = 1/2``.
    """
    if not math.isfinite(w_max) or w_max <= 0:
        raise ValueError(f"w_max={w_max!r} is not allowed; allowed: a finite weight > 0")
    signed = pulse_counts(dw / (2 * w_max), config.mid_step, config.rounding, generator, uniform)
    new = u.clone()
    program_pairs(new, signed, config, delta, frozen, generator, normal)
    return new


def program_pairs(u: torch.Tensor, signed: torch.Tensor, config: UpdateConfig, delta: torch.Tensor | None = None,
                  frozen: torch.Tensor | None = None, generator: torch.Generator | None = None,
                  normal: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Program ``signed`` pulses (shape of ``u[0]``; + up on the positive cell and down on the negative one) into the
    pair state ``u`` (2, ...) in place; returns the flat indices of the cells that received pulses (ascending) and
    their new states, shape (2, len(indices)).

    Only those cells change: with stochastic or nearest rounding and a small learning rate they are a small fraction,
    so the write model runs on them alone (gathered, programmed, scattered back). ``normal`` (optional) supplies the
    write noise's standard normal draws (the first ``2 m`` are used for ``m`` pulsed cells).
    """
    signed = signed.reshape(-1)
    idx = pulsed_cells(signed)
    flat_u = u.view(2, -1)
    if idx.numel() == 0:
        return idx, flat_u[:, :0]

    def sub(t):
        return t.reshape(2, -1).index_select(1, idx)

    if normal is not None:
        normal = normal.reshape(-1)[: 2 * idx.numel()].view(2, -1)
    d = sub(delta) if torch.is_tensor(delta) else delta
    old = flat_u.index_select(1, idx)
    programmed = _program_pair(old, signed.index_select(0, idx), config, d, generator, normal)
    if frozen is not None:
        programmed = torch.where(sub(frozen), old, programmed)
    flat_u.index_copy_(1, idx, programmed)
    return idx, programmed


def pulsed_cells(signed: torch.Tensor) -> torch.Tensor:
    """Flat indices (ascending) of the nonzero entries of ``signed``.

    On the CPU numpy's ``flatnonzero`` of the mask is ~5x faster than ``torch.nonzero`` (single-threaded, two passes);
    elsewhere ``torch.nonzero``.
    """
    flat = signed.detach().reshape(-1)
    if flat.device.type == "cpu":
        return torch.from_numpy(np.flatnonzero(flat.numpy() != 0))
    return torch.nonzero(flat, as_tuple=True)[0]


def _program_pair(u: torch.Tensor, signed: torch.Tensor, config: UpdateConfig, delta, generator, normal
                  ) -> torch.Tensor:
    """Pair state ``u`` (2, m) after ``signed`` pulses (m,): up on the positive cell and down on the negative one for
    positive counts. Same model as :func:`apply_pulses` (the update's hot loop: a linear noiseless write is one
    fused multiply-add)."""
    pm = torch.tensor([[1.0], [-1.0]], dtype=u.dtype, device=u.device)
    if config.nu == 0 and not config.gamma:
        return torch.addcmul(u, signed, pm * (config.delta if delta is None else delta)).clamp_(0.0, 1.0)
    s = torch.sign(signed) * pm  # direction of each cell, (2, m)
    n = signed.abs()
    moved = _moved(_distance(u, s), n * _rate(delta, config), config)
    if config.gamma:
        if normal is None:
            normal = torch.randn(u.shape, generator=generator, dtype=u.dtype).to(u.device)
        moved = moved + _noise(u, s, n, config, delta, normal)
    return torch.addcmul(u, s, moved).clamp_(0.0, 1.0)
