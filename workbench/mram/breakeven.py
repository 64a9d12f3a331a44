"""VSH vs GSH break-even: the VSH spin efficiency theta_VH L_magnet / W_channel at which its write time or write energy
equals the spin-Hall reference's (issue 27, V1 as a view as well as a row).

The VSH write path injects I_s = theta_VH (L_magnet / W_channel) I_c (:mod:`workbench.mram.writepath`); everything
else of the array (magnet, WER target, drivers, periphery) stays at its knobs, so a curve over the efficiency shows
how far the channel's physics is from matching GSH, under the same iso-WER, iso-Delta conditions as V1.
"""

from __future__ import annotations

import math

import numpy as np

from workbench.mram.array import evaluate

#: The efficiencies searched and plotted (dimensionless I_s / I_c).
EFFICIENCY_RANGE = (0.05, 100.0)
QUANTITIES = ("write_latency_s", "write_energy_j")


def vsh_at(differential: bool, efficiency: float, quantity: str) -> float:
    """VSH's ``quantity`` (:data:`QUANTITIES`) with its spin efficiency set to ``efficiency`` (inf: not writable)."""
    if quantity not in QUANTITIES:
        raise ValueError(f"quantity={quantity!r} is not allowed; allowed: {QUANTITIES}")
    return getattr(evaluate("vsh", differential, spin_efficiency=efficiency), quantity)


def break_even(differential: bool, quantity: str, target: float) -> float:
    """The efficiency at which VSH's ``quantity`` equals ``target``: bisection in log space over
    :data:`EFFICIENCY_RANGE` (inf if even the largest is not enough). Reported, never used to set a default."""
    lo, hi = EFFICIENCY_RANGE
    if vsh_at(differential, hi, quantity) > target:
        return math.inf
    if vsh_at(differential, lo, quantity) <= target:
        return lo
    for _ in range(24):   # the bracket shrinks to 1e-3 relative
        mid = (lo * hi) ** 0.5
        lo, hi = (mid, hi) if vsh_at(differential, mid, quantity) > target else (lo, mid)
    return hi


def curves(differential: bool, points: int = 25) -> list[dict]:
    """VSH / GSH ratio of write time and write energy over the efficiency (log-spaced), for the view."""
    gsh = evaluate("gsh", differential)
    rows = []
    for eta in np.geomspace(1.0 / 16, 16.0, points):
        vsh = evaluate("vsh", differential, spin_efficiency=float(eta))
        for quantity in QUANTITIES:
            value = getattr(vsh, quantity)
            rows.append({"efficiency": float(eta), "quantity": quantity,
                         "ratio": value / getattr(gsh, quantity) if math.isfinite(value) else math.nan})
    return rows
