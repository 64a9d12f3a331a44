"""Architecture model of TiM-DNN (arXiv:1909.06892): TPC -> TiM tile -> accelerator, plus the near-memory baseline.

The paper's circuit details were not available ([R] in docs/design.md § TiM-DNN), so the model is a documented
reconstruction:

* **TPC** (ternary processing cell): two 6T storage cells hold a ternary weight, (1,0)=+1, (0,1)=-1, (0,0)=0, and
  four 2-transistor read stacks connect them to the bitlines BL/BLB. A ternary input drives one of two read
  wordlines (RWL+ for +1, RWL- for -1; none for 0); a +1 product discharges BL, a -1 product BLB.
* **TiM tile**: ``rows x cols`` TPCs; ``rows_active`` (the paper's L) rows are enabled per access. Each bitline then
  carries ``n`` (or ``k``) discharging cells, a voltage step of ``dV`` each; column ADCs digitise n and k (so
  they need ``ceil(log2(L+1))`` bits) and the peripheral compute unit (PCU) forms n-k (unweighted), a(n-k)
  (symmetric) or b n - a k (asymmetric, with two accumulators and scale registers) and accumulates partial sums.
* **Accelerator**: ``tiles`` TiM tiles, per-tile input buffers, a global activation buffer, a special-function unit
  and wires. Peak OPS = tiles x cols x L x 2 / t_access (docs/design.md § TiM-DNN).
* **Access period from phases** ([R]; the paper's full text was not available): precharge BL/BLB, enable L read
  wordlines, let the bitlines develop, digitise, accumulate in the PCU. Precharge restores the full-scale swing
  ``L dV`` with the precharge current (row decoding overlaps it); the read wordline settles (Elmore); the bitlines
  develop for ``C_BL dV / I_cell`` where the step ``dV`` per discharging cell is the smallest that resolves the
  L + 1 levels under comparator offset and cell-current spread (:func:`bitline_step_mv`, so develop time grows
  with L and with the spread); the ADCs convert (serialised over columns sharing one ADC); the PCU accumulates
  (serialised over columns sharing one PCU). Without pipelining the period is the sum; with a sample-and-hold per
  bitline the array, conversion and accumulation overlap and the period is the longest stage.
* **Near-memory baseline** (the abstract's "well-optimized near-memory ternary accelerator", reconstructed [R] as
  the same memory read row by row into a separate ternary processing array): one row per access with standard
  small-swing sensing; the row's ``2 cols`` bits travel over wires to a processing-element (PE) array beside the
  tile (on average half the tile side) and are latched in the PE input registers; ``cols`` digital ternary MAC
  units (zero products clock-gated) accumulate. The read and the PE stage are pipelined by those registers.

Energy, delay and area per component come from :mod:`workbench.tim.params` (each entry sourced); the knobs of
:class:`TimConfig` that carry technology values (cell current and its spread, margins, precharge current,
accumulator width, PCU sharing, pipelining) default to the preset's entries and replace them when set. Formulas:
bitline and wordline energies ``C V dV`` and ``C V^2`` (Rabaey, *Digital Integrated Circuits*, ch. 12), Elmore delay
``0.38 R C`` of distributed RC wires (Rabaey ch. 4), bitline develop time ``C dV / I``, SAR CDAC switching energy
(Ginsburg & Chandrakasan 2005), flash ADCs with ``2^B - 1`` comparators: the column ADCs are the shared models of
:func:`workbench.hardware.analog.adc`, priced from the component library's table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from workbench.core.knobs import knob_field, validate_config
from workbench.hardware.analog import adc, sample_hold
from workbench.hardware.digital import shift_add, ternary_multiplier
from workbench.tim.params import TechConfig, load_params

REPRESENTATIONS = ("unweighted", "symmetric", "asymmetric")
_BITS_PER_KB = 8 * 1024
# Scale multiplies per output and accumulators per column for each ternary representation (see module docstring).
_SCALE_MULTS = {"unweighted": 0, "symmetric": 1, "asymmetric": 2}
_ACCUMULATORS = {"unweighted": 1, "symmetric": 1, "asymmetric": 2}
#: The reference table: default of every knob that carries a technology value (declared once, in the preset YAML).
_REF = load_params()
#: Knobs of :class:`TimConfig` that replace the technology table's entry of the same name.
TECH_KNOBS = ("i_read_ua", "sigma_i_read_rel", "sigma_offset_mv", "sense_margin_sigma", "i_precharge_ua",
              "acc_bits", "cols_per_pcu", "conversion_pipelined")
#: Phases of one access, in order (see the module docstring).
PHASES = ("decode", "precharge", "wordline", "develop", "conversion", "accumulate")


def bitline_step_mv(rows_active: int, sigma_offset_mv: float, sigma_i_read_rel: float,
                    sense_margin_sigma: float) -> float:
    """Smallest bitline step per discharging cell (mV) that resolves the counts 0..L.

    With ``n`` cells on, the bitline has moved ``n dV`` with spread ``sqrt(sigma_os^2 + n (sigma_I dV)^2)``
    (independent cell currents of relative spread ``sigma_I``, comparator offset ``sigma_os``). A decision
    threshold half a step from each level needs ``dV / 2 >= k sqrt(sigma_os^2 + L sigma_I^2 dV^2)`` at the top
    count n = L (k = ``sense_margin_sigma``), so

    ``dV = k sigma_os / sqrt(1/4 - k^2 L sigma_I^2)``,

    which grows with L and with the spread and has no solution once ``2 k sigma_I sqrt(L) >= 1``: a longer develop
    time cannot help, because the current spread scales with the signal. [R]: the paper's full text (its sensing
    analysis) was not available; this Gaussian margin model is the reconstruction's, each input a knob.

    Raises
    ------
    ValueError
        Naming ``sigma_i_read_rel`` and ``rows_active`` when the levels cannot be resolved at any step.
    """
    k, s, L = sense_margin_sigma, sigma_i_read_rel, rows_active
    room = 0.25 - k * k * L * s * s
    if room <= 0:
        limit = 1 / (2 * k * math.sqrt(L))
        raise ValueError(
            f"sigma_i_read_rel={s:g} with rows_active (L)={L} and sense_margin_sigma={k:g}: the spread of L cell "
            f"currents exceeds half a level at any develop time; allowed: sigma_i_read_rel < 1/(2 k sqrt(L)) = "
            f"{limit:.4f}, or L < {1 / (4 * k * k * s * s):.1f}")
    return k * sigma_offset_mv / math.sqrt(room)


#: Column ADC models a TiM tile offers (the bottom-up models of :func:`workbench.hardware.analog.adc`).
TIM_ADC_TYPES = ("sar", "flash")


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
    adc_bits: int = knob_field(5, low=1, high=math.inf, unit="bit", label="ADC resolution",
                               help="Column ADC precision; must be >= ceil(log2(L+1)).")
    adc_type: str = knob_field("sar", options=TIM_ADC_TYPES, label="ADC type",
                               help="SAR (B decisions + CDAC) or flash (2^B - 1 comparators, one decision).")
    """SAR is the default [R] because one ADC per bitline must fit the column pitch: with the table's parts a 5-bit
    flash (31 comparators) takes ~3x the area and energy of a 5-bit SAR, close to the area of the 256 TPCs on its
    bitline. The survey-fitted ADC of the component library is not offered: it prices a converter at a sample rate,
    and a TiM column ADC's rate follows from the access time this model computes."""
    cols_per_adc: int = knob_field(1, low=1, high=math.inf, label="columns per ADC",
                                   help="Columns sharing one ADC pair (conversions serialised within an access).")
    representation: str = knob_field(
        "unweighted", options=REPRESENTATIONS,
        help="Ternary system: {-1,0,1}, {-a,0,a} or {-a,0,b}; sets the peripheral scale/accumulate cost.")
    node_nm: int = knob_field(32, low=1, high=math.inf, unit="nm", label="technology node",
                              help="Technology node; the parameter table is scaled to it (first-order rules).")
    t_access_ns: float = knob_field(
        0.0, low=0.0, high=math.inf, unit="ns", label="tile access period",
        help="Tile access period; 0 = the circuit model's minimum, below the minimum is an error.")
    input_density: float = knob_field(
        _REF.input_density, low=0.0, low_open=True, high=1.0, label="input density",
        help="Fraction of nonzero ternary activations (wordline and bitline activity).",
        **_REF.provenance("input_density"))
    weight_density: float = knob_field(
        _REF.weight_density, low=0.0, low_open=True, high=1.0, label="weight density",
        help="Fraction of nonzero ternary weights (bitline activity).", **_REF.provenance("weight_density"))
    i_read_ua: float = knob_field(
        _REF.i_read_ua, low=0.0, low_open=True, high=math.inf, unit="uA", label="cell read current",
        help="Read current of one discharging TPC (32 nm reference; scaled with the node).",
        **_REF.provenance("i_read_ua"))
    sigma_i_read_rel: float = knob_field(
        _REF.sigma_i_read_rel, low=0.0, high=0.5, label="cell-current spread",
        help="Relative standard deviation of one cell's read current (local mismatch); sets the bitline step needed "
             "for L + 1 levels.", **_REF.provenance("sigma_i_read_rel"))
    sigma_offset_mv: float = knob_field(
        _REF.sigma_offset_mv, low=0.0, high=math.inf, unit="mV", label="comparator offset",
        help="Input-referred offset (1 sigma) of the column ADC comparators.", **_REF.provenance("sigma_offset_mv"))
    sense_margin_sigma: float = knob_field(
        _REF.sense_margin_sigma, low=0.0, low_open=True, high=10.0, unit="sigma", label="sense margin",
        help="Standard deviations between a level and its decision threshold.",
        **_REF.provenance("sense_margin_sigma"))
    i_precharge_ua: float = knob_field(
        _REF.i_precharge_ua, low=0.0, low_open=True, high=math.inf, unit="uA", label="precharge current",
        help="Average restore current of a bitline precharge device (32 nm).", **_REF.provenance("i_precharge_ua"))
    acc_bits: int = knob_field(
        _REF.acc_bits, low=1, high=64, unit="bit", label="accumulator width",
        help="Partial-sum accumulator width in the peripheral compute unit (PCU).", **_REF.provenance("acc_bits"))
    cols_per_pcu: int = knob_field(
        _REF.cols_per_pcu, low=1, high=math.inf, label="columns per PCU",
        help="Columns sharing one PCU adder (accumulations serialised within an access).",
        **_REF.provenance("cols_per_pcu"))
    conversion_pipelined: bool = knob_field(
        _REF.conversion_pipelined, label="pipelined conversion",
        help="A sample-and-hold per bitline lets the array, the conversion and the accumulation overlap (period = "
             "longest stage).", **_REF.provenance("conversion_pipelined"))

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
        if self.cols % self.cols_per_pcu:
            raise ValueError(f"cols_per_pcu={self.cols_per_pcu} must divide cols={self.cols}")
        if self.acc_bits < self.adc_bits + 1:
            raise ValueError(f"acc_bits={self.acc_bits} cannot hold one signed count n - k of {self.adc_bits}-bit "
                             f"ADCs; allowed: acc_bits >= adc_bits + 1 = {self.adc_bits + 1}")
        bitline_step_mv(self.rows_active, self.sigma_offset_mv, self.sigma_i_read_rel, self.sense_margin_sigma)

    def technology(self, params: TechConfig | None = None) -> TechConfig:
        """The technology table (default preset at 32 nm) with this config's technology knobs in place of its
        entries, scaled to ``node_nm``."""
        base = params if params is not None else load_params()
        return replace(base, **{n: getattr(self, n) for n in TECH_KNOBS}).at_node(self.node_nm)

    def step_mv(self) -> float:
        """Bitline step per discharging cell (mV), from :func:`bitline_step_mv`."""
        return bitline_step_mv(self.rows_active, self.sigma_offset_mv, self.sigma_i_read_rel,
                               self.sense_margin_sigma)

    def validate(self, params: TechConfig) -> None:
        """Raise ``ValueError`` naming the field, its value and the allowed range when the technology ``params``
        (at the 32 nm reference, scaled to ``node_nm``) cannot build the design: an unknown node, or a full-scale
        bitline swing beyond the table's limit."""
        p = self.technology(params)
        step_v = self.step_mv() * 1e-3
        swing_v = self.rows_active * step_v
        limit_v = p.max_swing_fraction * p.vdd_v
        if swing_v > limit_v:
            allowed = int(limit_v / step_v)
            raise ValueError(
                f"rows_active (L)={self.rows_active}: full-scale bitline swing L x dV = {swing_v:.2f} V (dV = "
                f"{step_v * 1e3:.1f} mV for L + 1 levels at sigma_i_read_rel={self.sigma_i_read_rel:g}) exceeds "
                f"{limit_v:.2f} V ({p.max_swing_fraction:g} VDD); allowed: L <= {allowed} at this spread")


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
    t_precharge_ns: float
    """Restoring the full-scale bitline swing ``L dV`` with the precharge current, plus bitline RC."""
    t_develop_ns: float
    """Time for one discharging cell to move its bitline by the step ``dV``, plus bitline RC."""
    t_adc_ns: float
    """Conversion time of all bitlines (serialised when columns share an ADC)."""
    t_accumulate_ns: float
    """PCU accumulation of all columns (serialised when columns share a PCU)."""
    t_min_ns: float
    """Minimum access period: the sum of the phases (decode hidden under precharge), or the longest stage when
    the conversion is pipelined."""
    dv_step_mv: float
    """Bitline step per discharging cell that resolves L + 1 levels (:func:`bitline_step_mv`)."""
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
    critical_path_ns: dict = field(default_factory=dict)
    """TiM: each phase's share of ``t_min_ns`` (sums to it; a phase hidden under another counts 0)."""
    phases_ns: dict = field(default_factory=dict)
    """TiM: the duration of every phase of :data:`PHASES`."""
    nm_t_access_ns: float = 0.0
    """Near-memory: one row-read period (the read and the PE stage pipelined: the longer of the two)."""
    nm_critical_path_ns: dict = field(default_factory=dict)
    """Near-memory: each phase's share of ``nm_t_access_ns`` (sums to it)."""
    nm_transport_mm: float = 0.0
    """Near-memory: mean wire length from the sense amplifiers to the PE array (half the tile side)."""
    nm_e_transport_bit_fj: float = 0.0
    """Near-memory: moving one read bit over the wire to the PE array."""
    nm_e_register_bit_fj: float = 0.0
    """Near-memory: latching one read bit in a PE input register."""
    e_write_bit_fj: float = 0.0
    """Writing one storage bit: a full-swing bitline plus moving the bit from the buffer."""
    nm_e_bitline_fj: float = 0.0
    """Near-memory: one bitline of a one-row read (small-swing discharge and its sense amplifier)."""
    nm_e_mac_fj: float = 0.0
    """Near-memory: one digital ternary MAC at the configured densities (zero products clock-gated)."""
    nm_energy_breakdown_fj: dict = field(default_factory=dict)
    """Near-memory: energy of one row read of all ``cols`` columns and its ``cols`` MACs, by component."""

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


