"""Memory arrays: bitline/wordline RC, voltage-mode sensing at an iso sense margin, write drivers, area.

Organisation: ``rows x cols`` cells; an access reads, writes or computes on ``words_per_access`` words of
``word_bits`` at once (column mux ``cols / (word_bits x words_per_access)``): the access width sets the sense
amplifiers and write drivers (one per bit of an access, and their area), the per-bit energies, and the decode and
wordline that the words of one access share. Energies and parts of :class:`ArrayResult` are per access;
:meth:`ArrayResult.read_energy_words_j` prices a narrower access (a core's one-word load enables one word's sense
amplifiers). A bit is one cell (single-ended: compared with a reference midway between the P and AP levels) or two
complementary cells (differential: the bitline pair is compared directly, twice the signal for twice the cells).

Read, voltage mode (Rabaey ch. 12 style): the bitline, biased at ``V_read``, integrates the cell current on its
capacitance; the sensing time is the time the signal difference needs to reach the iso sense margin at the sense
amplifier input::

    single-ended: SM = (I_P - I_AP) t / (2 C_BL)      differential: SM = (I_P - I_AP) t / C_BL

Current mode: a clamp holds the bitline at ``V_read`` (settling 2.3 R_clamp C_BL) and the SA integrates the current
difference on its own node ``C_SA`` instead of ``C_BL`` (same margin equations); the cell current is drawn from VDD.

Read energy per access = bits x (V_read I_cell t (x2 differential) + C_BL V_read^2 (x2 differential) + E_SA
(+ E_ref single-ended) + E_io) + C_WL VDD^2 + E_decoder, with bits = word_bits x words_per_access.
Latency = decode (4 FO4) + wordline Elmore delay (0.38 R C) + sensing + SA; the sense amplifier's delay and energy
follow the sensing time and its bias (:func:`sense_amplifier`, the component library's latch model with this
table's latch). The row decoder (:func:`row_decoder`: ``rows`` outputs at the cell pitch) and the I/O (each bit
over a data line across the array to its output latch) are priced by the component library
(:mod:`workbench.hardware`) scaled to 45 nm; so are the decoder's area and a multi-row (CiM) decode.
Write: the write current of each bit flows along its bitline (average half length) and source line; their charging
and Elmore delay are the line parasitics passed to :func:`~workbench.mram.writepath.write_bit`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

from workbench.core.knobs import Assumed, knob_field, validate_config
from workbench.hardware.analog import sense_amplifier as latch_sense_amplifier
from workbench.hardware.digital import decoder, register
from workbench.hardware.memory import wire
from workbench.hardware.tech import CircuitCost, PeripheryTech, load_tech
from workbench.mram.params import provenance, section
from workbench.mram.writepath import KINDS, WriteConfig, WritePath, WriteResult, build_path, write_bit

SENSE_MODES = ("voltage", "current")
#: Energy parts paid once per access, whatever its width (the rest scale with the bits of the access).
SHARED_PARTS = ("wordline", "decoder")


@dataclass(frozen=True)
class ArrayConfig:
    """Array organisation and sensing knobs; each field declares its range, unit and help with
    :func:`~workbench.core.knobs.knob_field` (the ``mram`` study knobs derive from them). ``word_bits`` divides
    ``cols``; a read bias below the write voltage is checked where both are known (:func:`evaluate`)."""

    rows: int = knob_field(256, low=2, high=math.inf, help="Cells per bitline.")
    cols: int = knob_field(256, low=2, high=math.inf, help="Cells per wordline.")
    word_bits: int = knob_field(32, low=2, high=math.inf, unit="bit", label="word width", help="Bits per word.")
    words_per_access: int = knob_field(
        1, low=1, high=math.inf, unit="word", label="access width",
        help="Words read, written or computed on per access: sets the sense amplifiers, write drivers, their area, "
             "the decode shared by the words and the vector width of a CiM instruction.",
        assumed=Assumed(1, 8, "one 32-bit word per access is the data-memory interface of the Nios II-class core "
                              "(STT-CiM keeps the standard array); up to a whole 256-column row (8 words), when every "
                              "column has its own sense amplifier and write driver"))
    sense_margin_mv: float = knob_field(40.0, low=0.0, low_open=True, high=math.inf, unit="mV", label="sense margin",
                                        help="Iso sense margin of a normal read at the SA input.",
                                        **provenance("array_45nm", "sensing.sense_margin_mv"))
    read_voltage_v: float = knob_field(0.1, low=0.0, low_open=True, high=math.inf, unit="V", label="read bias",
                                       help="Bitline read bias.")
    sa_bias_ua: float = knob_field(10.0, low=0.0, high=math.inf, unit="uA", label="SA bias",
                                   help="Bias current of the sense amplifier's input stage during sensing.",
                                   **provenance("array_45nm", "sensing.i_sa_bias_ua"))
    sense_mode: str = knob_field("voltage", options=SENSE_MODES, label="sense mode",
                                 help="Voltage mode (bitline integrates) or current mode (clamped bitline, SA node "
                                      "integrates).")
    """``"voltage"``: the bitline integrates the cell current; ``"current"``: the bitline is clamped at ``V_read``
    and the SA integrates the current difference on its own node."""

    def __post_init__(self) -> None:
        validate_config(self)
        if self.cols % self.word_bits:
            raise ValueError(f"word_bits={self.word_bits} must divide cols={self.cols}")
        if self.cols % (self.word_bits * self.words_per_access):
            raise ValueError(f"words_per_access={self.words_per_access} x word_bits={self.word_bits} must divide "
                             f"cols={self.cols}")


@dataclass(frozen=True)
class ArrayResult:
    """Per-access figures of an array organisation (an access is ``words_per_access`` words)."""

    kind: str
    differential: bool
    words_per_access: int
    read_energy_j: float
    read_latency_s: float
    write_energy_j: float
    write_latency_s: float
    area_um2: float
    cell_area_um2: float
    i_p_a: float
    i_ap_a: float
    t_sense_s: float
    v_per_a: float  # signal at the SA input per ampere of cell-current difference after the sensing time
    read_disturb: float  # probability that one read flips the bit (thermally assisted STT by the read current)
    c_bl_f: float
    c_wl_f: float
    r_series_ohm: float
    path: WritePath
    write: WriteResult | None
    read_parts_j: dict
    write_parts_j: dict

    def read_energy_words_j(self, words: int) -> float:
        """Read energy of an access that enables the sense amplifiers of ``words`` words only (1 to
        ``words_per_access``): the decode and wordline are paid in full, the per-bit parts pro rata."""
        if not 1 <= words <= self.words_per_access:
            raise ValueError(f"words={words!r}; allowed: 1 to words_per_access={self.words_per_access}")
        shared = sum(self.read_parts_j[name] for name in SHARED_PARTS)
        return shared + (self.read_energy_j - shared) * words / self.words_per_access

    def write_energy_words_j(self, words: int, bit_fraction: float = 1.0) -> float:
        """Write energy of an access that drives ``bit_fraction`` of the bits of ``words`` words (see
        :meth:`read_energy_words_j`; a fraction below 1: only the bits that change are written)."""
        if not 1 <= words <= self.words_per_access:
            raise ValueError(f"words={words!r}; allowed: 1 to words_per_access={self.words_per_access}")
        if not 0 <= bit_fraction <= 1:
            raise ValueError(f"bit_fraction={bit_fraction!r}; allowed: 0 to 1")
        shared = sum(self.write_parts_j.get(name, 0.0) for name in SHARED_PARTS)
        return shared + (self.write_energy_j - shared) * words / self.words_per_access * bit_fraction


def cell_area_um2(kind: str, differential: bool = False, scale: float = 1.0) -> float:
    """Area of one bit's cell(s) (um^2): the preset's F^2 at 45 nm, its in-plane lengths scaled by ``scale``
    (:attr:`~workbench.mram.writepath.WritePath.cell_scale`: an iso-area VSH cell)."""
    cells = section("array_45nm", "cells")
    f_um = section("array_45nm", "technology")["cell_pitch_f"] * 1e-3
    return cells[f"{kind}_cell_f2"] * f_um * f_um * (2 if differential else 1) * scale * scale


def lines(path: WritePath, a: ArrayConfig, knobs: WriteConfig) -> dict:
    """Bitline and wordline R and C of the array (square cells; the differential cell is two cells wide)."""
    tech = section("array_45nm", "technology")
    tr = section("array_45nm", "transistor")
    vsh = section("write_paths", "vsh")
    pitch_um = math.sqrt(cell_area_um2(path.kind, scale=path.cell_scale))
    c_w, r_w = tech["c_wire_ff_per_um"] * 1e-15, tech["r_wire_ohm_per_um"]
    if path.kind == "vsh":
        c_bl_cell = 0.0  # no access-transistor drain on the bitline: the MTJ contacts it through the channel
        c_wl_cell = (vsh["gate_cap_ff_per_um2"] * 1e-15 * path.notes["channel_length_nm"]
                     * path.notes["channel_width_nm"] * 1e-6)
    else:
        c_bl_cell = tr["c_drain_ff_per_um"] * 1e-15 * knobs.access_width_um
        c_wl_cell = tr["c_gate_ff_per_um"] * 1e-15 * knobs.access_width_um
    width = 2 if path.differential else 1
    return {
        "c_bl_f": a.rows * (c_w * pitch_um + c_bl_cell),
        "r_bl_ohm": a.rows * r_w * pitch_um,
        "c_wl_f": a.cols * width * (c_w * pitch_um + c_wl_cell),
        "r_wl_ohm": a.cols * width * r_w * pitch_um,
    }


def read_series_ohm(path: WritePath) -> float:
    """Resistance in series with the MTJ on the read path: the access (STT) or read (GSH) transistor, or half the
    gated channel (VSH: the read current enters the channel under the MTJ and leaves through one terminal)."""
    if path.kind == "vsh":
        return 0.5 * path.r_cell_ohm
    return path.r_access_ohm


def read_disturb_probability(path: WritePath, i_read_a: float, t_read_s: float,
                             attempt_time_s: float = 1e-9) -> float:
    """Probability that a read current flips the free layer: thermally activated switching with the barrier lowered
    by the spin torque of the read current through the MTJ, rate ``exp(-Delta (1 - I / I_c0)) / tau0`` (Koch et al.,
    PRL 92, 088302 (2004); exponent 1 as in Li & Zhang PRB 69, 134416 (2004)). The MTJ's STT efficiency is the
    Slonczewski ``P / (1 + P^2)`` with the Julliere polarisation of its TMR; this holds for every cell, also the
    three-terminal GSH/VSH cells whose read current still crosses the junction."""
    tmr = path.mtj.tmr
    p = math.sqrt(tmr / (2 + tmr))
    eta = p / (1 + p * p)
    if eta <= 0:
        return 0.0
    ratio = i_read_a * eta / path.magnet.spin_current_critical_a()
    if ratio >= 1:
        return 1.0
    rate = math.exp(-path.magnet.delta() * (1 - ratio)) / attempt_time_s
    return float(-math.expm1(-rate * t_read_s))


def sense_amplifier(t_sense_s: float, margin_v: float, bias_ua: float) -> tuple[float, float]:
    """Delay and energy ``(t_sa_s, e_sa_j)`` of one latch sense-amplifier decision: the component library's latch
    (:func:`workbench.hardware.analog.sense_amplifier`, ``E = C_latch V_DD^2 + V_DD I_bias t_sense``,
    ``t = tau ln(V_DD / dV)``) with this table's latch, supply and area."""
    sense = section("array_45nm", "sensing")
    vdd = section("array_45nm", "technology")["vdd_v"]
    sa = latch_sense_amplifier(t_sense_s, margin_v, bias_ua, vdd_v=vdd, c_latch_ff=sense["c_latch_ff"],
                               tau_regen_ps=sense["tau_regen_ps"], area_um2=sense["a_sa_um2"])
    return sa.time_ns * 1e-9, sa.energy_fj * 1e-15


