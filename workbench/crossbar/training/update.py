"""Weight update on resistive crossbars: programming pulses with a nonlinear, asymmetric, noisy conductance response.

TxSim (arXiv 2002.11151, Sec. III-C, from secondary notes in docs/design.md § crossbars) applies the weight update as
programming pulses on positive / negative array pairs, with an asymmetric nonlinear write (factor ``nu``) and
cycle-to-cycle Gaussian write noise (``gamma``). The paper's exact equations were not available here, so this module
implements a documented, physically sound reconstruction [R] whose every choice is a field of :class:`UpdateConfig`:

* **State.** Each cell's conductance inside its write window, ``u`` in [0, 1]: ``G = G_min + (G_max - G_min)
  (bound_low + (bound_high - bound_low) u)``. A weight is ``w = w_max (u_pos - u_neg)``.
* **Nonlinear, asymmetric response** (the exponential saturation model of e.g. Chen et al., NeuroSim, IEEE TCAD
  2018; Gokmen & Vlasov, Front. Neurosci. 2016): a potentiating (up) pulse moves ``u`` by ``delta exp(-nu u)``, a
  depressing (down) pulse by ``delta exp(-nu (1 - u))``, with ``delta = 1 / pulses`` (the step of a linear
  device, ``nu = 0``). Up steps shrink towards the top of the window and down steps towards the bottom, so an up
  and a down pulse cancel only at ``u = 1/2``: the ratio of up to down step is ``exp(nu (1 - 2u))``.
  ``n`` pulses in a row follow the closed form of ``du/dp = delta exp(-nu u)``:
  ``u_n = ln(exp(nu u_0) + nu delta n) / nu`` (the continuum limit of the pulse recursion; exact for ``nu = 0``).
* **Cycle-to-cycle noise** (``gamma``): each pulse's step is scaled by ``1 + gamma xi`` (``xi`` standard normal,
  independent per pulse), so ``n`` pulses add a Gaussian error of standard deviation ``gamma delta_u sqrt(n)``
  with ``delta_u`` the step at the starting state (aihwkit's ``dw_min_std`` has the same form).
* **Device-to-device variation** (``d2d_sigma``): every cell's ``delta`` is scaled once by ``1 + d2d_sigma xi``
  (clipped at 0), fixed for the life of the array.
* **Bounds.** ``u`` is clipped to [0, 1] after every update (hard bounds of the write window).
* **Quantised pulses.** A desired change becomes a pulse count: ``"stochastic"`` rounding (floor plus a Bernoulli
  draw of the remainder, unbiased; the usual choice for small learning rates), ``"nearest"``, or ``"none"`` (an
  analog, continuous pulse count: the ideal limit).
* **Pairs.** A weight change ``dw`` is split over the pair: ``|dw| / (2 w_max delta)`` pulses, up on the positive
  array and down on the negative one for ``dw > 0`` (and the reverse for ``dw < 0``); both cells stay near the
  middle of their window, where the response is most symmetric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from workbench.core.knobs import knob_field, validate_config

__all__ = ["ROUNDINGS", "UpdateConfig", "apply_pulses", "apply_pulses_sequential", "pair_update", "program_pairs",
           "pulse_counts", "pulsed_cells", "step_size"]

ROUNDINGS = ("stochastic", "nearest", "none")


@dataclass(frozen=True)
class UpdateConfig:
    """How a crossbar weight update programs the cells (TxSim's update non-idealities, arXiv 2002.11151, Sec. III-C).

    Defaults: a 100-level linear symmetric device without noise or variation, stochastic pulse rounding. Each field
    declares its range, unit and help once (:func:`~workbench.core.knobs.knob_field`).
    """

    nu: float = knob_field(0.0, low=0.0, high=10.0,
                           help="Write nonlinearity: an up pulse moves u by exp(-nu u) / pulses, a down pulse by "
                                "exp(-nu (1-u)) / pulses (0 = linear, symmetric).")
    gamma: float = knob_field(0.0, low=0.0, high=2.0,
                              help="Cycle-to-cycle write noise: relative standard deviation of each pulse's step.")
    d2d_sigma: float = knob_field(0.0, low=0.0, high=1.0, label="device-to-device step spread sigma",
                                  help="Device-to-device variation: relative standard deviation of each cell's step.")
    pulses: int = knob_field(100, low=1, high=100000,
                             help="Pulses that take a linear cell across its whole write window (levels - 1).")
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
        """Step of one pulse of a linear cell, in window units (``1 / pulses``)."""
        return 1.0 / self.pulses


def _direction(up: torch.Tensor | bool) -> torch.Tensor | float:
    """+1 for up pulses, -1 for down (a bool tensor or flag, or an already signed float tensor)."""
    if isinstance(up, bool):
        return 1.0 if up else -1.0
    return up.to(torch.get_default_dtype()) * 2 - 1 if up.dtype == torch.bool else up


def step_size(u: torch.Tensor, up: torch.Tensor | bool, nu: float, delta: torch.Tensor | float) -> torch.Tensor:
    """Change of ``u`` by one pulse (magnitude): ``delta exp(-nu u)`` up, ``delta exp(-nu (1-u))`` down.

    ``up`` is a bool (tensor) or a signed direction (+1 up, -1 down).
    """
    d = _direction(up)
    distance = (1 - d) / 2 + d * u  # u for up pulses, 1 - u for down pulses
    return delta * torch.exp(-nu * distance)


def pulse_counts(desired: torch.Tensor, delta: float, rounding: str, generator: torch.Generator | None = None,
                 uniform: torch.Tensor | None = None) -> torch.Tensor:
    """Signed pulse counts (float tensor; + up, - down) that best realise the desired change ``desired`` (window
    units): ``n = desired / delta`` rounded.

    ``"stochastic"``: ``floor(n + U)`` with ``U`` uniform in [0, 1), i.e. ``floor(n)`` plus a Bernoulli draw of the
    remainder (unbiased for either sign); ``"nearest"``: ``round(n)``; ``"none"``: ``n`` itself (analog). Random
    numbers come from ``generator`` on the CPU and are moved to ``desired``'s device, unless ``uniform`` (same
    shape, in [0, 1)) gives them.
    """
    n = desired * (1.0 / delta)
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
        Per-cell linear step (device-to-device variation); default ``config.delta``.
    normal : Tensor, optional
        Standard normal draws for the write noise (default: drawn from ``generator``).
    """
    delta = config.delta if delta is None else delta
    d = _direction(up)
    nu = config.nu
    if nu == 0:
        moved = n * delta
    else:
        distance = (1 - d) / 2 + d * u  # distance already travelled in the pulse direction
        moved = torch.log(torch.exp(nu * distance) + nu * delta * n) / nu - distance
    if config.gamma:
        noise = normal if normal is not None else torch.randn(torch.broadcast_shapes(u.shape, n.shape),
                                                              generator=generator, dtype=u.dtype)
        moved = moved + config.gamma * step_size(u, d, nu, delta) * n.sqrt() * noise.to(u.device)
    return torch.addcmul(u, moved, d).clamp_(0.0, 1.0)


