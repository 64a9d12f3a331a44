"""Digital circuits of the component library: adders, shift-and-add, multipliers, MACs, registers, decoders.

Formulas (first order; constants in ``data/presets/hardware/cmos_32nm.yaml``):

* **Adder**: ``n E_add,bit`` (M. Horowitz, ISSCC 2014, energy per bit of a 32-bit add); carry-lookahead time
  ``(ceil(log2 n) + 1)`` FO4; area ``n`` full-adder cells.
* **Multiplier**: ``n m`` partial-product bits at ``E_mult,bit2`` each (Horowitz's 32-bit multiply per
  partial-product bit: the array's energy grows with its ``n m`` cells); a Wallace tree of ``ceil(log2(n m)) + 2``
  FO4; area ``n m`` full-adder cells.
* **Register**: ``n`` flip-flops switching ``C_ff VDD^2`` per clocked bit.
* **Shift-and-add**: an ``acc_bits`` add into an ``acc_bits`` register; **MAC**: a multiply, an add and the
  accumulator register.
* **Ternary multiplier** (operands in {-1, 0, 1}, as TiM-DNN's near-memory processing elements): sign and zero logic
  of ~4 gates, ``E_ternary`` per product (an assumed table entry); two gate delays; four NAND2 + inverter pairs.
* **Row / column decoder** (Rabaey, *Digital Integrated Circuits*, ch. 12; predecoding as in CACTI): ``n = ceil(log2
  outputs)`` address bits into ``ceil(n/2)`` 2-to-4 predecoders; per decoded address one predecoded line per group
  switches, loaded by ``outputs/4`` NAND2 inputs (logical effort 4/3) and a wire along the decoder, plus the address
  drivers; the wordline-enable line across all ``outputs`` final gates switches once per access whatever the number
  of active rows. A multi-row decoder (``active`` rows from ``active`` addresses, as STT-CiM's two-wordline read)
  repeats the per-address part only. The wordline drivers are the caller's (they load the array's lines).
"""

from __future__ import annotations

import math

from workbench.hardware.tech import CircuitCost, PeripheryTech

__all__ = ["adder", "decoder", "mac", "multiplier", "register", "shift_add", "ternary_multiplier"]

#: Logical effort of a NAND2 input (Sutherland, Sproull and Harris, Logical Effort, 1999, Table 1.1).
NAND2_EFFORT = 4 / 3


def _check_width(name: str, bits) -> None:
    if not (isinstance(bits, int) and bits >= 1):
        raise ValueError(f"{name}={bits!r} is not allowed; allowed: an integer >= 1")


def adder(bits: int, tech: PeripheryTech) -> CircuitCost:
    """One ``bits``-wide integer add."""
    _check_width("bits", bits)
    p = tech
    return CircuitCost(bits * p.e_add_per_bit_fj, (math.ceil(math.log2(bits)) + 1) * p.fo4_ps * 1e-3,
                       bits * p.a_adder_per_bit_um2)


def register(bits: int, tech: PeripheryTech) -> CircuitCost:
    """One clocked write of a ``bits``-wide register."""
    _check_width("bits", bits)
    p = tech
    return CircuitCost(bits * p.c_flipflop_ff * p.vdd_v**2, 2 * p.fo4_ps * 1e-3, bits * p.a_flipflop_um2)


def multiplier(bits: int, other_bits: int, tech: PeripheryTech) -> CircuitCost:
    """One ``bits`` x ``other_bits`` integer multiply (module docstring)."""
    _check_width("bits", bits)
    _check_width("other_bits", other_bits)
    p, cells = tech, bits * other_bits
    return CircuitCost(cells * p.e_mult_per_bit2_fj, (math.ceil(math.log2(cells)) + 2) * p.fo4_ps * 1e-3,
                       cells * p.a_adder_per_bit_um2)


def ternary_multiplier(tech: PeripheryTech) -> CircuitCost:
    """One signed ternary product (module docstring)."""
    p = tech
    return CircuitCost(p.e_ternary_mult_fj, 2 * p.fo4_ps * 1e-3, 4 * _gate_um2(p))


def _gate_um2(tech: PeripheryTech) -> float:
    """Area of a minimum NAND2 and an inverter (transistor widths 2 x 4/3 and 2 x 1 minimum widths)."""
    return 2 * (NAND2_EFFORT + 1) * tech.w_inv_min_um * tech.a_per_um_width_um2


def shift_add(acc_bits: int, tech: PeripheryTech) -> CircuitCost:
    """One shift-and-add of a digitised partial sum into an ``acc_bits`` accumulator: the add and the register
    write (the shift is wiring)."""
    _check_width("acc_bits", acc_bits)
    add, reg = adder(acc_bits, tech), register(acc_bits, tech)
    return CircuitCost(add.energy_fj + reg.energy_fj, add.time_ns, add.area_um2 + reg.area_um2)


def mac(bits: int, acc_bits: int, tech: PeripheryTech) -> CircuitCost:
    """One ``bits`` x ``bits`` multiply-accumulate into an ``acc_bits`` accumulator."""
    mult, acc = multiplier(bits, bits, tech), shift_add(acc_bits, tech)
    return CircuitCost(mult.energy_fj + acc.energy_fj, mult.time_ns + acc.time_ns, mult.area_um2 + acc.area_um2)


def decoder(outputs: int, tech: PeripheryTech, *, pitch_um: float, active: int = 1) -> CircuitCost:
    """One access of a decoder of ``outputs`` lines at ``pitch_um`` per line, ``active`` of them selected by as
    many addresses (module docstring): energy (fJ), time (ns) and area (um2).

    Raises
    ------
    ValueError
        For fewer than 2 outputs, ``active`` outside 1..outputs or a negative pitch.
    """
    _check_width("active", active)
    if not (isinstance(outputs, int) and outputs >= 2) or active > outputs or pitch_um < 0:
        raise ValueError(f"outputs={outputs!r}, active={active!r}, pitch_um={pitch_um!r}; allowed: outputs >= 2, "
                         "1 <= active <= outputs, pitch_um >= 0")
    p = tech
    n = math.ceil(math.log2(outputs))
    groups = math.ceil(n / 2)
    c_in = p.w_inv_min_um * p.c_gate_ff_per_um
    wire_ff = outputs * pitch_um * p.c_wire_ff_per_um
    line_ff = outputs / 4 * NAND2_EFFORT * c_in + wire_ff  # one predecoded line
    address_ff = n * 2 * NAND2_EFFORT * c_in * (1 + p.gamma_drain)  # true and complement into a predecoder
    enable_ff = outputs * c_in + wire_ff
    energy = p.vdd_v**2 * (active * (groups * line_ff + address_ff) + enable_ff)
    stages = 2 + math.ceil(math.log(max(line_ff / c_in, 1.0), p.stage_effort))
    area = (outputs + 4 * groups) * _gate_um2(p)  # a NAND2 + inverter per output and predecoded line
    return CircuitCost(energy, stages * p.fo4_ps * 1e-3, area)
