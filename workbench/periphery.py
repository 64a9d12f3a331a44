"""Shared periphery circuits of in-memory-computing arrays: ADCs, DACs / row drivers, sample-and-hold, shift-and-add,
SRAM buffers and wires. One declaration per circuit; every theme that prices periphery (TiM-DNN, crossbars, and
later MRAM CiM) calls these functions with a :class:`PeripheryTech` table, so identical settings cost the same.

This module is below the themes (``themes -> periphery -> core``): it imports no theme. Its technology table is
``data/presets/periphery/cmos_32nm.yaml`` (every value with a unit and a source), scaled to other nodes by
:meth:`PeripheryTech.at_node` with first-order rules (areas ~ s^2, device capacitances and delays ~ s, dynamic
energies ~ s (VDD/VDD_ref)^2, wire energy per bit-mm ~ (VDD/VDD_ref)^2 with s = node / node_ref).

Formulas (first order, each cites its source):

* **SAR ADC** (Ginsburg & Chandrakasan, ISCAS 2005): B comparator decisions, a B-bit SAR register (one adder-bit
  worth of logic per decision) and CDAC switching ``1.33 x 2^B C_u VDD^2`` per conversion; ``B`` bit cycles of
  comparator regeneration plus CDAC settling; area one comparator, ``2^B`` unit capacitors, ``B`` flip-flops.
* **Flash ADC** (Razavi, *Principles of Data Conversion System Design*, ch. 6): ``2^B - 1`` comparators decide at
  once, a thermometer-to-binary encoder of ``B`` bits; time one comparator decision plus ``B`` FO4 of encoding.
* **Walden figure of merit** ``E_conv / 2^B`` (R. H. Walden, IEEE JSAC 1999; B. Murmann's ADC survey) for checking
  the models against the published band (the table's ``survey`` section).
* **DAC / row driver**: a 1-bit DAC is a line driver charging its line to the read voltage, ``C_line V^2`` per
  driven pulse (Rabaey, *Digital Integrated Circuits*, ch. 4); a multi-bit DAC adds a charge-redistribution
  capacitor DAC switched as in the SAR (``1.33 x 2^B C_u VDD^2``) with ``2^B`` unit capacitors of area.
* **Sample-and-hold** per column sample (ISAAC, Shafiee et al., ISCA 2016, Table II).
* **Shift-and-add**: one ``acc_bits`` add (Horowitz ISSCC 2014 energy per bit) and an ``acc_bits`` register;
  ripple-free time ``(ceil(log2 acc_bits) + 1)`` FO4 (carry-lookahead depth).
* **SRAM buffer** energy and area per bit, and **wires** per bit and mm (Horowitz ISSCC 2014; ITRS 2009).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

from workbench.core.manifest import check_preset_types, preset_path, read_preset

__all__ = [
    "ADC_TYPES",
    "DEFAULT_TECH",
    "CircuitCost",
    "PeripheryTech",
    "adc",
    "adc_bits_for_levels",
    "buffer_access",
    "buffer_area_um2",
    "dac",
    "load_tech",
    "sample_hold",
    "shift_add",
    "walden_fom_fj",
    "wire",
]

ADC_TYPES = ("sar", "flash")
DEFAULT_TECH = "cmos_32nm"

# Scaling groups (see the module docstring); names not listed do not scale.
_AREAS = ("a_comparator_um2", "a_dac_unit_um2", "a_adder_per_bit_um2", "a_flipflop_um2", "a_driver_um2",
          "a_sample_hold_um2", "a_sram_buffer_per_bit_um2")
_DEVICE_CAPS = ("c_dac_unit_ff",)
_DELAYS = ("fo4_ps", "t_comparator_ps", "t_dac_settle_ps")
_ENERGIES = ("e_comparator_fj", "e_add_per_bit_fj", "e_sram_buffer_per_bit_fj", "e_sample_hold_fj")


class CircuitCost(NamedTuple):
    """Cost of one circuit event: energy (fJ), time (ns) and the circuit's area (um2)."""

    energy_fj: float
    time_ns: float
    area_um2: float


