"""Empirical ADC model: energy per conversion and area of the published ADC population, fitted to B. Murmann's ADC
Performance Survey (``data/reference/adc_survey.csv``; cite as B. Murmann, "ADC Performance Survey 1997-2025,"
[Online]. Available: https://github.com/bmurmann/ADC-survey.).

Energy per Nyquist sample of a converter with ``N`` effective bits at sample rate ``fs`` (the survey's energy plot
and FOM-vs-speed envelopes, B. Murmann, "A/D converter trends: power dissipation, scaling and digitally assisted
architectures", CICC 2008)::

    E(N, fs) = max(FOMW 2^N, 10^((SNDR(N) - FOMS) / 10) / 2) * (1 + (fs / f_corner)^k),   SNDR(N) = 6.02 N + 1.76

* the Walden term ``FOMW 2^N`` (R. H. Walden, IEEE JSAC 17(4), 1999) bounds low-resolution designs, whose energy is
  set by device matching and digital logic and doubles per bit;
* the Schreier term (R. Schreier and G. C. Temes, *Understanding Delta-Sigma Data Converters*, Wiley 2005; FOMS in
  its SNDR form) bounds high-resolution designs, whose thermal-noise-limited energy quadruples per bit;
* above ``f_corner`` the energy per conversion grows as ``fs^k``: the survey Readme's envelope lines take ``k = 1``
  (power growing with the square of speed for circuits pushed towards the transistors' f_T); the population as a
  whole rises more gently, so ``k`` is fitted too.

The four parameters are a quantile fit: they minimise the pinball (quantile) loss of ``log10 E`` over the
population of :func:`population` (all designs, or the single-channel ones: :data:`POPULATIONS`) at the chosen
percentile, so about that share of the published designs lie below
the curve (percentile 10 is the frontier of good designs, 50 the typical design). Nothing is typed to match a paper:
:func:`fit_energy` recomputes them from the CSV on first use.

Area: a linear quantile regression (an exact linear program) of ``log10`` area on ENOB, ``log10`` node and
``log10 fs`` over the population's designs that report area (area data added to the survey by M. Verhelst; see
M. Verhelst and B. Murmann, "Area scaling analysis of CMOS ADCs", Electronics Letters 48(6), 2012).

The first-order bottom-up SAR of :func:`workbench.hardware.analog.adc` stays the alternative.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from workbench.hardware.adc_survey import load_survey

__all__ = ["DEFAULT_PERCENTILE", "DEFAULT_POPULATION", "POPULATIONS", "SINCE_YEAR", "AreaFit", "EnergyFit",
           "adc_area_um2", "adc_energy_pj", "fit_area", "fit_energy", "population", "time_interleaved"]

#: The frontier of good published designs: architecture studies pick a state-of-the-art ADC (ISAAC uses Kull et al.,
#: ISSCC 2013), so the default prices the 10th percentile of the population's energy, not the typical design.
DEFAULT_PERCENTILE = 10.0
#: First publication year of the fitted population: designs from 2010 on are in the 22-65 nm CMOS nodes the
#: workbench prices (ISAAC and TiM-DNN at 32 nm); 1997-2009 designs in 0.13-1 um processes would lift the curve.
SINCE_YEAR = 2010
#: Starting (log10 corner frequency / Hz, speed exponent) pairs of the energy fit: corners 1 MHz-1 GHz, exponents
#: from gentle to the envelope's 1.
_STARTS = tuple((c, k) for c in (6.0, 7.0, 8.0, 9.0) for k in (0.3, 0.6, 1.0))
#: Which published converters a fit follows. ``"single-channel"`` leaves out the time-interleaved designs (the
#: survey's ARCHITECTURE column names them "TI": "SAR, TI", "Pipe, TI", ...): at GS/s rates they are arrays of
#: sub-ADCs with their own calibration and clock distribution, so they price a different circuit from one converter
#: at that rate. A crossbar's column ADC is one converter (ISAAC's is Kull et al.'s single-channel SAR, ISSCC
#: 2013), so ``"single-channel"`` is the matched population for it; ``"all"`` keeps every Nyquist design.
POPULATIONS = ("single-channel", "all")
#: The population the library's functions fit by default: the single-channel designs, the matched population for
#: the one converter a crossbar column (or a group of columns sharing it) has (:data:`POPULATIONS`). ``"all"``
#: stays a knob (at GS/s rates its time-interleaved arrays raise the area trend: ``data/reference/components.md``).
DEFAULT_POPULATION = "single-channel"
_TIME_INTERLEAVED = re.compile(r"\bTI\b")


def time_interleaved(architecture) -> np.ndarray:
    """Whether each survey ARCHITECTURE string names a time-interleaved design (the token ``TI``)."""
    return np.array([bool(_TIME_INTERLEAVED.search(str(a))) for a in np.atleast_1d(architecture)])


def population(since_year: int = SINCE_YEAR, designs: str = DEFAULT_POPULATION) -> pd.DataFrame:
    """The fitted designs: Nyquist-rate converters (survey type ``NQ``; oversampling ones trade resolution for
    speed differently) with a positive ENOB, published in ``since_year`` or later; ``designs="single-channel"``
    leaves out the time-interleaved ones (:data:`POPULATIONS`).

    Raises
    ------
    ValueError
        For ``designs`` not in :data:`POPULATIONS`.
    """
    if designs not in POPULATIONS:
        raise ValueError(f"ADC population {designs!r} is not allowed; allowed: {list(POPULATIONS)}")
    survey = load_survey()
    keep = (survey["type"] == "NQ") & (survey["enob"] > 0) & (survey["year"] >= since_year)
    if designs == "single-channel":
        keep &= ~time_interleaved(survey["architecture"])
    return survey[keep]


def _quantile(percentile: float) -> float:
    """``percentile / 100``; ``ValueError`` outside (0, 100)."""
    if not 0 < percentile < 100:
        raise ValueError(f"percentile={percentile!r} is not allowed; allowed: 0 < percentile < 100")
    return percentile / 100


def _sndr_db(enob):
    return 6.02 * np.asarray(enob, dtype=float) + 1.76


def _log10_energy_pj(params, enob, fs_hz):
    log_fomw_fj, foms_db, log_corner_hz, exponent = params
    walden = 10.0 ** (log_fomw_fj - 3) * 2.0 ** np.asarray(enob, dtype=float)
    schreier = 0.5e12 * 10.0 ** ((_sndr_db(enob) - foms_db) / 10)
    speed = (np.asarray(fs_hz, dtype=float) / 10**log_corner_hz) ** exponent
    return np.log10(np.maximum(walden, schreier)) + np.log10(1 + speed)


@dataclass(frozen=True)
class EnergyFit:
    """A quantile fit of the energy per conversion (module docstring): ``fomw_fj`` (fJ/conversion-step), ``foms_db``
    (dB), ``corner_hz`` and the speed ``exponent``; ``percentile`` fitted, ``points`` in the population,
    ``below_pct`` of them below the curve."""

    fomw_fj: float
    foms_db: float
    corner_hz: float
    exponent: float
    percentile: float
    points: int
    below_pct: float

    def energy_pj(self, enob, fs_hz):
        """Energy per conversion (pJ) at ``enob`` effective bits and ``fs_hz`` (arrays broadcast)."""
        params = (np.log10(self.fomw_fj), self.foms_db, np.log10(self.corner_hz), self.exponent)
        return 10.0 ** _log10_energy_pj(params, enob, fs_hz)


@functools.lru_cache(maxsize=16)
def fit_energy(percentile: float = DEFAULT_PERCENTILE, since_year: int = SINCE_YEAR,
               designs: str = DEFAULT_POPULATION) -> EnergyFit:
    """The quantile fit of ``log10`` energy per conversion at ``percentile`` over :func:`population` of ``designs``
    (cached).

    Starts from the population's own ``percentile`` of FOMW and ``100 - percentile`` of FOMS, with each corner of a
    grid of corner frequencies and exponents (:data:`_STARTS`); runs Nelder-Mead on the pinball loss twice from each
    and keeps the lowest loss.

    Raises
    ------
    ValueError
        For a percentile outside (0, 100) or an unknown population.
    """
    q = _quantile(percentile)
    pop = population(since_year, designs)
    enob, fs, y = pop["enob"].to_numpy(), pop["fsnyq_hz"].to_numpy(), np.log10(pop["energy_pj"].to_numpy())

    def loss(params):
        r = y - _log10_energy_pj(params, enob, fs)
        return float(np.mean(np.maximum(q * r, (q - 1) * r)))

    options = {"xatol": 1e-7, "fatol": 1e-12, "maxiter": 20000, "maxfev": 20000}
    best, best_loss = None, np.inf
    for log_corner_hz, exponent in _STARTS:
        x = [np.log10(np.quantile(pop["fomw_fj"], q)), float(np.quantile(pop["foms_db"], 1 - q)), log_corner_hz,
             exponent]
        for _ in range(2):
            x = optimize.minimize(loss, x, method="Nelder-Mead", options=options).x
        if loss(x) < best_loss:
            best, best_loss = x, loss(x)
    below = 100 * float(np.mean(y < _log10_energy_pj(best, enob, fs)))
    return EnergyFit(float(10 ** best[0]), float(best[1]), float(10 ** best[2]), float(best[3]), float(percentile),
                     len(pop), below)


def adc_energy_pj(enob, fs_hz, percentile: float = DEFAULT_PERCENTILE, designs: str = DEFAULT_POPULATION):
    """Energy per conversion (pJ) of an ADC with ``enob`` effective bits at ``fs_hz`` samples per second, at
    ``percentile`` of the published population of ``designs`` (:data:`POPULATIONS`; B. Murmann's ADC survey; Walden
    and Schreier FOMs, module docstring).

    Raises
    ------
    ValueError
        For ``enob`` <= 0, ``fs_hz`` <= 0, a percentile outside (0, 100) or an unknown population.
    """
    enob, fs_hz = np.asarray(enob, dtype=float), np.asarray(fs_hz, dtype=float)
    if np.any(enob <= 0) or np.any(fs_hz <= 0):
        raise ValueError(f"enob={enob!r} and fs_hz={fs_hz!r} must be > 0")
    energy = fit_energy(percentile, SINCE_YEAR, designs).energy_pj(enob, fs_hz)
    return float(energy) if energy.ndim == 0 else energy


@dataclass(frozen=True)
class AreaFit:
    """``log10(area_um2) = intercept + per_bit * ENOB + per_log_node * log10(node_nm) + per_log_fs * log10(fs_hz)``
    at ``percentile`` over ``points`` designs, ``below_pct`` of which lie below it."""

    intercept: float
    per_bit: float
    per_log_node: float
    per_log_fs: float
    percentile: float
    points: int
    below_pct: float

    def area_um2(self, enob, node_nm, fs_hz):
        """Area (um2) at ``enob`` effective bits, ``node_nm`` and ``fs_hz`` (arrays broadcast)."""
        return 10.0 ** (self.intercept + self.per_bit * np.asarray(enob, dtype=float)
                        + self.per_log_node * np.log10(np.asarray(node_nm, dtype=float))
                        + self.per_log_fs * np.log10(np.asarray(fs_hz, dtype=float)))


@functools.lru_cache(maxsize=16)
def fit_area(percentile: float = DEFAULT_PERCENTILE, since_year: int = SINCE_YEAR,
             designs: str = DEFAULT_POPULATION) -> AreaFit:
    """The area trend (module docstring) at ``percentile`` over the ``designs`` of :func:`population` that report area
    and node: minimise ``sum(q u + (1 - q) v)`` subject to ``X b + u - v = log10(area)``, ``u, v >= 0`` (Koenker and
    Bassett, Econometrica 1978) with scipy's HiGHS linear-program solver.

    Raises
    ------
    ValueError
        For a percentile outside (0, 100) or an unknown population.
    """
    q = _quantile(percentile)
    pop = population(since_year, designs).dropna(subset=["area_mm2", "node_nm"])
    pop = pop[pop["area_mm2"] > 0]
    x = np.column_stack([np.ones(len(pop)), pop["enob"], np.log10(pop["node_nm"]), np.log10(pop["fsnyq_hz"])])
    y = np.log10(pop["area_mm2"].to_numpy() * 1e6)
    n, k = len(y), x.shape[1]
    cost = np.concatenate([np.zeros(k), np.full(n, q), np.full(n, 1 - q)])
    equality = np.hstack([x, np.eye(n), -np.eye(n)])
    bounds = [(None, None)] * k + [(0, None)] * (2 * n)
    solution = optimize.linprog(cost, A_eq=equality, b_eq=y, bounds=bounds, method="highs")
    coef = solution.x[:k]
    below = 100 * float(np.mean(y < x @ coef))
    return AreaFit(*map(float, coef), float(percentile), n, below)


def adc_area_um2(enob, node_nm, fs_hz, percentile: float = DEFAULT_PERCENTILE, designs: str = DEFAULT_POPULATION):
    """Area (um2) of an ADC with ``enob`` effective bits in a ``node_nm`` process at ``fs_hz``, at ``percentile`` of
    the survey's ``designs`` (:func:`fit_area`, :data:`POPULATIONS`)."""
    area = fit_area(percentile, SINCE_YEAR, designs).area_um2(enob, node_nm, fs_hz)
    return float(area) if area.ndim == 0 else area
