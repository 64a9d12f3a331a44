"""The pad.detect study end to end on a short video with the cached detector (slow: trains it when absent)."""

import json

import pytest

from workbench.core import get_study


@pytest.mark.slow
def test_detect_study_end_to_end():
    study = get_study("pad.detect")
    full = study.evaluate(k=1, frames=12)
    assert full["accuracy_drop"] == 0 and full["flop_reduction"] == 1 and full["anchor_fraction"] == 1
    pad = study.evaluate(k=4, frames=12)
    assert set(study.metric_names) <= set(pad)
    assert pad["flop_reduction"] > 1.5 and pad["anchor_fraction"] == pytest.approx(3 / 12)
    trace = json.loads(pad["trace"])
    assert len(trace) == 12 and [r["anchor"] for r in trace[:5]] == [True, False, False, False, True]
