"""Knobs: the typed, validated parameters of a study.

A knob declares its range, step, unit, scale and help text once; widgets, the CLI, sweeps and validation are all
derived from that declaration (scikit-learn's declared parameter constraints are the model).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
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

    def _unit_to_real(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            return math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)


@dataclass(frozen=True)
class Float(_Range):
    """A real-valued knob on ``[low, high]``; ``log=True`` for quantities spanning decades (resistances)."""

    def validate(self, value: Any) -> float:
        if isinstance(value, bool):
            raise self._error(value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self._error(value) from None
        self._check_range(number)
        return number

    def grid(self, n: int) -> list[float]:
        if n < 1:
            raise ValueError(f"knob {self.name!r}: grid needs n >= 1, got {n}")
        if n == 1:
            return [self.default]
        return [self._unit_to_real(i / (n - 1)) for i in range(n)]

    def from_unit(self, u: float) -> float:
        value = self._unit_to_real(u)
        if self.step is not None:
            value = self.low + round((value - self.low) / self.step) * self.step
        return min(max(value, self.low), self.high)


@dataclass(frozen=True)
class Int(_Range):
    """An integer knob on ``[low, high]`` (inclusive)."""

    step: int | None = 1

    def validate(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self._error(value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise self._error(value) from None
        if math.isnan(number) or number != int(number):
            raise self._error(value)
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

    def from_unit(self, u: float) -> int:
        step = self.step or 1
        value = self._unit_to_real(u)
        snapped = int(self.low + round((value - self.low) / step) * step)
        while snapped > self.high:
            snapped -= step
        return snapped


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


def validate_params(owner: str, knobs: Sequence[Knob], params: Mapping[str, Any]) -> dict[str, Any]:
    """Complete ``params`` with the knobs' defaults and validate every value.

    Parameters
    ----------
    owner : str
        Who the knobs belong to, for messages (``"study 'tim.arch'"``, ``"view 'tim.layer_energy'"``).
    knobs : sequence of Knob
    params : mapping
        Given values; missing knobs take their defaults.

    Raises
    ------
    ValueError
        For an unknown knob or a value out of its allowed range (the message names both).
    """
    names = [k.name for k in knobs]
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise ValueError(f"{owner}: unknown knob(s) {unknown}; knobs are {names}")
    return {k.name: k.validate(params.get(k.name, k.default)) for k in knobs}


def check_signature(owner: str, func: Callable[..., Any], names: Sequence[str]) -> None:
    """Require ``func`` to take exactly the keyword parameters ``names`` (no ``**kwargs``, no others).

    A study or view whose function disagrees with its declared knobs would fail only when called; this check makes
    it fail at registration, naming the difference.

    Raises
    ------
    ValueError
        Listing the missing and the extra parameters.
    """
    parameters = inspect.signature(func).parameters.values()
    if any(p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) for p in parameters):
        raise ValueError(f"{owner}: {func.__qualname__} takes *args/**kwargs; declare one parameter per knob")
    declared = [p.name for p in parameters]
    missing, extra = sorted(set(names) - set(declared)), sorted(set(declared) - set(names))
    if missing or extra:
        raise ValueError(f"{owner}: the parameters of {func.__qualname__} do not match its knobs: "
                         f"knobs without a parameter {missing}, parameters without a knob {extra}")
