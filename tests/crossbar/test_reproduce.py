"""The crossbar reproduction runs in quick mode and reports both claims honestly."""

import pytest

from workbench.core.manifest import paper_range
from workbench.core.reproduce import NOT_COMPUTED
from workbench.crossbar.reproduce import reproduce
from workbench.crossbar.spice import ngspice_path


def test_paper_numbers_come_from_the_reference_file():
    assert paper_range("crossbar", "accuracy_degradation_pct") == (9.6, 32.0)
    assert paper_range("crossbar", "max_error_pct")[1] == 0.28


@pytest.mark.slow
def test_quick_reproduction():
    results = reproduce(quick=True)
    assert [r.claim for r in results] == ["X1", "X1", "X2", "X3", "X3", "T1", "T1", "T2"]
    speed, error, accuracy = results[:3]
    if ngspice_path():
        assert speed.workbench > 1e3 and speed.within is not None
        # G_eff is exact for linear cells: it agrees with ngspice far below the paper's 0.28%.
        assert error.workbench < 1e-3 and error.within
    else:
        assert speed.workbench == NOT_COMPUTED and "ngspice is not installed" in speed.note
    low, high = paper_range("crossbar", "accuracy_degradation_pct")
    assert accuracy.paper == f"{low:g}-{high:g}" and 0 <= accuracy.workbench <= 100
    assert accuracy.within == (low <= accuracy.workbench <= high)


def test_without_ngspice_the_x1_rows_say_why_instead_of_nan(monkeypatch):
    from workbench.crossbar import reproduce as module
    from workbench.crossbar import speed

    monkeypatch.setattr(module, "ngspice_path", lambda: None)
    monkeypatch.setattr(speed, "ngspice_path", lambda: None)
    monkeypatch.setattr(module, "crossbar_accuracy", lambda config, epochs: {
        "accuracy_drop": 12.0, "accuracy_float": 95.0, "accuracy_crossbar": 83.0})
    speed_row, error_row, accuracy = reproduce(quick=True)[:3]
    for row in (speed_row, error_row):
        assert row.workbench == NOT_COMPUTED and row.within is None
        assert "ngspice is not installed (apt-get install ngspice)" in row.note
    assert "closed forms at the largest size" in error_row.note  # what could be computed is still reported
    assert accuracy.workbench == 12.0 and accuracy.within is True


def test_isaac_sanity_rows_are_labelled_and_fast():
    from workbench.crossbar.reproduce import isaac_sanity

    rows = isaac_sanity()
    assert [r.claim for r in rows] == ["X3", "X3"]
    for row, paper in zip(rows, (58.0, 31.0)):
        assert row.quantity.startswith("SANITY CHECK (not fitted)")
        assert row.paper == paper and 0 < row.workbench < 100
        assert row.within == row.note.startswith("largest component: adc")