def _tpc_array(cfg: TimConfig, p: TechConfig) -> _Array:
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


def _phases(cfg: TimConfig, p: TechConfig, a: _Array, dv_mv: float, t_conv: float) -> dict:
    """Duration (ns) of every phase of one TiM access (:data:`PHASES`, module docstring).

    Decode: a log4 predecode tree plus driver in FO4 delays. Precharge: restoring the full-scale swing ``L dV`` at
    the precharge current (``C dV / I``) plus the bitline's Elmore ``0.38 R C``. Wordline: Elmore ``0.38 R C`` of
    the distributed read wordline. Develop: one cell's current moving its bitline by ``dV``, plus bitline RC.
    Conversion: one ADC conversion per column sharing the ADC. Accumulate: one carry-lookahead add
    (:func:`workbench.hardware.digital.shift_add`) per column sharing the PCU (Rabaey ch. 4 and 12).
    """
    # ohm * fF = 1e-15 s = 1e-6 ns; fF * mV / uA = 1e-12 s = 1e-3 ns.
    rc_bl = 0.38 * a.r_bl * a.c_bl * 1e-6
    return {
        "decode": (math.ceil(math.log2(cfg.rows) / 2) + 2) * p.fo4_ps * 1e-3,
        "precharge": a.c_bl * cfg.rows_active * dv_mv / p.i_precharge_ua * 1e-3 + rc_bl,
        "wordline": 0.38 * a.r_rwl * a.c_rwl * 1e-6,
        "develop": a.c_bl * dv_mv / p.i_read_ua * 1e-3 + rc_bl,
        "conversion": t_conv * cfg.cols_per_adc,
        "accumulate": shift_add(p.acc_bits, p.periphery).time_ns * cfg.cols_per_pcu,
    }


