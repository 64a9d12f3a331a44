"""Knobs: the typed, validated parameters of a study.

A knob declares its range, step, unit, scale and help text once; widgets, the CLI, sweeps and validation are all
derived from that declaration (scikit-learn's declared parameter constraints are the model).

A configuration dataclass declares its fields the same way (:func:`knob_field`, aihwkit's documented config
fields are the model): :func:`validate_config` checks an instance with the fields' knobs, and a study that takes the
config derives its knobs from the fields with :func:`config_knobs`, so range, unit and help live in one place; the
study builds the config from a point's knob values with :func:`config_paths` and :func:`replace_fields`.

A knob may also declare where its default comes from (issue 29): ``citation=`` names the publication, or
``assumed=`` an :class:`Assumed` plausible range with its reason for a value no publication gives ([R]);
:mod:`workbench.explain` sweeps the assumed ones.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any


@dataclass(frozen=True)
class Assumed:
    """A value no publication gives ([R]): the range it may plausibly take, and why.

    Parameters
    ----------
    low, high : number or bool
        Ends of the plausible range, in the knob's unit (``False``/``True`` for a switch).
    reason : str
        Why the range is plausible (what bounds it), one or two sentences.
    """

    low: Any
    high: Any
    reason: str


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
    config : type, optional
        The configuration dataclass the knob derives from (set by :func:`config_knobs`); ``None`` for a knob its
        study declares itself.
    fields : tuple of str
        The fields of ``config`` the knob sets, the first giving its declaration (usually one; ``size`` may set
        rows and columns).
    citation : str
        The publication the default comes from ("" when not declared).
    assumed : Assumed, optional
        For a default no publication gives: its plausible range and the reason. A knob is cited or assumed, not
        both.
    """

    name: str
    default: Any
    help: str = ""
    unit: str = ""
    label: str = ""
    config: type | None = field(default=None, kw_only=True, compare=False)
    fields: tuple[str, ...] = field(default=(), kw_only=True, compare=False)
    citation: str = field(default="", kw_only=True, compare=False)
    assumed: Assumed | None = field(default=None, kw_only=True, compare=False)

    def __post_init__(self) -> None:
        if not all(part.isidentifier() for part in self.name.split(".")):
            raise ValueError(f"knob name {self.name!r} must be a Python identifier, or identifiers joined by '.' (a "
                             "stage knob under its composed name, e.g. 'crossbar.arrays.program_sigma')")
        object.__setattr__(self, "default", self.validate(self.default))
        if self.assumed is not None:
            self._check_assumed(self.assumed)

    def _check_assumed(self, assumed: Assumed) -> None:
        """Refuse a plausible range without a reason, beside a citation, outside the allowed values or not
        holding the default."""
        owner = f"knob {self.name!r}"
        if self.citation:
            raise ValueError(f"{owner}: a value is cited or assumed, not both (citation {self.citation!r})")
        if not assumed.reason.strip():
            raise ValueError(f"{owner}: the plausible range {assumed.low!r}..{assumed.high!r} needs a reason")
        for end in (assumed.low, assumed.high):
            try:
                self.validate(end)
            except ValueError:
                raise ValueError(f"{owner}: plausible end {end!r} is not allowed; allowed: {self.allowed()}") \
                    from None
        if not assumed.low <= self.default <= assumed.high:
            raise ValueError(f"{owner}: default {self.default!r} lies outside its plausible range "
                             f"{assumed.low!r}..{assumed.high!r}")

    @property
    def source(self) -> str:
        """``"<module>.<Class>.<field>"`` of the configuration field the knob derives from; empty for a knob its
        study declares itself."""
        if self.config is None:
            return ""
        return f"{self.config.__module__}.{self.config.__qualname__}.{self.fields[0]}"

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
    """A bounded number. Bounds are inclusive, except an infinite bound (the value must be finite) and ``low`` with
    ``low_open=True`` (the value must exceed it, e.g. a conductance > 0 S)."""

    low: float = 0.0
    high: float = 1.0
    step: float | None = None
    log: bool = False
    low_open: bool = False

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise ValueError(f"knob {self.name!r}: low={self.low} must not exceed high={self.high}")
        if self.log and self.low <= 0:
            raise ValueError(f"knob {self.name!r}: a log-scale knob needs low > 0, got {self.low}")
        if self.step is not None and self.step <= 0:
            raise ValueError(f"knob {self.name!r}: step must be > 0, got {self.step}")
        super().__post_init__()

    @property
    def bounded(self) -> bool:
        """Whether the range is closed and finite, as sliders, grids and random sweeps need."""
        return not self.low_open and math.isfinite(self.low) and math.isfinite(self.high)

    def allowed(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        scale = ", log scale" if self.log else ""
        step = f", step {self.step}" if self.step is not None else ""
        below = "<" if self.low_open or math.isinf(self.low) else "<="
        above = "<" if math.isinf(self.high) else "<="
        return f"{self.low} {below} {self.name} {above} {self.high}{unit}{step}{scale}"

    def _check_range(self, value: float) -> None:
        above_low = value > self.low if self.low_open or math.isinf(self.low) else value >= self.low
        below_high = value < self.high if math.isinf(self.high) else value <= self.high
        if math.isnan(value) or not (above_low and below_high):
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
        """``n`` values spread over the range (log-spaced for a log knob), ends exact; with a step, each snapped onto
        the knob's own lattice (duplicates dropped), so every value the grid offers is one the knob accepts."""
        if n < 1:
            raise ValueError(f"knob {self.name!r}: grid needs n >= 1, got {n}")
        if n == 1:
            return [self.default]
        values = [self.low, *(self._unit_to_real(i / (n - 1)) for i in range(1, n - 1)), self.high]
        if self.step is None:
            return values
        return sorted({float(f"{self.snap(value):.12g}") for value in values})

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
    """One of a fixed tuple of options (strings or numbers).

    ``labels`` gives an option a human label for its dropdown where its text is a name, e.g. a view's choice of a
    design knob lists each knob by its :attr:`Knob.title` ("S_p (px)", not ``canvas_px``)."""

    options: tuple = field(default_factory=tuple)
    labels: Mapping[Any, str] = field(default_factory=dict, kw_only=True, compare=False)

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


#: Keyword under which the function of a study or view over pipelines receives the values of its stage knobs.
STAGES = "stages"


def group_stage_values(values: Mapping[str, Any], stage_knobs: Collection[str]) -> dict[str, Any]:
    """``values`` with the knobs named in ``stage_knobs`` gathered into one mapping under :data:`STAGES`.

    A stage knob's composed name (``crossbar.arrays.program_sigma``, :func:`workbench.core.stages.composed_knobs`)
    is no Python identifier, so it cannot be a parameter of its own; the function takes them together and each stage
    picks its own (:func:`workbench.core.stages.own_values`).
    """
    if not stage_knobs:
        return dict(values)
    return {**{k: v for k, v in values.items() if k not in stage_knobs},
            STAGES: {k: values[k] for k in stage_knobs}}


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


# -- configuration dataclasses ---------------------------------------------------------------------------------------
_KNOB = "knob"  # key of the knob declaration in a field's metadata
_NARROWING = ("default", "label", "low", "high", "step", "log", "options")


def knob_field(default: Any, *, help: str, unit: str = "", label: str = "", citation: str = "",
               assumed: Assumed | None = None, **constraints: Any) -> Any:
    """A dataclass field whose metadata declares its knob: range, unit and help, once.

    The knob type follows ``default``: a bool gives :class:`Bool`, an int :class:`Int`, a float :class:`Float`;
    ``options=`` gives :class:`Choice`. The knob takes the field's name.

    Parameters
    ----------
    default : bool, int, float or str
        The field's default (also the knob's).
    help : str
        One sentence: what the field sets, for docs, tooltips and ``workbench list``.
    unit : str
        Physical unit of the stored value; a field holds its value in the unit its knob shows, so the conversion
        to SI happens once, where the model reads it.
    label : str
        Human label for widgets.
    citation : str
        The publication the default comes from.
    assumed : Assumed, optional
        For a default no publication gives ([R]): its plausible range and the reason.
    **constraints
        ``low``, ``high``, ``step``, ``log``, ``low_open`` (numbers) or ``options`` (choices): the values the
        configuration accepts. A bound may be infinite (the value must then be finite).

    Examples
    --------
    >>> @dataclass(frozen=True)
    ... class Wire:
    ...     r_ohm: float = knob_field(0.0, low=0.0, high=math.inf, unit="ohm", help="Segment resistance.")
    ...     def __post_init__(self):
    ...         validate_config(self)
    """
    if "options" in constraints:
        kind = Choice
    elif isinstance(default, bool):
        kind = Bool
    else:
        kind = Int if isinstance(default, int) else Float
    declare = partial(kind, default=default, help=help, unit=unit, label=label, citation=citation, assumed=assumed,
                      **constraints)
    declare(name="declaration")  # a bad declaration fails where it is written
    return dataclasses.field(default=default, metadata={_KNOB: declare})


@functools.cache
def field_knob(config: type, name: str) -> Knob:
    """The knob that field ``name`` of the dataclass ``config`` declares with :func:`knob_field`.

    Raises
    ------
    ValueError
        When ``config`` has no such field or the field declares no knob.
    """
    declared = {f.name: f for f in dataclasses.fields(config)}
    if name not in declared or _KNOB not in declared[name].metadata:
        knobs = [n for n, f in declared.items() if _KNOB in f.metadata]
        raise ValueError(f"{config.__name__} has no knob field {name!r}; knob fields: {knobs}")
    return declared[name].metadata[_KNOB](name=name, config=config, fields=(name,))


def validate_config(instance: Any) -> None:
    """Validate every knob field of a dataclass ``instance`` (call it from ``__post_init__``).

    Each value is checked and coerced (``100`` to ``100.0`` for a float field) with :meth:`Knob.validate` of its
    field's knob; joint constraints stay with the class.

    Raises
    ------
    ValueError
        ``"<Class>.<field>=<value> is not allowed; allowed: <range>"``.
    """
    config = type(instance)
    for f in dataclasses.fields(config):
        if _KNOB not in f.metadata:
            continue
        knob = field_knob(config, f.name)
        value = getattr(instance, f.name)
        try:
            coerced = knob.validate(value)
        except ValueError:
            raise ValueError(f"{config.__name__}.{f.name}={value!r} is not allowed; allowed: {knob.allowed()}") \
                from None
        object.__setattr__(instance, f.name, coerced)


def config_knobs(config: type, names: Sequence[str] | None = None, **narrowed: Mapping[str, Any]) -> tuple[Knob, ...]:
    """Study knobs derived from the knob fields of ``config``: unit and help come from the field, never repeated.

    A study may only narrow what the configuration accepts: another default, a closed range inside the field's, a
    subset of its options (``options=`` on a numeric field gives a :class:`Choice`), a step, a log scale, a label.

    Parameters
    ----------
    config : dataclass type
        Its fields declared with :func:`knob_field`.
    names : sequence of str, optional
        The knobs in display order (default: every knob field, in declaration order). A name that is not a field
        needs ``field=`` in its entry of ``narrowed``: a field name, or a tuple of them for one study knob that sets
        several fields (``size=dict(field=("rows", "cols"))``), its declaration the first field's.
    **narrowed : mapping
        Per knob name: ``field``, ``default``, ``label``, ``low``, ``high``, ``step``, ``log``, ``options``.

    Raises
    ------
    ValueError
        For an unknown field or entry, a range or option the field does not accept, or a range left open or
        unbounded (a study knob needs a closed, finite range).
    """
    if names is None:
        names = [f.name for f in dataclasses.fields(config) if _KNOB in f.metadata]
    stray = sorted(set(narrowed) - set(names))
    if stray:
        raise ValueError(f"{config.__name__}: narrowed knob(s) {stray} are not among the names {list(names)}")
    return tuple(_derive(config, name, dict(narrowed.get(name, {}))) for name in names)


def _derive(config: type, name: str, changes: dict[str, Any]) -> Knob:
    """Knob ``name`` from the field(s) ``changes.pop("field", name)`` of ``config``, narrowed by ``changes``; every
    value it allows must suit each field it sets."""
    targets = changes.pop("field", name)
    targets = (targets,) if isinstance(targets, str) else tuple(targets)
    base, *others = (field_knob(config, target) for target in targets)
    owner = f"{config.__name__}.{base.name} as knob {name!r}"
    unknown = sorted(set(changes) - set(_NARROWING))
    if unknown:
        raise ValueError(f"{owner}: {unknown} cannot be changed; a study may change {list(_NARROWING)}")
    for key in ("low", "high"):
        if key in changes:
            _within(owner, base, changes[key])
    if "options" in changes:
        for option in changes["options"]:
            _within(owner, base, option)
    declared = {f.name: getattr(base, f.name) for f in dataclasses.fields(base) if f.init}
    if "options" in changes and not isinstance(base, Choice):
        keep = {k: declared[k] for k in ("default", "help", "unit", "label", "config", "citation", "assumed")}
        knob = Choice(name=name, fields=targets, **{**keep, **changes})
    else:
        if "low" in changes:
            changes["low_open"] = False  # the study's range is closed at the low it gives
        knob = dataclasses.replace(base, name=name, fields=targets, **changes)
    if isinstance(knob, _Range) and not knob.bounded:
        raise ValueError(f"{owner}: the range {knob.allowed()} is open or unbounded; give the study's low= and high=")
    for other in others:
        for value in (knob.default, *knob.grid(2)):
            _within(f"{config.__name__}.{other.name} as knob {name!r}", other, value)
    return knob


def _within(owner: str, base: Knob, value: Any) -> None:
    try:
        base.validate(value)
    except ValueError:
        raise ValueError(f"{owner}: {value!r} is outside what the configuration accepts ({base.allowed()})") \
            from None


def config_paths(config: Any, knobs: Sequence[Knob]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Where each knob derived from ``config`` or a configuration nested in it goes: knob name -> field paths.

    A knob derived from the class of ``config`` (:func:`config_knobs`) sets ``(field,)``; one derived from the class
    of a nested section (``CrossbarConfig.circuit`` is a :class:`CircuitConfig`) sets ``("circuit", field)``. Knobs
    of other classes, and a study's own knobs, are left out.

    Parameters
    ----------
    config : dataclass type or instance
        The configuration the knobs set (a type's sections are its fields' defaults).
    knobs : sequence of Knob

    Raises
    ------
    ValueError
        When a knob's class is nested more than once (which section it sets would be a guess).
    """
    sections: dict[type, list[tuple[str, ...]]] = {}

    def walk(section: Any, prefix: tuple[str, ...]) -> None:
        sections.setdefault(section if isinstance(section, type) else type(section), []).append(prefix)
        for f in dataclasses.fields(section):
            value = _section(section, f.name)
            if dataclasses.is_dataclass(value):
                walk(value, (*prefix, f.name))

    walk(config, ())
    paths = {}
    for knob in knobs:
        found = sections.get(knob.config, [])
        if len(found) > 1:
            raise ValueError(f"knob {knob.name!r}: the configuration holds {knob.config.__name__} at "
                             f"{['.'.join(p) for p in found]}; derive the knob from one section's own class")
        if found:
            paths[knob.name] = tuple((*found[0], name) for name in knob.fields)
    return paths


def replace_fields(config: Any, values: Mapping[tuple[str, ...], Any]) -> Any:
    """``config`` (a dataclass instance, or a type: built from its defaults) with the field at each path
    (:func:`config_paths`) set to its value.

    Each changed section is built once, inner sections first, so its ``__post_init__`` (its own validation and
    joint constraints) runs once on the final values.
    """
    own = {path[0]: value for path, value in values.items() if len(path) == 1}
    nested: dict[str, dict[tuple[str, ...], Any]] = {}
    for path, value in values.items():
        if len(path) > 1:
            nested.setdefault(path[0], {})[path[1:]] = value
    for name, inner in nested.items():
        own[name] = replace_fields(_section(config, name), inner)
    if isinstance(config, type):
        return config(**own)
    return dataclasses.replace(config, **own) if own else config


def _section(config: Any, name: str) -> Any:
    """Field ``name`` of a dataclass instance; of a dataclass type, that field's default, or the dataclass type its
    default factory is (a section then built once, from the knob values, not first from its defaults)."""
    if not isinstance(config, type):
        return getattr(config, name)
    declared = {f.name: f for f in dataclasses.fields(config)}[name]
    factory = declared.default_factory
    if factory is dataclasses.MISSING:
        return declared.default
    return factory if isinstance(factory, type) and dataclasses.is_dataclass(factory) else factory()


def preset_provenance(name: str, source: str, plausible: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``citation=`` or ``assumed=`` keyword of :func:`knob_field` for a preset entry, so a knob whose default
    comes from a preset takes its provenance from the same entry (declared once, in the YAML file).

    Parameters
    ----------
    name : str
        The entry's name, for messages.
    source : str
        The entry's ``source``: a publication, or text starting with ``assumption`` or ``[R]``.
    plausible : mapping, optional
        The entry's ``plausible: {low, high, reason}``; present exactly when the value is assumed.

    Raises
    ------
    ValueError
        For an assumed entry without a plausible range, or a plausible range missing ``low``, ``high`` or
        ``reason``.
    """
    if plausible is None:
        if source.lstrip().lower().startswith(("assumption", "[r]")):
            raise ValueError(f"preset entry {name!r} is an assumption ({source[:60]!r}...) without a plausible "
                             "range; add plausible: {low, high, reason}")
        return {"citation": source}
    missing = sorted({"low", "high", "reason"} - set(plausible))
    if missing:
        raise ValueError(f"preset entry {name!r}: plausible needs low, high and reason; missing {missing}")
    return {"assumed": Assumed(plausible["low"], plausible["high"], str(plausible["reason"]))}
