"""The interactive study's trends are physical, bad input names the knob, and the quick reproduction runs (its
knob-change latency on cached traces is measured by benchmarks/bench_ui.py)."""

import pytest

from workbench.core import get_study
from workbench.core.reproduce import ClaimResult
from workbench.sparce.model import evaluate
from workbench.sparce.reproduce import reproduce


@pytest.fixture(scope="module")
def core():
    study = get_study("sparce.trace")
    study.evaluate()                                                   # warm: records, cost tables
    study.evaluate(variant="neon")
    return study


def test_more_zeros_more_reduction_and_scalar_beats_simd(core):
    curve = [core.evaluate(activations="synthetic", sparsity=s)["time_reduction"] for s in (0.0, 0.5, 1.0)]
    assert curve[0] >= 0 and curve[0] < curve[1] < curve[2]
    scalar, neon = core.evaluate(), core.evaluate(variant="neon")
    assert scalar["time_reduction"] > neon["time_reduction"] > 0
    assert 0 < scalar["gemm_time_reduction"] and scalar["time_reduction"] < scalar["gemm_time_reduction"]
    small = core.evaluate(sasa_size=1, sasa_assoc=1)
    assert small["time_reduction"] < scalar["time_reduction"]


def test_slower_multiplier_makes_skipping_worth_more(core):
    fast = core.evaluate(activations="synthetic", sparsity=0.8)
    slow = core.evaluate(activations="synthetic", sparsity=0.8, mul_latency=6)
    assert slow["cycles_base"] >= fast["cycles_base"]


def test_bad_input_names_the_knob(core):
    for params, name in (({"sparsity": 1.5}, "sparsity"), ({"sasa_size": 0}, "sasa_size"),
                         ({"sasa_size": 2, "sasa_assoc": 4}, "sasa_assoc"), ({"assoc": 3}, "assoc")):
        with pytest.raises(ValueError, match=name):
            core.evaluate(**params)
    with pytest.raises(ValueError, match="sparsity=-0.1"):
        evaluate(activations="synthetic", sparsity=-0.1)
    with pytest.raises(ValueError, match="activations='random'"):
        evaluate(activations="random")


@pytest.mark.slow   # the VGG-like workload trains a VGG on MNIST-5k and records its kernel traces on first use
def test_quick_reproduction_reports_c1_side_by_side():
    rows = reproduce(quick=True)
    assert all(isinstance(r, ClaimResult) and r.claim == "C1" for r in rows)
    assert {r.paper for r in rows} == {"19-31", "8-15"}
    assert all(isinstance(r.workbench, float) and r.note for r in rows)
    assert all("ReLU-zero density" in r.note and "glue" in r.note for r in rows)   # each row names its workload
    assert sum("packed cache-blocked" in r.quantity for r in rows) == 2 and sum("VGG" in r.quantity for r in rows) == 4


def test_relu_zeros_are_reported_apart_from_padding(core):
    """Padding zeros are a fixed share of the GEMM operands (shape only); the ReLU-zero density follows the data."""
    own = core.evaluate()
    dense = core.evaluate(activations="synthetic", sparsity=0.9)
    assert 0 < own["padding_zero_share"] == pytest.approx(dense["padding_zero_share"])
    assert own["activation_sparsity"] > own["padding_zero_share"]
    assert dense["relu_zero_density"] > own["relu_zero_density"] > 0
    blocked = core.evaluate(variant="neon", gemm_kernel="gemm_blocked")
    assert blocked["time_reduction"] > core.evaluate(variant="neon")["time_reduction"]


def test_cached_images_give_the_uncached_figures():
    """evaluate caches each image's timing (a curve and a knob change recompute the same images): the figures equal
    those computed with an empty cache, layer table included."""
    from workbench.sparce import model

    point = dict(activations="synthetic", sparsity=0.4, images=2)
    warm = model.evaluate(**point)
    model._image.cache_clear()
    cold = model.evaluate(**point)
    assert warm == cold
