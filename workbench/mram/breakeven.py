"""VSH vs GSH break-even: the VSH spin efficiency theta_VH L_magnet / W_channel at which its write time or write energy
equals the spin-Hall reference's (issue 27, V1 as a view as well as a row).

The VSH write path injects I_s = theta_VH (L_magnet / W_channel) I_c (:mod:`workbench.mram.writepath`); everything
else of the array (magnet, WER target, drivers, periphery) stays at its knobs, so a curve over the efficiency shows
how far the channel's physics is from matching GSH, under the same conditions as V1: iso WER, and iso Delta or, with
``WriteConfig(iso_condition="iso_area")``, the VSH cell on the GSH cell's area.
"""

from __future__ import annotations

import math

import numpy as np

from workbench.mram.array import evaluate
from workbench.mram.writepath import WriteConfig

#: The efficiencies searched and plotted (dimensionless I_s / I_c).
EFFICIENCY_RANGE = (0.05, 100.0)
QUANTITIES = ("write_latency_s", "write_energy_j")


def vsh_at(differential: bool, efficiency: float, quantity: str, knobs: WriteConfig | None = None) -> float:
    """VSH's ``quantity`` (:data:`QUANTITIES`) with its spin efficiency set to ``efficiency`` (inf: not writable),
    its write path at ``knobs`` (default :class:`~workbench.mram.writepath.WriteConfig`)."""
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity={quantity!r} is not allowed; allowed: {QUANTITIES}")
    return getattr(evaluate("vsh", differential, knobs=knobs, spin_efficiency=efficiency), quantity)


def break_even(differential: bool, quantity: str, target: float, knobs: WriteConfig | None = None) -> float:
    """The efficiency at which VSH's ``quantity`` (its write path at ``knobs``) equals ``target``: bisection in log
    space over :data:`EFFICIENCY_RANGE` (inf if even the largest is not enough). Reported, never used to set a
    default."""
    lo, hi = EFFICIENCY_RANGE
    if vsh_at(differential, hi, quantity, knobs) > target:
        return math.inf
    if vsh_at(differential, lo, quantity, knobs) <= target:
        return lo
    for _ in range(24):   # the bracket shrinks to 1e-3 relative
        mid = (lo * hi) ** 0.5
        lo, hi = (mid, hi) if vsh_at(differential, mid, quantity, knobs) > target else (lo, mid)
    return hi


def curves(differential: bool, points: int = 25, knobs: WriteConfig | None = None) -> list[dict]:
    """VSH / GSH ratio of write time and write energy over the efficiency (log-spaced), for the view (both write
    paths at ``knobs``; only VSH's follows its ``iso_condition``)."""
    gsh = evaluate("gsh", differential, knobs=knobs)
    rows = []
    for eta in np.geomspace(1.0 / 16, 16.0, points):
        vsh = evaluate("vsh", differential, knobs=knobs, spin_efficiency=float(eta))
        for quantity in QUANTITIES:
            value = getattr(vsh, quantity)
            rows.append({"efficiency": float(eta), "quantity": quantity,
                         "ratio": value / getattr(gsh, quantity) if math.isfinite(value) else math.nan})
    return rows
