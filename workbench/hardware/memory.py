"""Storage and interconnect of the component library: SRAM / eDRAM buffers, register files, wires, buses, routers.

Formulas (first order; constants in ``data/presets/hardware/cmos_32nm.yaml``):

* **SRAM / eDRAM buffer** of ``capacity`` bits, ``width`` bits per access: the sub-array read of ``width`` bits at
  the table's energy per bit (Horowitz ISSCC 2014, 64-bit read of an 8 KB SRAM) plus the H-tree that carries the
  ``width`` data and ``log2(capacity / width)`` address bits across the macro's side ``sqrt(capacity A_bit)`` at the
  wire energy per bit and mm (the term that grows with capacity; CACTI's H-tree, Muralimanohar et al., HP Labs
  2009). eDRAM: the same access energy per bit (assumption), its denser cell; leakage ``capacity I_cell VDD``
  (SRAM; eDRAM refresh not modelled). Time: the decoder of a 256-row sub-array and the H-tree's repeated wire at
  one FO4 per 0.1 mm (repeated global wire ~ 50-100 ps/mm, ITRS 2009).
* **Register file** of ``entries x width`` flip-flops: the read bitline of each bit has one drain per entry
  (full swing, half the bits toggle) and a ``entries``-output decoder selects the entry.
* **Wire**: ``bits x length x E_wire,bit-mm``; **bus**: a driven wire, plus its drivers' own switched capacitance
  ``(1 + gamma) / (f - 1)`` of the load (Logical Effort); **router**: a flit written into and read from an input
  buffer (register file) and crossing a ``ports x ports`` matrix crossbar whose lines span ``ports x flit`` wire
  pitches (Dally and Towles, *Principles and Practices of Interconnection Networks*, ch. 16-17; allocators
  neglected).
"""

from __future__ import annotations

import math

from workbench.hardware.digital import decoder
from workbench.hardware.tech import CircuitCost, PeripheryTech

__all__ = ["MEMORY_KINDS", "bus", "memory", "memory_leakage_w", "register_file", "router", "wire"]

MEMORY_KINDS = ("sram", "edram")
#: Rows of one sub-array (CACTI's usual 256-512): sets the decode depth of a buffer access.
_SUBARRAY_ROWS = 256
#: One FO4 per this length (mm) of repeated wire (~50-100 ps/mm for a repeated global wire, ITRS 2009).
_REPEATED_MM_PER_FO4 = 0.1


def _bit_area_um2(kind: str, tech: PeripheryTech) -> float:
    if kind == "sram":
        return tech.a_sram_buffer_per_bit_um2
    if kind == "edram":
        return tech.a_edram_per_bit_um2
    raise ValueError(f"memory kind {kind!r} is not allowed; allowed: {list(MEMORY_KINDS)}")


def memory(width: int, capacity_bits: float, tech: PeripheryTech, kind: str = "sram") -> CircuitCost:
    """One access (read or write) of ``width`` bits of a ``capacity_bits`` ``kind`` buffer (module docstring):
    energy (fJ), time (ns), the macro's area (um2). A capacity below ``width`` is taken as ``width``.

    Raises
    ------
    ValueError
        For ``width`` < 1 or an unknown kind.
    """
    if not (isinstance(width, int) and width >= 1):
        raise ValueError(f"width={width!r} is not allowed; allowed: an integer >= 1")
    p = tech
    capacity = max(float(capacity_bits), float(width))
    area = capacity * _bit_area_um2(kind, p)
    side_mm = math.sqrt(area) * 1e-3
    address_bits = math.ceil(math.log2(capacity / width)) if capacity > width else 0
    energy = width * p.e_sram_buffer_per_bit_fj + (width + address_bits) * side_mm * p.e_wire_per_bit_mm_fj
    decode = decoder(_SUBARRAY_ROWS, p, pitch_um=0.0)
    time = decode.time_ns + side_mm / _REPEATED_MM_PER_FO4 * p.fo4_ps * 1e-3
    return CircuitCost(energy, time, area)


def memory_leakage_w(capacity_bits: float, tech: PeripheryTech) -> float:
    """Leakage power (W) of ``capacity_bits`` SRAM cells."""
    return capacity_bits * tech.i_leak_sram_cell_pa * 1e-12 * tech.vdd_v


def register_file(width: int, entries: int, tech: PeripheryTech) -> CircuitCost:
    """One read or write of a ``width``-bit entry of an ``entries``-entry register file (module docstring)."""
    if not (isinstance(width, int) and width >= 1 and isinstance(entries, int) and entries >= 2):
        raise ValueError(f"width={width!r}, entries={entries!r}; allowed: width >= 1, entries >= 2")
    p = tech
    c_in = p.w_inv_min_um * p.c_gate_ff_per_um
    bitline_ff = (entries * p.gamma_drain + 1) * c_in
    select = decoder(entries, p, pitch_um=math.sqrt(p.a_flipflop_um2))
    energy = 0.5 * width * bitline_ff * p.vdd_v**2 + select.energy_fj
    area = width * entries * p.a_flipflop_um2 + select.area_um2
    return CircuitCost(energy, select.time_ns + 2 * p.fo4_ps * 1e-3, area)


def wire(bits: float, length_mm: float, tech: PeripheryTech) -> float:
    """Energy (fJ) of moving ``bits`` bits over ``length_mm`` of on-chip wire."""
    return bits * length_mm * tech.e_wire_per_bit_mm_fj


def bus(bits: int, length_mm: float, tech: PeripheryTech) -> CircuitCost:
    """One transfer of ``bits`` over a ``length_mm`` bus: the wires, their drivers; area ``bits`` wire pitches
    times the length."""
    p = tech
    energy = wire(bits, length_mm, p) * (1 + (1 + p.gamma_drain) / (p.stage_effort - 1))
    time = length_mm / _REPEATED_MM_PER_FO4 * p.fo4_ps * 1e-3
    return CircuitCost(energy, time, bits * p.wire_pitch_um * length_mm * 1e3)


def router(flit_bits: int, tech: PeripheryTech, *, ports: int, buffer_flits: int) -> CircuitCost:
    """One flit of ``flit_bits`` through a ``ports``-port router with ``buffer_flits`` flits of input buffer per
    port (module docstring)."""
    if not (isinstance(ports, int) and ports >= 2):
        raise ValueError(f"ports={ports!r} is not allowed; allowed: an integer >= 2")
    p = tech
    buffer = register_file(flit_bits, buffer_flits, p)
    span_mm = ports * flit_bits * p.wire_pitch_um * 1e-3
    energy = 2 * buffer.energy_fj + wire(flit_bits, 2 * span_mm, p)
    area = ports * buffer.area_um2 + (span_mm * 1e3) ** 2
    return CircuitCost(energy, buffer.time_ns + 2 * span_mm / _REPEATED_MM_PER_FO4 * p.fo4_ps * 1e-3, area)