@dataclass(frozen=True)
class PeripheryTech:
    """Technology parameters of the shared periphery circuits (units in the names; sources in the YAML table)."""

    node_nm: float
    vdd_v: float
    fo4_ps: float
    e_comparator_fj: float
    a_comparator_um2: float
    t_comparator_ps: float
    c_dac_unit_ff: float
    a_dac_unit_um2: float
    t_dac_settle_ps: float
    sar_switching_factor: float
    a_driver_um2: float
    e_sample_hold_fj: float
    a_sample_hold_um2: float
    e_add_per_bit_fj: float
    a_adder_per_bit_um2: float
    a_flipflop_um2: float
    e_sram_buffer_per_bit_fj: float
    a_sram_buffer_per_bit_um2: float
    e_wire_per_bit_mm_fj: float
    c_wire_ff_per_um: float
    walden_fom_low_fj: float
    walden_fom_high_fj: float
    isaac_adc_energy_pj: float
    vdd_by_node_v: dict
    sources: dict

    @property
    def nodes(self) -> tuple[int, ...]:
        """Technology nodes the scaling table covers (nm)."""
        return tuple(sorted(self.vdd_by_node_v))

    def at_node(self, node_nm: float) -> PeripheryTech:
        """The table scaled to ``node_nm`` (rules in the module docstring); ``ValueError`` for an unknown node."""
        scaled = first_order_scaling(self, node_nm, areas=_AREAS, linear=_DEVICE_CAPS + _DELAYS, energies=_ENERGIES)
        if scaled is None:
            return self
        key, v2, changes = scaled
        changes["vdd_v"] = self.vdd_by_node_v[key]
        changes["e_wire_per_bit_mm_fj"] = self.e_wire_per_bit_mm_fj * v2
        return replace(self, **changes)


def first_order_scaling(table: Any, node_nm: float, *, areas: tuple[str, ...], linear: tuple[str, ...],
                        energies: tuple[str, ...]) -> tuple[int | float, float, dict] | None:
    """The first-order (constant-field) node scaling shared by every technology table of the workbench.

    ``table`` has ``node_nm``, ``vdd_v`` and ``vdd_by_node_v``. With ``s = node_nm / table.node_nm`` and
    ``v2 = (VDD(node) / VDD_ref)^2``: ``areas`` scale by ``s^2``, ``linear`` quantities (device capacitances,
    delays) by ``s``, dynamic ``energies`` by ``s v2``.

    Returns
    -------
    None when ``node_nm`` is the table's own node, else ``(node key, v2, changes)`` where ``changes`` holds
    ``node_nm`` and the scaled fields (the caller adds its table-specific rules).

    Raises
    ------
    ValueError
        If ``node_nm`` is not in the supply table.
    """
    key = int(node_nm) if float(node_nm).is_integer() else node_nm
    if key not in table.vdd_by_node_v:
        raise ValueError(f"node_nm={node_nm!r} is not in the scaling table; allowed: {sorted(table.vdd_by_node_v)}")
    if key == table.node_nm:
        return None
    s = key / table.node_nm
    v2 = (table.vdd_by_node_v[key] / table.vdd_v) ** 2
    changes: dict = {"node_nm": key}
    changes.update({n: getattr(table, n) * s * s for n in areas})
    changes.update({n: getattr(table, n) * s for n in linear})
    changes.update({n: getattr(table, n) * s * v2 for n in energies})
    return key, v2, changes


def tech_field_names() -> tuple[str, ...]:
    """The table's entries (every field but ``sources``)."""
    return tuple(f.name for f in fields(PeripheryTech) if f.name != "sources")


@functools.lru_cache(maxsize=8)
def load_tech(name: str = DEFAULT_TECH, directory: Path | None = None) -> PeripheryTech:
    """The table ``data/presets/periphery/<name>.yaml`` as :class:`PeripheryTech` (cached; immutable).

    Raises
    ------
    ValueError
        If an entry lacks a source, or entries are missing or unknown.
    """
    tree = read_preset("periphery", name, directory)
    values, sources = {}, {}
    for section in tree.values():
        for key, entry in section.items():
            values[key] = entry["value"]
            sources[key] = entry.get("source", "")
    expected = set(tech_field_names())
    missing, unknown = sorted(expected - set(values)), sorted(set(values) - expected)
    if missing or unknown:
        raise ValueError(f"periphery table {name!r}: missing entries {missing}, unknown entries {unknown}")
    unsourced = sorted(k for k, s in sources.items() if not str(s).strip())
    if unsourced:
        raise ValueError(f"periphery table {name!r}: entries without a source: {unsourced}")
    check_preset_types(preset_path("periphery", name, directory), values, PeripheryTech)
    values["vdd_by_node_v"] = {int(k): float(v) for k, v in values["vdd_by_node_v"].items()}
    return PeripheryTech(**values, sources=sources)


