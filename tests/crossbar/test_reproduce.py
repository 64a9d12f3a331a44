"""The crossbar reproduction runs in quick mode and reports both claims honestly."""

import math

import pytest

from workbench.core.manifest import paper_range
from workbench.crossbar.reproduce import reproduce
from workbench.crossbar.spice import ngspice_path


def test_paper_numbers_come_from_the_reference_file():
    assert paper_range("crossbar", "accuracy_degradation_pct") == (9.6, 32.0)
    assert paper_range("crossbar", "max_error_pct")[1] == 0.28


@pytest.mark.slow
def test_quick_reproduction():
    results = reproduce(quick=True)
    assert [r.claim for r in results] == ["X1", "X1", "X2"]
    speed, error, accuracy = results
    if ngspice_path():
        assert speed.workbench > 1e3 and speed.within is not None
        # G_eff is exact for linear cells: it agrees with ngspice far below the paper's 0.28%.
        assert error.workbench < 1e-3 and error.within
    else:
        assert math.isnan(speed.workbench)
    low, high = paper_range("crossbar", "accuracy_degradation_pct")
    assert accuracy.paper == f"{low:g}-{high:g}" and 0 <= accuracy.workbench <= 100
    assert accuracy.within == (low <= accuracy.workbench <= high)