def _critical_path(phases: dict, pipelined: bool) -> dict:
    """Each phase's share of the period: row decoding overlaps the precharge; without pipelining the phases add,
    with it the period is the longest of the stages array (precharge ... develop), conversion and accumulate and
    only that stage's phases count."""
    share = dict(phases)
    share["decode"] = max(0.0, phases["decode"] - phases["precharge"])
    if not pipelined:
        return share
    stages = {"array": ("decode", "precharge", "wordline", "develop"), "conversion": ("conversion",),
              "accumulate": ("accumulate",)}
    longest = max(stages.values(), key=lambda names: sum(share[n] for n in names))
    return {n: (share[n] if n in longest else 0.0) for n in PHASES}


class _Energies(NamedTuple):
    """Per-event energies of one tile (fJ) and the full-access breakdown by component."""

    e_rwl: float
    e_bl: float
    e_pcu: float
    e_scale: float
    e_requant: float
    e_move_bit: float
    breakdown: dict


def _pcu_energies(cfg: TimConfig, p: TechConfig) -> tuple[float, float, float]:
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


def _energies(cfg: TimConfig, p: TechConfig, a: _Array, e_conv: float, chip_side_mm: float,
              dv_mv: float) -> _Energies:
    """Wordline ``C V^2`` and bitline ``C V dV`` energies (fF * V * V = fJ) at the configured densities, the PCU,
    and moving bits over half the chip side; the breakdown is one peak access (the dot product fits the tile, so
    outputs leave as 2-bit ternary activations once per rows/L accesses). A pipelined tile adds one
    sample-and-hold per bitline and access."""
    wire_mm = chip_side_mm / 2
    mean_count = cfg.rows_active * cfg.input_density * cfg.weight_density / 2  # discharging cells per bitline
    e_rwl = a.c_rwl * p.vdd_v**2
    e_bl = a.c_bl * p.vdd_v * mean_count * dv_mv * 1e-3
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
    if cfg.conversion_pipelined:
        breakdown["sample_hold"] = 2 * cfg.cols * sample_hold(p.periphery).energy_fj
    return _Energies(e_rwl, e_bl, e_pcu, e_scale, e_requant, e_move_bit, breakdown)


