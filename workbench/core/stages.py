"""Stages for cross-stack composition: one network flows from algorithm stages to a hardware target.

An **algorithm** stage transforms a :class:`NetworkArtifact` (prune while training, ternarize, ...); a **target**
stage evaluates one on a hardware model (TiM tiles, resistive crossbars, the SparCE core, ...) and reports the
accuracy of the network *as that hardware computes it* plus energy, latency and area. Themes declare stages in
``workbench/<theme>/stages.py`` and list them in their manifest (the registry holds them with the studies), each with
its knobs (:mod:`workbench.core.knobs`) exactly as a study declares them, by their plain names (``program_sigma``,
``epochs``). A study over pipelines (:func:`pipeline_study`) has the pipeline, its own knobs and every stage's
knobs, which core qualifies by the stage's name (:func:`composed_knobs`: ``crossbar.arrays.program_sigma``,
``pruning.train.epochs``), so two stages never claim one name and no theme invents a prefix. A knob object several
stages share is one composed knob, qualified by what their names share (``crossbar.r_wire_ohm`` for the two crossbar
stages) or, shared across themes, by nothing (:data:`TILE_SIZE` stays ``tile_size``).

A composed name is the knob's name everywhere: on the command line (``--set crossbar.arrays.program_sigma=0.1``),
in ``Study.evaluate``, in stored params and as a column of a study's frame and of exported CSV. The one consumer that
reads a dot as something else is a Vega-Lite field (a nested field), which :func:`workbench.viz.charts.field` escapes
for every chart; a second separator for stored columns would instead need a mapping back wherever a name is typed.

Compatibility is declared, not discovered by failing: a stage ``provides`` tags (``"trained"``, ``"ternary"``) and
``requires`` tags; :func:`check_pipeline` accepts a chain only when every stage finds the tags it needs among those
provided before it, and :func:`pipelines` enumerates every valid chain of the registered stages.

The artifact carries per-layer facts (:class:`LayerFacts`) **measured** on the actual module on data
(:func:`workbench.nn.facts.measure_facts`, which the workload provides), never assumed; :func:`apply_stage`
re-measures them after every algorithm stage. Nothing here imports torch: ``core`` stays light for interactive
studies.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.core.knobs import Choice, Knob, check_signature, validate_params
from workbench.core.registry import entries, lookup, register
from workbench.core.study import Study

StageKind = Literal["algorithm", "target"]
KINDS = ("algorithm", "target")
#: Separator of stage names in a pipeline string, e.g. ``"pruning.train>tim.ternarize>tim.tiles"``.
ARROW = ">"
#: Keys every target stage returns (accuracy in %, energy in nJ, latency in us, area in mm2 per inference).
TARGET_KEYS = ("accuracy", "energy_per_inference_nj", "latency_per_inference_us", "area_mm2")

#: Tile side shared by the array targets (TiM tiles, crossbar tiles): one declaration, listed by each stage that
#: uses it, so one composed knob sweeps the tile size of every array target.
TILE_SIZE = Choice("tile_size", 64, options=(32, 64, 128, 256), unit="rows = cols", label="tile size",
                   help="Rows = columns of one array tile (TiM tile, crossbar tile).")


# -- facts -----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LayerFacts:
    """What was measured about one conv or linear layer of a network (batch of one for shapes and MACs).

    Parameters
    ----------
    name : str
        Module name in ``module.named_modules()``.
    kind : {"conv", "linear"}
    in_shape, out_shape : tuple of int
        Input and output shape of one sample.
    macs : int
        Multiply-accumulates of one sample: output elements x (input channels / groups) x kernel area for a
        convolution, output elements x input features for a linear layer.
    params : int
        Weights and biases.
    weight_density : float
        Fraction of nonzero weights the layer multiplies with (after any quantizer it applies).
    input_density : float
        Fraction of nonzero inputs on the measured data (activation density seen by the layer).
    output_density : float
        Fraction of nonzero outputs on the measured data.
    weight_levels : int
        Distinct weight values (capped at 257): 3 or fewer is a ternary layer.
    input_levels : int
        Distinct input values on the measured data (capped at 257).
    """

    name: str
    kind: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    macs: int
    params: int
    weight_density: float
    input_density: float
    output_density: float
    weight_levels: int
    input_levels: int

    @property
    def precision(self) -> str:
        """``"ternary"`` when the weights take at most three values, ``"binary"`` for two, else ``"float"``."""
        if self.weight_levels <= 2:
            return "binary"
        return "ternary" if self.weight_levels <= 3 else "float"


@dataclass
class StageRecord:
    """One stage applied to a network: its name and knob values, and what the network measured after it."""

    stage: str
    params: dict
    accuracy: float
    macs: int
    extras: dict = field(default_factory=dict)


@dataclass
class NetworkArtifact:
    """A network flowing through stages, with its measured facts.

    Parameters
    ----------
    module : torch.nn.Module
        The network itself (evaluation mode between stages).
    input_shape : tuple of int
        One sample's shape (C, H, W).
    facts : tuple of LayerFacts
        Per conv / linear layer, in forward order, measured by :func:`workbench.nn.facts.measure_facts`.
    tags : frozenset of str
        What the stages applied so far provide (``"trained"``, ``"ternary"``, ...).
    history : list of StageRecord
        The stages applied, in order.
    attrs : dict
        Settings a stage applied that later stages need to know (e.g. the ternary representation).
    """

    module: Any
    input_shape: tuple[int, ...]
    facts: tuple[LayerFacts, ...] = ()
    tags: frozenset = frozenset()
    history: list[StageRecord] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)

    @property
    def macs(self) -> int:
        """MACs of one sample over every conv / linear layer."""
        return sum(f.macs for f in self.facts)

    @property
    def params(self) -> int:
        """Weights and biases of every conv / linear layer."""
        return sum(f.params for f in self.facts)

    def mean(self, fact: str, layers: Sequence[LayerFacts] | None = None) -> float:
        """MAC-weighted mean of a density fact (``"weight_density"``, ``"input_density"``) over ``layers``."""
        layers = self.facts if layers is None else layers
        macs = sum(f.macs for f in layers)
        if not macs:
            raise ValueError(f"no layers to average {fact!r} over")
        return sum(getattr(f, fact) * f.macs for f in layers) / macs


@dataclass
class Workload:
    """The data a pipeline runs on, shared by its stages.

    Parameters
    ----------
    loaders : Loaders
        Train / validation / test loaders (:func:`workbench.datasets.make_loaders`).
    input_shape : tuple of int
        One sample's shape (C, H, W).
    num_classes : int
    calibration : torch.Tensor
        A fixed batch of validation inputs on which facts (densities) are measured.
    accuracy : callable
        ``accuracy(module) -> float``: test accuracy in % of a network evaluated as torch computes it.
    measure : callable
        ``measure(module) -> tuple of LayerFacts``: the facts of a network on ``calibration``
        (:func:`workbench.nn.facts.measure_facts`).
    seed : int
        Seed of the split, the initial weights and every stage's randomness.
    """

    loaders: Any
    input_shape: tuple[int, ...]
    num_classes: int
    calibration: Any
    accuracy: Callable[[Any], float]
    measure: Callable[[Any], tuple[LayerFacts, ...]]
    seed: int = 0


# -- stages ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stage:
    """One step of a composed design: an algorithm that transforms a network or a hardware target that evaluates it.

    Parameters
    ----------
    name : str
        Registry name, ``"<theme>.<stage>"``, e.g. ``"tim.ternarize"``.
    kind : {"algorithm", "target"}
    theme : str
        Theme package that declares it.
    func : callable
        Module-level function taking ``(artifact, workload, **knob values)``. An algorithm stage returns the new
        :class:`NetworkArtifact`'s module (a ``torch.nn.Module``) or ``(module, attrs)``; :func:`apply_stage`
        re-measures the facts. A target stage returns a dict with at least :data:`TARGET_KEYS` (extra keys are
        kept, e.g. ``"layers"`` for breakdowns).
    knobs : tuple of Knob
        Its parameters, by their plain names (core composes them, :func:`composed_knobs`); a knob object listed by
        several stages is one composed knob (:data:`TILE_SIZE`).
    requires : tuple of str
        Tags the incoming network must carry (``"trained"``, ``"ternary"``).
    provides : tuple of str
        Tags an algorithm stage adds.
    order : int
        Position of an algorithm stage in a pipeline (lower first: training before quantization).
    neutral : mapping, optional
        Knob values that make a mandatory algorithm stage change nothing but train (``{"target_ratio": 0.0}``): the
        baseline a per-stage waterfall starts from.
    label : str
        Short human name for charts (defaults to ``name``).
    description : str
        A paragraph for ``workbench list`` and the dashboard.
    """

    name: str
    kind: StageKind
    theme: str
    func: Callable[..., Any]
    knobs: tuple[Knob, ...] = ()
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    order: int = 0
    neutral: Mapping[str, Any] | None = None
    label: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "knobs", tuple(self.knobs))
        object.__setattr__(self, "requires", tuple(self.requires))
        object.__setattr__(self, "provides", tuple(self.provides))
        if self.kind not in KINDS:
            raise ValueError(f"stage {self.name!r}: kind={self.kind!r} is not allowed; allowed: one of {KINDS}")
        if ARROW in self.name or "," in self.name:
            raise ValueError(f"stage {self.name!r}: a name may not contain {ARROW!r} or ','")
        if self.kind == "target" and self.provides:
            raise ValueError(f"stage {self.name!r}: a target provides nothing, got provides={self.provides}")
        names = [k.name for k in self.knobs]
        qualified = [n for n in names if "." in n]
        if qualified:
            raise ValueError(f"stage {self.name!r}: knobs {qualified} are qualified; a stage declares plain names "
                             "and core qualifies them by the stage's name")
        if len(set(names)) != len(names):
            raise ValueError(f"stage {self.name!r}: duplicated knob names in {names}")
        check_signature(f"stage {self.name!r}", self.func, ["artifact", "workload", *names])
        if self.neutral is not None:
            validate_params(f"stage {self.name!r} neutral", self.knobs, dict(self.neutral))

    @property
    def knob_names(self) -> list[str]:
        return [k.name for k in self.knobs]

    @property
    def title(self) -> str:
        return self.label or self.name

    def validate(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """This stage's knob values from ``params`` (other keys ignored), completed with defaults and checked."""
        params = dict(params or {})
        return validate_params(f"stage {self.name!r}", self.knobs, {k: params[k] for k in self.knob_names
                                                                   if k in params})


