"""The crossbar reproduction runs in quick mode and reports both claims honestly."""

import pytest

from workbench.core.manifest import paper_range
from workbench.core.reproduce import NOT_COMPUTED
from workbench.crossbar.array.spice import ngspice_path
from workbench.crossbar.reproduce import reproduce


def test_paper_numbers_come_from_the_reference_file():
    assert paper_range("crossbar", "accuracy_degradation_pct") == (9.6, 32.0)
    assert paper_range("crossbar", "max_error_pct")[1] == 0.28


CLAIMS = ["X1"] * 7 + ["X2"] * 4 + ["X3"] * 2 + ["T1"] * 3 + ["T2"]


@pytest.mark.slow
def test_quick_reproduction():
    results = reproduce(quick=True)
    assert [r.claim for r in results] == CLAIMS
    single, batched, linear, *nonlinear = results[:7]
    x2_band, *x2_tiles = results[7:11]
    if ngspice_path():
        # charging the G_eff extraction to one vector costs orders of magnitude against a shared extraction
        assert 1 < single.workbench < batched.workbench and single.within is False
        assert "vectors per extraction" in single.note
        # G_eff is exact for linear cells: it agrees with ngspice far below the paper's 0.28%, by construction
        assert linear.workbench < 1e-3 and linear.within and "by construction" in linear.note
    else:
        assert single.workbench == NOT_COMPUTED and "ngspice is not installed" in single.note
    assert [r.workbench for r in nonlinear] == sorted(r.workbench for r in nonlinear)  # grows as v_nl shrinks
    assert nonlinear[-1].within is False and nonlinear[-1].note.startswith("MISS")
    low, high = paper_range("crossbar", "accuracy_degradation_pct")
    assert x2_band.paper == f"{low:g}-{high:g}" and "MNIST-5k" in x2_band.scale
    for row in x2_tiles:
        assert row.interval is not None and row.interval.n == 2 and 0 <= row.interval.mean <= 100
        assert row.verdict in ("yes", "NO", "unresolved")


def test_without_ngspice_the_x1_rows_say_why_instead_of_nan(monkeypatch):
    from workbench.crossbar import reproduce as module
    from workbench.crossbar.inference import speed

    monkeypatch.setattr(module, "ngspice_path", lambda: None)
    monkeypatch.setattr(speed, "ngspice_path", lambda: None)
    monkeypatch.setattr(module, "_x2_drops", lambda tiles, resistances, seeds, epochs, model: {
        (t, r): [0.1 * t + 0.1 * r + s for s in seeds] for t in tiles for r in resistances})
    results = reproduce(quick=True)
    assert [r.claim for r in results] == CLAIMS
    for row in results[:3]:
        assert row.workbench == NOT_COMPUTED and row.within is None
        assert "ngspice is not installed (apt-get install ngspice)" in row.note
    assert "closed forms at the largest size" in results[2].note  # what could be computed is still reported
    assert all(isinstance(r.workbench, float) for r in results[3:7])  # the Newton reference needs no ngspice
    tile16 = results[8]  # drops 11.6 and 12.6 over the two seeds at 16x16, 100 ohm: inside 9.6-32
    assert tile16.interval.mean == pytest.approx(12.1) and tile16.verdict == "unresolved"  # n=2: a wide interval


def test_x2_band_verdict_follows_the_swept_resistance(monkeypatch):
    from workbench.crossbar import reproduce as module

    def drops(scale):
        return lambda tiles, resistances, seeds, epochs, model: {
            (t, r): [scale * (r + 1) + 0.01 * s for s in seeds] for t in tiles for r in resistances}

    monkeypatch.setattr(module, "_x2_drops", drops(0.001))  # far below the paper's band at every resistance
    band, *tiles = module.x2_rows(quick=True)
    assert band.verdict == "NO" and band.workbench == "0.006-0.106"  # seed means at 0 and 100 ohm
    assert all(row.verdict == "NO" and row.note.startswith("MISS (below the band)") for row in tiles)
    monkeypatch.setattr(module, "_x2_drops", drops(0.2))  # 0.2 pp at 0 ohm, 20 pp at 100 ohm: the band straddles
    band = module.x2_rows(quick=True)[0]
    assert band.verdict == "unresolved" and "100 ohm" in band.note and "at 100 ohm" in band.note


def test_isaac_sanity_rows_are_labelled_and_fast():
    from workbench.crossbar.reproduce import isaac_sanity

    rows = isaac_sanity()
    assert [r.claim for r in rows] == ["X3", "X3"]
    for row, paper in zip(rows, (58.0, 31.0)):
        assert row.quantity.startswith("SANITY CHECK (not fitted)")
        assert row.paper == paper and 0 < row.workbench < 100
        assert row.within == row.note.startswith("largest component: adc")
