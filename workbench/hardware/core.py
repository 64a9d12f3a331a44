"""A simple in-order core of the component library: energy per instruction class, built from its components.

One instruction of a single-issue ``core_stages``-stage pipeline with a ``core_word_bits`` datapath (Hennessy and
Patterson, *Computer Architecture*, App. C) costs: an instruction fetch (one word from a ``core_icache_kb`` SRAM),
two register-file reads and one write (``core_registers`` entries), its pipeline registers (two words per stage
boundary), its execute unit (an adder for ``alu``, ``branch``, ``load`` and ``store`` address arithmetic, a
multiplier for ``mul``), all times ``1 + core_control_fraction`` for control, clock tree and bypass, plus, for
``load`` and ``store``, one data word from a ``core_dcache_kb`` SRAM (``data_cache=False``: the caller prices the
data memory itself, as the MRAM system does). Constants: ``data/presets/hardware/cmos_32nm.yaml`` (``core``).
"""

from __future__ import annotations

from workbench.hardware.digital import adder, multiplier, register
from workbench.hardware.memory import memory, register_file
from workbench.hardware.tech import CircuitCost, PeripheryTech

__all__ = ["INSTRUCTION_CLASSES", "core_area_um2", "core_instruction"]

INSTRUCTION_CLASSES = ("alu", "mul", "load", "store", "branch")
_BITS_PER_KB = 8 * 1024


def core_instruction(kind: str, tech: PeripheryTech, *, data_cache: bool = True) -> CircuitCost:
    """Energy (fJ) of one instruction of class ``kind`` (:data:`INSTRUCTION_CLASSES`), the execute unit's time (ns)
    and the core's area (um2, :func:`core_area_um2`).

    Raises
    ------
    ValueError
        For an unknown class.
    """
    if kind not in INSTRUCTION_CLASSES:
        raise ValueError(f"instruction class {kind!r} is not allowed; allowed: {list(INSTRUCTION_CLASSES)}")
    p = tech
    w = p.core_word_bits
    fetch = memory(w, p.core_icache_kb * _BITS_PER_KB, p)
    regs = register_file(w, p.core_registers, p)
    pipeline = register(2 * w * (p.core_stages - 1), p)
    execute = multiplier(w, w, p) if kind == "mul" else adder(w, p)
    datapath = fetch.energy_fj + 3 * regs.energy_fj + pipeline.energy_fj + execute.energy_fj
    energy = (1 + p.core_control_fraction) * datapath
    if kind in ("load", "store") and data_cache:
        energy += memory(w, p.core_dcache_kb * _BITS_PER_KB, p).energy_fj
    return CircuitCost(energy, execute.time_ns, core_area_um2(p))


def core_area_um2(tech: PeripheryTech) -> float:
    """Area (um2) of the core: both caches, the register file, adder, multiplier and pipeline registers, times
    ``1 + core_control_fraction``."""
    p = tech
    w = p.core_word_bits
    caches = sum(memory(w, kb * _BITS_PER_KB, p).area_um2 for kb in (p.core_icache_kb, p.core_dcache_kb))
    logic = (register_file(w, p.core_registers, p).area_um2 + adder(w, p).area_um2 + multiplier(w, w, p).area_um2
             + register(2 * w * (p.core_stages - 1), p).area_um2)
    return caches + (1 + p.core_control_fraction) * logic
