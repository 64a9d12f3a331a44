"""Sourced parameter tables of the MRAM theme: ``data/presets/mram/*.yaml`` -> config dataclasses.

Every entry of a preset is ``{value, unit, source}``; a value without a source is refused. Presets:

* ``pma_cofeb``: perpendicular CoFeB/MgO free layer + MTJ (STT-MRAM and VSH-MRAM),
* ``inplane_cofeb``: in-plane CoFeB free layer + MTJ (GSH-MRAM),
* ``write_paths``: STT polarisation, heavy metal (GSH), gated WSe2 channel (VSH),
* ``array_45nm``: transistors, cells, sensing, write driver and system numbers.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields, replace

from workbench.core.knobs import preset_provenance
from workbench.core.manifest import check_preset_types, preset_path, read_preset
from workbench.mram.llg import Magnet


def _flatten(theme_name: str, tree: dict) -> tuple[dict, dict, dict]:
    """``{section: {name: value}}``, ``{name: source}``, ``{name: unit}``; ValueError for an unsourced entry."""
    values, sources, units = {}, {}, {}
    for section, entries in tree.items():
        values[section] = {}
        for name, entry in entries.items():
            if not isinstance(entry, dict) or "value" not in entry:
                raise ValueError(f"mram preset {theme_name!r}: {section}.{name} must be {{value, unit, source}}")
            if not str(entry.get("source", "")).strip():
                raise ValueError(f"mram preset {theme_name!r}: {section}.{name} has no source")
            values[section][name] = entry["value"]
            sources[f"{section}.{name}"] = entry["source"]
            units[f"{section}.{name}"] = entry.get("unit", "")
    return values, sources, units


@functools.lru_cache(maxsize=16)
def preset_values(name: str) -> tuple[dict, dict, dict]:
    """The preset ``data/presets/mram/<name>.yaml`` flattened to (values by section, sources, units) (cached)."""
    return _flatten(name, read_preset("mram", name))


@dataclass(frozen=True)
class MTJ:
    """Magnetic tunnel junction read stack.

    Parameters
    ----------
    ra_ohm_um2 : float
        Resistance-area product of the parallel state (ohm um^2), > 0.
    tmr : float
        Zero-bias tunnel magnetoresistance (R_AP - R_P) / R_P, >= 0.
    v_half_v : float
        Bias at which the TMR halves, ``TMR(V) = TMR0 / (1 + (V / V_h)^2)`` (V), > 0.
    area_m2 : float
        Junction area (the free layer's footprint).
    """

    ra_ohm_um2: float
    tmr: float
    v_half_v: float
    area_m2: float

    def __post_init__(self) -> None:
        for name in ("ra_ohm_um2", "v_half_v", "area_m2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name}={value!r} is not physical; allowed: > 0")
        if not (math.isfinite(self.tmr) and self.tmr >= 0):
            raise ValueError(f"tmr={self.tmr!r} is not physical; allowed: TMR >= 0")

    @property
    def r_p_ohm(self) -> float:
        """Parallel-state resistance RA / A (ohm)."""
        return self.ra_ohm_um2 / (self.area_m2 * 1e12)

    def tmr_at(self, v: float) -> float:
        """TMR at bias ``v`` (V): ``TMR0 / (1 + (v / V_h)^2)`` (empirical, Yuasa & Djayaprawira 2007)."""
        return self.tmr / (1 + (v / self.v_half_v) ** 2)

    def r_ap_ohm(self, v: float = 0.0) -> float:
        """Antiparallel-state resistance at bias ``v`` (ohm)."""
        return self.r_p_ohm * (1 + self.tmr_at(v))


def load_magnet(preset: str = "pma_cofeb", **overrides) -> Magnet:
    """The preset's free layer as a :class:`~workbench.mram.llg.Magnet`; ``overrides`` replace fields (knobs)."""
    values = dict(preset_values(preset)[0]["magnet"])
    check_preset_types(preset_path("mram", preset), values, Magnet)
    values.update(overrides)
    names = {f.name for f in fields(Magnet)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValueError(f"mram preset {preset!r}: unknown magnet entries {unknown}")
    return Magnet(**{k: (float(v) if k not in ("anisotropy",) else v) for k, v in values.items()})


def load_mtj(preset: str = "pma_cofeb", magnet: Magnet | None = None, **overrides) -> MTJ:
    """The preset's MTJ on ``magnet``'s footprint (default the preset's magnet)."""
    stored = preset_values(preset)[0]["mtj"]
    check_preset_types(preset_path("mram", preset), stored, MTJ)
    values = {k: float(v) for k, v in stored.items()}
    values.update(overrides)
    magnet = magnet if magnet is not None else load_magnet(preset)
    return MTJ(area_m2=magnet.area_m2, **values)


def section(preset: str, name: str) -> dict:
    """One section of a preset as ``{entry: value}``."""
    return dict(preset_values(preset)[0][name])


def source(preset: str, entry: str) -> str:
    """The stated source of ``section.entry`` in a preset."""
    return preset_values(preset)[1][entry]


def provenance(preset: str, entry: str) -> dict:
    """``citation=`` or ``assumed=`` of entry ``"section.name"`` of a preset for
    :func:`~workbench.core.knobs.knob_field` (its ``source`` and ``plausible``; declared once, in the YAML file)."""
    section_name, name = entry.split(".")
    raw = read_preset("mram", preset)[section_name][name]
    return preset_provenance(entry, raw["source"], raw.get("plausible"))


__all__ = ["MTJ", "load_magnet", "load_mtj", "section", "source", "preset_values", "provenance", "replace"]
