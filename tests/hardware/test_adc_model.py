"""The survey-fitted ADC model: a quantile fit recomputed from the CSV, lying on the population's frontier, growing
with resolution and speed, and the area trend."""

import numpy as np
import pandas as pd
import pytest

from workbench.hardware import adc_model as m
from workbench.hardware import adc_survey


@pytest.mark.parametrize("designs", m.POPULATIONS)
@pytest.mark.parametrize("percentile", [m.DEFAULT_PERCENTILE, 50.0])
def test_fitted_share_below_the_curve_is_the_percentile(percentile, designs):
    fit = m.fit_energy(percentile, m.SINCE_YEAR, designs)
    pop = m.population(designs=designs)
    below = pop["energy_pj"] < fit.energy_pj(pop["enob"], pop["fsnyq_hz"])
    assert fit.points == len(pop) > 150
    assert abs(100 * below.mean() - percentile) <= 2 and fit.below_pct == pytest.approx(100 * below.mean())


@pytest.mark.parametrize("designs", m.POPULATIONS)
def test_default_model_is_a_frontier_in_every_speed_decade(designs):
    """No band of speed has most of its designs below the frontier (a shape that fits only on average fails)."""
    fit, pop = m.fit_energy(m.DEFAULT_PERCENTILE, m.SINCE_YEAR, designs), m.population(designs=designs)
    below = pop["energy_pj"] < fit.energy_pj(pop["enob"], pop["fsnyq_hz"])
    by_decade = below.groupby(np.floor(np.log10(pop["fsnyq_hz"]))).agg(["mean", "size"])
    crowded = by_decade[by_decade["size"] >= 20]
    assert len(crowded) >= 3 and (crowded["mean"] <= 0.25).all(), crowded


def test_energy_grows_with_enob_and_sample_rate_and_percentile():
    enob = np.linspace(1, 16, 31)
    for fs_hz in (1e5, 1e8, 1e10):
        assert (np.diff(m.adc_energy_pj(enob, fs_hz)) > 0).all()
    assert (np.diff(m.adc_energy_pj(8.0, np.logspace(4, 11, 15))) > 0).all()
    assert m.adc_energy_pj(8, 1e9, percentile=50) > m.adc_energy_pj(8, 1e9)
    # the Walden floor doubles per bit at low resolution, the Schreier floor quadruples per bit at high resolution
    fit = m.fit_energy()
    slow = fit.corner_hz * 1e-6
    assert m.adc_energy_pj(3, slow) / m.adc_energy_pj(2, slow) == pytest.approx(2, rel=1e-3)
    assert m.adc_energy_pj(15, slow) / m.adc_energy_pj(14, slow) == pytest.approx(4, rel=2e-2)


def test_fit_follows_the_csv_not_typed_numbers(monkeypatch):
    """Doubling every published energy doubles FOMW and lowers FOMS by 3 dB; corner and exponent stay."""
    base = m.fit_energy()
    survey = adc_survey.load_survey().copy()
    survey["energy_pj"] *= 2
    survey["fomw_fj"] *= 2
    survey["foms_db"] -= 10 * np.log10(2)
    monkeypatch.setattr(m, "load_survey", lambda: survey)
    m.fit_energy.cache_clear()
    try:
        doubled = m.fit_energy()
    finally:
        m.fit_energy.cache_clear()
    assert doubled.fomw_fj == pytest.approx(2 * base.fomw_fj, rel=1e-3)
    assert doubled.foms_db == pytest.approx(base.foms_db - 10 * np.log10(2), abs=1e-2)
    assert doubled.corner_hz == pytest.approx(base.corner_hz, rel=1e-2)
    assert doubled.exponent == pytest.approx(base.exponent, rel=1e-2)


