"""The ADC-survey figure: the empirical ADC model and the bottom-up SAR drawn over B. Murmann's ADC Performance Survey
(B. Murmann, "ADC Performance Survey 1997-2025," [Online]. Available: https://github.com/bmurmann/ADC-survey.).

``hardware`` is the component library, not a theme (it has no paper, claims or notebook of its own), so the view is
declared under the crossbar theme, whose accelerator spends most of its energy in these ADCs; the registry finds it
here because every package's ``views.py`` is imported.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from workbench.core import Choice, View
from workbench.hardware.adc_model import (
    DEFAULT_PERCENTILE,
    DEFAULT_POPULATION,
    POPULATIONS,
    SINCE_YEAR,
    adc_energy_pj,
    population,
)
from workbench.hardware.adc_survey import load_survey
from workbench.hardware.analog import adc
from workbench.hardware.tech import load_tech

# Integer options, so that command-line values such as ``--set percentile=50`` match them.
PERCENTILES = (5, 10, 25, 50, 75, 90)
SAMPLE_RATES_HZ = tuple(10**e for e in range(6, 11))
ENOBS = (4, 6, 8, 10, 12)
SAR_BITS = tuple(range(2, 15))


def _survey_points(designs: str) -> pd.DataFrame:
    survey = load_survey()
    fitted = survey.index.isin(population(SINCE_YEAR, designs).index)
    kind = "single-channel" if designs == "single-channel" else "all Nyquist"
    return pd.DataFrame({
        "series": np.where(fitted, f"fitted: {kind}, {SINCE_YEAR}-", "other survey designs"),
        "sndr_db": survey["sndr_db"], "fsnyq_hz": survey["fsnyq_hz"], "energy_pj": survey["energy_pj"],
        "year": survey["year"], "architecture": survey["architecture"],
    })


def adc_survey(percentile: float, fs_hz: float, enob: float, designs: str = DEFAULT_POPULATION):
    """Energy per conversion against SNDR (left, model at ``fs_hz``) and against Nyquist sample rate (right, model
    at ``enob``): the survey's designs, the empirical model at ``percentile`` fitted to ``designs`` (all Nyquist
    designs or the single-channel ones, :data:`workbench.hardware.adc_model.POPULATIONS`) and the bottom-up SAR of
    :func:`workbench.hardware.analog.adc` at 32 nm (ENOB taken as its bits; its fastest rate is one conversion time)."""
    tech = load_tech()
    model = f"empirical model, {percentile:g}th percentile"
    sar = "bottom-up SAR, 32 nm"
    enob_grid = np.linspace(1, 16, 61)
    fs_grid = np.logspace(3, 11, 57)
    sar_costs = [adc(b, "sar", tech) for b in SAR_BITS]
    sar_at_enob = adc(int(round(enob)), "sar", tech)
    parts = [
        _survey_points(designs).assign(panel="both"),
        pd.DataFrame({"series": model, "panel": "vs SNDR", "sndr_db": 6.02 * enob_grid + 1.76, "fsnyq_hz": fs_hz,
                      "energy_pj": adc_energy_pj(enob_grid, fs_hz, percentile, designs)}),
        pd.DataFrame({"series": model, "panel": "vs sample rate", "sndr_db": 6.02 * enob + 1.76,
                      "fsnyq_hz": fs_grid, "energy_pj": adc_energy_pj(enob, fs_grid, percentile, designs)}),
        pd.DataFrame({"series": sar, "panel": "vs SNDR", "sndr_db": 6.02 * np.array(SAR_BITS) + 1.76,
                      "fsnyq_hz": [1e9 / c.time_ns for c in sar_costs],
                      "energy_pj": [c.energy_fj * 1e-3 for c in sar_costs]}),
        pd.DataFrame({"series": sar, "panel": "vs sample rate", "sndr_db": 6.02 * round(enob) + 1.76,
                      "fsnyq_hz": fs_grid[fs_grid <= 1e9 / sar_at_enob.time_ns],
                      "energy_pj": sar_at_enob.energy_fj * 1e-3}),
    ]
    frame = pd.concat(parts, ignore_index=True)
    colors = alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=0))
    energy = alt.Y("energy_pj:Q", title="energy per conversion P/fsnyq (pJ)", scale=alt.Scale(type="log"),
                   axis=alt.Axis(format="~g"))
    tooltip = ["series", alt.Tooltip("sndr_db:Q", format=".1f"), alt.Tooltip("fsnyq_hz:Q", format=".3~s"),
               alt.Tooltip("energy_pj:Q", format=".3~g"), "year", "architecture"]
    points = alt.Chart().transform_filter(alt.datum.panel == "both").mark_point(size=14, filled=True, opacity=0.45)
    panels = []
    for panel, x, title in (
            ("vs SNDR", alt.X("sndr_db:Q", title="SNDR (dB)"), f"vs SNDR (model at {fs_hz:.0e} Hz)"),
            ("vs sample rate", alt.X("fsnyq_hz:Q", title="Nyquist sample rate (Hz)", scale=alt.Scale(type="log"),
                                      axis=alt.Axis(format="~s")),
             f"vs sample rate (model at ENOB {enob:g})")):
        lines = alt.Chart().transform_filter(alt.datum.panel == panel).mark_line(strokeWidth=2)
        panels.append(alt.layer(points.encode(x=x, y=energy, color=colors, tooltip=tooltip),
                                lines.encode(x=x, y=energy, color=colors, detail="series:N"),
                                data=frame).properties(width=260, height=240, title=title))
    chart = alt.hconcat(*panels).properties(
        title="ADC energy per conversion: B. Murmann's ADC Performance Survey 1997-2025 and the workbench's models")
    return chart, frame


ADC_SURVEY = View(
    name="crossbar.adc_survey",
    theme="crossbar",
    func=adc_survey,
    title="ADC energy per conversion: the survey, the empirical model and the bottom-up SAR",
    knobs=(
        Choice("percentile", DEFAULT_PERCENTILE, options=PERCENTILES, label="percentile of the population",
               help="Share (%) of the fitted published designs that lie below the model's curve."),
        Choice("fs_hz", 10**9, options=SAMPLE_RATES_HZ, unit="Hz", label="sample rate of the SNDR curve",
               help="Nyquist sample rate at which the left panel draws the model."),
        Choice("enob", 8, options=ENOBS, unit="bit", label="ENOB of the speed curve",
               help="Effective bits at which the right panel draws the model."),
        Choice("designs", DEFAULT_POPULATION, options=POPULATIONS, label="fitted designs",
               help="All Nyquist designs, or the single-channel ones (time-interleaved designs left out)."),
    ),
    description="Every converter of B. Murmann's ADC Performance Survey (ISSCC and VLSI, 1997-2025), the empirical "
                "model fitted to a percentile of the Nyquist designs published from 2010 on (Walden and Schreier "
                "FOM floors, a speed penalty above a fitted corner), and the first-order bottom-up SAR the "
                "component library offers as a knob (ENOB taken as its bits, no sample-rate dependence).",
)
