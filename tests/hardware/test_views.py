"""The ADC-survey view draws the survey, the empirical model and the bottom-up SAR in both panels."""

import numpy as np

from workbench.core.registry import get_view
from workbench.hardware.adc_model import adc_energy_pj
from workbench.hardware.adc_survey import load_survey


def test_adc_survey_view_draws_every_design_and_both_models():
    view = get_view("crossbar.adc_survey")
    chart, frame = view.render({"percentile": 50, "fs_hz": 10**8, "enob": 10})
    assert chart.to_dict()["hconcat"] and len(frame) > len(load_survey())
    assert (frame["panel"] == "both").sum() == len(load_survey())
    model = frame[frame["series"].str.startswith("empirical model")]
    by_sndr = model[model["panel"] == "vs SNDR"]
    np.testing.assert_allclose(by_sndr["energy_pj"], adc_energy_pj((by_sndr["sndr_db"] - 1.76) / 6.02, 1e8, 50))
    for panel in ("vs SNDR", "vs sample rate"):
        assert set(frame.loc[frame["panel"] == panel, "series"]) == {
            "empirical model, 50th percentile", "bottom-up SAR, 32 nm"}


def test_the_survey_points_name_the_fitted_population():
    """The survey's points are split into the designs the model was fitted to (the population it names) and the
    others, for either population."""
    from workbench.hardware.adc_model import POPULATIONS, population

    view = get_view("crossbar.adc_survey")
    for designs in POPULATIONS:
        _, frame = view.render({"designs": designs})
        points = frame[frame["panel"] == "both"]["series"]
        fitted = points[points.str.startswith("fitted: ")]
        assert fitted.nunique() == 1 and len(fitted) == len(population(designs=designs))
        assert ("single-channel" in fitted.iloc[0]) == (designs == "single-channel")