def _tile_area(cfg: TimConfig, p: TechConfig, a_tpc: float, a_adc: float) -> dict:
    """Area of one tile by component (um2); scale multipliers are 8-bit multiplier-sized (64 adder bits). Every
    column keeps its own accumulator registers; columns sharing a PCU share its adders."""
    n_acc = _ACCUMULATORS[cfg.representation]
    mult_units = _SCALE_MULTS[cfg.representation] * math.ceil(cfg.cols * (cfg.rows_active / cfg.rows))
    pcus = cfg.cols // cfg.cols_per_pcu
    area = {
        "tpc_array": cfg.rows * cfg.cols * a_tpc,
        "adc": 2 * cfg.cols // cfg.cols_per_adc * a_adc,
        "wordline_drivers": 2 * cfg.rows * p.a_wl_driver_um2,
        "precharge": 2 * cfg.cols * p.a_precharge_um2,
        "pcu": n_acc * p.acc_bits * (cfg.cols * p.a_flipflop_um2 + pcus * p.a_adder_per_bit_um2)
        + mult_units * 64 * p.a_adder_per_bit_um2,
        "input_buffer": p.input_buffer_kb_per_tile * _BITS_PER_KB * p.a_sram_buffer_per_bit_um2,
    }
    if cfg.conversion_pipelined:
        area["sample_hold"] = 2 * cfg.cols * sample_hold(p.periphery).area_um2
    return area


