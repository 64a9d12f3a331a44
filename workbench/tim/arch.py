"""Architecture model of TiM-DNN (arXiv:1909.06892): TPC -> TiM tile -> accelerator, plus the near-memory baseline.

The paper's circuit details were not available ([R] in DESIGN.md), so the model is a documented reconstruction:

* **TPC** (ternary processing cell): two 6T storage cells hold a ternary weight, (1,0)=+1, (0,1)=-1, (0,0)=0, and
  four 2-transistor read stacks connect them to the bitlines BL/BLB. A ternary input drives one of two read
  wordlines (RWL+ for +1, RWL- for -1; none for 0); a +1 product discharges BL, a -1 product BLB.
* **TiM tile**: ``rows x cols`` TPCs; ``rows_active`` (the paper's L) rows are enabled per access. Each bitline then
  carries ``n`` (or ``k``) discharging cells, a voltage step of ``dv_lsb`` each; column ADCs digitise n and k (so
  they need ``ceil(log2(L+1))`` bits) and the peripheral compute unit (PCU) forms n-k (unweighted), a(n-k)
  (symmetric) or b n - a k (asymmetric, with two accumulators and scale registers) and accumulates partial sums.
* **Accelerator**: ``tiles`` TiM tiles, per-tile input buffers, a global activation buffer, a special-function unit
  and wires. Peak OPS = tiles x cols x L x 2 / t_access (DESIGN.md § TiM-DNN).
* **Near-memory baseline**: the same memory read one row per access with standard small-swing sensing, feeding
  ``cols`` separate digital ternary MAC units per tile (zero products clock-gated).

Energy, delay and area per component come from :mod:`workbench.tim.params` (each entry sourced). Formulas: bitline
and wordline energies ``C V dV`` and ``C V^2`` (Rabaey, *Digital Integrated Circuits*, ch. 12), Elmore delay
``0.38 R C`` of distributed RC wires (Rabaey ch. 4), bitline develop time ``C dV / I``, SAR CDAC switching energy
(Ginsburg & Chandrakasan 2005), flash ADCs with ``2^B - 1`` comparators: the column ADCs are the shared models of
:func:`workbench.periphery.adc`, priced from the shared periphery table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from workbench.core.knobs import knob_field, validate_config
from workbench.periphery import ADC_TYPES, adc
from workbench.tim.params import TechParams, load_params

REPRESENTATIONS = ("unweighted", "symmetric", "asymmetric")
_BITS_PER_KB = 8 * 1024
# Scale multiplies per output and accumulators per column for each ternary representation (see module docstring).
_SCALE_MULTS = {"unweighted": 0, "symmetric": 1, "asymmetric": 2}
_ACCUMULATORS = {"unweighted": 1, "symmetric": 1, "asymmetric": 2}


def adc_bits_needed(rows_active: int) -> int:
    """Bits an ADC needs to resolve every count 0..L of discharging cells on one bitline: ``ceil(log2(L+1))``."""
    return max(1, math.ceil(math.log2(rows_active + 1)))


@dataclass(frozen=True)
class TimConfig:
    """One TiM-DNN design point (defaults: the paper's 32-tile, 256x256, L=16 instance at 32 nm [R]).

    Each field declares its range, unit and help with :func:`~workbench.core.knobs.knob_field`; the ``tim.arch``
    knobs derive from them. Construction checks every field and the joint constraints (L <= rows, ADC bits enough
    for the counts 0..L, ADC sharing dividing the columns); :meth:`validate` adds the checks that need the
    technology table.
    """

    rows: int = knob_field(256, low=1, high=math.inf, unit="TPCs",
                           help="TPC rows per tile (weights along the dot-product dimension).")
    cols: int = knob_field(256, low=1, high=math.inf, unit="TPCs",
                           help="TPC columns per tile (output neurons computed in parallel).")
    rows_active: int = knob_field(16, low=1, high=math.inf, label="L (rows active)",
                                  help="Rows enabled per access (the paper's L); L x cols products per access.")
    tiles: int = knob_field(32, low=1, high=math.inf, help="Number of TiM tiles.")
    adc_bits: int = knob_field(5, low=1, high=math.inf, unit="bit",
                               help="Column ADC precision; must be >= ceil(log2(L+1)).")
    adc_type: str = knob_field("sar", options=ADC_TYPES,
                               help="SAR (B decisions + CDAC) or flash (2^B - 1 comparators, one decision).")
    """SAR is the default [R] because one ADC per bitline must fit the column pitch: with the table's parts a 5-bit
    flash (31 comparators) takes ~3x the area and energy of a 5-bit SAR, close to the area of the 256 TPCs on its
    bitline."""
    cols_per_adc: int = knob_field(1, low=1, high=math.inf,
                                   help="Columns sharing one ADC pair (conversions serialised within an access).")
    representation: str = knob_field(
        "unweighted", options=REPRESENTATIONS,
        help="Ternary system: {-1,0,1}, {-a,0,a} or {-a,0,b}; sets the peripheral scale/accumulate cost.")
    node_nm: int = knob_field(32, low=1, high=math.inf, unit="nm",
                              help="Technology node; the parameter table is scaled to it (first-order rules).")
    t_access_ns: float = knob_field(
        0.0, low=0.0, high=math.inf, unit="ns",
        help="Tile access period; 0 = the circuit model's minimum, below the minimum is an error.")
    input_density: float = knob_field(0.5, low=0.0, low_open=True, high=1.0,
                                      help="Fraction of nonzero ternary activations (wordline and bitline activity).")
    weight_density: float = knob_field(0.5, low=0.0, low_open=True, high=1.0,
                                       help="Fraction of nonzero ternary weights (bitline activity).")

    def __post_init__(self) -> None:
        validate_config(self)
        if self.rows_active > self.rows:
            raise ValueError(f"rows_active (L)={self.rows_active} exceeds rows={self.rows}; allowed: 1 <= L <= rows")
        needed = adc_bits_needed(self.rows_active)
        if self.adc_bits < needed:
            raise ValueError(f"adc_bits={self.adc_bits} cannot resolve counts 0..L={self.rows_active}; "
                             f"allowed: adc_bits >= ceil(log2(L+1)) = {needed}")
        if self.cols % self.cols_per_adc:
            raise ValueError(f"cols_per_adc={self.cols_per_adc} must divide cols={self.cols}")

    def validate(self, params: TechParams) -> None:
        """Raise ``ValueError`` naming the field, its value and the allowed range when the technology ``params``
        (at the 32 nm reference, scaled to ``node_nm``) cannot build the design: an unknown node, or a full-scale
        bitline swing beyond the table's limit."""
        p = params.at_node(self.node_nm)
        swing_v = self.rows_active * p.dv_lsb_mv * 1e-3
        limit_v = p.max_swing_fraction * p.vdd_v
        if swing_v > limit_v:
            raise ValueError(
                f"rows_active (L)={self.rows_active}: full-scale bitline swing L x dv_lsb = {swing_v:.2f} V exceeds "
                f"{limit_v:.2f} V ({p.max_swing_fraction:g} VDD); allowed: L <= {int(limit_v / (p.dv_lsb_mv * 1e-3))}")


@dataclass(frozen=True)
class TileCosts:
    """Per-component delay, energy and area of one TiM tile (and of the near-memory tile with the same memory).

    Energies are in fJ per event, delays in ns, areas in um2. ``t_access_ns`` is the period actually used.
    """

    tpc_area_um2: float
    """Area of one TPC."""
    c_bitline_ff: float
    """Capacitance of one bitline (BL or BLB)."""
    c_rwl_ff: float
    """Capacitance of one read wordline."""
    t_decode_ns: float
    """Row decoder and wordline-driver delay."""
    t_wordline_ns: float
    """Distributed-RC delay of the read wordline."""
    t_bitline_ns: float
    """Time for one discharging cell to move its bitline by dv_lsb, plus bitline RC."""
    t_adc_ns: float
    """Conversion time of all bitlines (serialised when columns share an ADC)."""
    t_min_ns: float
    """Minimum access period (decode + wordline + bitline + conversion; precharge overlaps the conversion)."""
    t_access_ns: float
    """Access period used (the knob, or ``t_min_ns`` when the knob is 0)."""
    e_rwl_fj: float
    """One read-wordline pulse across the tile."""
    e_bitline_fj: float
    """Expected precharge energy of one bitline per access at the configured operand densities."""
    e_conversion_fj: float
    """One ADC conversion (one bitline)."""
    e_pcu_column_fj: float
    """PCU work per column per access (difference and accumulation)."""
    e_scale_fj: float
    """Per output per block pass: scale multiplies (and the b*n - a*k difference for asymmetric weights)."""
    e_requant_fj: float
    """Per final output: requantisation of the accumulated sum to a ternary activation (two threshold compares)."""
    e_move_bit_fj: float
    """Per bit moved between a buffer and a tile: SRAM buffer access and wire (inputs, outputs, partial sums)."""
    e_access_fj: float
    """A full access (L rows, all columns) at the configured densities, including buffers."""
    leak_w: float
    """Leakage power of one tile's storage."""
    area_um2: dict = field(default_factory=dict)
    """Area breakdown of one tile by component."""
    energy_breakdown_fj: dict = field(default_factory=dict)
    """Full-access energy by component."""
    nm_t_access_ns: float = 0.0
    """Near-memory: one-row read access period (decode + wordline + small-swing bitline + sense amplifier)."""
    e_write_bit_fj: float = 0.0
    """Writing one storage bit: a full-swing bitline plus moving the bit from the buffer."""
    nm_e_bitline_fj: float = 0.0
    """Near-memory: one bitline of a one-row read (small-swing discharge and its sense amplifier)."""
    nm_e_mac_fj: float = 0.0
    """Near-memory: one digital ternary MAC at the configured densities (zero products clock-gated)."""

    @property
    def tile_area_um2(self) -> float:
        """Total area of one tile."""
        return sum(self.area_um2.values())



class _Array(NamedTuple):
    """Electrical geometry of one tile's TPC array."""

    a_tpc: float
    """Area of one TPC (um2)."""
    c_bl: float
    """Capacitance of one bitline (fF)."""
    c_rwl: float
    """Capacitance of one read wordline (fF)."""
    r_bl: float
    """Resistance of one bitline (ohm)."""
    r_rwl: float
    """Resistance of one read wordline (ohm)."""


def _tpc_array(cfg: TimConfig, p: TechParams) -> _Array:
    """TPC area from two 6T cells and the read stacks; wire loads from the TPC pitch (aspect ratio from the table)."""
    a_tpc = 2 * p.sram_6t_cell_um2 + p.tpc_read_transistors * p.read_transistor_um2
    width_um = math.sqrt(a_tpc * p.tpc_aspect)
    height_um = a_tpc / width_um
    # Two read stacks of every TPC hang on each bitline; each read wordline gates two read transistors per TPC.
    return _Array(
        a_tpc=a_tpc,
        c_bl=cfg.rows * (2 * p.c_drain_ff + p.c_wire_ff_per_um * height_um),
        c_rwl=cfg.cols * (2 * p.c_gate_ff + p.c_wire_ff_per_um * width_um),
        r_bl=p.r_wire_ohm_per_um * height_um * cfg.rows,
        r_rwl=p.r_wire_ohm_per_um * width_um * cfg.cols,
    )


def _access_delays(cfg: TimConfig, p: TechParams, a: _Array) -> tuple[float, float, float]:
    """(decode, read-wordline, bitline) delays in ns: a log4 predecode tree plus driver in FO4 delays, Elmore
    ``0.38 R C`` of the distributed wordline, and the time one discharging cell takes to move its bitline by
    ``dv_lsb`` (``C dV / I``) plus the bitline's own RC (Rabaey ch. 4 and 12)."""
    # ohm * fF = 1e-15 s = 1e-6 ns; fF * mV / uA = 1e-12 s = 1e-3 ns.
    t_decode = (math.ceil(math.log2(cfg.rows) / 2) + 2) * p.fo4_ps * 1e-3
    t_wl = 0.38 * a.r_rwl * a.c_rwl * 1e-6
    t_bl = a.c_bl * p.dv_lsb_mv / p.i_read_ua * 1e-3 + 0.38 * a.r_bl * a.c_bl * 1e-6
    return t_decode, t_wl, t_bl


class _Energies(NamedTuple):
    """Per-event energies of one tile (fJ) and the full-access breakdown by component."""

    e_rwl: float
    e_bl: float
    e_pcu: float
    e_scale: float
    e_requant: float
    e_move_bit: float
    breakdown: dict


def _pcu_energies(cfg: TimConfig, p: TechParams) -> tuple[float, float, float]:
    """(PCU work per column per access, scaling per output per pass, requantisation per output) in fJ."""
    n_acc = _ACCUMULATORS[cfg.representation]
    n_mult = _SCALE_MULTS[cfg.representation]
    if n_acc == 1:  # subtract n - k, then accumulate
        e_pcu = ((cfg.adc_bits + 1) + p.acc_bits) * p.e_add_per_bit_fj
    else:  # accumulate n and k separately; b*sum(n) - a*sum(k) once per output
        e_pcu = 2 * p.acc_bits * p.e_add_per_bit_fj
    e_scale = n_mult * p.e_mult8_fj + (n_acc - 1) * p.acc_bits * p.e_add_per_bit_fj
    e_requant = 2 * p.acc_bits * p.e_add_per_bit_fj
    return e_pcu, e_scale, e_requant


def _energies(cfg: TimConfig, p: TechParams, a: _Array, e_conv: float, chip_side_mm: float) -> _Energies:
    """Wordline ``C V^2`` and bitline ``C V dV`` energies (fF * V * V = fJ) at the configured densities, the PCU,
    and moving bits over half the chip side; the breakdown is one peak access (the dot product fits the tile, so
    outputs leave as 2-bit ternary activations once per rows/L accesses)."""
    wire_mm = chip_side_mm / 2
    mean_count = cfg.rows_active * cfg.input_density * cfg.weight_density / 2  # discharging cells per bitline
    e_rwl = a.c_rwl * p.vdd_v**2
    e_bl = a.c_bl * p.vdd_v * mean_count * p.dv_lsb_mv * 1e-3
    e_pcu, e_scale, e_requant = _pcu_energies(cfg, p)
    e_move_bit = p.e_sram_buffer_per_bit_fj + p.e_wire_per_bit_mm_fj * wire_mm
    passes_per_access = cfg.rows_active / cfg.rows
    breakdown = {
        "wordlines": cfg.rows_active * cfg.input_density * e_rwl,
        "bitlines": 2 * cfg.cols * e_bl,
        "adc": 2 * cfg.cols * e_conv,
        "pcu": cfg.cols * e_pcu,
        "outputs": cfg.cols * (e_scale + e_requant + 2 * e_move_bit) * passes_per_access,
        "inputs": 2 * cfg.rows_active * e_move_bit,
    }
    return _Energies(e_rwl, e_bl, e_pcu, e_scale, e_requant, e_move_bit, breakdown)


def _tile_area(cfg: TimConfig, p: TechParams, a_tpc: float, a_adc: float) -> dict:
    """Area of one tile by component (um2); scale multipliers are 8-bit multiplier-sized (64 adder bits)."""
    n_acc = _ACCUMULATORS[cfg.representation]
    mult_units = _SCALE_MULTS[cfg.representation] * math.ceil(cfg.cols * (cfg.rows_active / cfg.rows))
    return {
        "tpc_array": cfg.rows * cfg.cols * a_tpc,
        "adc": 2 * cfg.cols // cfg.cols_per_adc * a_adc,
        "wordline_drivers": 2 * cfg.rows * p.a_wl_driver_um2,
        "precharge": 2 * cfg.cols * p.a_precharge_um2,
        "pcu": cfg.cols * n_acc * p.acc_bits * (p.a_adder_per_bit_um2 + p.a_flipflop_um2)
        + mult_units * 64 * p.a_adder_per_bit_um2,
        "input_buffer": p.input_buffer_kb_per_tile * _BITS_PER_KB * p.a_sram_buffer_per_bit_um2,
    }


def _near_memory(cfg: TimConfig, p: TechParams, a: _Array, t_decode: float, t_wl: float) -> tuple[float, float, float]:
    """Near-memory baseline on the same memory: (one-row access period ns, energy of one bitline read fJ, one
    digital ternary MAC fJ). One row per access with small-swing sensing (``dv_sense``) and a sense amplifier;
    zero products clock-gated in the MACs."""
    t_nm = t_decode + t_wl + a.c_bl * p.dv_sense_mv / p.i_read_ua * 1e-3 + 0.38 * a.r_bl * a.c_bl * 1e-6 \
        + p.t_comparator_ps * 1e-3
    nm_bitline = a.c_bl * p.vdd_v * p.dv_sense_mv * 1e-3 * cfg.weight_density / 2 + p.e_comparator_fj
    nm_mac = p.e_ternary_mult_fj + cfg.input_density * cfg.weight_density * p.acc_bits * p.e_add_per_bit_fj
    return t_nm, nm_bitline, nm_mac


def tile_costs(cfg: TimConfig, params: TechParams | None = None, *, chip_side_mm: float = 1.0) -> TileCosts:
    """Delay, energy and area of one TiM tile under ``cfg``.

    Parameters
    ----------
    cfg : TimConfig
        The design point (validated here against the technology table).
    params : TechParams, optional
        Technology table at the 32 nm reference (default preset); scaled to ``cfg.node_nm``.
    chip_side_mm : float
        Chip side length; buffer-to-tile wires are taken as half of it.

    Raises
    ------
    ValueError
        When the technology cannot build ``cfg``, or ``cfg.t_access_ns`` is below the circuit minimum.
    """
    base = params if params is not None else load_params()
    cfg.validate(base)
    p = base.at_node(cfg.node_nm)
    a = _tpc_array(cfg, p)
    t_decode, t_wl, t_bl = _access_delays(cfg, p, a)
    e_conv, t_conv, a_adc = adc(cfg.adc_bits, cfg.adc_type, p.periphery)  # the shared ADC model
    t_adc = t_conv * cfg.cols_per_adc
    t_min = t_decode + t_wl + t_bl + t_adc  # precharge overlaps the conversion
    if cfg.t_access_ns and cfg.t_access_ns < t_min:
        raise ValueError(f"t_access_ns={cfg.t_access_ns:g} is shorter than the circuit minimum {t_min:.3f} ns; "
                         f"allowed: 0 (use the minimum) or >= {t_min:.3f}")
    e = _energies(cfg, p, a, e_conv, chip_side_mm)
    t_nm, nm_bitline, nm_mac = _near_memory(cfg, p, a, t_decode, t_wl)
    return TileCosts(
        tpc_area_um2=a.a_tpc, c_bitline_ff=a.c_bl, c_rwl_ff=a.c_rwl, t_decode_ns=t_decode, t_wordline_ns=t_wl,
        t_bitline_ns=t_bl, t_adc_ns=t_adc, t_min_ns=t_min, t_access_ns=cfg.t_access_ns or t_min, e_rwl_fj=e.e_rwl,
        e_bitline_fj=e.e_bl, e_conversion_fj=e_conv, e_pcu_column_fj=e.e_pcu, e_scale_fj=e.e_scale,
        e_requant_fj=e.e_requant, e_move_bit_fj=e.e_move_bit, e_access_fj=sum(e.breakdown.values()),
        leak_w=2 * cfg.rows * cfg.cols * p.i_leak_per_bit_na * 1e-9 * p.vdd_v,
        area_um2=_tile_area(cfg, p, a.a_tpc, a_adc), nm_t_access_ns=t_nm,
        e_write_bit_fj=a.c_bl * p.vdd_v**2 + e.e_move_bit, nm_e_bitline_fj=nm_bitline, nm_e_mac_fj=nm_mac,
        energy_breakdown_fj=e.breakdown,
    )


@dataclass(frozen=True)
class AcceleratorSummary:
    """Chip-level figures of merit of one design point."""

    peak_tops: float
    """Peak throughput: tiles x cols x L x 2 operations per access period (1 MAC = 2 ops), in TOPS."""
    power_w: float
    """Power at peak throughput: dynamic energy per access x tiles / period + leakage."""
    area_mm2: float
    """Chip area: tiles, global buffer, special-function unit and routing overhead."""
    tile: TileCosts
    """The per-tile model the figures come from."""
    area_breakdown_mm2: dict
    """Chip area by component."""
    power_breakdown_w: dict
    """Power at peak by component."""

    @property
    def tops_per_w(self) -> float:
        return self.peak_tops / self.power_w

    @property
    def tops_per_mm2(self) -> float:
        return self.peak_tops / self.area_mm2


def sfu_ops_per_ns(cfg: TimConfig, tile: TileCosts) -> float:
    """Special-function-unit throughput [R]: provisioned to the tiles' peak output rate, tiles x cols x (L/rows) per
    access period, so that activations and partial-sum reductions keep pace with the arrays at peak."""
    return cfg.tiles * cfg.cols * cfg.rows_active / cfg.rows / tile.t_access_ns


def _chip_area_mm2(cfg: TimConfig, p: TechParams, tile: TileCosts) -> dict:
    lanes = math.ceil(sfu_ops_per_ns(cfg, tile) * p.sfu_clock_ns)
    blocks = {
        "tiles": cfg.tiles * tile.tile_area_um2 * 1e-6,
        "global_buffer": p.global_buffer_kb * _BITS_PER_KB * p.a_sram_buffer_per_bit_um2 * 1e-6,
        "sfu": lanes * 64 * p.a_adder_per_bit_um2 * 1e-6,  # an 8-bit multiplier-sized datapath per lane
    }
    blocks["routing"] = p.routing_overhead_fraction * sum(blocks.values())
    return blocks


def accelerator(cfg: TimConfig | None = None, params: TechParams | None = None) -> AcceleratorSummary:
    """Peak TOPS, power, area, TOPS/W and TOPS/mm2 of a TiM-DNN instance.

    Peak OPS = tiles x cols x L x 2 / t_access ([R] DESIGN.md § TiM-DNN); power is the full-access energy of every
    tile per period plus storage and buffer leakage. Area is computed first, so the buffer-to-tile wire length
    (half the chip side) follows from it.
    """
    cfg = cfg or TimConfig()
    base = params if params is not None else load_params()
    cfg.validate(base)
    p = base.at_node(cfg.node_nm)
    first = tile_costs(cfg, base, chip_side_mm=0.0)
    area = _chip_area_mm2(cfg, p, first)
    total_area = sum(area.values())
    tile = tile_costs(cfg, base, chip_side_mm=math.sqrt(total_area))
    ops = cfg.tiles * cfg.cols * cfg.rows_active * 2
    peak_tops = ops / tile.t_access_ns * 1e-3  # ops per ns = 1e9 ops/s; TOPS = 1e12 ops/s
    period_s = tile.t_access_ns * 1e-9
    per_access = {name: cfg.tiles * e * 1e-15 / period_s for name, e in tile.energy_breakdown_fj.items()}
    buffer_bits = p.global_buffer_kb * _BITS_PER_KB + cfg.tiles * p.input_buffer_kb_per_tile * _BITS_PER_KB
    per_access["leakage"] = cfg.tiles * tile.leak_w + buffer_bits * p.i_leak_per_bit_na * 1e-9 * p.vdd_v
    return AcceleratorSummary(peak_tops=peak_tops, power_w=sum(per_access.values()), area_mm2=total_area, tile=tile,
                              area_breakdown_mm2=area, power_breakdown_w=per_access)
