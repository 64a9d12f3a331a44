"""The component validation report ``data/reference/components.md``: each priced circuit next to a published figure.

Regenerate with ``workbench regenerate components``. Every reference number is a row of
``data/reference/components_reference.csv`` (with its source) or is computed from the ADC survey
(``data/reference/adc_survey.csv``; B. Murmann, "ADC Performance Survey 1997-2025," [Online]. Available:
https://github.com/bmurmann/ADC-survey.). The workbench numbers come from the functions that price the themes today:
the component library (:mod:`workbench.hardware`), :mod:`workbench.crossbar.inference.cost` (the ISAAC-like
macro) and the ISAAC-like IMA and tile rebuilt from them (:func:`isaac_breakdown`) at matched conditions: a
single-channel column ADC and a cited device's cells, the one input ISAAC leaves open. A consistency row computes
the cell conductance ISAAC's DAC area and its array power each imply under the library's own models. Nothing here is
tuned toward a reference: a row that misses says so and why; a share row states in points what each component's miss
does to it.

References:

* ISAAC (A. Shafiee et al., ISCA 2016), Table I, per in-situ multiply-accumulate unit (IMA) at 32 nm, one 100 ns
  crossbar read per cycle; power times cycle time over the events in a cycle gives an energy per event.
* M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014: 45 nm energies, priced here
  with the component library's table scaled to 45 nm.
* The ADC survey's population at 8 bits, and the design ISAAC uses (Kull et al., ISSCC 2013), a row of the survey.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.core.files import atomic_write
from workbench.core.manifest import read_curated
from workbench.core.paths import reference_dir
from workbench.hardware import analog, digital, memory
from workbench.hardware.adc_model import DEFAULT_PERCENTILE, POPULATIONS, SINCE_YEAR, fit_area, fit_energy, population
from workbench.hardware.adc_survey import CITATION, load_survey
from workbench.hardware.tech import load_tech

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
VERDICTS = ("yes", "compensating", "NO", "circular", "n/a")


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
    parts_off: tuple[str, ...] = ()
    """For a share: the components outside their own tolerance that carry it (:func:`_share_check`); a share inside
    its band is then ``compensating``."""

    @property
    def ratio(self) -> float:
        return math.nan if self.workbench is None else self.workbench / self.reference_value

    @property
    def verdict(self) -> str:
        if self.workbench is None:
            return "n/a"
        if self.circular:
            return "circular"
        if not self.band[0] <= self.ratio <= self.band[1]:
            return "NO"
        return "compensating" if self.parts_off else "yes"

    def cells(self) -> tuple[str, ...]:
        workbench = "not modelled" if self.workbench is None else f"{self.workbench:.3g} {self.unit}"
        ratio = "" if self.workbench is None else f"{self.ratio:.3g}"
        note = f"{self.note} Miss: {self.cause}".strip() if self.verdict == "NO" else self.note
        if self.parts_off:
            note += f" Components outside their own tolerance: {', '.join(self.parts_off)}."
        return (self.component, self.configuration, self.reference, f"{self.reference_value:.3g} {self.unit}",
                workbench, ratio, self.band[2], self.verdict, note)


def reference_table() -> pd.DataFrame:
    """``data/reference/components_reference.csv`` indexed by ``id`` (columns component, configuration, low, high,
    unit, source), checked against the hash manifest of the hand-written tables
    (:func:`workbench.core.manifest.read_curated`)."""
    return read_curated(reference_dir() / "components_reference.csv", numbers=("low", "high")).set_index("id")


#: ISAAC's tile (Table I): a router of 32-bit flits and 8 ports shared by 4 tiles; its input buffer depth is not
#: given here, 4 flits per port is assumed (a shallow wormhole router, Dally and Towles ch. 16).
ROUTER_FLIT_BITS, ROUTER_PORTS, ROUTER_BUFFER_FLITS, TILES_PER_ROUTER = 32, 8, 4, 4
#: ISAAC's eDRAM port and the IMA's input and output registers (Table I: 2 KB IR, 256 B OR; 64 KB eDRAM, 256 bits).
EDRAM_PORT_BITS, EDRAM_KB, IR_BITS, OR_BITS = 256, 64, 2 * 8192, 256 * 8
#: Crossbar preset of a cited device whose cells price ISAAC's macro: ISAAC does not state its cells' conductance, the
#: one input of the macro it leaves open, so the rebuilt IMA and tile use a published device rather than the
#: workbench's [R]-assumed default cells (which a row prices beside it).
CITED_CELLS = "neurosim_rram"
MACRO_PARTS = ("adc", "dac", "sample_hold", "array", "shift_add")
IMA_PARTS = (*MACRO_PARTS, "input_register", "output_register")
TILE_PARTS = ("edram", "bus", "router")
#: Breakdown part -> its key in ``components_reference.csv`` (``isaac_<key>_power`` / ``isaac_<key>_area``).
ISAAC_KEYS = {"adc": "adc", "dac": "dac", "sample_hold": "sh", "array": "array", "shift_add": "shift_add",
              "input_register": "ir", "output_register": "or", "edram": "edram", "bus": "bus", "router": "router"}
#: Breakdown part -> the component its rows in the report carry.
PART_NAMES = {"adc": "ADC", "dac": "DAC", "sample_hold": "sample-and-hold", "array": "crossbar array",
              "shift_add": "shift-and-add", "input_register": "input register", "output_register": "output register",
              "edram": "eDRAM buffer", "bus": "bus", "router": "router"}


def isaac_breakdown(read_level_source: str = "supply", adc_enob_loss: float = 0.0) -> dict:
    """ISAAC's IMA and tile rebuilt from the component library, per 100 ns cycle (energy, pJ) and area (um2).

    The macro is :func:`workbench.crossbar.inference.cost.isaac_like` at full use with the cited device's cells
    (:data:`CITED_CELLS`; ISAAC does not state its cells): 8 arrays of 128 x 128 2-bit cells, 1-bit DACs, one survey
    ADC per array at 1.28 GS/s fitted to the single-channel designs, shift-and-add. Per cycle and IMA the input register
    (2 KB SRAM) sends one bit per row of each array to the DACs and takes as many from the eDRAM (a 16-bit input
    per row every 16 cycles); the output register (256 B) takes the 128 16-bit outputs once per 16 cycles. Per tile,
    12 IMAs share a 64 KB eDRAM (256-bit port) that supplies those 16 Kbit of inputs and takes the 2 Kbit of outputs per
    16 cycles over a 256-bit bus as long as the tile's side; the outputs leave and as many inputs arrive through a
    quarter of an 8-port router of 32-bit flits. ISAAC's sigmoid, max-pool and tile output units (2.65 mW of
    330 mW) are not rebuilt.

    Returns
    -------
    dict
        ``ima_energy_pj``, ``ima_area_um2`` (per IMA, :data:`IMA_PARTS`), ``tile_energy_pj``, ``tile_area_um2``
        (per tile: the 12 IMAs' parts and :data:`TILE_PARTS`), ``imas``, ``tech`` and the macro's ``cost``, with
        the rows' read level from ``read_level_source`` (:data:`workbench.hardware.analog.READ_LEVEL_SOURCES`) and
        the ADC priced ``adc_enob_loss`` effective bits below its 8 (``CostConfig.adc_enob_loss``).
    """
    from workbench.crossbar.inference.cost import full_array_layer, isaac_like, network_cost

    bus, router = memory.bus, memory.router
    ref = reference_table()["low"]
    config, cost = isaac_like(CITED_CELLS)
    cost = replace(cost, read_level_source=read_level_source, adc_enob_loss=adc_enob_loss)
    tech = load_tech(cost.tech).at_node(cost.node_nm)
    macro = network_cost([full_array_layer(config, reads=1)], config, cost)
    cycles, arrays = config.peripherals.n_cycles, macro.tiles_used
    energy = {k: macro.energy_pj[k] / cycles for k in MACRO_PARTS}
    area = {k: macro.area_mm2[k] * 1e6 for k in MACRO_PARTS}
    rows = arrays * config.circuit.rows
    ir = memory.memory(config.circuit.rows, IR_BITS, tech)
    energy["input_register"] = 2 * rows / config.circuit.rows * ir.energy_fj * 1e-3
    area["input_register"] = ir.area_um2
    out_bits = config.circuit.cols * config.peripherals.input_bits  # 128 outputs of 16 bits per input vector
    orr = memory.memory(config.peripherals.input_bits, OR_BITS, tech)
    energy["output_register"] = out_bits / config.peripherals.input_bits / cycles * orr.energy_fj * 1e-3
    area["output_register"] = orr.area_um2
    imas = int(ref["isaac_imas_per_tile"])
    in_bits = rows * config.peripherals.input_bits
    edram = memory.memory(EDRAM_PORT_BITS, EDRAM_KB * 8192, tech, "edram")
    net = router(ROUTER_FLIT_BITS, tech, ports=ROUTER_PORTS, buffer_flits=ROUTER_BUFFER_FLITS)
    core_um2 = imas * sum(area.values()) + edram.area_um2 + net.area_um2 / TILES_PER_ROUTER
    side_mm = (core_um2 ** 0.5) * 1e-3
    link = bus(EDRAM_PORT_BITS, side_mm, tech)
    moved = imas * (in_bits + out_bits) / cycles  # bits per cycle between the eDRAM and the IMAs
    tile_energy = {k: imas * v for k, v in energy.items()}
    tile_energy["edram"] = moved / EDRAM_PORT_BITS * edram.energy_fj * 1e-3
    tile_energy["bus"] = moved / EDRAM_PORT_BITS * link.energy_fj * 1e-3
    tile_energy["router"] = 2 * imas * out_bits / cycles / ROUTER_FLIT_BITS * net.energy_fj * 1e-3
    tile_area = {k: imas * v for k, v in area.items()}
    tile_area.update(edram=edram.area_um2, bus=link.area_um2, router=net.area_um2 / TILES_PER_ROUTER)
    return {"ima_energy_pj": energy, "ima_area_um2": area, "tile_energy_pj": tile_energy, "tile_area_um2": tile_area,
            "imas": imas, "tech": tech, "cost": cost, "config": config, "macro": macro}


def _router_parts(b: dict) -> tuple:
    """ISAAC's router as the library prices it: the router, one port's input buffer and the crossbar's span (mm)."""
    tech = b["tech"]
    net = memory.router(ROUTER_FLIT_BITS, tech, ports=ROUTER_PORTS, buffer_flits=ROUTER_BUFFER_FLITS)
    buffer = memory.register_file(ROUTER_FLIT_BITS, ROUTER_BUFFER_FLITS, tech)
    return net, buffer, ROUTER_PORTS * ROUTER_FLIT_BITS * tech.wire_pitch_um * 1e-3


def _router_energy_cause(b: dict, v: pd.Series) -> str:
    """Why the router's energy misses ISAAC's: per flit, what the library charges against what ISAAC's power
    implies over this model's flits (the causes are the parts a per-flit count leaves out)."""
    net, buffer, span_mm = _router_parts(b)
    flits = b["tile_energy_pj"]["router"] / (net.energy_fj * 1e-3)  # per tile and 100 ns
    implied_pj = v["isaac_router_power"] / TILES_PER_ROUTER * 1e-3 * v["isaac_cycle"] * 1e-9 * 1e12 / flits
    return (f"per flit the library charges {net.energy_fj * 1e-3:.2g} pJ (an input-buffer write and read, "
            f"{buffer.energy_fj:.2g} fJ each, and {net.energy_fj - 2 * buffer.energy_fj:.3g} fJ of crossbar wire over "
            f"2 x {span_mm * 1e3:.2g} um); ISAAC's quarter router over this model's {flits:.0f} flits per 100 ns "
            f"implies {implied_pj:.3g} pJ per flit: ISAAC's figure is a design power (from Orion at 32 nm), a router "
            "clocked every cycle whatever the traffic, with allocators and leakage; the library counts only the "
            "flits this dataflow sends and prices no allocator, clock tree or leakage.")


def _router_area_cause(b: dict) -> str:
    """Why the router's area misses ISAAC's: what the library's router holds."""
    net, buffer, span_mm = _router_parts(b)
    return (f"the library's router is {ROUTER_PORTS} input buffers of {ROUTER_BUFFER_FLITS} {ROUTER_FLIT_BITS}-bit "
            f"flits ({buffer.area_um2:.3g} um2 each) and a crossbar of {span_mm * 1e3:.2g} um on a side at the "
            "minimum wire pitch; Orion's (ISAAC's source) adds virtual-channel buffers, allocators and a crossbar "
            "of drive-sized transistors.")


def _share(parts: dict, keys) -> float:
    return 100 * parts["adc"] / sum(parts[k] for k in keys)


def isaac_parts(ref: pd.DataFrame | None = None) -> dict:
    """ISAAC's own Table I breakdown in :func:`isaac_breakdown`'s units: per IMA and 100 ns cycle (``ima_energy_pj``,
    ``ima_area_um2`` over :data:`IMA_PARTS`) and per tile (``tile_energy_pj``, ``tile_area_um2``: 12 IMAs and
    :data:`TILE_PARTS`, a quarter of the router), from ``components_reference.csv``."""
    v = (reference_table() if ref is None else ref)["low"]
    to_pj = 1e-3 * v["isaac_cycle"] * 1e-9 * 1e12  # mW over one cycle -> pJ
    energy = {k: v[f"isaac_{ISAAC_KEYS[k]}_power"] * to_pj for k in IMA_PARTS}
    area = {k: v[f"isaac_{ISAAC_KEYS[k]}_area"] * 1e6 for k in IMA_PARTS}
    imas = int(v["isaac_imas_per_tile"])
    tile_energy, tile_area = {k: imas * x for k, x in energy.items()}, {k: imas * x for k, x in area.items()}
    for k in TILE_PARTS:
        share = 1 / TILES_PER_ROUTER if k == "router" else 1.0
        tile_energy[k] = v[f"isaac_{k}_power"] * share * to_pj
        tile_area[k] = v[f"isaac_{k}_area"] * share * 1e6
    return {"ima_energy_pj": energy, "ima_area_um2": area, "tile_energy_pj": tile_energy, "tile_area_um2": tile_area}


def share_moves(ours: dict, theirs: dict, keys) -> list[tuple[float, str, float]]:
    """What each part's miss does to the ADC share: ``(points, part, ratio)`` per part of ``keys``, ``points`` the
    share computed from ``ours`` less the share with that part alone at ISAAC's value (``theirs``), ``ratio`` the
    part's ours / theirs; largest move first."""
    share = _share(ours, keys)
    moves = [(share - _share({**ours, k: theirs[k]}, keys), k, ours[k] / theirs[k]) for k in keys]
    return sorted(moves, key=lambda m: -abs(m[0]))


def _share_check(component: str, configuration: str, reference_share: float, ours: dict, theirs: dict, keys,
                 missing: tuple[tuple[str, str], ...], note: str) -> Check:
    """A share row whose note states, in points, what each component's miss does to the share, and whose cause
    names the part that moves it most and how much of the gap to ISAAC's share that is.

    ``missing`` holds ``(part, label)`` for the parts whose own rows miss their tolerance. Such a part makes a share
    inside its band ``compensating`` when it carries the share: brought alone to ISAAC's value, it would move the
    share outside the band (the other parts' errors are then what keeps it inside). A part whose correction leaves
    the share inside is listed in the note but does not carry the verdict.
    """
    moves = share_moves(ours, theirs, keys)
    share = _share(ours, keys)
    listed = ", ".join(f"{PART_NAMES[k]} {r:.2g}x {p:+.1f}" for p, k, r in moves if abs(p) >= 0.5)
    low, high = (reference_share * bound for bound in SHARE_25[:2])
    moved = {k: p for p, k, _ in moves}
    inside = low <= share <= high
    carrying = tuple(label for k, label in missing if not (inside and low <= share - moved[k] <= high))
    minor = tuple(f"{label} ({moved[k]:+.1f} points)" for k, label in missing if label not in carrying)
    if minor:
        note += (f" Outside their own tolerance but not carrying the share (each alone at ISAAC's value leaves it "
                 f"inside {low:.3g}-{high:.3g} %): {', '.join(minor)}.")
    gap = share - reference_share
    points, top, ratio = moves[0]
    return Check(component, configuration, "ISAAC Table I", reference_share, share, "%", SHARE_25,
                 f"{note} Points each component's miss adds to the share (part at its ratio to ISAAC's, then the "
                 f"share less the share with that part alone at ISAAC's value): {listed or 'none above 0.5'}.",
                 f"the {PART_NAMES[top]} ({ratio:.2g}x ISAAC's) moves the share {points:+.1f} points of the "
                 f"{gap:+.1f} between it and ISAAC's.", parts_off=carrying)


def unstated_conditions() -> list[dict]:
    """The macro's ADC shares under the two conditions ISAAC's Table I leaves unstated, each at both of its
    physically sound values: the ADC's effective bits (8, the ideal quantiser the accuracy model assumes, or Kull et
    al.'s ENOB from the survey row, the design ISAAC cites) and the rows' read level (a supply at ``v_read``, or a
    linear regulator from VDD). Each entry: ``enob``, ``read_level_source``, ``energy_share`` and ``area_share`` (%)
    over :data:`MACRO_PARTS`, and ISAAC's own shares (``isaac_energy_share``, ``isaac_area_share``)."""
    theirs = isaac_parts()
    isaac = {"isaac_energy_share": _share(theirs["ima_energy_pj"], MACRO_PARTS),
             "isaac_area_share": _share(theirs["ima_area_um2"], MACRO_PARTS)}
    kull_enob = float(_kull_row()["enob"])
    out = []
    for enob in (8.0, kull_enob):
        for source in analog.READ_LEVEL_SOURCES:
            b = isaac_breakdown(source, adc_enob_loss=8.0 - enob)
            out.append({"enob": enob, "read_level_source": source,
                        "energy_share": _share(b["ima_energy_pj"], MACRO_PARTS),
                        "area_share": _share(b["ima_area_um2"], MACRO_PARTS), **isaac})
    return out


def _consistency(v: pd.Series, b: dict) -> Check:
    """The cell conductance ISAAC's DAC area and its array power each imply under the library's own models: the
    row driver (:func:`workbench.hardware.analog.row_driver`, sized for ``g_max`` on every column at ``v_read``;
    its area is linear in the row current above a minimum driver) and the array read (linear in ``g_max`` at a fixed
    on/off ratio), each scaled from the macro's own value at the cited cells."""
    tech, config, cost, macro = b["tech"], b["config"], b["cost"], b["macro"]
    g_us, v_read, cols = config.device.g_max_us, config.peripherals.v_read_v, config.circuit.cols
    drives = config.circuit.rows * macro.tiles_used
    dac_area = v["isaac_dac_area"] * 1e6 / drives
    minimum = analog.row_driver(tech, c_line_ff=0.0, v_line_v=v_read).area_um2
    bound = "at most " if dac_area <= minimum else ""  # a minimum driver carries any current up to its own
    i_row = macro.extras["line_current_a"] * max(dac_area, minimum) / macro.extras["dac"].area_um2
    g_dac = i_row / (v_read * cols) * 1e6
    array_pj = b["ima_energy_pj"]["array"] / macro.tiles_used
    isaac_array_pj = v["isaac_array_power"] / macro.tiles_used * 1e-3 * v["isaac_cycle"] * 1e-9 * 1e12
    g_array = g_us * isaac_array_pj / array_pj
    return Check(
        "ISAAC consistency", f"cell g_max implied by ISAAC's DAC area (row driver for {cols} cells at {v_read:g} V, "
        f"{tech.driver_drop_fraction:.0%} drop) against that implied by its array power ({cost.t_read_ns:g} ns read, "
        f"input activity {cost.input_activity:g}, on/off {config.device.on_off_ratio:g})",
        "ISAAC Table I: array power", g_array, g_dac, "uS",
        (0.5, 2.0, "0.5-2x: one device has to meet both of ISAAC's figures"),
        f"DAC area {dac_area:.3g} um2 per driver -> {bound}{i_row * 1e6:.3g} uA per row -> g_max {g_dac:.3g} uS "
        f"({1 / g_dac:.3g} MOhm on); array power {isaac_array_pj:.3g} pJ per array read -> g_max {g_array:.3g} uS "
        f"({1e3 / g_array:.3g} kOhm on; a read lasting ISAAC's whole {v['isaac_cycle']:g} ns cycle would give "
        f"{g_array * cost.t_read_ns / v['isaac_cycle']:.2g} uS). The macro rows use the cited cells' {g_us:g} uS.",
        f"ISAAC's Table I does not fit one device under this library's driver and array models: cells that draw "
        f"the array power it states need row drivers {g_array / g_dac:.2g}x wider than its DAC area allows; the "
        f"cited cells are {g_us / g_dac:.2g}x the DAC's and {g_us / g_array:.2g}x the array's conductance.")


def _isaac(ref: pd.DataFrame) -> list[Check]:
    from workbench.crossbar.inference.cost import full_array_layer, isaac_like, network_cost

    adc, sample_hold, shift_add = analog.adc, analog.sample_hold, digital.shift_add
    v = ref["low"]
    b = isaac_breakdown()
    tech, cost, config, macro = b["tech"], b["cost"], b["config"], b["macro"]
    e, a = b["ima_energy_pj"], b["ima_area_um2"]
    cycle_s = v["isaac_cycle"] * 1e-9
    rate_hz = cost.adc_rate_gsps * 1e9
    arrays = macro.tiles_used
    drives = config.circuit.rows * arrays  # 8 x 128 DACs and sample-and-holds per IMA
    conversions = config.circuit.cols * arrays  # per 100 ns cycle
    sar = adc(8, "sar", tech)
    every = adc(8, "survey", tech, fs_hz=rate_hz, designs="all")
    kull = _kull_row()
    isaac = "ISAAC Table I"
    per_conv = v["isaac_adc_power"] * 1e-3 * cycle_s / conversions * 1e12
    isaac_adc_um2 = v["isaac_adc_area"] * 1e6 / arrays
    area_fit = fit_area(DEFAULT_PERCENTILE, SINCE_YEAR, cost.adc_population)
    kull_um2 = area_fit.area_um2(kull["enob"], 32, kull["fsnyq_hz"]).item()
    g = config.device
    cells = (f"NeuroSim V1.4's RRAM ({1e3 / g.g_max_us:g} kOhm on, on/off {g.on_off_ratio:g}; "
             f"crossbar preset {CITED_CELLS})")
    matched = f"isaac_like({CITED_CELLS!r}): single-channel survey ADC, {CITED_CELLS} cells"
    sa = shift_add(cost.acc_bits, tech)
    default_config, _ = isaac_like()
    default_macro = network_cost([full_array_layer(default_config)], default_config, cost)
    default_array_pj = default_macro.energy_pj["array"] / default_macro.tiles_used / default_config.peripherals.n_cycles
    dg = default_config.device
    driver = macro.extras["dac"]
    isaac_dac_pj = v["isaac_dac_power"] * 1e-3 * cycle_s / drives * 1e12
    regulated = isaac_breakdown("regulated")
    regulated_dac_pj = regulated["ima_energy_pj"]["dac"] / drives
    i_row_ma = macro.extras["line_current_a"] * 1e3
    rows = [
        Check("ADC", f"8-bit, {rate_hz / 1e9:g} GS/s, 32 nm: survey model, single-channel designs, "
                     f"{DEFAULT_PERCENTILE:g}th percentile, ENOB 8 ({matched}; crossbar.cost default)", isaac, per_conv,
              macro.adc.energy_fj * 1e-3, "pJ", FACTOR_2,
              "energy per conversion = 16 mW x 100 ns / (8 x 128) conversions; a column ADC is one converter, so the "
              "fit leaves out the survey's time-interleaved designs.",
              "ISAAC's ADC reaches 8 bits with fewer effective bits."),
        Check("ADC", f"8-bit, {rate_hz / 1e9:g} GS/s, 32 nm: survey model, all Nyquist designs, "
                     f"{DEFAULT_PERCENTILE:g}th percentile, ENOB 8 (crossbar.cost adc_population 'all')", isaac,
              per_conv, every.energy_fj * 1e-3, "pJ", FACTOR_2, "the same conversion priced from every Nyquist design.",
              "ISAAC's ADC reaches 8 bits with fewer effective bits."),
        Check("ADC", "8-bit SAR, 32 nm: bottom-up (analog.adc 'sar')", isaac, per_conv, sar.energy_fj * 1e-3, "pJ",
              FACTOR_2, "the alternative knob.",
              f"ideal ENOB = bits, {tech.e_comparator_fj:g} fJ comparator decisions and the CDAC only; no "
              "sample-rate term, no reference buffer, clock or bootstrapped switch."),
        Check("ADC", f"ENOB {kull['enob']:.2f} (Kull 2013) at 1.2 GS/s: survey model, single-channel designs, "
                     f"{DEFAULT_PERCENTILE:g}th percentile", isaac, per_conv,
              fit_energy(DEFAULT_PERCENTILE, SINCE_YEAR, cost.adc_population).energy_pj(kull["enob"], 1.2e9).item(),
              "pJ", FACTOR_2, "the frontier of the population at the ADC's own ENOB.",
              f"ISAAC's ADC (Kull 2013, {kull['energy_pj']:.3g} pJ in the survey) is not a frontier design at its "
              "speed; the 50th-percentile model lands near it (survey rows)."),
        Check("ADC", f"8-bit, {rate_hz / 1e9:g} GS/s, 32 nm: survey area trend, single-channel designs ({matched}; "
                     "crossbar.cost default)",
              isaac, isaac_adc_um2, macro.adc.area_um2, "um2", FACTOR_2,
              f"area per ADC; Kull's own design reports {kull['area_mm2'] * 1e6:.4g} um2.",
              f"the trend prices 8 effective bits and grows {10 ** area_fit.per_bit:.2g}x per bit; ISAAC's 8-bit ADC "
              f"is Kull's, which reaches ENOB {kull['enob']:.2f}: at that ENOB and 1.2 GS/s the same trend gives "
              f"{kull_um2:.3g} um2, {kull_um2 / isaac_adc_um2:.2g}x ISAAC's (and "
              f"{kull_um2 / (kull['area_mm2'] * 1e6):.2g}x Kull's own)."),
        Check("ADC", f"8-bit, {rate_hz / 1e9:g} GS/s, 32 nm: survey area trend, all Nyquist designs "
                     "(crossbar.cost adc_population 'all')", isaac, isaac_adc_um2, every.area_um2, "um2", FACTOR_2,
              "area per ADC.",
              f"at GS/s rates the population holds time-interleaved arrays of sub-ADCs: the trend over every design "
              f"is {every.area_um2 / macro.adc.area_um2:.2g}x the single-channel one (previous row)."),
        Check("ADC", "8-bit SAR, 32 nm: bottom-up (analog.adc 'sar')", isaac, isaac_adc_um2,
              sar.area_um2, "um2", FACTOR_2, "area per ADC.", f"comparator, {2**8} unit capacitors and 8 flip-flops "
              "only; no SAR logic, clock generation, reference or wiring."),
        Check("DAC", f"1-bit row driver sized for a 128-cell row at g_max ({matched})", isaac,
              isaac_dac_pj,
              cost.input_activity * driver.energy_fj * 1e-3, "pJ", FACTOR_2,
              f"energy per row per 100 ns read = 4 mW x 100 ns / 1024; the workbench's driver pulses on the "
              f"{cost.input_activity:g} of cycles whose input bit is 1 and is sized for {i_row_ma:.2g} mA.",
              f"a driver sized for the cited cells' {i_row_ma:.2g} mA rows switches {driver.energy_fj:.3g} fJ per "
              "pulse; ISAAC's DAC also holds an input latch and level shifting (see the consistency row). The read "
              f"level is priced from a supply at {config.peripherals.v_read_v:g} V; made by a linear regulator from "
              f"VDD (read_level_source 'regulated') the drivers would also drop {tech.vdd_v:g} - "
              f"{config.peripherals.v_read_v:g} V at the array's current: {regulated_dac_pj:.3g} pJ per row, "
              f"{regulated_dac_pj / isaac_dac_pj:.2g}x ISAAC's, and the macro's ADC share of energy "
              f"{_share(regulated['ima_energy_pj'], MACRO_PARTS):.3g} % (ISAAC does not say which it assumes)."),
        Check("DAC", f"1-bit row driver (analog.row_driver, {matched})", isaac, v["isaac_dac_area"] * 1e6 / drives,
              driver.area_um2, "um2", FACTOR_2, "area per DAC: the chain's width at "
              f"{tech.a_per_um_width_um2:g} um2 per um.",
              f"the cited cells' rows draw {i_row_ma:.2g} mA, and a driver that drops at most "
              f"{tech.driver_drop_fraction:.0%} of {config.peripherals.v_read_v:g} V at that current is "
              f"{driver.area_um2 / tech.a_per_um_width_um2:.3g} um wide; ISAAC's DAC area allows a row current "
              f"{driver.area_um2 * drives / (v['isaac_dac_area'] * 1e6):.2g}x smaller (the consistency row)."),
        _consistency(v, b),
        Check("sample-and-hold", "per column sample (analog.sample_hold)", isaac,
              v["isaac_sh_power"] * 1e-3 * cycle_s / drives * 1e15, sample_hold(tech).energy_fj, "fJ",
              FACTOR_2, "10 uW x 100 ns / 1024; the preset was read from this table", circular=True),
        Check("sample-and-hold", "per column (analog.sample_hold)", isaac, v["isaac_sh_area"] * 1e6 / drives,
              sample_hold(tech).area_um2, "um2", FACTOR_2, "the preset was read from this table", circular=True),
        Check("crossbar array", f"128 x 128 read, 2-bit cells of {cells} ({matched})", isaac,
              v["isaac_array_power"] * 1e-3 / 8 * cycle_s * 1e12, e["array"] / arrays, "pJ", FACTOR_2,
              f"energy per array per read = 2.4 mW / 8 x 100 ns, at {config.peripherals.v_read_v:g} V for "
              f"{cost.t_read_ns:g} ns with input activity {cost.input_activity:g}; ISAAC does not state its cells, "
              f"so the macro takes a cited device; its rows still draw {macro.extras['line_current_ratio']:.2g}x what "
              "a wire at the cell pitch carries.",
              "ISAAC's own devices are not known here; the cited cell's conductance sets the array energy."),
        Check("crossbar array", f"128 x 128 read, 2-bit cells of the workbench's default ({dg.g_max_us:g} uS, on/off "
                                f"{dg.on_off_ratio:g}; isaac_like())", isaac,
              v["isaac_array_power"] * 1e-3 / 8 * cycle_s * 1e12, default_array_pj, "pJ", FACTOR_2,
              "the same read with the workbench's [R]-assumed default cells.",
              f"the default cells conduct {dg.g_max_us / g.g_max_us:g}x the cited ones; ISAAC's own devices are not "
              "known here."),
        Check("crossbar array", "128 x 128 cells at 4 F^2, 32 nm (crossbar.cost)", isaac,
              v["isaac_array_area"] * 1e6 / 8, a["array"] / arrays, "um2", FACTOR_2,
              "area per array.", f"{cost.cell_area_f2:g} F^2 per cell at F = 32 nm; ISAAC's array is "
              f"{v['isaac_array_area'] * 1e6 / 8 / (128 * 128 * 0.032**2):.2g} F^2 per cell."),
        Check("shift-and-add", f"{cost.acc_bits}-bit add + register (digital.shift_add)", isaac,
              v["isaac_shift_add_power"] * 1e-3 * cycle_s / conversions * 1e12, sa.energy_fj * 1e-3, "pJ", FACTOR_2,
              f"energy per operation = 0.2 mW x 100 ns / 1024, one per conversion; {tech.e_add_per_bit_fj:g} fJ per "
              f"adder bit (Horowitz, scaled) and {tech.c_flipflop_ff:g} fF per register bit.",
              "the accumulator register's clocking (the assumed flip-flop capacitance) is twice the add; ISAAC's "
              "unit was synthesised."),
        Check("shift-and-add", f"{cost.acc_bits}-bit unit (digital.shift_add)", isaac,
              v["isaac_shift_add_area"] * 1e6 / 4, sa.area_um2, "um2", FACTOR_2,
              f"area per unit: {cost.acc_bits} full-adder cells of {tech.a_adder_per_bit_um2:g} um2 and flip-flops "
              f"of {tech.a_flipflop_um2:g} um2 (assumed cell areas)."),
        Check("input register", "2 KB SRAM, 128-bit accesses (memory.memory)", isaac,
              v["isaac_ir_power"] * 1e-3 * cycle_s * 1e12, e["input_register"], "pJ", FACTOR_2,
              "per IMA and 100 ns: 1024 bits to the DACs and 1024 from the eDRAM.",
              "the table's SRAM energy per bit (Horowitz's 8 KB macro) is high for a 2 KB register."),
        Check("input register", "2 KB SRAM buffer (memory.memory)", isaac, v["isaac_ir_area"] * 1e6,
              a["input_register"], "um2", FACTOR_2, "6T cells at 60% array efficiency.",
              "a register file of this size is denser than the preset's generic buffer macro."),
        Check("output register", "256 B SRAM, 16-bit accesses (memory.memory)", isaac,
              v["isaac_or_power"] * 1e-3 * cycle_s * 1e12, e["output_register"], "pJ", FACTOR_2,
              "per IMA and 100 ns: 128 16-bit outputs per 16 cycles.",
              "ISAAC's output register is also read and written by the shift-and-add units every cycle."),
        Check("output register", "256 B SRAM buffer (memory.memory)", isaac, v["isaac_or_area"] * 1e6,
              a["output_register"], "um2", FACTOR_2, "6T cells at 60% array efficiency."),
    ]
    te, ta, imas = b["tile_energy_pj"], b["tile_area_um2"], b["imas"]
    traffic = ("the traffic is this model's dataflow (no input reuse in the eDRAM); ISAAC's power is a design "
               "figure, not a traffic count.")
    causes = {("edram", "pJ"): traffic, ("bus", "pJ"): traffic, ("router", "pJ"): _router_energy_cause(b, v),
              ("router", "um2"): _router_area_cause(b)}
    for part, label, config_text in (("edram", "eDRAM buffer", "64 KB eDRAM, 256-bit port (memory.memory 'edram')"),
                                     ("bus", "bus", "256-bit bus across the tile (memory.bus)"),
                                     ("router", "router", "a quarter of an 8-port, 32-bit-flit router "
                                                          "(memory.router)")):
        share = 1 / TILES_PER_ROUTER if part == "router" else 1.0
        rows += [
            Check(label, config_text, isaac, v[f"isaac_{part}_power"] * share * 1e-3 * cycle_s * 1e12, te[part],
                  "pJ", FACTOR_2, "per tile and 100 ns: 12 IMAs' 16 Kbit of inputs and 2 Kbit of outputs per 16 "
                  "cycles (router: the outputs out, as many inputs in).", causes[(part, "pJ")]),
            Check(label, config_text, isaac, v[f"isaac_{part}_area"] * share * 1e6, ta[part], "um2", FACTOR_2,
                  "per tile.", causes.get((part, "um2"), "ISAAC's macros come from CACTI and Orion at 32 nm; the "
                                                         "library's are first-order.")),
        ]
    theirs = isaac_parts(ref)
    by_part = {}
    for r in rows:
        by_part.setdefault((r.component, r.unit in ("pJ", "fJ")), []).append(r)

    def off(energy: bool, keys) -> tuple[tuple[str, str], ...]:
        """``(part, label)`` of the parts whose component's first-listed (matched-conditions) row of this kind
        misses its band."""
        firsts = ((k, by_part[(PART_NAMES[k], energy)][0]) for k in keys)
        return tuple((k, f"{r.component} {r.ratio:.2g}x") for k, r in firsts if r.verdict == "NO")

    tile_parts = (*IMA_PARTS, *TILE_PARTS)
    at = f"at matched conditions ({matched})."
    rows += [
        _share_check("macro", "ADC share of energy: ADCs, DACs, S&H, arrays, shift-and-add",
                     _share(theirs["ima_energy_pj"], MACRO_PARTS), e, theirs["ima_energy_pj"], MACRO_PARTS,
                     off(True, MACRO_PARTS), at),
        _share_check("macro", "ADC share of area: the same components",
                     _share(theirs["ima_area_um2"], MACRO_PARTS), a, theirs["ima_area_um2"], MACRO_PARTS,
                     off(False, MACRO_PARTS), at),
        _share_check("IMA", "ADC share of energy: the macro + input and output registers",
                     _share(theirs["ima_energy_pj"], IMA_PARTS), e, theirs["ima_energy_pj"], IMA_PARTS,
                     off(True, IMA_PARTS), "ISAAC's per-IMA boundary, " + at),
        _share_check("IMA", "ADC share of area: the macro + input and output registers",
                     _share(theirs["ima_area_um2"], IMA_PARTS), a, theirs["ima_area_um2"], IMA_PARTS,
                     off(False, IMA_PARTS), "ISAAC's per-IMA boundary, " + at),
        _share_check("tile", f"ADC share of energy: {imas} IMAs + eDRAM, bus, router",
                     100 * imas * v["isaac_adc_power"] / v["isaac_tile_power"], te, theirs["tile_energy_pj"], te,
                     off(True, tile_parts), "ISAAC's tile also holds sigmoid, max-pool and output units (0.8% of its "
                     "power), not rebuilt; eDRAM, bus and router traffic is this model's."),
        _share_check("tile", f"ADC share of area: {imas} IMAs + eDRAM, bus, router",
                     100 * imas * v["isaac_adc_area"] / v["isaac_tile_area"], ta, theirs["tile_area_um2"], ta,
                     off(False, tile_parts), "the same boundary."),
    ]
    return rows


def _kull_row() -> pd.Series:
    survey = load_survey()
    conference, year, paper = KULL_2013
    return survey[(survey["conference"] == conference) & (survey["year"] == year)
                  & (survey["paper_id"] == paper)].iloc[0]


def _survey() -> list[Check]:
    tech = load_tech()
    # The 8-bit class is taken from every Nyquist design: its rates then cluster near its median (1-2 GS/s), so the
    # model at that one rate is a matched comparison; the single-channel class (15 designs) spreads over decades of
    # rate, and one rate would not price it.
    pop = population(designs="all")
    fitted = f"ADC survey, Nyquist {pop['year'].min()}-"
    survey = f"{fitted}, all designs"
    lo, hi = ENOB_8_BIN
    eight = pop[(pop["enob"] >= lo) & (pop["enob"] < hi)]
    fs_hz = float(eight["fsnyq_hz"].median())
    p10, p50 = (float(np.quantile(eight["energy_pj"], q)) for q in (0.1, 0.5))
    sar = analog.adc(8, "sar", tech).energy_fj * 1e-3
    kull = _kull_row()
    rows = []
    for designs in POPULATIONS:
        for percentile in (DEFAULT_PERCENTILE, 50.0):
            fit = fit_energy(percentile, SINCE_YEAR, designs)
            rows.append(Check("ADC model", f"share of the {fit.points} fitted designs ({designs}) below the "
                                           f"{percentile:g}th-percentile curve", fitted, percentile, fit.below_pct,
                              "%", FIT_QUANTILE))
    rows += [
        Check("ADC", "8-bit SAR, 32 nm: bottom-up (analog.adc 'sar')",
              f"{survey}, ENOB {lo}-{hi}: 10th percentile ({len(eight)} designs)", p10, sar, "pJ",
              FACTOR_2_SURVEY, "", f"below {100 * (eight['energy_pj'] > sar).mean():.0f}% of the class's published "
              "converters (causes: the ISAAC ADC row)."),
        Check("ADC", f"ENOB 8 at {fs_hz:.3g} Hz (the class's median rate): survey model fitted to all designs, "
                     f"{DEFAULT_PERCENTILE:g}th percentile",
              f"{survey}, ENOB {lo}-{hi}: 10th percentile", p10,
              fit_energy(DEFAULT_PERCENTILE, SINCE_YEAR, "all").energy_pj(8.0, fs_hz).item(), "pJ", FACTOR_2_SURVEY),
        Check("ADC", f"ENOB 8 at {fs_hz:.3g} Hz: survey model fitted to all designs, 50th percentile",
              f"{survey}, ENOB {lo}-{hi}: median", p50,
              fit_energy(50.0, SINCE_YEAR, "all").energy_pj(8.0, fs_hz).item(), "pJ", FACTOR_2_SURVEY),
        Check("ADC", f"ENOB {kull['enob']:.2f} at {kull['fsnyq_hz']:.3g} Hz: survey model, 50th percentile",
              "Kull et al. ISSCC 2013 (ISAAC's ADC), survey row", float(kull["energy_pj"]),
              fit_energy(50.0).energy_pj(kull["enob"], kull["fsnyq_hz"]).item(), "pJ", FACTOR_2,
              "one design against the typical design of its class."),
    ]
    return rows


def _horowitz(ref: pd.DataFrame) -> list[Check]:
    tech = load_tech().at_node(HOROWITZ_NODE_NM)
    v = ref["low"]
    horowitz = "Horowitz ISSCC 2014"
    add = "integer add (digital.adder, {} bits, 45 nm)"
    mult = "integer multiply (digital.multiplier, {0} x {0} bits, 45 nm)"
    rows = [
        Check("adder", add.format(8), horowitz, v["horowitz_add8"], digital.adder(8, tech).energy_fj * 1e-3, "pJ",
              FACTOR_2, "the per-bit energy was taken from the 32-bit add: checks only the linear-in-bits rule.",
              "the node rules do not undo the preset's 45-to-32 nm scaling exactly."),
        Check("adder", add.format(32), horowitz, v["horowitz_add32"], digital.adder(32, tech).energy_fj * 1e-3, "pJ",
              FACTOR_2, "the preset's per-bit energy was derived from this number (x0.71 to 32 nm, back by node "
              "rules).", circular=True),
        Check("multiplier", mult.format(8), horowitz, v["horowitz_mult8"],
              digital.multiplier(8, 8, tech).energy_fj * 1e-3, "pJ", FACTOR_2,
              "the energy per partial-product bit was taken from the 32-bit multiply: checks the n^2 rule.",
              "the node rules do not undo the preset's scaling exactly."),
        Check("multiplier", mult.format(32), horowitz, v["horowitz_mult32"],
              digital.multiplier(32, 32, tech).energy_fj * 1e-3, "pJ", FACTOR_2,
              "the preset's energy per partial-product bit was derived from this number.", circular=True),
    ]
    for key in ("horowitz_fadd32", "horowitz_fmult32", "horowitz_dram"):
        rows.append(Check(ref.loc[key, "component"], ref.loc[key, "configuration"], horowitz, v[key], None,
                          ref.loc[key, "unit"], FACTOR_2, "the library has no such component (no theme uses one)."))
    for key, kb, note, circular in (
            ("horowitz_sram8k", 8, "the table's sub-array energy per bit was derived from this number.", True),
            ("horowitz_sram32k", 32, "the H-tree grows with the macro's side.", False),
            ("horowitz_sram1m", 1024, "the H-tree grows with the macro's side.", False)):
        sram = memory.memory(64, kb * 8192, tech).energy_fj * 1e-3
        rows.append(Check("SRAM", ref.loc[key, "configuration"] + " (memory.memory)", horowitz, v[key], sram, "pJ",
                          FACTOR_2, note, "one sub-array activation and the data/address H-tree only: a large SRAM "
                          "also activates several banks and drives repeated global address lines.", circular))
    return rows


def checks() -> list[Check]:
    """Every row of the report, in order: ISAAC Table I, the ADC survey, Horowitz 2014, NeuroSim (run side by side,
    :mod:`workbench.hardware.neurosim_match`)."""
    from workbench.hardware.neurosim_match import neurosim_checks

    ref = reference_table()
    return _isaac(ref) + _survey() + _horowitz(ref) + neurosim_checks()


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]