class _NearMemory(NamedTuple):
    """Near-memory baseline on the same memory (see the module docstring)."""

    t_access: float
    """One row-read period (ns)."""
    critical_path: dict
    """Each phase's share of the period (ns)."""
    transport_mm: float
    """Mean wire length from the sense amplifiers to the PE array (mm)."""
    e_bitline: float
    """One bitline of a one-row read: small-swing discharge and its sense amplifier (fJ)."""
    e_transport_bit: float
    """One read bit moved over the wire to the PE array (fJ)."""
    e_mac: float
    """One digital ternary MAC at the configured densities (fJ)."""
    breakdown: dict
    """One row read of all columns with its MACs, by component (fJ)."""


def _near_memory(cfg: TimConfig, p: TechConfig, a: _Array, phases: dict, tile_side_mm: float) -> _NearMemory:
    """The near-memory baseline's row read ([R], module docstring): the same phases as a TiM access with one row, a
    small-swing develop (``dv_sense``) restored by the same precharge device and a sense amplifier (one comparator
    decision) in place of the ADC; the row's ``2 cols`` bits cross half the tile side to the PE array (wire energy
    per bit and mm) into its input registers (one register bit costs one adder bit of logic, as the SAR register
    of :func:`workbench.hardware.analog.adc`); ``cols`` ternary MACs (sign/zero logic, an ``acc_bits`` add when the
    product is nonzero) run one pipeline stage later, so the period is the longer of the read and the add."""
    rc_bl = 0.38 * a.r_bl * a.c_bl * 1e-6
    read = {
        "decode": phases["decode"],
        "precharge": a.c_bl * p.dv_sense_mv / p.i_precharge_ua * 1e-3 + rc_bl,
        "wordline": phases["wordline"],
        "develop": a.c_bl * p.dv_sense_mv / p.i_read_ua * 1e-3 + rc_bl,
        "sense": p.t_comparator_ps * 1e-3,
    }
    read["decode"] = max(0.0, read["decode"] - read["precharge"])
    t_read = sum(read.values())
    t_mac = shift_add(p.acc_bits, p.periphery).time_ns
    critical = {**read, "mac": 0.0} if t_read >= t_mac else {**{k: 0.0 for k in read}, "mac": t_mac}
    transport_mm = tile_side_mm / 2
    e_bitline = a.c_bl * p.vdd_v * p.dv_sense_mv * 1e-3 * cfg.weight_density / 2 + p.e_comparator_fj
    e_transport_bit = p.e_wire_per_bit_mm_fj * transport_mm
    e_add = cfg.input_density * cfg.weight_density * p.acc_bits * p.e_add_per_bit_fj  # a nonzero product's add
    e_mac = ternary_multiplier(p.periphery).energy_fj + e_add
    breakdown = {
        "wordline": a.c_rwl * p.vdd_v**2,
        "bitlines": 2 * cfg.cols * e_bitline,
        "transport": 2 * cfg.cols * e_transport_bit,
        "pe_registers": 2 * cfg.cols * p.e_add_per_bit_fj,
        "macs": cfg.cols * e_mac,
    }
    return _NearMemory(max(t_read, t_mac), critical, transport_mm, e_bitline, e_transport_bit, e_mac, breakdown)


