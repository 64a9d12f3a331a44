"""Knobs: the typed, validated parameters of a study.

A knob declares its range, step, unit, scale and help text once; widgets, the CLI, sweeps and validation are all
derived from that declaration (scikit-learn's declared parameter constraints are the model).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Knob:
    """Base class of all knobs.

    Parameters
    ----------
    name : str
        Keyword name passed to ``Study.evaluate``.
    default : Any
        Value used when the caller does not set the knob.
    help : str
        One sentence for tooltips and ``workbench list``.
    unit : str
        Physical unit shown next to the value ("" for dimensionless).
    label : str
        Human label for widgets; defaults to ``name``.
    """

    name: str
    default: Any
    help: str = ""
    unit: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"knob name {self.name!r} must be a Python identifier")
        object.__setattr__(self, "default", self.validate(self.default))

    @property
    def title(self) -> str:
        """Label with unit, e.g. ``"r_wire (ohm)"`` (no repeat when the label is the unit, e.g. ``"epochs"``)."""
        text = self.label or self.name
        return f"{text} ({self.unit})" if self.unit and self.unit != text else text

    def allowed(self) -> str:
        """Human description of the allowed values."""
        raise NotImplementedError

    def validate(self, value: Any) -> Any:
        """Return ``value`` coerced to the knob's type, or raise ``ValueError`` naming knob, value and range."""
        raise NotImplementedError

    def grid(self, n: int) -> list:
        """``n`` evenly spaced values over the knob's range (log-spaced for log knobs)."""
        raise NotImplementedError

    def from_unit(self, u: float) -> Any:
        """Map ``u`` in [0, 1] onto the knob's range (used by random and Sobol sweeps)."""
        raise NotImplementedError

    def parse(self, text: str) -> Any:
        """Parse a command-line string into a validated value."""
        return self.validate(text)

    def _error(self, value: Any) -> ValueError:
        return ValueError(f"knob {self.name!r}: value {value!r} is not allowed; allowed: {self.allowed()}")

    def _not_a_number(self, value: Any, kind: str) -> ValueError:
        return ValueError(f"knob {self.name!r} expects {kind}, got {value!r}; allowed: {self.allowed()}")


@dataclass(frozen=True)
class _Range(Knob):
    low: float = 0.0
    high: float = 1.0
    step: float | None = None
    log: bool = False

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise ValueError(f"knob {self.name!r}: low={self.low} must not exceed high={self.high}")
        if self.log and self.low <= 0:
            raise ValueError(f"knob {self.name!r}: a log-scale knob needs low > 0, got {self.low}")
        if self.step is not None and self.step <= 0:
            raise ValueError(f"knob {self.name!r}: step must be > 0, got {self.step}")
        super().__post_init__()

    def allowed(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        scale = ", log scale" if self.log else ""
        step = f", step {self.step}" if self.step is not None else ""
        return f"{self.low} <= {self.name} <= {self.high}{unit}{step}{scale}"

    def _check_range(self, value: float) -> None:
        if not (self.low <= value <= self.high) or math.isnan(value):
            raise self._error(value)

    def _number(self, value: Any, kind: str) -> float:
        """``value`` as a finite float (text such as ``"1e3"`` too); anything else raises naming the knob."""
        if isinstance(value, bool):
            raise self._error(value)
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise self._not_a_number(value, kind) from None
        if not math.isfinite(number):
            raise self._not_a_number(value, kind)
        return number

    def _off_step(self, number: float) -> bool:
        """Whether ``number`` lies off the knob's step grid ``low + k * step`` (beyond float rounding)."""
        if self.step is None:
            return False
        k = (number - self.low) / self.step
        return abs(k - round(k)) > 1e-9 * max(1.0, abs(k))

    def snap(self, value: float) -> float:
        """The allowed value nearest ``value``: clipped to the range and, with a step, on the step grid."""
        if self.step is not None:
            value = self.low + round((value - self.low) / self.step) * self.step
            while value > self.high:
                value -= self.step
        return min(max(value, self.low), self.high)

    def _unit_to_real(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            return math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)


@dataclass(frozen=True)
class Float(_Range):
    """A real-valued knob on ``[low, high]``; ``log=True`` for quantities spanning decades (resistances)."""

    def validate(self, value: Any) -> float:
        number = self._number(value, "a finite number")
        self._check_range(number)
        if self._off_step(number):
            raise self._error(value)
        return number

    def grid(self, n: int) -> list[float]:
        if n < 1:
            raise ValueError(f"knob {self.name!r}: grid needs n >= 1, got {n}")
        if n == 1:
            return [self.default]
        return [self._unit_to_real(i / (n - 1)) for i in range(n)]

    def from_unit(self, u: float) -> float:
        return self.snap(self._unit_to_real(u))


@dataclass(frozen=True)
class Int(_Range):
    """An integer knob on ``[low, high]`` (inclusive)."""

    step: int | None = 1

    def validate(self, value: Any) -> int:
        number = self._number(value, "a whole number")
        if number != int(number):
            raise self._not_a_number(value, "a whole number")
        number = int(number)
        self._check_range(number)
        if self.step and (number - self.low) % self.step:
            raise self._error(value)
        return number

    def grid(self, n: int) -> list[int]:
        if n < 1:
            raise ValueError(f"knob {self.name!r}: grid needs n >= 1, got {n}")
        if n == 1:
            return [self.default]
        return sorted({self.from_unit(i / (n - 1)) for i in range(n)})

    def snap(self, value: float) -> int:
        """The allowed whole number nearest ``value`` (on the step grid, within the range)."""
        step = self.step or 1
        snapped = int(self.low + round((value - self.low) / step) * step)
        while snapped > self.high:
            snapped -= step
        return max(snapped, int(self.low))

    def from_unit(self, u: float) -> int:
        return self.snap(self._unit_to_real(u))


@dataclass(frozen=True)
class Choice(Knob):
    """One of a fixed tuple of options (strings or numbers)."""

    options: tuple = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not self.options:
            raise ValueError(f"knob {self.name!r}: a Choice needs at least one option")
        object.__setattr__(self, "options", tuple(self.options))
        super().__post_init__()

    def allowed(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)

    def validate(self, value: Any) -> Any:
        for option in self.options:
            if isinstance(value, bool) or isinstance(option, bool):
                if value is option:
                    return option
            elif value == option:
                return option
        # Command-line strings: match an option by its text.
        for option in self.options:
            if isinstance(value, str) and str(option) == value:
                return option
        raise self._error(value)

    def grid(self, n: int | None = None) -> list:
        return list(self.options)

    def from_unit(self, u: float) -> Any:
        index = min(int(float(u) * len(self.options)), len(self.options) - 1)
        return self.options[index]


@dataclass(frozen=True)
class Bool(Knob):
    """An on/off switch."""

    default: bool = False

    def allowed(self) -> str:
        return "True or False"

    def validate(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            return value.strip().lower() in ("true", "1", "yes", "on")
        raise self._error(value)

    def grid(self, n: int | None = None) -> list[bool]:
        return [False, True]

    def from_unit(self, u: float) -> bool:
        return float(u) >= 0.5