def apply_pulses_sequential(u: torch.Tensor, n: int, up: bool, config: UpdateConfig,
                            generator: torch.Generator | None = None) -> torch.Tensor:
    """Reference: ``n`` pulses applied one at a time with the per-pulse recursion and per-pulse noise (slow; tests)."""
    u = u.clone()
    for _ in range(n):
        step = step_size(u, up, config.nu, config.delta)
        if config.gamma:
            step = step * (1 + config.gamma * torch.randn(u.shape, generator=generator, dtype=u.dtype))
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
        Per-cell linear steps (device-to-device variation); default ``config.delta``.
    frozen : Tensor of bool, shape (2, ...), optional
        Stuck cells, which keep their state.
    uniform, normal : Tensor, optional
        Pre-drawn random numbers (shape of ``dw``, and (2, ...)) for the pulse rounding and the write noise; default:
        drawn from ``generator``.

    With ``nu = gamma = 0``, no variation, ``rounding="none"`` and no bound reached, ``w_max (u[0] - u[1])``
    changes by exactly ``dw``.
    """
    if not math.isfinite(w_max) or w_max <= 0:
        raise ValueError(f"w_max={w_max!r} is not allowed; allowed: a finite weight > 0")
    signed = pulse_counts(dw / (2 * w_max), config.delta, config.rounding, generator, uniform)
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
    positive counts. Same model as :func:`apply_pulses`, written with fewer passes (the update's hot loop)."""
    delta = config.delta if delta is None else delta
    pm = torch.tensor([[1.0], [-1.0]], dtype=u.dtype, device=u.device)
    if config.nu == 0 and not config.gamma:
        return torch.addcmul(u, signed, pm * delta).clamp_(0.0, 1.0)
    s = torch.sign(signed) * pm  # direction of each cell, (2, m)
    n = signed.abs()
    nu = config.nu
    distance = torch.addcmul(torch.full_like(u, 0.5), s, u - 0.5)  # u for up pulses, 1 - u for down pulses
    if nu:
        nd = distance.mul_(nu)
        e = torch.exp(nd)
        moved = torch.log(e + (nu * n) * delta).sub_(nd).div_(nu)
    else:
        e = torch.ones_like(u)
        moved = n * delta
    if config.gamma:
        if normal is None:
            normal = torch.randn(u.shape, generator=generator, dtype=u.dtype).to(u.device)
        moved.add_(normal.mul(n.sqrt() * config.gamma).mul_(delta).div_(e))
    return torch.addcmul(u, s, moved).clamp_(0.0, 1.0)
