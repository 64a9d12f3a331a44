import math

from workbench.core.reproduce import ClaimResult
from workbench.pruning.reproduce import reproduce


def test_quick_reproduction_reports_every_claim():
    results = reproduce(quick=True)
    assert all(isinstance(r, ClaimResult) for r in results)
    assert {r.claim for r in results} == {"P1", "P2", "P3", "F1"}
    for r in results:
        if isinstance(r.workbench, float):
            assert math.isfinite(r.workbench)
        assert r.scale
    savings = [r.workbench for r in results if r.claim == "P3"]
    assert all(0 < s < 100 for s in savings)
    drop = next(r for r in results if r.claim == "P2")
    assert -5 < drop.workbench < 20  # accuracy points lost at 50% filters: small on digits
