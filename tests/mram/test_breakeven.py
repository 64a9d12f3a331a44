"""V1's break-even efficiencies: VSH at the reported theta_VH L/W matches GSH, and more efficiency writes faster."""

import math

import pytest

from workbench.mram.array import evaluate
from workbench.mram.breakeven import break_even, curves, vsh_at
from workbench.mram.writepath import ISO_CONDITIONS, WriteConfig


@pytest.mark.parametrize("iso_condition", ISO_CONDITIONS)
@pytest.mark.parametrize("differential", [False, True])
@pytest.mark.parametrize("quantity", ["write_latency_s", "write_energy_j"])
def test_vsh_matches_gsh_at_the_break_even_efficiency(differential, quantity, iso_condition):
    knobs = WriteConfig(iso_condition=iso_condition)
    target = getattr(evaluate("gsh", differential), quantity)
    eta = break_even(differential, quantity, target, knobs)
    assert math.isfinite(eta)
    assert vsh_at(differential, eta, quantity, knobs) == pytest.approx(target, rel=0.02)
    assert vsh_at(differential, 0.8 * eta, quantity, knobs) > target > vsh_at(differential, 1.25 * eta, quantity, knobs)


@pytest.mark.parametrize("differential", [False, True])
def test_iso_area_vsh_needs_more_efficiency_and_writes_slower(differential):
    """On the GSH cell's area the VSH magnet's critical spin current grows with its area faster than the channel's
    current, so at any spin efficiency it writes slower and with more energy, and breaks even at a larger one."""
    area = WriteConfig(iso_condition="iso_area")
    gsh = evaluate("gsh", differential)
    for quantity in ("write_latency_s", "write_energy_j"):
        target = getattr(gsh, quantity)
        assert break_even(differential, quantity, target, area) > break_even(differential, quantity, target)
        assert vsh_at(differential, 4.0, quantity, area) > vsh_at(differential, 4.0, quantity)


def test_curves_fall_with_efficiency_and_cross_one():
    rows = [r for r in curves(False, points=9) if r["quantity"] == "write_latency_s" and math.isfinite(r["ratio"])]
    ratios = [r["ratio"] for r in rows]
    assert ratios == sorted(ratios, reverse=True) and ratios[0] > 1 > ratios[-1]
    with pytest.raises(ValueError, match="quantity='read_energy_j'"):
        vsh_at(False, 1.0, "read_energy_j")
