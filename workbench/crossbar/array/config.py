"""The nested crossbar configuration (aihwkit-style): circuit, device and periphery, plus YAML presets.

Each section lives next to the model that reads it (:class:`~workbench.crossbar.array.circuit.CircuitConfig`,
:class:`~workbench.crossbar.array.device.DeviceConfig`,
:class:`~workbench.crossbar.array.peripherals.PeripheralConfig`) and
declares its fields' range, unit and help once (:func:`~workbench.core.knobs.knob_field`).

Presets live in ``data/presets/crossbar/<name>.yaml`` with one mapping per section (``circuit``, ``device``,
``peripherals``); unknown keys are errors, missing keys take the dataclass defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from workbench.core.knobs import knob_field, validate_config
from workbench.core.manifest import preset_path, read_preset
from workbench.core.paths import presets_dir
from workbench.crossbar.array.circuit import CircuitConfig
from workbench.crossbar.array.device import DeviceConfig
from workbench.crossbar.array.peripherals import PeripheralConfig

__all__ = ["PRESET_DIR", "CircuitConfig", "CrossbarConfig", "load_preset"]

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
    seed: int = knob_field(0, low=0, high=math.inf, help="Seed of the programming variation, faults and read noise.")

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


def load_preset(name: str, directory: Path | None = None) -> CrossbarConfig:
    """The :class:`CrossbarConfig` stored as ``<directory>/<name>.yaml`` (default: ``data/presets/crossbar``).

    Raises
    ------
    ValueError
        Naming the available presets when ``name`` is unknown, or the key when a section has an unknown field.
    """
    raw = read_preset("crossbar", name, directory)
    sections = {"circuit": CircuitConfig, "device": DeviceConfig, "peripherals": PeripheralConfig}
    unknown = sorted(set(raw) - set(sections) - {"seed", "description", "source"})
    if unknown:
        raise ValueError(f"preset {name!r}: unknown section(s) {unknown}")
    built = {}
    for section, cls in sections.items():
        values = raw.get(section) or {}
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
