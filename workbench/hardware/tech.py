"""The technology table of the component library: one sourced table at a reference node, scaled to other nodes.

The table is ``data/presets/hardware/cmos_32nm.yaml`` (every value with a unit and a source), loaded by
:func:`load_tech` and scaled to other nodes by :meth:`PeripheryTech.at_node` with first-order rules (areas ~ s^2,
device capacitances and delays ~ s, dynamic energies ~ s (VDD/VDD_ref)^2, wire energy per bit-mm ~ (VDD/VDD_ref)^2
with s = node / node_ref). The circuits priced from it are in :mod:`workbench.hardware.analog` (converters,
drivers, sense amplifiers), :mod:`workbench.hardware.digital` (adders, multipliers, registers, decoders, the core)
and :mod:`workbench.hardware.memory` (SRAM / eDRAM buffers, register files, wires, buses, routers).

This package is below the themes (``themes -> hardware -> core``): it imports no theme.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

from workbench.core.manifest import check_preset_entries, preset_path, read_preset

__all__ = ["DEFAULT_TECH", "CircuitCost", "PeripheryTech", "first_order_scaling", "load_tech"]

DEFAULT_TECH = "cmos_32nm"

# Scaling groups (see the module docstring); names not listed do not scale.
_AREAS = ("a_comparator_um2", "a_dac_unit_um2", "a_adder_per_bit_um2", "a_flipflop_um2", "a_sample_hold_um2",
          "a_sram_buffer_per_bit_um2", "a_edram_per_bit_um2", "a_per_um_width_um2")
_DEVICE_CAPS = ("c_dac_unit_ff", "c_flipflop_ff", "w_inv_min_um")
_DELAYS = ("fo4_ps", "t_comparator_ps", "t_dac_settle_ps")
_ENERGIES = ("e_comparator_fj", "e_add_per_bit_fj", "e_mult_per_bit2_fj", "e_ternary_mult_fj",
             "e_sram_buffer_per_bit_fj", "e_sample_hold_fj")


class CircuitCost(NamedTuple):
    """Cost of one circuit event: energy (fJ), time (ns) and the circuit's area (um2)."""

    energy_fj: float
    time_ns: float
    area_um2: float


@dataclass(frozen=True)
class PeripheryTech:
    """Technology parameters of the component library (units in the names; sources in the YAML table)."""

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
    c_gate_ff_per_um: float
    w_inv_min_um: float
    gamma_drain: float
    stage_effort: float
    r_on_ohm_um: float
    a_per_um_width_um2: float
    c_flipflop_ff: float
    driver_drop_fraction: float
    e_sample_hold_fj: float
    a_sample_hold_um2: float
    e_add_per_bit_fj: float
    e_mult_per_bit2_fj: float
    e_ternary_mult_fj: float
    a_adder_per_bit_um2: float
    a_flipflop_um2: float
    e_sram_buffer_per_bit_fj: float
    a_sram_buffer_per_bit_um2: float
    a_edram_per_bit_um2: float
    i_leak_sram_cell_pa: float
    e_wire_per_bit_mm_fj: float
    c_wire_ff_per_um: float
    j_max_ma_per_um2: float
    wire_pitch_um: float
    wire_aspect_ratio: float
    core_word_bits: int
    core_registers: int
    core_stages: int
    core_icache_kb: float
    core_dcache_kb: float
    core_control_fraction: float
    walden_fom_low_fj: float
    walden_fom_high_fj: float
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
    """The table ``data/presets/hardware/<name>.yaml`` as :class:`PeripheryTech` (cached; immutable).

    Raises
    ------
    ValueError
        If an entry lacks a source, or entries are missing or unknown.
    """
    tree = read_preset("hardware", name, directory)
    values, sources = {}, {}
    for section in tree.values():
        for key, entry in section.items():
            values[key] = entry["value"]
            sources[key] = entry.get("source", "")
    check_preset_entries(f"hardware table {name!r}", preset_path("hardware", name, directory), values, sources,
                         PeripheryTech, tech_field_names())
    values["vdd_by_node_v"] = {int(k): float(v) for k, v in values["vdd_by_node_v"].items()}
    return PeripheryTech(**values, sources=sources)
