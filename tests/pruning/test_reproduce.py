import math

import pytest

from workbench.core.reproduce import ClaimResult
from workbench.pruning.reproduce import FULL, QUICK, load_schedule_preset, p3_target, reproduce


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
    assert drop.paper == "<= 1"  # a bound: an accuracy gain counts as within
    # one seed cannot separate a difference from noise: every trained row is unresolved, never a hit or a miss
    trained = [r for r in results if r.interval is not None or r.quantity.startswith("rank")]
    assert len(trained) == 6 and all(r.verdict == "unresolved" for r in trained)
    assert all("by construction" in r.note for r in results if r.tolerance == "set by the target")
    assert all("chosen to match the paper's 2.4x compression" in r.note for r in results
               if r.tolerance == "set by the target")
    # P3: the trained and the analytic rows use one target, and the analytic rows carry the curve
    p3 = [r for r in results if r.claim == "P3"]
    assert len(p3) == 4
    assert all(f"{p3_target():.0%}" in (r.note if r.interval is not None else r.scale) for r in p3)
    assert all("curve (%)" in r.note for r in p3 if r.interval is None)
    assert all(r.scale.startswith("digits 8x8") for r in results if r.interval is not None)


def test_full_scale_runs_on_real_mnist_with_five_seeds():
    assert FULL.dataset == "mnist5k" and QUICK.dataset == "digits"
    assert len(FULL.seeds) >= 5
    assert FULL.stop_epoch < FULL.epochs


def test_schedule_presets_cite_their_source():
    preset = load_schedule_preset("frs_code_vgg16")
    assert preset["every_n"] < preset["stop_epoch"] < preset["epochs"]
    assert "prune_VGG16.py" in preset["source"]
    with pytest.raises(ValueError, match="'nope'"):
        load_schedule_preset("nope")
