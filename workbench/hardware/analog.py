"""Mixed-signal circuits of the component library: ADCs, DACs and row drivers, sample-and-hold, sense amplifiers.

Formulas (first order, each cites its source; constants in ``data/presets/hardware/cmos_32nm.yaml``):

* **Survey ADC** (the default): energy per conversion and area of the published ADC population at ``percentile``,
  as a function of ENOB and sample rate (:mod:`workbench.hardware.adc_model`, fitted to B. Murmann's ADC
  Performance Survey) over all Nyquist designs or the single-channel ones (``designs``); one conversion takes
  ``1 / fs``.
* **SAR ADC**, bottom-up (Ginsburg & Chandrakasan, ISCAS 2005): B comparator decisions, a B-bit SAR register (one
  adder-bit worth of logic per decision) and CDAC switching ``1.33 x 2^B C_u VDD^2`` per conversion; ``B`` bit
  cycles of comparator regeneration plus CDAC settling; area one comparator, ``2^B`` unit capacitors, ``B``
  flip-flops. No sample-rate term, reference buffer or clock: the alternative knob, not the default.
* **Flash ADC** (Razavi, *Principles of Data Conversion System Design*, ch. 6): ``2^B - 1`` comparators decide at
  once, a thermometer-to-binary encoder of ``B`` bits; time one comparator decision plus ``B`` FO4 of encoding.
* **Walden figure of merit** ``E_conv / 2^ENOB`` (R. H. Walden, IEEE JSAC 1999).
* **Row driver / 1-bit DAC**: the line is charged to its read voltage, ``C_line V^2`` per pulse (Rabaey, *Digital
  Integrated Circuits*, ch. 4), by a tapered inverter chain whose last stage is sized so that its on-resistance
  drops at most ``driver_drop_fraction`` of the read voltage at the line's full read current; the chain's own
  switched capacitance is ``(1 + gamma) C_last f / (f - 1)`` at VDD (stage effort ``f``, drain-to-gate ratio
  ``gamma``; Sutherland, Sproull and Harris, *Logical Effort*, 1999). A multi-bit DAC adds a charge-redistribution
  capacitor DAC switched as in the SAR.
* **Read-level source**: the line's load dissipates ``V I t`` at its read level ``V``; a supply at that level adds
  nothing, a linear regulator (LDO or source follower) that makes it from VDD passes the same current and drops
  ``VDD - V`` across itself, so it adds ``(VDD / V - 1)`` of the load's energy (a linear regulator's efficiency is
  at most ``V_out / V_in``; G. A. Rincon-Mora, *Analog IC Design with Low-Dropout Regulators*, 2009, ch. 1; its
  quiescent current neglected).
* **Sample-and-hold** per column sample (ISAAC, Shafiee et al., ISCA 2016, Table I).
* **Latch sense amplifier** (Razavi, "The StrongARM latch", IEEE Solid-State Circuits Magazine 7(2), 2015): the
  input stage draws its bias from VDD for the sensing time, the latch regenerates the margin ``dV`` to a full swing
  in ``tau ln(V_DD / dV)`` and switches its nodes once.
"""

from __future__ import annotations

import math

from workbench.hardware.adc_model import DEFAULT_PERCENTILE, DEFAULT_POPULATION, adc_area_um2, adc_energy_pj
from workbench.hardware.tech import CircuitCost, PeripheryTech

__all__ = ["ADC_TYPES", "READ_LEVEL_SOURCES", "adc", "adc_bits_for_levels", "dac", "max_line_current_a",
           "read_level_source_fj", "row_driver", "sample_hold", "sense_amplifier", "walden_fom_fj"]

#: ADC models: the survey frontier (default), the bottom-up SAR and flash.
ADC_TYPES = ("survey", "sar", "flash")
#: Where a line's read level comes from: a supply at that level, or a linear regulator from VDD.
READ_LEVEL_SOURCES = ("supply", "regulated")


def adc_bits_for_levels(levels: int) -> int:
    """Bits an ADC needs to tell ``levels`` distinct values apart: ``ceil(log2(levels))`` (at least 1)."""
    if levels < 1:
        raise ValueError(f"levels={levels!r} is not allowed; allowed: >= 1")
    return max(1, math.ceil(math.log2(levels)))


def _check_bits(name: str, bits) -> None:
    if not (isinstance(bits, int) and bits >= 1):
        raise ValueError(f"{name} bits={bits!r} is not allowed; allowed: an integer >= 1")