def adc_bits_for_levels(levels: int) -> int:
    """Bits an ADC needs to tell ``levels`` distinct values apart: ``ceil(log2(levels))`` (at least 1)."""
    if levels < 1:
        raise ValueError(f"levels={levels!r} is not allowed; allowed: >= 1")
    return max(1, math.ceil(math.log2(levels)))


def adc(bits: int, kind: str, tech: PeripheryTech) -> CircuitCost:
    """One conversion of a ``bits``-bit ``kind`` ADC (``"sar"`` or ``"flash"``): energy, conversion time, area.

    SAR: ``B (E_cmp + E_add,bit) + 1.33 2^B C_u VDD^2``, time ``B (t_cmp + t_settle)``, area
    ``A_cmp + 2^B A_u + B A_ff``. Flash: ``(2^B - 1) E_cmp + B E_add,bit``, time ``t_cmp + B FO4``, area
    ``(2^B - 1) A_cmp + B A_ff`` (sources in the module docstring).

    Raises
    ------
    ValueError
        For ``bits`` < 1 or an unknown ``kind``.
    """
    if not (isinstance(bits, int) and bits >= 1):
        raise ValueError(f"ADC bits={bits!r} is not allowed; allowed: an integer >= 1")
    p, b = tech, bits
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
    """Walden figure of merit of the modelled ADC, ``E_conv / 2^B`` (fJ per conversion step; ENOB taken as B)."""
    return adc(bits, kind, tech).energy_fj / 2**bits


def dac(bits: int, tech: PeripheryTech, *, c_line_ff: float, v_line_v: float) -> CircuitCost:
    """One driven pulse of a ``bits``-bit input DAC / row driver onto a line of ``c_line_ff`` at ``v_line_v``.

    ``bits`` = 1 is a line driver (ISAAC's 1-bit DAC): ``C_line V^2``. More bits add a capacitor DAC,
    ``1.33 2^B C_u VDD^2`` per conversion, ``2^B`` unit capacitors of area and ``B`` settling steps of time.
    The line's own RC settling is the caller's (it belongs to the array).
    """
    if not (isinstance(bits, int) and bits >= 1):
        raise ValueError(f"DAC bits={bits!r} is not allowed; allowed: an integer >= 1")
    if c_line_ff < 0 or v_line_v < 0:
        raise ValueError(f"c_line_ff={c_line_ff!r} and v_line_v={v_line_v!r} must be >= 0")
    p = tech
    energy = c_line_ff * v_line_v**2  # fF * V^2 = fJ
    time = 2 * p.fo4_ps * 1e-3
    area = p.a_driver_um2
    if bits > 1:
        energy += p.sar_switching_factor * 2**bits * p.c_dac_unit_ff * p.vdd_v**2
        time += bits * p.t_dac_settle_ps * 1e-3
        area += 2**bits * p.a_dac_unit_um2 + bits * p.a_flipflop_um2
    return CircuitCost(energy, time, area)


def sample_hold(tech: PeripheryTech) -> CircuitCost:
    """One column sample held for the ADC (ISAAC Table II); its time hides under the array read."""
    return CircuitCost(tech.e_sample_hold_fj, 0.0, tech.a_sample_hold_um2)


def shift_add(acc_bits: int, tech: PeripheryTech) -> CircuitCost:
    """One shift-and-add of a digitised partial sum into an ``acc_bits`` accumulator (adder + register)."""
    if not (isinstance(acc_bits, int) and acc_bits >= 1):
        raise ValueError(f"acc_bits={acc_bits!r} is not allowed; allowed: an integer >= 1")
    p = tech
    energy = acc_bits * p.e_add_per_bit_fj
    time = (math.ceil(math.log2(acc_bits)) + 1) * p.fo4_ps * 1e-3
    area = acc_bits * (p.a_adder_per_bit_um2 + p.a_flipflop_um2)
    return CircuitCost(energy, time, area)


def buffer_access(bits: float, tech: PeripheryTech) -> float:
    """Energy (fJ) of reading or writing ``bits`` bits of an SRAM buffer."""
    return bits * tech.e_sram_buffer_per_bit_fj


def buffer_area_um2(bits: float, tech: PeripheryTech) -> float:
    """Area (um2) of an SRAM buffer holding ``bits`` bits."""
    return bits * tech.a_sram_buffer_per_bit_um2


def wire(bits: float, length_mm: float, tech: PeripheryTech) -> float:
    """Energy (fJ) of moving ``bits`` bits over ``length_mm`` of on-chip wire."""
    return bits * length_mm * tech.e_wire_per_bit_mm_fj
