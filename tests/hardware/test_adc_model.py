"""The survey-fitted ADC model: a quantile fit recomputed from the CSV, lying on the population's frontier, growing
with resolution and speed, and the area trend."""

import numpy as np
import pandas as pd
import pytest

from workbench.hardware import adc_model as m
from workbench.hardware import adc_survey


@pytest.mark.parametrize("percentile", [m.DEFAULT_PERCENTILE, 50.0])
def test_fitted_share_below_the_curve_is_the_percentile(percentile):
    fit = m.fit_energy(percentile)
    pop = m.population()
    below = pop["energy_pj"] < fit.energy_pj(pop["enob"], pop["fsnyq_hz"])
    assert fit.points == len(pop) > 200
    assert abs(100 * below.mean() - percentile) <= 2 and fit.below_pct == pytest.approx(100 * below.mean())


def test_default_model_is_a_frontier_in_every_speed_decade():
    """No band of speed has most of its designs below the frontier (a shape that fits only on average fails)."""
    fit, pop = m.fit_energy(), m.population()
    below = pop["energy_pj"] < fit.energy_pj(pop["enob"], pop["fsnyq_hz"])
    by_decade = below.groupby(np.floor(np.log10(pop["fsnyq_hz"]))).agg(["mean", "size"])
    crowded = by_decade[by_decade["size"] >= 20]
    assert len(crowded) >= 4 and (crowded["mean"] <= 0.25).all(), crowded


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


def test_area_trend_is_a_quantile_fit_growing_with_resolution():
    for percentile in (m.DEFAULT_PERCENTILE, 50.0):
        fit = m.fit_area(percentile)
        assert abs(fit.below_pct - percentile) <= 2 and fit.points > 200
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