#: Node of this table (STT-CiM's evaluation node): the component library is scaled to it.
NODE_NM = 45


def library_tech() -> PeripheryTech:
    """The component library's table at this array's 45 nm node."""
    return load_tech().at_node(NODE_NM)


def row_decoder(kind: str, a: ArrayConfig, active: int = 1, scale: float = 1.0) -> CircuitCost:
    """The row decoder of ``a.rows`` wordlines at the cell pitch (cells scaled by ``scale``, see
    :func:`cell_area_um2`), ``active`` rows per access (a CiM access turns on two), priced by
    :func:`workbench.hardware.digital.decoder`."""
    return decoder(a.rows, library_tech(), pitch_um=math.sqrt(cell_area_um2(kind, scale=scale)), active=active)


@functools.lru_cache(maxsize=256)
def evaluate(kind: str, differential: bool = False, array: ArrayConfig | None = None,
             knobs: WriteConfig | None = None, *, include_write: bool = True,
             spin_efficiency: float | None = None) -> ArrayResult:
    """Read and write energy/latency per access, and area, of one organisation (see the module docstring);
    ``include_write=False`` skips the write (no LLG table needed; write figures are NaN). ``spin_efficiency``
    replaces the write path's ``I_s / I_c`` (break-even curves: the efficiency at which one path matches another).

    Cached by its (hashable, frozen) arguments: a system kernel or a CiM sweep prices the same organisation at every
    point of its curve. The result is shared, so callers must not modify its part dictionaries; code that replaces the
    switching tables (:func:`~workbench.mram.device.switching_table`'s cache) clears this cache too."""
    a = array or ArrayConfig()
    k = knobs or WriteConfig()
    if a.read_voltage_v >= k.write_voltage_v:
        raise ValueError(f"read_voltage_v={a.read_voltage_v} must stay below write_voltage_v={k.write_voltage_v}")
    path = build_path(kind, differential, k)
    if spin_efficiency is not None:
        path = replace(path, spin_efficiency=spin_efficiency)
    tech = section("array_45nm", "technology")
    sense = section("array_45nm", "sensing")
    drv = section("array_45nm", "write_driver")
    vdd = tech["vdd_v"]
    ln = lines(path, a, k)
    vr = a.read_voltage_v
    rs = read_series_ohm(path) + 0.5 * ln["r_bl_ohm"]
    i_p = vr / (path.mtj.r_p_ohm + rs)
    i_ap = vr / (path.mtj.r_ap_ohm(vr) + rs)
    sm = a.sense_margin_mv * 1e-3
    share = 1 if differential else 2  # single-ended: the reference sits midway, half the difference per side
    per_bit_lines = 2 if differential else 1
    b = a.word_bits * a.words_per_access  # bits of one access
    if a.sense_mode == "voltage":
        t_sense = share * sm * ln["c_bl_f"] / (i_p - i_ap)
        v_per_a = t_sense / ln["c_bl_f"]
        e_cells = b * vr * 0.5 * (i_p + i_ap) * t_sense * per_bit_lines
        e_bitlines = b * per_bit_lines * ln["c_bl_f"] * vr * vr
    else:  # clamp settles the bitline (to 10 %), then the SA node integrates the difference
        t_settle = 2.3 * sense["r_clamp_ohm"] * ln["c_bl_f"]
        c_sa = sense["c_sa_node_ff"] * 1e-15
        t_int = share * sm * c_sa / (i_p - i_ap)
        t_sense = t_settle + t_int
        v_per_a = t_int / c_sa
        e_cells = b * vdd * 0.5 * (i_p + i_ap) * t_sense * per_bit_lines  # drawn from VDD through the clamp
        e_bitlines = b * per_bit_lines * ln["c_bl_f"] * vr * vdd
    fo4 = tech["fo4_ps"] * 1e-12
    t_wl = 0.38 * ln["r_wl_ohm"] * ln["c_wl_f"] + 2 * fo4
    t_sa, e_sa = sense_amplifier(t_sense, sm, a.sa_bias_ua)
    t_read = 4 * fo4 + t_wl + t_sense + t_sa
    read_parts = {
        "cells": e_cells,
        "bitlines": e_bitlines,
        "sense_amps": b * e_sa,
        "reference": 0.0 if differential else b * sense["e_ref_fj"] * 1e-15,
        "wordline": ln["c_wl_f"] * vdd * vdd,
        "decoder": row_decoder(kind, a, scale=path.cell_scale).energy_fj * 1e-15,
        "io": io_energy_j(kind, differential, a, b, path.cell_scale),
    }
    # write: current along the bitline (half length on average) and back on the source line; both lines charged
    c_line = 2 * ln["c_bl_f"]
    r_line = ln["r_bl_ohm"]
    t_line = 0.38 * r_line * c_line + t_wl
    if include_write:
        w = write_bit(path, k, r_line_ohm=r_line, c_line_f=c_line, t_line_s=t_line)
        write_parts = {name: b * value for name, value in w.energy_parts_j.items()}
        write_parts["wordline"] = ln["c_wl_f"] * vdd * vdd
        e_write = sum(write_parts.values()) if w.writable else math.inf
        t_write = w.t_write_s
    else:
        w, write_parts, e_write, t_write = None, {}, math.nan, math.nan
    cell_um2 = cell_area_um2(kind, differential, path.cell_scale)
    periphery = (b * (sense["a_sa_um2"] + drv["a_driver_um2"])  # SAs, drivers, decoder
                 + row_decoder(kind, a, scale=path.cell_scale).area_um2)
    area = a.rows * a.cols * cell_um2 + periphery
    disturb = read_disturb_probability(path, max(i_p, i_ap), t_sense)
    return ArrayResult(kind, differential, a.words_per_access, sum(read_parts.values()), t_read, e_write, t_write,
                       area, cell_um2, i_p, i_ap, t_sense, v_per_a, disturb, ln["c_bl_f"], ln["c_wl_f"], rs, path, w,
                       read_parts, write_parts)


def io_energy_j(kind: str, differential: bool, a: ArrayConfig, bits: int, scale: float = 1.0) -> float:
    """I/O of ``bits`` bits: each over a data line across the array's width (column mux to the output latch; cells
    scaled by ``scale``, see :func:`cell_area_um2`) and into its latch, priced by the component library
    (:func:`workbench.hardware.memory.wire`, :func:`workbench.hardware.digital.register`)."""
    tech = library_tech()
    width_mm = a.cols * (2 if differential else 1) * math.sqrt(cell_area_um2(kind, scale=scale)) * 1e-3
    return (wire(bits, width_mm, tech) + register(bits, tech).energy_fj) * 1e-15


ORGANISATIONS = {"STT": ("stt", False), "GSH": ("gsh", False), "DGSH": ("gsh", True), "VSH": ("vsh", False),
                 "DVSH": ("vsh", True)}

__all__ = ["ArrayConfig", "ArrayResult", "evaluate", "ORGANISATIONS", "KINDS", "cell_area_um2"]
