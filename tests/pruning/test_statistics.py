"""The statistics the pruning rows rely on (``workbench.core.reproduce``), on synthetic per-seed samples."""

import math

import numpy as np
import pytest

from workbench.core.reproduce import Interval, paired_best, range_claim_samples, relative_claim_samples

INF = math.inf


def test_interval_is_the_student_t_interval():
    ci = Interval.of([1.0, 2.0, 3.0, 4.0, 5.0])
    # t(0.975, 4) = 2.776; s = 1.5811; half width = 2.776 * 1.5811 / sqrt(5)
    assert ci.mean == 3.0 and ci.n == 5
    assert ci.high - ci.mean == pytest.approx(2.7764 * 1.5811 / math.sqrt(5), rel=1e-3)
    single = Interval.of([7.0])
    assert single.low == -INF and single.high == INF


def test_a_report_cell_reads_back_as_its_interval_and_overlap_is_symmetric():
    ci = Interval.of([0.2, 1.8, 0.5, 1.5, 1.0])
    parsed = Interval.parse(str(ci))
    assert (parsed.n, parsed.confidence) == (5, 0.95)
    assert parsed.low == pytest.approx(ci.low, rel=1e-3) and parsed.high == pytest.approx(ci.high, rel=1e-3)
    assert Interval.parse("1.95") is None and Interval.parse(str(Interval.of([7.0]))).high == INF
    apart = Interval(5.0, 4.0, 6.0, 5)
    assert parsed.overlaps(ci) and not parsed.overlaps(apart) and not apart.overlaps(parsed)
    assert Interval(3.0, 1.0, 4.0, 5).overlaps(apart) and apart.overlaps(Interval(3.0, 1.0, 4.0, 5))


@pytest.mark.parametrize("drops,verdict", [
    ([-0.5, -0.4, -0.6, -0.5, -0.45], "yes"),  # accuracy gains count as within a "drop below 1 %" claim
    ([0.1, 0.2, 0.15, 0.1, 0.2], "yes"),
    ([2.0, 2.1, 1.9, 2.05, 1.95], "NO"),
    ([0.2, 1.8, 0.5, 1.5, 1.0], "unresolved"),  # the interval straddles the bound
])
def test_drop_below_a_bound(drops, verdict):
    row = range_claim_samples("P1", "accuracy drop (%)", -INF, 1.0, drops)
    assert row.verdict == verdict
    assert row.paper == "<= 1"
    assert row.interval.mean == pytest.approx(np.mean(drops))


def test_counted_savings_with_no_spread_resolve():
    assert relative_claim_samples("P3", "saving (%)", 41, [43.0] * 5, 0.10).verdict == "yes"
    assert relative_claim_samples("P3", "saving (%)", 41, [50.0] * 5, 0.10).verdict == "NO"
    assert relative_claim_samples("P3", "saving (%)", 41, [43.0], 0.10).verdict == "unresolved"


def test_paired_ranking():
    rng = np.random.default_rng(0)
    base = 90 + 3 * rng.standard_normal(5)  # seed-to-seed spread larger than the method gaps
    clear = {"l1": base + 1.0, "activation": base + 0.2 * rng.standard_normal(5), "random": base - 1.0}
    row = paired_best("P1", "rank", "l1", clear)
    assert (row.verdict, row.workbench) == ("yes", 1)
    worse = {"l1": base - 1.0, "activation": base, "random": base - 2.0}
    row = paired_best("P1", "rank", "l1", worse)
    assert (row.verdict, row.workbench) == ("NO", 2)
    noisy = {"l1": base + rng.standard_normal(5), "activation": base + rng.standard_normal(5), "random": base - 5.0}
    assert paired_best("P1", "rank", "l1", noisy).verdict == "unresolved"
    with pytest.raises(ValueError, match="same seeds"):
        paired_best("P1", "rank", "l1", {"l1": [1.0, 2.0], "random": [1.0]})