@pytest.mark.parametrize("designs", m.POPULATIONS)
def test_area_trend_is_a_quantile_fit_growing_with_resolution(designs):
    for percentile in (m.DEFAULT_PERCENTILE, 50.0):
        fit = m.fit_area(percentile, m.SINCE_YEAR, designs)
        assert abs(fit.below_pct - percentile) <= 2 and fit.points > 150
        assert fit.per_bit > 0 and fit.per_log_node > 0
    assert m.adc_area_um2(10, 32, 1e8) > m.adc_area_um2(6, 32, 1e8)
    assert m.adc_area_um2(8, 65, 1e8) > m.adc_area_um2(8, 22, 1e8)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="percentile"):
        m.fit_energy(0)
    with pytest.raises(ValueError, match="enob"):
        m.adc_energy_pj(0, 1e9)
    assert isinstance(m.adc_energy_pj(8, 1e9), float)
    assert isinstance(m.population(), pd.DataFrame)


def test_single_channel_population_leaves_out_exactly_the_time_interleaved_designs():
    """Every fitted single-channel design names no interleaving; every design left out does (the survey's
    ARCHITECTURE column, read here token by token, independently of the module's pattern)."""
    every, single = m.population(designs="all"), m.population(designs="single-channel")

    def interleaved(architecture: str) -> bool:
        return "TI" in architecture.replace(",", " ").split()

    assert not single["architecture"].map(interleaved).any()
    dropped = every.loc[~every.index.isin(single.index), "architecture"]
    assert len(dropped) > 50 and dropped.map(interleaved).all()
    assert set(single.index) <= set(every.index) and len(single) + len(dropped) == len(every)
    assert {"SAR, TI", "Pipe, TI"} <= set(dropped)
    with pytest.raises(ValueError, match="population"):
        m.population(designs="interleaved")


@pytest.mark.parametrize("designs", m.POPULATIONS)
@pytest.mark.parametrize("percentile", [m.DEFAULT_PERCENTILE, 50.0])
def test_each_population_fits_its_own_designs(designs, percentile):
    """Energy and area fits over either population put the percentile's share of that population's designs below."""
    pop = m.population(designs=designs)
    energy = m.fit_energy(percentile, m.SINCE_YEAR, designs)
    below = pop["energy_pj"] < energy.energy_pj(pop["enob"], pop["fsnyq_hz"])
    assert energy.points == len(pop) and abs(100 * below.mean() - percentile) <= 2
    area = m.fit_area(percentile, m.SINCE_YEAR, designs)
    assert abs(area.below_pct - percentile) <= 2 and area.per_bit > 0 and area.per_log_node > 0


def test_single_channel_area_trend_against_the_surveys_own_8_bit_single_channel_designs():
    """The raw rows of the single-channel 8-bit class (ENOB 7.5-8.5, with area) fall below the 10th- and
    50th-percentile trends, each taken at the design's own ENOB, node and rate, about as often as those percentiles
    say (binomial 99 % intervals over the class), and the interleaved population's trend is no smaller at ISAAC's
    8-bit, 1.28 GS/s, 32 nm point (interleaved arrays are the larger designs at GS/s rates)."""
    from scipy import stats

    survey = adc_survey.load_survey()
    raw = survey[(survey["type"] == "NQ") & (survey["year"] >= m.SINCE_YEAR) & (survey["enob"] >= 7.5)
                 & (survey["enob"] < 8.5) & (survey["area_mm2"] > 0)
                 & ~survey["architecture"].str.replace(",", " ").str.split().map(lambda t: "TI" in t)]
    assert len(raw) >= 10
    for percentile in (m.DEFAULT_PERCENTILE, 50.0):
        trend = m.adc_area_um2(raw["enob"], raw["node_nm"], raw["fsnyq_hz"], percentile, "single-channel")
        below = int((raw["area_mm2"].to_numpy() * 1e6 < trend).sum())
        low, high = stats.binom.interval(0.99, len(raw), percentile / 100)
        assert low <= below <= high, (percentile, below, len(raw))
    single = m.adc_area_um2(8, 32, 1.28e9, designs="single-channel")
    assert m.adc_area_um2(8, 32, 1.28e9, designs="all") > single