def tile_costs(cfg: TimConfig, params: TechConfig | None = None, *, chip_side_mm: float = 1.0) -> TileCosts:
    """Delay, energy and area of one TiM tile under ``cfg``.

    Parameters
    ----------
    cfg : TimConfig
        The design point (validated here against the technology table).
    params : TechConfig, optional
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
    p = cfg.technology(base)
    a = _tpc_array(cfg, p)
    dv_mv = cfg.step_mv()
    e_conv, t_conv, a_adc = adc(cfg.adc_bits, cfg.adc_type, p.periphery)  # the shared ADC model
    phases = _phases(cfg, p, a, dv_mv, t_conv)
    critical = _critical_path(phases, cfg.conversion_pipelined)
    t_min = sum(critical.values())
    if cfg.t_access_ns and cfg.t_access_ns < t_min:
        raise ValueError(f"t_access_ns={cfg.t_access_ns:g} is shorter than the circuit minimum {t_min:.3f} ns; "
                         f"allowed: 0 (use the minimum) or >= {t_min:.3f}")
    e = _energies(cfg, p, a, e_conv, chip_side_mm, dv_mv)
    area = _tile_area(cfg, p, a.a_tpc, a_adc)
    nm = _near_memory(cfg, p, a, phases, math.sqrt(sum(area.values())) * 1e-3)
    return TileCosts(
        tpc_area_um2=a.a_tpc, c_bitline_ff=a.c_bl, c_rwl_ff=a.c_rwl, t_decode_ns=phases["decode"],
        t_wordline_ns=phases["wordline"], t_precharge_ns=phases["precharge"], t_develop_ns=phases["develop"],
        t_adc_ns=phases["conversion"], t_accumulate_ns=phases["accumulate"], t_min_ns=t_min, dv_step_mv=dv_mv,
        t_access_ns=cfg.t_access_ns or t_min, e_rwl_fj=e.e_rwl,
        e_bitline_fj=e.e_bl, e_conversion_fj=e_conv, e_pcu_column_fj=e.e_pcu, e_scale_fj=e.e_scale,
        e_requant_fj=e.e_requant, e_move_bit_fj=e.e_move_bit, e_access_fj=sum(e.breakdown.values()),
        leak_w=2 * cfg.rows * cfg.cols * p.i_leak_per_bit_na * 1e-9 * p.vdd_v,
        area_um2=area, energy_breakdown_fj=e.breakdown, critical_path_ns=critical, phases_ns=phases,
        nm_t_access_ns=nm.t_access, nm_critical_path_ns=nm.critical_path, nm_transport_mm=nm.transport_mm,
        nm_e_transport_bit_fj=nm.e_transport_bit, nm_e_register_bit_fj=p.e_add_per_bit_fj,
        e_write_bit_fj=a.c_bl * p.vdd_v**2 + e.e_move_bit,
        nm_e_bitline_fj=nm.e_bitline, nm_e_mac_fj=nm.e_mac, nm_energy_breakdown_fj=nm.breakdown,
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


def _chip_area_mm2(cfg: TimConfig, p: TechConfig, tile: TileCosts) -> dict:
    lanes = math.ceil(sfu_ops_per_ns(cfg, tile) * p.sfu_clock_ns)
    blocks = {
        "tiles": cfg.tiles * tile.tile_area_um2 * 1e-6,
        "global_buffer": p.global_buffer_kb * _BITS_PER_KB * p.a_sram_buffer_per_bit_um2 * 1e-6,
        "sfu": lanes * 64 * p.a_adder_per_bit_um2 * 1e-6,  # an 8-bit multiplier-sized datapath per lane
    }
    blocks["routing"] = p.routing_overhead_fraction * sum(blocks.values())
    return blocks


def accelerator(cfg: TimConfig | None = None, params: TechConfig | None = None) -> AcceleratorSummary:
    """Peak TOPS, power, area, TOPS/W and TOPS/mm2 of a TiM-DNN instance.

    Peak OPS = tiles x cols x L x 2 / t_access ([R] docs/design.md § TiM-DNN); power is the full-access energy of every
    tile per period plus storage and buffer leakage. Area is computed first, so the buffer-to-tile wire length
    (half the chip side) follows from it.
    """
    cfg = cfg or TimConfig()
    base = params if params is not None else load_params()
    cfg.validate(base)
    p = cfg.technology(base)
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
