import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from workbench.core.pareto import pareto_front, pareto_mask


def _brute_force(costs: np.ndarray) -> np.ndarray:
    n = len(costs)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        if not np.all(np.isfinite(costs[i])):
            keep[i] = False
            continue
        for j in range(n):
            finite = np.all(np.isfinite(costs[j]))
            if j != i and finite and np.all(costs[j] <= costs[i]) and np.any(costs[j] < costs[i]):
                keep[i] = False
                break
    return keep


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(0, 40), st.just(3)),
           elements=st.one_of(st.integers(0, 5).map(float), st.just(np.nan))),
    st.lists(st.sampled_from(["min", "max"]), min_size=3, max_size=3),
)
def test_matches_brute_force_with_ties_and_nans(values, directions):
    frame = pd.DataFrame(values, columns=["a", "b", "c"])
    signs = np.array([1.0 if d == "min" else -1.0 for d in directions])
    expected = _brute_force(values * signs)
    got = pareto_mask(frame, dict(zip("abc", directions)))
    assert np.array_equal(got, expected)


def test_simple_front_and_sorting():
    frame = pd.DataFrame({"energy": [1, 2, 3, 2.5], "accuracy": [0.5, 0.8, 0.9, 0.7]})
    front = pareto_front(frame, {"energy": "min", "accuracy": "max"})
    assert front.index.tolist() == [0, 1, 2]


def test_bad_direction_and_missing_column():
    frame = pd.DataFrame({"a": [1.0]})
    with pytest.raises(ValueError, match="direction"):
        pareto_mask(frame, {"a": "up"})
    with pytest.raises(KeyError, match="'b'"):
        pareto_mask(frame, {"b": "min"})
