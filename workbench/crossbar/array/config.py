"""The nested crossbar configuration (aihwkit-style): circuit, device and periphery, plus YAML presets.

Each section lives next to the model that reads it (:class:`~workbench.crossbar.array.circuit.CircuitConfig`,
:class:`~workbench.crossbar.array.device.DeviceConfig`,
:class:`~workbench.crossbar.array.peripherals.PeripheralConfig`) and
declares its fields' range, unit and help once (:func:`~workbench.core.knobs.knob_field`).

Presets live in ``data/presets/crossbar/<name>.yaml`` with one mapping per section (``circuit``, ``device``,
``peripherals``); unknown keys are errors, missing keys take the dataclass defaults. A field is a bare value or, where
the preset states where it comes from, a sourced entry as in the other themes' tables,
``{value, unit, source, plausible}`` (``plausible: {low, high, reason}`` exactly when the source is an assumption;
:func:`preset_provenance` reads them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from workbench.core.knobs import knob_field, preset_provenance, validate_config
from workbench.core.manifest import preset_path, read_preset
from workbench.core.paths import presets_dir
from workbench.crossbar.array.circuit import CircuitConfig
from workbench.crossbar.array.device import DeviceConfig
from workbench.crossbar.array.peripherals import PeripheralConfig

__all__ = ["PRESET_DIR", "CircuitConfig", "CrossbarConfig", "load_preset", "preset_sources"]

PRESET_DIR = presets_dir() / "crossbar"


@dataclass(frozen=True)
class CrossbarConfig:
    """Everything that makes a crossbar non-ideal. ``CrossbarConfig()`` is ideal: it reproduces ``x @ W.T``."""

    circuit: CircuitConfig = field(default_factory=CircuitConfig)
    """Tile size and parasitic resistances."""
    device: DeviceConfig = field(default_factory=DeviceConfig)
    """Cells: conductance range, levels, slicing, variation, noise, faults, nonlinearity."""
    peripherals: PeripheralConfig = field(default_factory=PeripheralConfig)
    """DAC, input slicing and ADC."""
    seed: int = knob_field(0, low=0, high=math.inf,
                           help="Seed of the programming variation, faults and read noise, and of the training where "
                                "a study trains its network.")

    def __post_init__(self) -> None:
        validate_config(self)

    def with_changes(self, **sections: dict) -> CrossbarConfig:
        """A copy with fields of the named sections replaced, e.g. ``with_changes(device={"program_sigma": 0.1})``."""
        changes = {}
        for section, values in sections.items():
            if section == "seed":
                changes["seed"] = values
                continue
            if section not in ("circuit", "device", "peripherals"):
                raise ValueError(f"unknown section {section!r}; sections are circuit, device, peripherals, seed")
            changes[section] = replace(getattr(self, section), **values)
        return replace(self, **changes)


_SECTIONS = {"circuit": CircuitConfig, "device": DeviceConfig, "peripherals": PeripheralConfig}


def _sourced_entries(name: str, raw: dict, directory: Path | None) -> dict[str, dict]:
    """``"section.field"`` -> the ``citation=`` / ``assumed=`` of every sourced entry of the preset ``raw``.

    Raises
    ------
    ValueError
        Naming the file and the entry when a sourced entry has no source, or an assumed one no plausible range.
    """
    out = {}
    for section in _SECTIONS:
        for key, value in (raw.get(section) or {}).items():
            if not (isinstance(value, dict) and "value" in value):
                continue
            entry = f"{section}.{key}"
            try:
                if not str(value.get("source", "")).strip():
                    raise ValueError(f"preset entry {entry!r} has a value but no source")
                out[entry] = preset_provenance(entry, str(value["source"]), value.get("plausible"))
            except ValueError as error:
                raise ValueError(f"preset {preset_path('crossbar', name, directory)}: {error}") from None
    return out


def preset_sources(name: str, directory: Path | None = None) -> dict[str, dict]:
    """Where the sourced entries of preset ``name`` come from: ``"section.field"`` -> ``{"citation": source}`` for a
    published value, or ``{"assumed": Assumed(low, high, reason)}`` for an assumption with its plausible range (the
    keyword :func:`~workbench.core.knobs.knob_field` takes)."""
    return _sourced_entries(name, read_preset("crossbar", name, directory), directory)


def load_preset(name: str, directory: Path | None = None) -> CrossbarConfig:
    """The :class:`CrossbarConfig` stored as ``<directory>/<name>.yaml`` (default: ``data/presets/crossbar``).

    Raises
    ------
    ValueError
        Naming the available presets when ``name`` is unknown, the key when a section has an unknown field, or a
        sourced entry without its source (or an assumed one without its plausible range).
    """
    raw = read_preset("crossbar", name, directory)
    unknown = sorted(set(raw) - set(_SECTIONS) - {"seed", "description", "source"})
    if unknown:
        raise ValueError(f"preset {name!r}: unknown section(s) {unknown}")
    entries = _sourced_entries(name, raw, directory)
    built = {}
    for section, cls in _SECTIONS.items():
        values = {k: v["value"] if f"{section}.{k}" in entries else v for k, v in (raw.get(section) or {}).items()}
        allowed = {f.name for f in fields(cls)}
        extra = sorted(set(values) - allowed)
        if extra:
            raise ValueError(
                f"preset {name!r}, section {section!r}: unknown field(s) {extra}; allowed {sorted(allowed)}"
            )
        try:
            built[section] = cls(**values)
        except ValueError as error:
            raise ValueError(f"preset {preset_path('crossbar', name, directory)}, section {section!r}: {error}") \
                from None
    return CrossbarConfig(**built, seed=int(raw.get("seed", 0)))