def register_stage(stage: Stage, *, replace: bool = False) -> Stage:
    """Add a stage no manifest declares (see :func:`workbench.core.registry.register` for what it refuses)."""
    return register("stage", stage, replace=replace)


def list_stages(pattern: str = "*", *, kind: str | None = None) -> list[str]:
    """Sorted names of registered stages matching the glob ``pattern`` (and ``kind`` when given)."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not allowed; allowed: one of {KINDS} or None")
    return sorted(n for n, s in entries("stage").items()
                  if fnmatch.fnmatch(n, pattern) and (kind is None or s.kind == kind))


def get_stage(name: str, kind: str | None = None) -> Stage:
    """The registered stage ``name``.

    Raises
    ------
    UnknownName
        For an unknown name (listing the registered stages).
    ValueError
        For a stage of another ``kind`` than asked.
    """
    stage = lookup("stage", name)
    if kind is not None and stage.kind != kind:
        raise ValueError(f"stage {name!r} is of kind {stage.kind!r}, not {kind!r}; allowed {kind} stages: "
                         f"{list_stages(kind=kind)}")
    return stage


def _composed() -> dict[tuple[str, str], Knob]:
    """(stage name, plain knob name) -> the knob under its composed name, for every registered stage, algorithm
    stages first (in pipeline order), then targets."""
    stages = _ordered([get_stage(n) for n in list_stages()])
    owners: dict[int, list[list[str]]] = {}
    for stage in stages:
        for knob in stage.knobs:
            owners.setdefault(id(knob), []).append(stage.name.split("."))
    composed = {}
    for stage in stages:
        for knob in stage.knobs:
            prefix = os.path.commonprefix(owners[id(knob)])  # the stage's name, or what the sharing stages' share
            composed[stage.name, knob.name] = dataclasses.replace(knob, name=".".join([*prefix, knob.name]))
    return composed


def composed_knobs() -> tuple[Knob, ...]:
    """Every registered stage's knobs under their composed names, each once, algorithm stages first (in pipeline
    order), then targets: a knob of one stage is ``<stage>.<knob>``; a knob object several stages list is one knob,
    qualified by the dotted prefix their names share (none: its plain name).

    Raises
    ------
    ValueError
        When two different knobs would take one composed name (a shared knob's plain name equal to another's).
    """
    seen: dict[str, Knob] = {}
    for (stage, _), knob in _composed().items():
        if seen.setdefault(knob.name, knob) != knob:
            raise ValueError(f"stage {stage!r}: composed knob name {knob.name!r} is taken by another knob")
    return tuple(seen.values())


def composed_names(stage: Stage) -> dict[str, str]:
    """Plain name -> composed name of each of ``stage``'s knobs."""
    composed = _composed()
    return {k.name: composed[stage.name, k.name].name for k in stage.knobs}