def adc(bits: int, kind: str, tech: PeripheryTech, *, fs_hz: float | None = None, enob: float | None = None,
        percentile: float = DEFAULT_PERCENTILE, designs: str = DEFAULT_POPULATION) -> CircuitCost:
    """One conversion of a ``bits``-bit ``kind`` ADC (:data:`ADC_TYPES`): energy (fJ), conversion time (ns), area.

    ``"survey"`` prices ``enob`` effective bits (default ``bits``: the converter must resolve its LSB) at ``fs_hz``
    samples per second at ``percentile`` of the published population of ``designs`` (``"all"`` or
    ``"single-channel"``, :data:`workbench.hardware.adc_model.POPULATIONS`), in ``tech``'s node. ``"sar"``:
    ``B (E_cmp + E_add,bit) + 1.33 2^B C_u VDD^2``, time ``B (t_cmp + t_settle)``, area ``A_cmp + 2^B A_u + B A_ff``.
    ``"flash"``: ``(2^B - 1) E_cmp + B E_add,bit``, time ``t_cmp + B FO4``, area ``(2^B - 1) A_cmp + B A_ff``.

    Raises
    ------
    ValueError
        For ``bits`` < 1, an unknown ``kind``, or a survey ADC without a positive ``fs_hz``.
    """
    _check_bits("ADC", bits)
    p, b = tech, bits
    if kind == "survey":
        if fs_hz is None or not fs_hz > 0:
            raise ValueError(f"ADC type 'survey' needs a sample rate fs_hz > 0; got fs_hz={fs_hz!r}")
        effective = float(bits if enob is None else enob)
        energy = adc_energy_pj(effective, fs_hz, percentile, designs) * 1e3
        return CircuitCost(energy, 1e9 / fs_hz, adc_area_um2(effective, p.node_nm, fs_hz, percentile, designs))
    if kind == "flash":
        energy = (2**b - 1) * p.e_comparator_fj + b * p.e_add_per_bit_fj  # comparators + thermometer encoder
        time = (p.t_comparator_ps + b * p.fo4_ps) * 1e-3
        area = (2**b - 1) * p.a_comparator_um2 + b * p.a_flipflop_um2
    elif kind == "sar":
        cdac = p.sar_switching_factor * 2**b * p.c_dac_unit_ff * p.vdd_v**2
        energy = b * (p.e_comparator_fj + p.e_add_per_bit_fj) + cdac  # decisions + SAR register + CDAC switching
        time = b * (p.t_comparator_ps + p.t_dac_settle_ps) * 1e-3
        area = p.a_comparator_um2 + 2**b * p.a_dac_unit_um2 + b * p.a_flipflop_um2
    else:
        raise ValueError(f"ADC type {kind!r} is not allowed; allowed: {list(ADC_TYPES)}")
    return CircuitCost(energy, time, area)


def walden_fom_fj(bits: int, kind: str, tech: PeripheryTech) -> float:
    """Walden figure of merit of a bottom-up ADC model, ``E_conv / 2^B`` (fJ per conversion step; ENOB taken as B)."""
    return adc(bits, kind, tech).energy_fj / 2**bits


def row_driver(tech: PeripheryTech, *, c_line_ff: float, v_line_v: float, i_line_a: float = 0.0) -> CircuitCost:
    """One pulse of a line driver charging ``c_line_ff`` to ``v_line_v`` while the line draws up to ``i_line_a``.

    The last stage is sized so that its on-resistance ``r_on_ohm_um / W`` drops at most ``driver_drop_fraction`` of
    ``v_line_v`` at ``i_line_a`` (never below a minimum inverter); a chain of stage effort ``f`` drives it from a
    minimum inverter. Energy: the chain's ``(1 + gamma) C_last f / (f - 1) VDD^2`` plus the line's
    ``C_line V^2``; time: one FO4 per stage; area: the chain's total width (``f / (f - 1)`` of the last stage's)
    at ``a_per_um_width_um2``. The DC current the line's load draws is the load's energy, not the driver's.

    Raises
    ------
    ValueError
        For a negative capacitance, voltage or current.
    """
    if c_line_ff < 0 or v_line_v < 0 or i_line_a < 0:
        raise ValueError(f"c_line_ff={c_line_ff!r}, v_line_v={v_line_v!r} and i_line_a={i_line_a!r} must be >= 0")
    p = tech
    w_last = p.w_inv_min_um
    if i_line_a > 0 and v_line_v > 0:
        w_last = max(w_last, p.r_on_ohm_um * i_line_a / (p.driver_drop_fraction * v_line_v))
    f = p.stage_effort
    c_last_ff = w_last * p.c_gate_ff_per_um
    stages = max(1, math.ceil(math.log(max(w_last / p.w_inv_min_um, 1.0), f)))
    chain_ff = (1 + p.gamma_drain) * c_last_ff * f / (f - 1)
    energy = chain_ff * p.vdd_v**2 + c_line_ff * v_line_v**2  # fF * V^2 = fJ
    return CircuitCost(energy, stages * p.fo4_ps * 1e-3, w_last * f / (f - 1) * p.a_per_um_width_um2)


