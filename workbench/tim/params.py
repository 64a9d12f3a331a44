"""Technology parameter table of the TiM-DNN model: load ``data/presets/tim/*.yaml`` and scale it to another node.

Every number of the architecture model comes from this table; each entry carries its unit and its source (a
publication or a stated assumption) in the YAML file. The entries TiM shares with the other themes (supply, FO4,
wires, comparators, SAR CDAC, adders, flip-flops, SRAM buffers) live once in the periphery table
``data/presets/hardware/cmos_32nm.yaml`` (:mod:`workbench.hardware.tech`) and are merged in here. Scaling to another
node follows first-order (constant-field style) rules implemented in :meth:`TechConfig.at_node`, which takes the
shared entries from :meth:`workbench.hardware.tech.PeripheryTech.at_node`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from workbench.core.knobs import preset_provenance
from workbench.core.manifest import check_preset_entries, preset_path, read_preset
from workbench.hardware.tech import DEFAULT_TECH, PeripheryTech, first_order_scaling, load_tech

DEFAULT_PRESET = "tim_32nm"

#: Entries read from the shared periphery table (and scaled by its rules).
SHARED = ("vdd_v", "fo4_ps", "c_wire_ff_per_um", "e_comparator_fj", "a_comparator_um2", "t_comparator_ps",
          "c_dac_unit_ff", "a_dac_unit_um2", "t_dac_settle_ps", "sar_switching_factor", "e_add_per_bit_fj",
          "a_adder_per_bit_um2", "a_flipflop_um2", "e_sram_buffer_per_bit_fj", "a_sram_buffer_per_bit_um2",
          "e_wire_per_bit_mm_fj", "vdd_by_node_v")
_AREAS = ("sram_6t_cell_um2", "read_transistor_um2", "a_wl_driver_um2", "a_precharge_um2")
_DEVICE_CAPS = ("c_drain_ff", "c_gate_ff")
_DELAYS = ("sfu_clock_ns",)
_ENERGIES = ("e_mult8_fj", "e_sfu_op_fj")


@dataclass(frozen=True)
class TechConfig:
    """Per-component technology parameters (units in the field names; sources in the YAML preset).

    Field groups: ``technology`` (node, supply, FO4), ``cell`` (TPC geometry, parasitics, read current and its
    spread, leakage), ``sensing`` (comparator offset, sense margin, precharge current, swing limits), ``digital``
    (multipliers, special-function unit, periphery areas, accumulator width, PCU sharing, conversion pipelining),
    ``buffers`` (SRAM buffers, wires, routing), ``activity`` (default operand densities) and ``gpu_reference``
    (V100 datasheet numbers). ``sources`` maps every field to its stated source, ``plausible`` each assumed entry
    that declares one to its ``{low, high, reason}``.
    """

    node_nm: float
    sram_6t_cell_um2: float
    read_transistor_um2: float
    tpc_read_transistors: int
    tpc_aspect: float
    c_drain_ff: float
    c_gate_ff: float
    r_wire_ohm_per_um: float
    i_read_ua: float
    sigma_i_read_rel: float
    i_leak_per_bit_na: float
    sigma_offset_mv: float
    sense_margin_sigma: float
    i_precharge_ua: float
    max_swing_fraction: float
    dv_sense_mv: float
    e_mult8_fj: float
    e_sfu_op_fj: float
    sfu_clock_ns: float
    a_wl_driver_um2: float
    a_precharge_um2: float
    acc_bits: int
    cols_per_pcu: int
    conversion_pipelined: bool
    input_buffer_kb_per_tile: float
    global_buffer_kb: float
    routing_overhead_fraction: float
    input_density: float
    weight_density: float
    v100_peak_tops: float
    v100_power_w: float
    v100_area_mm2: float
    sources: dict
    plausible: dict
    periphery: PeripheryTech
    """The shared periphery table at the same node: the entries in :data:`SHARED` are its own, read through it."""

    def __getattr__(self, name: str) -> Any:
        """An entry of :data:`SHARED` (``tech.vdd_v``) is the periphery table's, declared once there."""
        if name in SHARED:
            return getattr(self.periphery, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def provenance(self, name: str) -> dict[str, Any]:
        """``citation=`` or ``assumed=`` of entry ``name`` for :func:`~workbench.core.knobs.knob_field`
        (:func:`~workbench.core.knobs.preset_provenance`)."""
        return preset_provenance(name, self.sources[name], self.plausible.get(name))

    @property
    def nodes(self) -> tuple[int, ...]:
        """Technology nodes the scaling table covers (nm)."""
        return tuple(sorted(self.vdd_by_node_v))

    def at_node(self, node_nm: float) -> TechConfig:
        """The table scaled to ``node_nm`` with the first-order rules of the YAML ``scaling`` section.

        With ``s = node_nm / node_ref``: areas ~ s^2, device capacitances ~ s, wire capacitance per um unchanged,
        wire resistance per um ~ 1/s^2, delays ~ s, dynamic energies ~ s (VDD/VDD_ref)^2, wire energy per bit-mm ~
        (VDD/VDD_ref)^2, read and precharge currents ~ s (device width); leakage per bit, the comparator offset
        and the relative cell-current spread unchanged (a first-order simplification: Pelgrom mismatch grows as
        devices shrink).

        Raises
        ------
        ValueError
            If ``node_nm`` is not in the supply table.
        """
        scaled = first_order_scaling(self, node_nm, areas=_AREAS, linear=_DEVICE_CAPS + _DELAYS, energies=_ENERGIES)
        if scaled is None:
            return self
        key, _, changes = scaled
        s = key / self.node_nm
        changes["periphery"] = self.periphery.at_node(key)
        changes["r_wire_ohm_per_um"] = self.r_wire_ohm_per_um / (s * s)
        changes["i_read_ua"] = self.i_read_ua * s
        changes["i_precharge_ua"] = self.i_precharge_ua * s
        return replace(self, **changes)


def _flatten(tree: dict) -> tuple[dict, dict, dict]:
    values, sources, plausible = {}, {}, {}
    for section in tree.values():
        for name, entry in section.items():
            values[name] = entry["value"]
            sources[name] = entry.get("source", "")
            if "plausible" in entry:
                plausible[name] = entry["plausible"]
    return values, sources, plausible


@functools.lru_cache(maxsize=8)
def load_params(name: str = DEFAULT_PRESET, directory: Path | None = None,
                periphery: str = DEFAULT_TECH) -> TechConfig:
    """The preset ``data/presets/tim/<name>.yaml`` (or ``<directory>/<name>.yaml``) merged with the shared periphery
    table ``data/presets/hardware/<periphery>.yaml``, as :class:`TechConfig` (cached; the result is immutable).

    Raises
    ------
    ValueError
        If an entry lacks a source, fields are missing or unknown, a shared entry is repeated in the TiM preset, or
        the two tables are at different nodes.
    """
    tree = read_preset("tim", name, directory)
    values, sources, plausible = _flatten(tree)
    repeated = sorted(set(values) & set(SHARED))
    if repeated:
        raise ValueError(f"tim preset {name!r}: entries {repeated} belong to the shared periphery table "
                         f"{periphery!r}; declare them once, there")
    shared = load_tech(periphery)
    if "node_nm" in values and values["node_nm"] != shared.node_nm:
        raise ValueError(f"tim preset {name!r}: node_nm={values['node_nm']} differs from the periphery table's "
                         f"node_nm={shared.node_nm}; allowed: the same reference node")
    sources.update({n: shared.sources[n] for n in SHARED})
    check_preset_entries(f"tim preset {name!r}", preset_path("tim", name, directory), values, sources, TechConfig,
                         {f.name for f in fields(TechConfig)} - {"sources", "plausible", "periphery"})
    return TechConfig(**values, sources=sources, plausible=plausible, periphery=shared)
