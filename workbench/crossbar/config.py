"""The nested crossbar configuration (aihwkit-style): circuit, device and periphery, plus YAML presets.

Presets live in ``data/presets/crossbar/<name>.yaml`` with one mapping per section (``circuit``, ``device``,
``peripherals``); unknown keys are errors, missing keys take the dataclass defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from workbench.core.manifest import read_preset
from workbench.core.paths import presets_dir
from workbench.crossbar.device import DeviceConfig
from workbench.crossbar.fast import MODELS
from workbench.crossbar.peripherals import PeripheralConfig

__all__ = ["PRESET_DIR", "CircuitConfig", "CrossbarConfig", "load_preset"]

PRESET_DIR = presets_dir() / "crossbar"


@dataclass(frozen=True)
class CircuitConfig:
    """Array size and parasitics. Defaults: ideal wiring (every resistance 0), 64 x 64 tiles."""

    rows: int = 64
    """Rows (inputs) per crossbar tile."""
    cols: int = 64
    """Columns (outputs) per crossbar tile."""
    r_wire_row_ohm: float = 0.0
    """Resistance of one row-wire segment between adjacent cells (ohm)."""
    r_wire_col_ohm: float = 0.0
    """Resistance of one column-wire segment between adjacent cells (ohm)."""
    r_driver_ohm: float = 0.0
    """Output resistance of each row driver (ohm)."""
    r_sense_ohm: float = 0.0
    """Input resistance of each column's sensing circuit to virtual ground (ohm)."""
    model: str = "exact"
    """How ``G_eff`` is computed: ``"exact"`` (nodal analysis), ``"cumulative"``, ``"diagonal"`` or ``"ideal"``."""
    v_op_fraction: float = 0.5
    """Nonlinear cells only: they are linearised with every row at ``v_op_fraction * v_read`` (dimensionless)."""

    def __post_init__(self) -> None:
        for name in ("rows", "cols"):
            value = getattr(self, name)
            if not (isinstance(value, int) and 1 <= value <= 1024):
                raise ValueError(f"{name}={value!r} is not allowed; allowed: an integer from 1 to 1024")
        for name in ("r_wire_row_ohm", "r_wire_col_ohm", "r_driver_ohm", "r_sense_ohm"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}={value!r} is not allowed; allowed: a finite resistance >= 0 ohm")
        if self.model not in MODELS:
            raise ValueError(f"model={self.model!r} is not allowed; allowed: one of {MODELS}")
        if not 0 <= self.v_op_fraction <= 1:
            raise ValueError(f"v_op_fraction={self.v_op_fraction!r} is not allowed; allowed: 0 to 1")

    def parasitics(self) -> dict[str, float]:
        """Keyword arguments for :func:`~workbench.crossbar.circuit.solve_crossbar` and the fast models."""
        return dict(r_wire_row=self.r_wire_row_ohm, r_wire_col=self.r_wire_col_ohm, r_driver=self.r_driver_ohm,
                    r_sense=self.r_sense_ohm)


@dataclass(frozen=True)
class CrossbarConfig:
    """Everything that makes a crossbar non-ideal. ``CrossbarConfig()`` is ideal: it reproduces ``x @ W.T``."""

    circuit: CircuitConfig = field(default_factory=CircuitConfig)
    """Tile size and parasitic resistances."""
    device: DeviceConfig = field(default_factory=DeviceConfig)
    """Cells: conductance range, levels, slicing, variation, noise, faults, nonlinearity."""
    peripherals: PeripheralConfig = field(default_factory=PeripheralConfig)
    """DAC, input slicing and ADC."""
    seed: int = 0
    """Seed of the programming variation, faults and read noise (integer)."""

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
        built[section] = cls(**values)
    return CrossbarConfig(**built, seed=int(raw.get("seed", 0)))
