"""The component library next to NeuroSim's circuit modules at matched conditions (issue 25, item 3).

NeuroSim (DNN+NeuroSim V1.4: J. Lee, A. Lu, W. Li and S. Yu, "NeuroSim V1.4: Extending Technology Support for
Digital Compute-in-Memory Toward 1nm Node", IEEE TCAS-I, 2024; github.com/neurosim/DNN_NeuroSim_V1.4, CC BY-NC 4.0)
is run side by side by ``benchmarks/bench_neurosim.py``: a small driver, compiled outside this repository against
NeuroSim's own objects, builds one NeuroSim ``SubArray`` at :data:`MATCH` and prints each circuit's area, latency
and read energy. Its numbers, per event, are the rows of ``data/reference/components_neurosim.csv`` (``make
bench-neurosim ARGS=--write`` rewrites them); :func:`workbench_values` prices the same events with this library,
and :mod:`workbench.hardware.validate` puts both in ``components.md``.

Matched: node (22 nm: NeuroSim's default node, the library's table scaled to 22 nm), a 128 x 128 sub-array, 1T1R
cells of ``1 / g_max`` on and ``on_off`` times that off (the workbench crossbar's defaults), the read voltage and
pulse, half the rows driven per read (the cost model's ``input_activity``), 5-bit ADCs (NeuroSim's default 32
levels) shared by 8 columns (both defaults), one bit of input per read, 1-bit cells, 8-bit weights. Each row below
also takes, from the NeuroSim run, the one circuit condition it needs (the wordline's capacitance, the converter's
conversion time as the survey model's sample rate). Not matched: the transistor models (NeuroSim's 22 nm LSTP
devices at its VDD against the library's first-order 32 nm table scaled to 22 nm at its own VDD), NeuroSim's
silicon-calibrated switching activities (its ``validated`` mode: adder activity 0.15, flip-flop activity 0.5,
sensing latency x1.4), the array (NeuroSim's 1T1R cell of 4 x 12 F^2 whose wordline is a transistor gate line;
the workbench's default crossbar is 64 x 64 cells of 4 F^2 without access transistors, so its row driver is priced
here at NeuroSim's wordline, not at its own), the read pulse (passed to NeuroSim, which in its parallel read mode
times the read by its sense amplifier or ADC instead), and the circuit topologies each side assumes (named per row,
:data:`CAUSES`). The cell current is inside NeuroSim's ADC energy; its SAR rows use the converter alone (columns of
1e15 ohm), its multilevel sense amplifier rows include the current.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from workbench.core.integrity import read_csv
from workbench.core.paths import reference_dir
from workbench.hardware import analog, digital, memory
from workbench.hardware.adc_model import DEFAULT_PERCENTILE
from workbench.hardware.tech import load_tech

__all__ = ["CSV_NAME", "MATCH", "NeuroSimMatch", "neurosim_checks", "reference_rows", "workbench_values"]

CSV_NAME = "components_neurosim.csv"
REFERENCE = "NeuroSim V1.4 (run side by side)"
#: Why a row may miss, per NeuroSim row id: the circuit each side assumes (shown only on a miss).
CAUSES = {
    "ns_sar_energy": "NeuroSim's SAR energy is a fit to its own Cadence simulations at 22 nm; the library's is "
                     "comparator decisions, SAR register and CDAC switching from the 32 nm table.",
    "ns_sar_area": "NeuroSim counts every transistor of a SAR (269 + 109 (B - 1) NMOS and 209 + 73 (B - 1) PMOS, "
                   "logic included); the bottom-up model has one comparator, 2^B unit capacitors and B flip-flops, "
                   "and the survey trend prices standalone published converters (reference buffers, calibration, "
                   "clocking on chip).",
    "ns_sar_time": "NeuroSim clocks its SAR at 1 GHz, (B + 1) ns per conversion; the bottom-up model takes B "
                   "comparator decisions and CDAC settlings of a few ps each.",
    "ns_mlsa_energy": "NeuroSim's multilevel sense amplifier includes the column current while it senses; the "
                      "flash model has comparators and an encoder only.",
    "ns_mlsa_area": "NeuroSim sizes its sense amplifiers from its transistor models; the flash model uses the "
                    "table's comparator area.",
    "ns_mlsa_time": "NeuroSim's sensing time is the column's current developing on its reference (at least 1 ns); "
                    "the flash model is one comparator decision plus the encoder, with the column's settling left to "
                    "the array.",
    "ns_wl_energy": "NeuroSim's row input also latches the input bit in a flip-flop and passes two voltages "
                    "through transmission gates; the library's driver charges the line only.",
    "ns_wl_area": "NeuroSim's switch-matrix slice per row holds an input flip-flop and three transmission gates "
                  "sized for the row's current (its newswitchmatrixsizeratio); the library's driver for a gate line "
                  "is a minimum inverter.",
    "ns_adder_energy": "NeuroSim applies a silicon-calibrated switching activity (0.15) to its adder; the library's "
                       "energy per bit is Horowitz's 32-bit add scaled by node.",
    "ns_adder_area": "NeuroSim lays out a ripple-carry adder of NAND gates from its transistor models; the library "
                     "uses one assumed full-adder cell area per bit.",
    "ns_adder_time": "NeuroSim's adder is ripple-carry (a carry through every bit, its transistor delays at LSTP "
                     "22 nm); the library's is carry-lookahead, log2(bits) + 1 FO4 of the first-order table.",
    "ns_dff_energy": "NeuroSim's flip-flop energy carries its calibrated activity (0.5); the library switches the "
                     "assumed flip-flop capacitance every clock.",
    "ns_dff_area": "NeuroSim builds the flip-flop from its transistor models; the library uses one assumed cell "
                   "area.",
    "ns_mux_energy": "",
    "ns_buffer_energy": "NeuroSim prices one SRAM core read as its decoder, wordline and bitline precharge (its "
                        "sense amplifiers come out at 0 in this path); the library's energy per bit is Horowitz's "
                        "8 KB, 64-bit macro (its periphery and H-tree included) scaled to 22 nm.",
    "ns_buffer_area": "NeuroSim's core is its 6T cells (10 x 28 F^2) and periphery; the library's is its assumed "
                      "area per bit at 60% array efficiency.",
    "ns_bus_energy": "NeuroSim's repeaters are sized for delay and it charges the wire at a toggle rate of 0.5; the "
                     "library's energy per bit-mm comes from its table.",
    "ns_bus_time": "NeuroSim times an RC-optimal repeated wire from its transistor models; the library takes one "
                   "FO4 per 0.1 mm of repeated wire.",
}
#: Causes of the survey model's rows, which differ from the bottom-up model's.
SURVEY_CAUSES = {
    "ns_sar_energy": "the survey model prices published standalone converters (with reference buffers and "
                     f"clocking) at the {DEFAULT_PERCENTILE:g}th percentile of their energy at ENOB 5 and this rate; "
                     "NeuroSim's SAR is a fit to in-array converters without them.",
    "ns_sar_area": CAUSES["ns_sar_area"],
}


@dataclass(frozen=True)
class NeuroSimMatch:
    """The conditions both sides run at (module docstring); resistances in ohm, times in s."""

    node_nm: int = 22
    rows: int = 128
    cols: int = 128
    r_on_ohm: float = 1e4  # 1 / g_max, g_max = 100 uS (CrossbarConfig default)
    on_off: float = 10.0  # DeviceConfig default
    v_read_v: float = 0.2  # PeripheralConfig default
    t_read_s: float = 10e-9  # CostConfig default
    adc_bits: int = 5  # NeuroSim's default levelOutput = 32
    cols_per_adc: int = 8  # CostConfig default and NeuroSim's numColMuxed
    input_activity: float = 0.5  # CostConfig default

    def probe_args(self, sar: bool) -> list[str]:
        """The driver's arguments: r_on, r_off, v_read, t_read, ADC levels, columns per ADC, SAR (1) or
        multilevel sense amplifier (0), input activity."""
        return [f"{self.r_on_ohm:g}", f"{self.r_on_ohm * self.on_off:g}", f"{self.v_read_v:g}",
                f"{self.t_read_s:g}", str(2**self.adc_bits), str(self.cols_per_adc), str(int(sar)),
                f"{self.input_activity:g}"]


MATCH = NeuroSimMatch()


def workbench_values(conditions: dict[str, float],
                     match: NeuroSimMatch = MATCH) -> list[tuple[str, float | None, str, str]]:
    """The library's price of each NeuroSim event: ``(row id of components_neurosim.csv, value, how it was
    priced, why the two may differ)``, in that row's unit; a value of ``None`` marks an event the library does not
    model.

    ``conditions`` holds the NeuroSim numbers the events depend on: ``ns_sar_time`` (ns, the SAR conversion time:
    the survey model's sample rate), ``ns_wl_cap`` (fF, the wordline a row's input drive charges),
    ``ns_adder_bits`` (the width of NeuroSim's shift-and-add adder) and ``ns_buffer_bits`` / ``ns_buffer_width``
    (NeuroSim's SRAM buffer core).
    """
    tech = load_tech().at_node(match.node_nm)
    b, n = match.adc_bits, int(conditions["ns_adder_bits"])
    sar, flash = analog.adc(b, "sar", tech), analog.adc(b, "flash", tech)
    fs_hz = 1e9 / conditions["ns_sar_time"]
    survey = analog.adc(b, "survey", tech, fs_hz=fs_hz)
    at = f"at {fs_hz / 1e6:.3g} MS/s (NeuroSim's conversion rate)"
    drive = analog.row_driver(tech, c_line_ff=conditions["ns_wl_cap"], v_line_v=tech.vdd_v)
    add, ff = digital.adder(n, tech), digital.register(1, tech)
    width, bits = int(conditions["ns_buffer_width"]), int(conditions["ns_buffer_bits"])
    sram, link = memory.memory(width, bits, tech), memory.bus(1, 1.0, tech)
    line = f"analog.row_driver charging NeuroSim's {conditions['ns_wl_cap']:.3g} fF wordline to {tech.vdd_v:g} V"
    rows = [
        ("ns_sar_energy", sar.energy_fj, f"analog.adc({b}, 'sar')"),
        ("ns_sar_energy", survey.energy_fj, f"analog.adc({b}, 'survey') {at}"),
        ("ns_sar_area", sar.area_um2, f"analog.adc({b}, 'sar')"),
        ("ns_sar_area", survey.area_um2, f"analog.adc({b}, 'survey') {at}"),
        ("ns_sar_time", sar.time_ns, f"analog.adc({b}, 'sar')"),
        ("ns_mlsa_energy", flash.energy_fj, f"analog.adc({b}, 'flash')"),
        ("ns_mlsa_area", flash.area_um2, f"analog.adc({b}, 'flash')"),
        ("ns_mlsa_time", flash.time_ns, f"analog.adc({b}, 'flash')"),
        ("ns_wl_energy", drive.energy_fj, line),
        ("ns_wl_area", drive.area_um2, "analog.row_driver (a gate line: no DC current to size for)"),
        ("ns_adder_energy", add.energy_fj, f"digital.adder({n})"),
        ("ns_adder_area", add.area_um2, f"digital.adder({n})"),
        ("ns_adder_time", add.time_ns, f"digital.adder({n})"),
        ("ns_dff_energy", ff.energy_fj, "digital.register(1)"),
        ("ns_dff_area", ff.area_um2, "digital.register(1)"),
        ("ns_buffer_energy", sram.energy_fj, f"memory.memory({width}, {bits} bits)"),
        ("ns_buffer_area", sram.area_um2, f"memory.memory({width}, {bits} bits)"),
        ("ns_bus_energy", link.energy_fj, "memory.bus(1 bit, 1 mm)"),
        ("ns_bus_time", link.time_ns, "memory.bus(1 bit, 1 mm)"),
        ("ns_mux_energy", None, "the library has no column multiplexer (the cost model serialises conversions)"),
    ]
    return [(key, value, how, (SURVEY_CAUSES if "'survey'" in how else CAUSES)[key]) for key, value, how in rows]


def reference_rows() -> pd.DataFrame:
    """``data/reference/components_neurosim.csv`` indexed by ``id`` (empty when the file is absent), checked against
    the SHA-256 of its sidecar, its numbers finite."""
    path = reference_dir() / CSV_NAME
    if not path.is_file():
        return pd.DataFrame(columns=["component", "configuration", "low", "high", "unit", "source"])
    return read_csv(path, remake=f"restore it with `git checkout -- {path}` or make it again with `make bench-neurosim "
                                 "ARGS=--write`", numbers=("low", "high")).set_index("id")


def neurosim_checks() -> list:
    """The rows of ``components.md`` against NeuroSim (module docstring): one per library model of each event."""
    from workbench.hardware.validate import Check

    ref = reference_rows()
    if ref.empty:
        return []
    conditions = {k: float(v) for k, v in ref["low"].items()}
    band = (0.5, 2.0, "0.5-2x: two first-order circuit models of the same event at matched conditions")
    rows = []
    for key, value, how, cause in workbench_values(conditions):
        r = ref.loc[key]
        note = (f"NeuroSim: {r['source'].split('; ')[-1]}; run at {MATCH.node_nm} nm, {MATCH.rows} x {MATCH.cols} "
                f"1T1R, {MATCH.r_on_ohm / 1e3:g} kohm on, on/off {MATCH.on_off:g}, {MATCH.v_read_v:g} V read "
                "(make bench-neurosim).")
        rows.append(Check(r["component"], f"{r['configuration']} ({how})", REFERENCE, float(r["low"]), value,
                          r["unit"], band, note, cause))
    return rows
