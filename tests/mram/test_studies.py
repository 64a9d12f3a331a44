"""Registered MRAM studies, views, manifest, paper table and reproduction."""

import math

import pytest

from workbench.core import get_study, get_view, list_studies, list_views
from workbench.core.manifest import get_manifest, paper_table
from workbench.core.reproduce import ClaimResult, run_reproductions

STUDIES = ("mram.device", "mram.array", "mram.cim_sensing", "mram.system")
VIEWS = ("mram.switching", "mram.wer", "mram.organisations", "mram.margins", "mram.kernels", "mram.mtj",
         "mram.breakeven")


def test_registered():
    assert set(STUDIES) <= set(list_studies("mram.*"))
    assert set(VIEWS) <= set(list_views("mram.*"))


@pytest.mark.parametrize("name", STUDIES)
def test_interactive_study_answers_with_every_metric(name):
    """Its knob-change latency is measured by benchmarks/bench_ui.py, not asserted here (machine speed varies)."""
    study = get_study(name)
    assert study.cost == "interactive"
    result = study.evaluate(study.defaults())
    for metric in study.metrics:
        assert isinstance(result[metric.name], float | int)


@pytest.mark.parametrize("name", VIEWS)
def test_view_renders_on_defaults(name):
    view = get_view(name)
    chart, frame = view.render()
    assert len(frame) > 0
    chart.to_dict()


@pytest.mark.parametrize("name", list_studies(theme="mram"))
def test_every_study_opens_on_finite_metrics(name):
    """Registry-looped: each MRAM study's default point (where its Explorer opens) has every scalar metric finite
    (no NaN 'not switched', no unwritable write path)."""
    study = get_study(name)
    result = study.evaluate(study.defaults())
    for metric in study.metrics:
        assert math.isfinite(result[metric.name]), f"{name}: {metric.name} = {result[metric.name]}"


def test_device_study_opens_at_a_stated_overdrive_and_its_range_reaches_every_paths_table():
    from workbench.mram.device import DEFAULT_OVERDRIVES
    from workbench.mram.studies import OPENING_OVERDRIVE, critical_current_ua

    s = get_study("mram.device")
    opened = s.evaluate(s.defaults())
    assert s.defaults()["path"] == "vsh"
    assert opened["overdrive"] == pytest.approx(OPENING_OVERDRIVE, rel=0.05)   # 2 significant digits of the current
    assert opened["ic0_ua"] == pytest.approx(critical_current_ua("vsh"))
    current = s.knob("current_ua")
    for path in ("stt", "gsh", "vsh"):
        assert current.low < DEFAULT_OVERDRIVES[0] * critical_current_ua(path)
        assert DEFAULT_OVERDRIVES[-1] * critical_current_ua(path) <= current.high


def test_breakeven_view_at_iso_area_marks_a_larger_break_even():
    view = get_view("mram.breakeven")
    marks = {}
    for condition in ("iso_delta", "iso_area"):
        chart, frame = view.render({"iso_condition": condition})
        assert condition.replace("_", " ").replace("delta", "Delta") in chart.to_dict()["title"]
        marks[condition] = frame
    # the same efficiency grid, VSH / GSH higher at iso area (a larger magnet to switch)
    delta, area = (marks[c].dropna().set_index(["efficiency", "quantity"])["ratio"] for c in ("iso_delta", "iso_area"))
    common = delta.index.intersection(area.index)
    assert len(common) > 5 and (area[common] > delta[common]).all()


def test_device_study_trends():
    s = get_study("mram.device")
    lo = s.evaluate({"path": "stt", "current_ua": 50.0})
    hi = s.evaluate({"path": "stt", "current_ua": 100.0})
    assert hi["write_time_ns"] < lo["write_time_ns"] and hi["wer_at_pulse"] <= lo["wer_at_pulse"]
    assert lo["delta"] == pytest.approx(39.3, abs=1)


def test_cim_study_refuses_an_op_the_organisation_does_not_sense():
    with pytest.raises(ValueError, match="op"):
        get_study("mram.cim_sensing").evaluate({"organisation": "STT", "op": "NOR"})
    with pytest.raises(ValueError, match="samples"):
        get_study("mram.cim_sensing").evaluate({"samples": 0})


def test_manifest_and_paper_table():
    m = get_manifest("mram")
    assert m.claims == ("S1", "S2", "V1", "V2") and m.notebook_path.is_file()
    table = paper_table("mram")
    assert set(table["claim"]) == {"S1", "S2", "V1", "V2"}
    assert all(s.startswith("arXiv:") for s in table["source"])


def test_reproduce_rows():
    rows = run_reproductions("mram", quick=True)
    assert all(isinstance(r, ClaimResult) for r in rows)
    assert {r.claim for r in rows} == {"S1", "S2", "V1", "V2"}
    for r in rows:
        assert isinstance(r.workbench, float), r.quantity
        assert math.isfinite(r.workbench) or "not writable" in r.note, r.quantity
        assert r.scale
        if r.within is False:
            assert r.note, f"a miss must say why: {r.quantity}"


def test_llg_batch_study_runs_a_magnet_of_your_own():
    s = get_study("mram.llg")
    assert s.cost == "batch"
    fast = s.evaluate({"magnets": 40, "t_max_ns": 3.0, "overdrive": 8.0})
    slow = s.evaluate({"magnets": 40, "t_max_ns": 3.0, "overdrive": 4.0})
    assert fast["median_switch_ns"] < slow["median_switch_ns"]
    assert fast["delta"] == pytest.approx(39.3, abs=1)
    with pytest.raises(ValueError, match="magnets"):
        s.evaluate({"magnets": 0})
    with pytest.raises(ValueError, match="alpha"):
        s.evaluate({"alpha": 0.0})
    with pytest.raises(ValueError, match="ms_ka_per_m"):
        s.evaluate({"ms_ka_per_m": -5.0})