def _share_cells(share: float, isaac: float) -> tuple[str, str, str]:
    """A share, its ratio to ISAAC's and whether that ratio is inside issue 25's +-25 % band."""
    ratio = share / isaac
    return f"{share:.1f}", f"{ratio:.2f}", "yes" if SHARE_25[0] <= ratio <= SHARE_25[1] else "NO"


def format_report(rows: list[Check] | None = None) -> str:
    """The Markdown text of ``components.md``: the checks, then the survey fits they use."""
    rows = checks() if rows is None else rows
    fits = [(d, fit_energy(p, SINCE_YEAR, d)) for d in POPULATIONS for p in (DEFAULT_PERCENTILE, 50.0)]
    areas = [(d, fit_area(p, SINCE_YEAR, d)) for d in POPULATIONS for p in (DEFAULT_PERCENTILE, 50.0)]
    verdicts = pd.Series([r.verdict for r in rows]).value_counts()
    lines = [
        "# Components against published figures",
        "",
        "Generated by `workbench regenerate components` (workbench/hardware/validate.py); do not edit by hand.",
        "Reference numbers: `data/reference/components_reference.csv` (with sources), NeuroSim run side by side",
        "(`data/reference/components_neurosim.csv`, from `make bench-neurosim ARGS=--write`) and the ADC survey,",
        f"{CITATION}",
        "Ratio = workbench / reference. Verdict: yes (inside the tolerance), NO (a miss; the note says why), circular",
        "(the workbench value was taken from this reference, so the row checks nothing), compensating (a share inside",
        "its tolerance only through cancelling errors: a component that misses its own tolerance would, brought alone",
        "to the reference's value, move the share outside), n/a (not modelled).",
        "",
        "Totals: " + ", ".join(f"{verdicts.get(k, 0)} {k}" for k in VERDICTS) + ".",
        "",
        *_table(COLUMNS, [r.cells() for r in rows]),
        "",
        "## ISAAC's macro under the conditions its Table I leaves unstated",
        "",
        "The macro's ADC shares (ADCs, DACs, S&H, arrays, shift-and-add; cited cells, single-channel survey ADC) at",
        "each combination of the ADC's effective bits (8: the ideal quantiser the accuracy model assumes; Kull et",
        "al.'s ENOB: the design ISAAC cites) and the rows' read-level source (`CostConfig.read_level_source`). Inside",
        "means within +-25 % of ISAAC's share; no combination is chosen for the rows above by how close it lands.",
        "",
        *_table(("ADC ENOB", "read level", "energy share (%)", "/ ISAAC's", "inside", "area share (%)", "/ ISAAC's",
                 "inside"),
                [(f"{u['enob']:.3g}", u["read_level_source"],
                  *_share_cells(u["energy_share"], u["isaac_energy_share"]),
                  *_share_cells(u["area_share"], u["isaac_area_share"])) for u in unstated_conditions()]),
        "",
        "## Survey fits (workbench/hardware/adc_model.py, recomputed from data/reference/adc_survey.csv)",
        "",
        *_table(("population", "percentile", "designs", "FOMW (fJ/conv-step)", "FOMS (dB)", "corner (Hz)",
                 "speed exponent", "below the curve (%)"),
                [(d, f"{f.percentile:g}", str(f.points), f"{f.fomw_fj:.3g}", f"{f.foms_db:.4g}",
                  f"{f.corner_hz:.3g}", f"{f.exponent:.3g}", f"{f.below_pct:.3g}") for d, f in fits]),
        "",
        *_table(("population", "area percentile", "designs", "intercept", "per ENOB bit", "per log10 node",
                 "per log10 fs", "below (%)"),
                [(d, f"{a.percentile:g}", str(a.points), f"{a.intercept:.3g}", f"{a.per_bit:.3g}",
                  f"{a.per_log_node:.3g}", f"{a.per_log_fs:.3g}", f"{a.below_pct:.3g}") for d, a in areas]),
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
