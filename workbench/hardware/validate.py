"""The component validation report ``data/reference/components.md``: each priced circuit next to a published figure.

Regenerate with ``workbench regenerate components``. Every reference number is a row of
``data/reference/components_reference.csv`` (with its source) or is computed from the ADC survey
(``data/reference/adc_survey.csv``; B. Murmann, "ADC Performance Survey 1997-2025," [Online]. Available:
https://github.com/bmurmann/ADC-survey.). The workbench numbers come from the functions that price the themes today:
:mod:`workbench.periphery` (bottom-up SAR, DAC, sample-and-hold, shift-and-add, buffers),
:mod:`workbench.crossbar.inference.cost`
(the ISAAC-like macro) and :mod:`workbench.hardware.adc_model` (the survey-fitted ADC). Nothing here is tuned toward
a reference: a row that misses says so and why.

References:

* ISAAC (A. Shafiee et al., ISCA 2016), Table I, per in-situ multiply-accumulate unit (IMA) at 32 nm, one 100 ns
  crossbar read per cycle; power times cycle time over the events in a cycle gives an energy per event.
* M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014: 45 nm energies, priced here
  with the periphery table scaled to 45 nm.
* The ADC survey's population at 8 bits, and the design ISAAC uses (Kull et al., ISSCC 2013), a row of the survey.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from workbench import periphery as pc
from workbench.core.files import atomic_write
from workbench.core.paths import reference_dir
from workbench.hardware.adc_model import DEFAULT_PERCENTILE, fit_area, fit_energy, population
from workbench.hardware.adc_survey import CITATION, load_survey

__all__ = ["Check", "checks", "format_report", "reference_table", "write_report"]

REPORT_NAME = "components.md"
COLUMNS = ("component", "configuration", "reference", "reference value", "workbench", "ratio", "tolerance",
           "verdict", "note")
#: (low, high, reason) bands on workbench / reference, declared once.
FACTOR_2 = (0.5, 2.0, "0.5-2x: a first-order component model against one published design")
FACTOR_2_SURVEY = (0.5, 2.0, "0.5-2x: the survey's designs at one resolution spread over >10x, a fit at the "
                             "same percentile should land within 2x")
SHARE_25 = (0.75, 1.25, "+-25%: issue 25's acceptance band for the macro's ADC share")
FIT_QUANTILE = (0.8, 1.2, "+-20% of the fitted share: the quantile fit's own check")
#: ISAAC's ADC (Kull et al., "A 3.1 mW 8b 1.2 GS/s single-channel asynchronous SAR ADC with alternate comparators",
#: ISSCC 2013, paper 26.4; ISAAC Sec. 6 and the hwcomponents-library restatement name it) as a survey row.
KULL_2013 = ("ISSCC", 2013, "26.4")
#: The 8-bit class of the survey population: ENOB in [7.5, 8.5).
ENOB_8_BIN = (7.5, 8.5)
HOROWITZ_NODE_NM = 45


@dataclass(frozen=True)
class Check:
    """One row of the report: ``workbench`` (None: the library has no such component yet) against
    ``reference_value``, both in ``unit``; the verdict is ``yes`` when ``low <= ratio <= high``, ``NO`` otherwise,
    ``circular`` when the workbench value was taken from this very reference, ``n/a`` when not modelled. ``note``
    says how the numbers were obtained; ``cause``, shown only on a miss, why it misses."""

    component: str
    configuration: str
    reference: str
    reference_value: float
    workbench: float | None
    unit: str
    band: tuple[float, float, str]
    note: str = ""
    cause: str = ""
    circular: bool = False

    @property
    def ratio(self) -> float:
        return math.nan if self.workbench is None else self.workbench / self.reference_value

    @property
    def verdict(self) -> str:
        if self.workbench is None:
            return "n/a"
        if self.circular:
            return "circular"
        return "yes" if self.band[0] <= self.ratio <= self.band[1] else "NO"

    def cells(self) -> tuple[str, ...]:
        workbench = "not modelled" if self.workbench is None else f"{self.workbench:.3g} {self.unit}"
        ratio = "" if self.workbench is None else f"{self.ratio:.3g}"
        note = f"{self.note} Miss: {self.cause}".strip() if self.verdict == "NO" else self.note
        return (self.component, self.configuration, self.reference, f"{self.reference_value:.3g} {self.unit}",
                workbench, ratio, self.band[2], self.verdict, note)


def reference_table() -> pd.DataFrame:
    """``data/reference/components_reference.csv`` indexed by ``id`` (columns component, configuration, low, high,
    unit, source)."""
    return pd.read_csv(reference_dir() / "components_reference.csv").set_index("id")


def _isaac(ref: pd.DataFrame) -> list[Check]:
    from workbench.crossbar.inference.cost import full_array_layer, isaac_like, network_cost

    v = ref["low"]
    tech = pc.load_tech()
    cycle_s = v["isaac_cycle"] * 1e-9
    rate_hz = v["isaac_adc_rate"] * 1e9
    config, cost = isaac_like()
    macro = network_cost([full_array_layer(config, reads=1)], config, cost)
    arrays, cycles = macro.tiles_used, config.peripherals.n_cycles
    drives = config.circuit.rows * arrays  # 8 x 128 DACs and sample-and-holds per IMA
    sar = pc.adc(8, "sar", tech)
    kull = _kull_row()
    isaac = "ISAAC Table I"
    where = "32 nm"
    rows = [
        Check("ADC", f"8-bit SAR, {where}: bottom-up (periphery.adc)", isaac,
              v["isaac_adc_power"] * 1e-3 / 8 / rate_hz * 1e12, sar.energy_fj * 1e-3, "pJ", FACTOR_2,
              "energy per conversion = 16 mW / 8 ADCs / 1.2 GS/s.",
              f"ideal ENOB = bits, {tech.e_comparator_fj:g} fJ comparator decisions and the CDAC only; no "
              "sample-rate term, no reference buffer, clock or bootstrapped switch."),
        Check("ADC", f"ENOB {kull['enob']:.2f} (Kull 2013) at 1.2 GS/s: survey model, "
                     f"{DEFAULT_PERCENTILE:g}th percentile", isaac,
              v["isaac_adc_power"] * 1e-3 / 8 / rate_hz * 1e12,
              fit_energy(DEFAULT_PERCENTILE).energy_pj(kull["enob"], rate_hz).item(), "pJ", FACTOR_2,
              "the frontier of the population.",
              f"ISAAC's ADC (Kull 2013, {kull['energy_pj']:.3g} pJ in the survey) is not a frontier design at its "
              "speed; the 50th-percentile model lands near it (survey rows)."),
        Check("ADC", f"8-bit SAR, {where}: bottom-up (periphery.adc)", isaac, v["isaac_adc_area"] * 1e6 / 8,
              sar.area_um2, "um2", FACTOR_2,
              "area per ADC.", f"comparator, {2**8} unit capacitors and 8 flip-flops only; no SAR logic, clock "
              "generation, reference or wiring."),
        Check("ADC", f"ENOB {kull['enob']:.2f} at 1.2 GS/s, 32 nm: survey area trend, "
                     f"{DEFAULT_PERCENTILE:g}th percentile", isaac, v["isaac_adc_area"] * 1e6 / 8,
              fit_area(DEFAULT_PERCENTILE).area_um2(kull["enob"], 32, rate_hz).item(), "um2", FACTOR_2,
              f"area per ADC; Kull's own design reports {kull['area_mm2'] * 1e6:.4g} um2.",
              "the trend's 10th percentile at 1.2 GS/s still carries interleaved and calibrated designs; Kull's "
              "single-channel 32 nm SAR is among the smallest at its speed."),
        Check("DAC", "1-bit row driver of a 128-column line (crossbar.cost, isaac_like)", isaac,
              v["isaac_dac_power"] * 1e-3 * cycle_s / drives * 1e12, macro.extras["dac"].energy_fj * 1e-3, "pJ",
              FACTOR_2, "energy per driven row per 100 ns read = 4 mW x 100 ns / 1024.",
              "C_line V^2 of the row wire at the read voltage only; no driver chain, level shifting or input "
              "latch."),
        Check("DAC", "1-bit row driver (periphery.dac)", isaac, v["isaac_dac_area"] * 1e6 / drives,
              macro.extras["dac"].area_um2, "um2", FACTOR_2,
              "area per DAC.", f"the preset's {tech.a_driver_um2:g} um2 line driver is an assumption."),
        Check("sample-and-hold", "per column sample (periphery.sample_hold)", isaac,
              v["isaac_sh_power"] * 1e-3 * cycle_s / drives * 1e15, pc.sample_hold(tech).energy_fj, "fJ",
              FACTOR_2, "10 uW x 100 ns / 1024; the preset was read from this table", circular=True),
        Check("sample-and-hold", "per column (periphery.sample_hold)", isaac, v["isaac_sh_area"] * 1e6 / drives,
              pc.sample_hold(tech).area_um2, "um2", FACTOR_2, "the preset was read from this table", circular=True),
        Check("crossbar array", "128 x 128 read, 2-bit cells (crossbar.cost, isaac_like defaults)", isaac,
              v["isaac_array_power"] * 1e-3 / 8 * cycle_s * 1e12, macro.energy_pj["array"] / (cycles * arrays),
              "pJ", FACTOR_2, "energy per array per read = 2.4 mW / 8 x 100 ns.",
              f"the workbench's default cells ({config.device.g_max_us:g} uS, on/off {config.device.on_off_ratio:g}) "
              f"at {config.peripherals.v_read_v:g} V for {cost.t_read_ns:g} ns with input activity "
              f"{cost.input_activity:g}, not ISAAC's devices."),
        Check("crossbar array", "128 x 128 cells at 4 F^2, 32 nm (crossbar.cost)", isaac,
              v["isaac_array_area"] * 1e6 / 8, macro.area_mm2["array"] * 1e6 / arrays, "um2", FACTOR_2,
              "area per array.", f"{cost.cell_area_f2:g} F^2 per cell at F = 32 nm; ISAAC's array is "
              f"{v['isaac_array_area'] * 1e6 / 8 / (128 * 128 * 0.032**2):.2g} F^2 per cell."),
        Check("shift-and-add", "16-bit add + register (periphery.shift_add)", isaac,
              v["isaac_shift_add_power"] * 1e-3 / (8 * rate_hz) * 1e12,
              pc.shift_add(cost.acc_bits, tech).energy_fj * 1e-3, "pJ", FACTOR_2,
              f"energy per operation = 0.2 mW / (8 ADCs x 1.2 GS/s), one per conversion; {tech.e_add_per_bit_fj:g} fJ "
              "per adder bit (Horowitz, scaled), no register or shifter energy."),
        Check("shift-and-add", "16-bit unit (periphery.shift_add)", isaac, v["isaac_shift_add_area"] * 1e6 / 4,
              pc.shift_add(cost.acc_bits, tech).area_um2, "um2", FACTOR_2,
              f"area per unit: {cost.acc_bits} full-adder cells of {tech.a_adder_per_bit_um2:g} um2 and flip-flops "
              f"of {tech.a_flipflop_um2:g} um2 (assumed cell areas)."),
        Check("input register", "SRAM buffer per bit (periphery.buffer_access)", isaac,
              v["isaac_ir_power"] * 1e-3 * cycle_s / (2 * drives) * 1e15, pc.buffer_access(1, tech), "fJ",
              FACTOR_2, "1.24 mW x 100 ns over 2048 bit accesses per cycle (1024 bits to the DACs, 1024 written "
              "from eDRAM: a 16-bit input per row every 16 cycles)."),
        Check("input register", "2 KB SRAM buffer (periphery.buffer_area_um2)", isaac, v["isaac_ir_area"] * 1e6,
              pc.buffer_area_um2(2 * 8192, tech), "um2", FACTOR_2, "6T cells at 60% array efficiency.",
              "a register file of this size is denser than the preset's generic buffer macro."),
        Check("output register", "256 B SRAM buffer (periphery.buffer_area_um2)", isaac, v["isaac_or_area"] * 1e6,
              pc.buffer_area_um2(256 * 8, tech), "um2", FACTOR_2, "6T cells at 60% array efficiency."),
    ]
    energy = {k: macro.energy_pj[k] for k in ("array", "dac", "adc", "sample_hold", "shift_add")}
    area = {k: macro.area_mm2[k] for k in energy}
    parts = ("adc", "dac", "sh", "array", "shift_add")
    isaac_power = sum(v[f"isaac_{p}_power"] for p in parts)
    isaac_area = sum(v[f"isaac_{p}_area"] for p in parts)
    rows += [
        Check("macro", "ADC share of energy, ISAAC-like macro (crossbar.cost)", isaac,
              100 * v["isaac_adc_power"] / isaac_power, 100 * energy["adc"] / sum(energy.values()), "%", SHARE_25,
              "arrays, DACs, sample-and-holds, ADCs, shift-and-add; no registers.",
              "the array's energy high and the ADC's low (rows above)."),
        Check("macro", "ADC share of area, ISAAC-like macro (crossbar.cost)", isaac,
              100 * v["isaac_adc_area"] / isaac_area, 100 * area["adc"] / sum(area.values()), "%", SHARE_25,
              "the same components.", "ADC area low, DAC and array areas high (rows above)."),
    ]
    return rows


def _kull_row() -> pd.Series:
    survey = load_survey()
    conference, year, paper = KULL_2013
    return survey[(survey["conference"] == conference) & (survey["year"] == year)
                  & (survey["paper_id"] == paper)].iloc[0]


def _survey() -> list[Check]:
    tech = pc.load_tech()
    survey = f"ADC survey, Nyquist {population()['year'].min()}-"
    pop = population()
    lo, hi = ENOB_8_BIN
    eight = pop[(pop["enob"] >= lo) & (pop["enob"] < hi)]
    fs_hz = float(eight["fsnyq_hz"].median())
    p10, p50 = (float(np.quantile(eight["energy_pj"], q)) for q in (0.1, 0.5))
    sar = pc.adc(8, "sar", tech).energy_fj * 1e-3
    kull = _kull_row()
    rows = []
    for percentile in (DEFAULT_PERCENTILE, 50.0):
        fit = fit_energy(percentile)
        rows.append(Check("ADC model", f"share of the {fit.points} fitted designs below the "
                                       f"{percentile:g}th-percentile curve", survey, percentile, fit.below_pct, "%",
                          FIT_QUANTILE))
    rows += [
        Check("ADC", "8-bit SAR, 32 nm: bottom-up (periphery.adc)",
              f"{survey}, ENOB {lo}-{hi}: 10th percentile ({len(eight)} designs)", p10, sar, "pJ",
              FACTOR_2_SURVEY, "", f"below {100 * (eight['energy_pj'] > sar).mean():.0f}% of the class's published "
              "converters (causes: the ISAAC ADC row)."),
        Check("ADC", f"ENOB 8 at {fs_hz:.3g} Hz (the class's median rate): survey model, "
                     f"{DEFAULT_PERCENTILE:g}th percentile",
              f"{survey}, ENOB {lo}-{hi}: 10th percentile", p10,
              fit_energy(DEFAULT_PERCENTILE).energy_pj(8.0, fs_hz).item(), "pJ", FACTOR_2_SURVEY),
        Check("ADC", f"ENOB 8 at {fs_hz:.3g} Hz: survey model, 50th percentile",
              f"{survey}, ENOB {lo}-{hi}: median", p50, fit_energy(50.0).energy_pj(8.0, fs_hz).item(), "pJ",
              FACTOR_2_SURVEY),
        Check("ADC", f"ENOB {kull['enob']:.2f} at {kull['fsnyq_hz']:.3g} Hz: survey model, 50th percentile",
              "Kull et al. ISSCC 2013 (ISAAC's ADC), survey row", float(kull["energy_pj"]),
              fit_energy(50.0).energy_pj(kull["enob"], kull["fsnyq_hz"]).item(), "pJ", FACTOR_2,
              "one design against the typical design of its class."),
    ]
    return rows


def _horowitz(ref: pd.DataFrame) -> list[Check]:
    tech = pc.load_tech().at_node(HOROWITZ_NODE_NM)
    v = ref["low"]
    horowitz = "Horowitz ISSCC 2014"
    shift_add = "integer add (periphery.shift_add, {} bits, 45 nm)"
    rows = [
        Check("adder", shift_add.format(8), horowitz, v["horowitz_add8"],
              pc.shift_add(8, tech).energy_fj * 1e-3, "pJ", FACTOR_2,
              "the per-bit energy was taken from the 32-bit add: checks only the linear-in-bits rule.",
              "the node rules do not undo the preset's 45-to-32 nm scaling exactly."),
        Check("adder", shift_add.format(32), horowitz, v["horowitz_add32"],
              pc.shift_add(32, tech).energy_fj * 1e-3, "pJ", FACTOR_2,
              "the preset's per-bit energy was derived from this number (x0.71 to 32 nm, back by node rules).",
              circular=True),
    ]
    for key in ("horowitz_mult8", "horowitz_mult32", "horowitz_fadd32", "horowitz_fmult32", "horowitz_dram"):
        rows.append(Check(ref.loc[key, "component"], ref.loc[key, "configuration"], horowitz, v[key], None,
                          ref.loc[key, "unit"], FACTOR_2, "the library has no such component yet (issue 25, item 1)."))
    sram = pc.buffer_access(64, tech) * 1e-3
    for key, note, circular in (
            ("horowitz_sram8k", "the preset's per-bit energy was derived from this number.", True),
            ("horowitz_sram32k", "the buffer's energy per bit does not grow with capacity.", False),
            ("horowitz_sram1m", "the buffer's energy per bit does not grow with capacity.", False)):
        rows.append(Check("SRAM", ref.loc[key, "configuration"] + " (periphery.buffer_access)", horowitz, v[key],
                          sram, "pJ", FACTOR_2, note, "word and bit lines, decoders and the H-tree grow with "
                          "capacity; the buffer model has one energy per bit.", circular))
    return rows


def checks() -> list[Check]:
    """Every row of the report, in order: ISAAC Table I, the ADC survey, Horowitz 2014."""
    ref = reference_table()
    return _isaac(ref) + _survey() + _horowitz(ref)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]


def format_report(rows: list[Check] | None = None) -> str:
    """The Markdown text of ``components.md``: the checks, then the survey fits they use."""
    rows = checks() if rows is None else rows
    fits = [fit_energy(p) for p in (DEFAULT_PERCENTILE, 50.0)]
    areas = [fit_area(p) for p in (DEFAULT_PERCENTILE, 50.0)]
    verdicts = pd.Series([r.verdict for r in rows]).value_counts()
    lines = [
        "# Components against published figures",
        "",
        "Generated by `workbench regenerate components` (workbench/hardware/validate.py); do not edit by hand.",
        "Reference numbers: `data/reference/components_reference.csv` (with sources) and the ADC survey,",
        f"{CITATION}",
        "Ratio = workbench / reference. Verdict: yes (inside the tolerance), NO (a miss; the note says why), circular",
        "(the workbench value was taken from this reference, so the row checks nothing), n/a (not modelled yet).",
        "",
        "Totals: " + ", ".join(f"{verdicts.get(k, 0)} {k}" for k in ("yes", "NO", "circular", "n/a")) + ".",
        "",
        *_table(COLUMNS, [r.cells() for r in rows]),
        "",
        "## Survey fits (workbench/hardware/adc_model.py, recomputed from data/reference/adc_survey.csv)",
        "",
        *_table(("percentile", "designs", "FOMW (fJ/conv-step)", "FOMS (dB)", "corner (Hz)", "speed exponent",
                 "below the curve (%)"),
                [(f"{f.percentile:g}", str(f.points), f"{f.fomw_fj:.3g}", f"{f.foms_db:.4g}", f"{f.corner_hz:.3g}",
                  f"{f.exponent:.3g}", f"{f.below_pct:.3g}") for f in fits]),
        "",
        *_table(("area percentile", "designs", "intercept", "per ENOB bit", "per log10 node", "per log10 fs",
                 "below (%)"),
                [(f"{a.percentile:g}", str(a.points), f"{a.intercept:.3g}", f"{a.per_bit:.3g}",
                  f"{a.per_log_node:.3g}", f"{a.per_log_fs:.3g}", f"{a.below_pct:.3g}") for a in areas]),
        "",
    ]
    return "\n".join(lines)


def write_report(path: Path | None = None) -> Path:
    """Write :func:`format_report` to ``path`` (default ``data/reference/components.md``)."""
    return atomic_write(reference_dir() / REPORT_NAME if path is None else Path(path), format_report())


def regenerate() -> list[Path]:
    """Rewrite data/reference/components.md, the component library against its references.

    Returns the file written (``workbench regenerate components``).
    """
    return [write_report()]
