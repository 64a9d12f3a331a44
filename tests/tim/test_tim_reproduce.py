"""Tests of the TiM reproduction table: every claim present, numbers consistent with the model they come from."""

import math

import pytest

from workbench.core.reproduce import ClaimResult, run_reproductions
from workbench.tim.arch import accelerator
from workbench.tim.mapping import map_network
from workbench.tim.params import load_params
from workbench.tim.reproduce import M2_BATCHES, M2_NETWORKS, reproduce


def test_reproduce_rows_and_consistency():
    rows = reproduce(quick=True)
    assert all(isinstance(r, ClaimResult) for r in rows)
    assert [r.claim for r in rows].count("M1") == 7
    assert [r.claim for r in rows].count("M2") == 2 * len(M2_NETWORKS) * len(M2_BATCHES)
    assert 1 in M2_BATCHES and max(M2_BATCHES) > 1  # batch 1 and a weight-stationary / batched line
    by_quantity = {r.quantity: r for r in rows}
    s = accelerator()
    p = load_params()
    assert by_quantity["peak throughput (TOPS)"].workbench == pytest.approx(s.peak_tops)
    assert by_quantity["TOPS/W vs V100 (x)"].workbench == pytest.approx(
        s.tops_per_w / (p.v100_peak_tops / p.v100_power_w))
    m = map_network("resnet18")
    assert by_quantity["speedup vs near-memory, resnet18, batch 1 (x)"].workbench == pytest.approx(
        m.nm_latency_ns / m.latency_ns)
    batched = map_network("resnet18", batch=max(M2_BATCHES))
    assert by_quantity[f"system energy vs near-memory, resnet18, batch {max(M2_BATCHES)} (x)"].workbench == (
        pytest.approx(batched.nm_energy_pj / batched.energy_pj))
    # The note prints both designs' energy breakdowns.
    note = by_quantity["system energy vs near-memory, alexnet, batch 1 (x)"].note
    assert "TiM: " in note and "Near-memory: " in note and "transport" in note
    for r in rows:
        assert isinstance(r.workbench, float) and math.isfinite(r.workbench)
        if r.within is False:
            assert r.note, f"a miss must say why: {r.quantity}"


def test_tops_per_mm2_row_prints_the_two_errors_it_is_the_ratio_of():
    rows = {r.quantity: r for r in reproduce(quick=True)}
    tops, area, density = (rows[q] for q in ("peak throughput (TOPS)", "chip area (mm2)", "TOPS/mm2"))
    tops_ratio, area_ratio = tops.workbench / tops.paper, area.workbench / area.paper
    assert density.workbench / density.paper == pytest.approx(tops_ratio / area_ratio, rel=0.02)
    for value in (tops_ratio, area_ratio, tops_ratio / area_ratio):
        assert f"{value:.2f}x" in density.note
    if density.within and not (tops.within or area.within):  # a hit made of two misses says so
        assert "compensating errors" in density.note and "compensating errors" in rows["TOPS/mm2 vs V100 (x)"].note


def test_registered_with_core_runner():
    rows = run_reproductions("tim", quick=True)
    assert {r.claim for r in rows} == {"M1", "M2"}