def dac(bits: int, tech: PeripheryTech, *, c_line_ff: float, v_line_v: float, i_line_a: float = 0.0) -> CircuitCost:
    """One driven pulse of a ``bits``-bit input DAC onto a line (:func:`row_driver`); ``bits`` > 1 adds a capacitor
    DAC, ``1.33 2^B C_u VDD^2`` per conversion, ``2^B`` unit capacitors and ``B`` flip-flops of area and ``B``
    settling steps of time. The line's own RC settling is the caller's (it belongs to the array)."""
    _check_bits("DAC", bits)
    p = tech
    cost = row_driver(tech, c_line_ff=c_line_ff, v_line_v=v_line_v, i_line_a=i_line_a)
    if bits == 1:
        return cost
    return CircuitCost(cost.energy_fj + p.sar_switching_factor * 2**bits * p.c_dac_unit_ff * p.vdd_v**2,
                       cost.time_ns + bits * p.t_dac_settle_ps * 1e-3,
                       cost.area_um2 + 2**bits * p.a_dac_unit_um2 + bits * p.a_flipflop_um2)


def read_level_source_fj(load_fj, v_level_v: float, tech: PeripheryTech, source: str):
    """Energy (fJ) the source of a read level ``v_level_v`` spends beyond the ``load_fj`` its load dissipates
    (module docstring): 0 from a ``"supply"`` at that level, ``load_fj (VDD / V - 1)`` from a ``"regulated"`` one.

    Raises
    ------
    ValueError
        For a source not in :data:`READ_LEVEL_SOURCES`, a level <= 0, or a regulated level above VDD.
    """
    if source not in READ_LEVEL_SOURCES:
        raise ValueError(f"read level source={source!r}; allowed: {', '.join(READ_LEVEL_SOURCES)}")
    if v_level_v <= 0:
        raise ValueError(f"read level {v_level_v!r} V must be > 0")
    if source == "supply":
        return 0.0 * load_fj
    if v_level_v > tech.vdd_v:
        raise ValueError(f"a regulated read level of {v_level_v:g} V is above VDD ({tech.vdd_v:g} V); allowed: a "
                         f"level up to VDD, or read level source 'supply'")
    return load_fj * (tech.vdd_v / v_level_v - 1)


def max_line_current_a(tech: PeripheryTech, *, width_um: float) -> float:
    """The largest DC current (A) a wire of ``width_um`` carries within the electromigration limit ``J_max``
    (thickness ``wire_aspect_ratio x width``; ITRS 2009 interconnect)."""
    if width_um <= 0:
        raise ValueError(f"width_um={width_um!r} must be > 0")
    return tech.j_max_ma_per_um2 * 1e-3 * width_um * tech.wire_aspect_ratio * width_um


def sample_hold(tech: PeripheryTech) -> CircuitCost:
    """One column sample held for the ADC (ISAAC Table I); its time hides under the array read."""
    return CircuitCost(tech.e_sample_hold_fj, 0.0, tech.a_sample_hold_um2)


def sense_amplifier(t_sense_s: float, margin_v: float, bias_ua: float, *, vdd_v: float, c_latch_ff: float,
                    tau_regen_ps: float, area_um2: float = 0.0) -> CircuitCost:
    """One latch sense-amplifier decision (module docstring)::

        t_SA = tau_regen ln(V_DD / dV),   E_SA = C_latch V_DD^2 + V_DD I_bias t_sense

    Parameters
    ----------
    t_sense_s : float
        Time the signal takes to develop at the SA input (s), during which the input stage draws its bias.
    margin_v : float
        Signal at the SA input when it fires (V), 0 < dV < V_DD.
    bias_ua : float
        Input-stage bias current (uA).
    vdd_v, c_latch_ff, tau_regen_ps, area_um2 : float
        Supply, latch capacitance, regeneration time constant and the amplifier's area (the caller's table).

    Returns
    -------
    CircuitCost
        Energy (fJ), regeneration time (ns), ``area_um2``.
    """
    if not 0 < margin_v < vdd_v:
        raise ValueError(f"margin_v={margin_v!r}; allowed: 0 < margin < V_DD = {vdd_v}")
    t_sa_ns = tau_regen_ps * 1e-3 * math.log(vdd_v / margin_v)
    e_sa_fj = c_latch_ff * vdd_v * vdd_v + vdd_v * bias_ua * 1e-6 * t_sense_s * 1e15
    return CircuitCost(e_sa_fj, t_sa_ns, area_um2)
