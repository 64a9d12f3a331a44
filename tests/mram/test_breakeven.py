"""V1's break-even efficiencies: VSH at the reported theta_VH L/W matches GSH, and more efficiency writes faster."""

import math

import pytest

from workbench.mram.array import evaluate
from workbench.mram.breakeven import break_even, curves, vsh_at


@pytest.mark.parametrize("differential", [False, True])
@pytest.mark.parametrize("quantity", ["write_latency_s", "write_energy_j"])
def test_vsh_matches_gsh_at_the_break_even_efficiency(differential, quantity):
    target = getattr(evaluate("gsh", differential), quantity)
    eta = break_even(differential, quantity, target)
    assert math.isfinite(eta)
    assert vsh_at(differential, eta, quantity) == pytest.approx(target, rel=0.02)
    assert vsh_at(differential, 0.8 * eta, quantity) > target > vsh_at(differential, 1.25 * eta, quantity)


def test_curves_fall_with_efficiency_and_cross_one():
    rows = [r for r in curves(False, points=9) if r["quantity"] == "write_latency_s" and math.isfinite(r["ratio"])]
    ratios = [r["ratio"] for r in rows]
    assert ratios == sorted(ratios, reverse=True) and ratios[0] > 1 > ratios[-1]
    with pytest.raises(ValueError, match="quantity='read_energy_j'"):
        vsh_at(False, 1.0, "read_energy_j")
