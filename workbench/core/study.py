"""Study: the unit of work everything else understands.

A study is a pure function from validated knob values to a dict of metrics, plus the declarations (knobs, metrics
with units and better-direction, cost class, version) that widgets, sweeps, the store and charts derive from.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.core.knobs import (
    STAGES,
    Knob,
    check_signature,
    config_paths,
    group_stage_values,
    replace_fields,
    validate_params,
)

Better = Literal["min", "max"]
Cost = Literal["interactive", "batch"]


@dataclass(frozen=True)
class Metric:
    """One output of a study.

    Parameters
    ----------
    name : str
        Key in the dict returned by ``evaluate``.
    unit : str
        Unit of the value ("" for dimensionless, "%" for percentages).
    better : {"min", "max"} or None
        Which direction is better; ``None`` for descriptive metrics that are not optimised.
    help : str
        One sentence for tooltips and legends.
    label : str
        Human label for axes; defaults to ``name``.
    measured : bool
        A measurement of this machine (a wall-clock latency), not a pure function of the knobs: stored values are
        kept, but a recomputation is not expected to repeat them.
    limit : float, optional
        The bound past which a point leaves what its circuit can do (a current its wires cannot carry): above it
        for ``better="min"``, below it for ``"max"``. The point is still computed; :meth:`beyond_limit` says so in
        words, and the dashboards show it as a warning.
    limit_help : str
        What crossing ``limit`` means, completing "above/below the limit: ...".
    not_applicable : str
        When the metric has no value, if it can lack one (a study then reports NaN, e.g. "analog cells: no ADC to
        price"); empty (the default) for a metric that always has a finite value. A NaN or an infinity in any other
        metric is an error, whether a study returns it (:meth:`Study.run`) or a seed file or a store row holds it.
    """

    name: str
    unit: str = ""
    better: Better | None = None
    help: str = ""
    label: str = ""
    measured: bool = False
    limit: float | None = None
    limit_help: str = ""
    not_applicable: str = ""

    def __post_init__(self) -> None:
        if self.better not in (None, "min", "max"):
            raise ValueError(f"metric {self.name!r}: better must be 'min', 'max' or None, got {self.better!r}")
        if self.limit is not None and (self.better is None or not self.limit_help):
            raise ValueError(f"metric {self.name!r}: a limit needs better='min' or 'max' (which side is past it) and "
                             "a limit_help saying what crossing it means")

    def beyond_limit(self, value: Any) -> str | None:
        """A one-line warning when ``value`` is past :attr:`limit` (``None`` otherwise, or for a NaN / missing
        value)."""
        if self.limit is None or not isinstance(value, (int, float)) or math.isnan(value):
            return None
        past = value > self.limit if self.better == "min" else value < self.limit
        if not past:
            return None
        side = "above" if self.better == "min" else "below"
        unit = f" {self.unit}" if self.unit else ""
        name = self.label or self.name
        return f"{name} = {value:.3g}{unit}, {side} its limit {self.limit:g}{unit}: {self.limit_help}"

    @property
    def title(self) -> str:
        """Axis title with unit, e.g. ``"energy (uJ)"`` (no repeat when the label is the unit, e.g. ``"TOPS/W"``); a
        measured metric says so and that it is a median, e.g. ``"throughput (frames/s, measured, median)"``."""
        text = self.label or self.name
        notes = [self.unit] if self.unit and self.unit != text else []
        notes += ["measured", "median"] if self.measured else []
        return f"{text} ({', '.join(notes)})" if notes else text


def metric_problem(metric: Metric, value: float) -> str | None:
    """What is wrong with a number as a value of ``metric`` (``None``: nothing): an infinity, or a NaN where the
    metric does not declare when it has no value (:attr:`Metric.not_applicable`)."""
    if math.isfinite(value) or (math.isnan(value) and metric.not_applicable):
        return None
    return (f"metric {metric.name!r} is {value!r}; allowed: a finite number"
            + ("" if math.isinf(value) else " (NaN only for a metric that declares when it does not apply)"))


@dataclass(frozen=True)
class Study:
    """A design-space study: knobs in, metrics out.

    Parameters
    ----------
    name : str
        Registry name, unique, e.g. ``"tim.arch"``.
    theme : str
        Theme package it belongs to (``"tim"``, ``"pruning"``, ...).
    func : callable
        ``func(**params) -> dict`` mapping every metric name to a number (extra keys are kept as descriptive
        outputs); with a ``config``, ``func(config, **others)``: the configuration object, then the knobs that do not
        set it. Must be a module-level function (picklable) and a pure function of its arguments.
    knobs : tuple of Knob
        The parameters, in display order. Those derived from the fields of ``config`` or of a configuration nested
        in it (:func:`~workbench.core.knobs.config_knobs`) set those fields.
    metrics : tuple of Metric
        The outputs, in display order.
    version : str
        Bump whenever ``func`` changes its results: stored points of an older version are not reused.
    cost : {"interactive", "batch"}
        ``"interactive"`` studies answer in well under 100 ms and re-evaluate live; ``"batch"`` studies (training,
        large sweeps) are looked up in the result store and run on request.
    description : str
        A paragraph for the dashboards and ``workbench list``.
    constraints : callable, optional
        ``constraints(arguments)`` raising ``ValueError`` (naming the knobs involved) for joint constraints that
        neither single knob ranges nor the configuration's own validation express; ``arguments`` are what ``func``
        receives (:meth:`arguments`).
    reference : bool
        Overlay the paper points of the theme's paper table (``data/reference/<theme>_paper.csv``) on its charts.
    context : callable
        ``context()`` returns the context manager every evaluation runs in (:meth:`run`), whichever process or
        executor runs it; a study that trains declares :func:`workbench.threads.one_torch_thread`, so its metrics
        are a function of the point alone. Core itself never loads torch.
    config : dataclass type or instance, optional
        The configuration ``func`` takes. Each point's knob values replace its fields (of a type: its defaults), and
        building it runs its own validation (``__post_init__``): that is the point's joint constraint, checked once.
    used_knobs : callable, optional
        ``used_knobs(params)`` names the knobs a point's result depends on (a composed pipeline reads only its own
        stages' knobs). :meth:`validate` resets every other knob to its default, so values a point ignores do not
        split its stored results into several keys. ``None``: every knob is used.
    stage_knobs : tuple of str
        Knobs of registered stages under their composed names (a study over pipelines,
        :func:`workbench.core.stages.pipeline_study`): ``func`` receives their values as one mapping, ``stages``
        (composed name -> value), since such a name is no Python identifier.

    Examples
    --------
    >>> @dataclass(frozen=True)
    ... class Wire:
    ...     r_ohm: float = knob_field(1.0, low=0.0, high=math.inf, unit="ohm", help="Segment resistance.")
    ...     def __post_init__(self):
    ...         validate_config(self)
    >>> def drop(config: Wire, amps: float) -> dict:
    ...     return {"drop_v": config.r_ohm * amps}
    >>> WIRE = Study("demo.wire", "demo", drop, config=Wire, metrics=(Metric("drop_v", "V", "min"),),
    ...              knobs=(*config_knobs(Wire, r_ohm=dict(high=10.0)), Float("amps", 1.0, low=0.0, high=2.0)))
    >>> WIRE.evaluate(r_ohm=2.0)
    {'drop_v': 2.0}
    """

    name: str
    theme: str
    func: Callable[..., Mapping[str, Any]]
    knobs: tuple[Knob, ...]
    metrics: tuple[Metric, ...]
    version: str = "1"
    cost: Cost = "interactive"
    description: str = ""
    constraints: Callable[[dict], None] | None = None
    reference: bool = False
    context: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext
    config: Any = None
    used_knobs: Callable[[Mapping[str, Any]], Collection[str]] | None = None
    stage_knobs: tuple[str, ...] = ()
    _paths: dict = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "knobs", tuple(self.knobs))
        object.__setattr__(self, "metrics", tuple(self.metrics))
        if self.cost not in ("interactive", "batch"):
            raise ValueError(f"study {self.name!r}: cost must be 'interactive' or 'batch', got {self.cost!r}")
        for kind, names in (("knob", [k.name for k in self.knobs]), ("metric", [m.name for m in self.metrics])):
            duplicated = sorted({n for n in names if names.count(n) > 1})
            if duplicated:
                raise ValueError(f"study {self.name!r}: duplicated {kind} names {duplicated}")
        clash = {k.name for k in self.knobs} & {m.name for m in self.metrics}
        if clash:
            raise ValueError(f"study {self.name!r}: names used as both knob and metric: {sorted(clash)}")
        object.__setattr__(self, "stage_knobs", tuple(self.stage_knobs))
        stray = sorted(set(self.stage_knobs) - {k.name for k in self.knobs} | ({STAGES} & set(self.knob_names)))
        if stray:
            raise ValueError(f"study {self.name!r}: stage knobs {stray} are not among its knobs (or one is named "
                             f"{STAGES!r}, the keyword that receives them)")
        if self.config is not None:
            object.__setattr__(self, "_paths", config_paths(self.config, self.knobs))
        check_signature(f"study {self.name!r}", self.func, list(self.arguments(self.defaults())))

    # -- declarations -------------------------------------------------------------------------------------------
    def knob(self, name: str) -> Knob:
        """The knob called ``name``; ``KeyError`` listing the knobs otherwise."""
        for knob in self.knobs:
            if knob.name == name:
                return knob
        raise KeyError(f"study {self.name!r} has no knob {name!r}; knobs: {[k.name for k in self.knobs]}")

    def metric(self, name: str) -> Metric:
        """The metric called ``name``; ``KeyError`` listing the metrics otherwise."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(f"study {self.name!r} has no metric {name!r}; metrics: {[m.name for m in self.metrics]}")

    @property
    def knob_names(self) -> list[str]:
        return [k.name for k in self.knobs]

    def limit_warnings(self, metrics: Mapping[str, Any] | None) -> list[str]:
        """One line per metric of ``metrics`` past its declared :attr:`Metric.limit` (empty for ``None``)."""
        if metrics is None:
            return []
        return [line for m in self.metrics if (line := m.beyond_limit(metrics.get(m.name))) is not None]

    @property
    def metric_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    @property
    def measured_names(self) -> list[str]:
        """The metrics that are measurements of a run (wall-clock timings), not model results."""
        return [m.name for m in self.metrics if m.measured]

    def defaults(self) -> dict[str, Any]:
        """Every knob at its default."""
        return {k.name: k.default for k in self.knobs}

    def arguments(self, full: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword arguments of ``func`` for validated params ``full``: the params themselves, or with a
        ``config``, the configuration built from its knobs' values (its validation runs here), then the other knobs;
        the values of :attr:`stage_knobs` gathered into one mapping, ``stages``.
        """
        if self.config is None:
            return group_stage_values(full, self.stage_knobs)
        values = {path: full[name] for name, paths in self._paths.items() for path in paths}
        others = {name: full[name] for name in self.knob_names if name not in self._paths}
        return {"config": replace_fields(self.config, values), **group_stage_values(others, self.stage_knobs)}

    # -- evaluation ---------------------------------------------------------------------------------------------
    def validate(self, params: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """Complete ``params`` with defaults, coerce and check every value and the joint constraints (building the
        configuration, then ``constraints``); a knob the point does not use (:attr:`used_knobs`) takes its default.

        Raises
        ------
        ValueError
            For an unknown knob, a value out of its allowed range, or a violated joint constraint; the message
            names the knob, the value and what is allowed.
        """
        full = validate_params(f"study {self.name!r}", self.knobs, dict(params or {}, **kwargs))
        if self.used_knobs is not None:
            used = set(self.used_knobs(full))
            full = {k.name: full[k.name] if k.name in used else k.default for k in self.knobs}
        arguments = self.arguments(full)  # builds the configuration: its own validation runs here
        if self.constraints is not None:
            self.constraints(arguments)
        return full

    def evaluate(self, params: Mapping[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """Validate the params, run the model and check that every declared metric came back as a number."""
        return self.run(self.validate(params, **kwargs))

    def run(self, full: Mapping[str, Any]) -> dict[str, Any]:
        """Run the model on ``full``, params already returned by :meth:`validate` (the point runner validates each
        point once, then runs it here, possibly in another process), and check the metrics.

        The model runs inside the study's :attr:`context` (one torch thread for a study that trains).
        """
        with self.context():
            result = dict(self.func(**self.arguments(full)))
        missing = [m for m in self.metric_names if m not in result]
        if missing:
            raise RuntimeError(f"study {self.name!r} returned no value for metric(s) {missing}")
        for metric in self.metrics:
            value = result[metric.name]
            if value is None:
                result[metric.name] = math.nan
            elif not isinstance(value, (int, float)) or isinstance(value, bool):
                try:
                    result[metric.name] = float(value)
                except (TypeError, ValueError):
                    raise RuntimeError(
                        f"study {self.name!r}: metric {metric.name!r} must be a number, got {type(value).__name__}"
                    ) from None
            wrong = metric_problem(metric, result[metric.name])
            if wrong is not None:
                raise RuntimeError(f"study {self.name!r}: {wrong}")
        return result