def own_values(stage: Stage, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values in ``values`` (keyed by composed names) of ``stage``'s knobs, by their plain names: what
    :meth:`Stage.validate`, :func:`apply_stage` and :func:`run_target` take."""
    return {plain: values[name] for plain, name in composed_names(stage).items() if name in values}


def _ordered(stages: Sequence[Stage]) -> list[Stage]:
    return sorted(stages, key=lambda s: (s.kind != "algorithm", s.order, s.name))


# -- pipelines -------------------------------------------------------------------------------------------------------
def parse_pipeline(pipeline: str | Sequence[str]) -> tuple[str, ...]:
    """Stage names of a pipeline given as ``"a>b>c"`` or a sequence of names."""
    names = pipeline.split(ARROW) if isinstance(pipeline, str) else list(pipeline)
    return tuple(n.strip() for n in names)


def check_pipeline(pipeline: str | Sequence[str]) -> tuple[Stage, ...]:
    """The stages of a valid pipeline: algorithm stages in increasing ``order`` then exactly one target, each
    finding the tags it requires among those provided before it.

    Raises
    ------
    UnknownName
        For an unknown stage (listing the registered ones).
    ValueError
        One clear message for a stage of the wrong kind in its position, a repeated stage, an order violation or an
        incompatible combination (naming the missing tag and who provides it).
    """
    names = parse_pipeline(pipeline)
    if not names or not names[-1]:
        raise ValueError(f"pipeline={pipeline!r} is empty; allowed: algorithm stages then one target, joined by "
                         f"{ARROW!r}")
    *algorithms, target = names
    stages = [get_stage(n, "algorithm") for n in algorithms] + [get_stage(target, "target")]
    if len(set(names)) != len(names):
        raise ValueError(f"pipeline {ARROW.join(names)!r} repeats a stage")
    orders = [s.order for s in stages[:-1]]
    if orders != sorted(orders):
        raise ValueError(f"pipeline {ARROW.join(names)!r}: algorithm stages must run in their declared order "
                         f"({', '.join(f'{s.name}={s.order}' for s in stages[:-1])})")
    have: set[str] = set()
    for stage in stages:
        missing = [t for t in stage.requires if t not in have]
        if missing:
            makers = sorted(n for n in list_stages(kind="algorithm") if set(missing) & set(get_stage(n).provides))
            raise ValueError(f"pipeline {ARROW.join(names)!r} is incompatible: stage {stage.name!r} requires "
                             f"{missing}, which no stage before it provides (provided by: {makers or 'none'})")
        have |= set(stage.provides)
    return tuple(stages)


def pipeline_knob_names(pipeline: str | Sequence[str]) -> set[str]:
    """The composed names of the knobs the stages of ``pipeline`` read (each stage receives only its own,
    :func:`own_values`)."""
    return {name for stage in check_pipeline(pipeline) for name in composed_names(stage).values()}


def pipelines() -> tuple[str, ...]:
    """Every valid pipeline of the registered stages (ordered subsets of algorithm stages, then a target)."""
    algorithms = _ordered([get_stage(n) for n in list_stages(kind="algorithm")])
    targets = list_stages(kind="target")
    found = []
    for mask in range(1 << len(algorithms)):
        chosen = [s.name for i, s in enumerate(algorithms) if mask >> i & 1]
        for target in targets:
            try:
                check_pipeline([*chosen, target])
            except ValueError:
                continue
            found.append(ARROW.join([*chosen, target]))
    return tuple(sorted(found, key=lambda p: (p.split(ARROW)[-1], len(p), p)))


def _used_knobs(own: frozenset[str], params: Mapping[str, Any]) -> set[str]:
    return {*own, *pipeline_knob_names(params["pipeline"])}


def pipeline_study(*, knobs: Sequence[Knob], pipeline_help: str, **fields: Any) -> Study:
    """A study over every valid pipeline of the registered stages: its knobs are derived from the stage registry.

    The knobs are ``pipeline`` (:func:`pipelines`; default the first with two algorithm stages), ``knobs`` (the
    composition's own: data set, network, seed), then every stage's knobs under their composed names
    (:func:`composed_knobs`). ``func(pipeline, <knobs>, stages)`` receives the stage knobs' values as one mapping
    (composed name -> value). A point uses only its pipeline's stage knobs: the others take their defaults and do
    not split stored points (:attr:`Study.used_knobs`).

    Parameters
    ----------
    knobs : sequence of Knob
        The composition's own knobs.
    pipeline_help : str
        Help of the ``pipeline`` knob.
    **fields
        The other fields of :class:`~workbench.core.study.Study` (name, theme, func, metrics, version, ...).
    """
    options = pipelines()
    if not options:
        raise ValueError(f"study {fields.get('name')!r}: the registered stages form no valid pipeline")
    default = next((p for p in options if p.count(ARROW) == 2), options[0])
    staged = composed_knobs()
    own = frozenset({"pipeline", *(k.name for k in knobs)})
    return Study(knobs=(Choice("pipeline", default, options=options, help=pipeline_help), *knobs, *staged),
                 stage_knobs=tuple(k.name for k in staged), used_knobs=functools.partial(_used_knobs, own), **fields)


# -- running ---------------------------------------------------------------------------------------------------------
def apply_stage(stage: Stage, artifact: NetworkArtifact, workload: Any, params: Mapping[str, Any]) -> NetworkArtifact:
    """Apply an algorithm stage and re-measure the facts of the network it returns on ``workload.calibration``.

    ``workload`` provides ``measure(module)`` (the facts on its calibration batch) and ``accuracy(module)`` (test
    accuracy in %), which is recorded in the history.
    """
    if stage.kind != "algorithm":
        raise ValueError(f"stage {stage.name!r} is of kind {stage.kind!r}; apply_stage needs an algorithm stage")
    missing = [t for t in stage.requires if t not in artifact.tags]
    if missing:
        raise ValueError(f"stage {stage.name!r} requires {missing}; the network carries {sorted(artifact.tags)}")
    values = stage.validate(params)
    out = stage.func(artifact=artifact, workload=workload, **values)
    module, attrs = out if isinstance(out, tuple) else (out, {})
    module.eval()
    facts = workload.measure(module)
    new = NetworkArtifact(module=module, input_shape=artifact.input_shape, facts=facts,
                          tags=artifact.tags | frozenset(stage.provides), history=list(artifact.history),
                          attrs={**artifact.attrs, **attrs})
    new.history.append(StageRecord(stage.name, values, workload.accuracy(module), new.macs))
    return new


def run_target(stage: Stage, artifact: NetworkArtifact, workload: Any, params: Mapping[str, Any]) -> dict:
    """Evaluate ``artifact`` on a target stage; the dict has :data:`TARGET_KEYS` as finite numbers.

    Raises
    ------
    ValueError
        When ``stage`` is not a target or the network lacks a tag the target requires.
    """
    if stage.kind != "target":
        raise ValueError(f"stage {stage.name!r} is of kind {stage.kind!r}; run_target needs a target stage")
    missing = [t for t in stage.requires if t not in artifact.tags]
    if missing:
        raise ValueError(f"target {stage.name!r} requires {missing}; the network carries {sorted(artifact.tags)}")
    result = dict(stage.func(artifact=artifact, workload=workload, **stage.validate(params)))
    for key in TARGET_KEYS:
        value = result.get(key)
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise RuntimeError(f"target {stage.name!r} returned {key}={value!r}; a finite number is required")
    return result
