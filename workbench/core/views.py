"""View: any figure of a theme that is not a study's trade-off chart, declared once and exportable everywhere.

A view is a pure function from its own knob values (and, for views over stored results, the stored frames of the
studies it reads) to ``(chart, frame)``: the Altair chart and the DataFrame it plots. The ui wraps every view with
live redraw, a status line and the same Export as an Explorer (paper style, SVG/PNG/PDF, the plotted CSV, JSON
provenance); ``workbench export VIEW`` writes it from the command line. Themes declare views in
``workbench/<theme>/views.py`` and list them in their manifest (:mod:`workbench.core.registry`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.core.knobs import STAGES, Knob, check_signature, group_stage_values, validate_params

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.core.store import ResultStore

#: Keyword a view over stored results receives: study name -> that study's stored frame.
FRAMES = "frames"


@dataclass(frozen=True)
class View:
    """A declared figure.

    Parameters
    ----------
    name : str
        Registry name, unique among views, e.g. ``"tim.layer_energy"``.
    theme : str
        Theme package it belongs to.
    func : callable
        ``func(**knob_values) -> (alt.Chart, DataFrame)``; a view with ``studies`` also takes ``frames`` (study name
        -> stored DataFrame). Module level and a pure function of its arguments.
    title : str
        Heading on the dashboard and in ``workbench list``.
    knobs : tuple of Knob
        The view's own parameters (network, array size, ...), shown as controls that redraw the view.
    studies : tuple of str
        Studies whose stored points the view reads; it redraws when a point of one of them is stored.
    description : str
        A paragraph shown above the figure.
    stage_knobs : tuple of str
        Knobs of registered stages under their composed names: ``func`` receives their values as one mapping,
        ``stages`` (as a study over pipelines does, :attr:`workbench.core.study.Study.stage_knobs`).
    """

    name: str
    theme: str
    func: Callable[..., tuple[Any, pd.DataFrame]]
    title: str
    knobs: tuple[Knob, ...] = ()
    studies: tuple[str, ...] = ()
    description: str = ""
    stage_knobs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "knobs", tuple(self.knobs))
        object.__setattr__(self, "studies", tuple(self.studies))
        object.__setattr__(self, "stage_knobs", tuple(self.stage_knobs))
        stray = sorted(set(self.stage_knobs) - set(self.knob_names))
        if stray:
            raise ValueError(f"view {self.name!r}: stage knobs {stray} are not among its knobs")
        check_signature(f"view {self.name!r}", self.func, self.parameters)

    @property
    def knob_names(self) -> list[str]:
        return [k.name for k in self.knobs]

    @property
    def parameters(self) -> list[str]:
        """The keyword parameters of ``func``: its knobs (those of :attr:`stage_knobs` gathered as ``stages``), then
        ``frames`` for a view over stored results."""
        own = [n for n in self.knob_names if n not in self.stage_knobs] + ([STAGES] if self.stage_knobs else [])
        return own + ([FRAMES] if self.studies else [])

    def knob(self, name: str) -> Knob:
        """The knob called ``name``; ``KeyError`` listing the knobs otherwise."""
        for knob in self.knobs:
            if knob.name == name:
                return knob
        raise KeyError(f"view {self.name!r} has no knob {name!r}; knobs: {self.knob_names}")

    def defaults(self) -> dict[str, Any]:
        """Every knob at its default."""
        return {k.name: k.default for k in self.knobs}

    def validate(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Complete ``params`` with defaults and check each value (``ValueError`` naming the knob)."""
        return validate_params(f"view {self.name!r}", self.knobs, dict(params or {}))

    def frames(self, store: ResultStore) -> dict[str, pd.DataFrame]:
        """The stored frame of every study the view reads (seed results imported on first use)."""
        from workbench.core.registry import get_study

        frames = {}
        for name in self.studies:
            study = get_study(name)
            store.ensure_seeded(study)
            frames[name] = store.frame(study)
        return frames

    def render(self, params: Mapping[str, Any] | None = None, *,
               store: ResultStore | None = None) -> tuple[Any, pd.DataFrame]:
        """Validate ``params`` and draw: ``(chart, plotted frame)``; stored frames come from ``store`` (default the
        project's store) when the view reads studies."""
        full = group_stage_values(self.validate(params), self.stage_knobs)
        if self.studies:
            from workbench.core.store import ResultStore

            full[FRAMES] = self.frames(store if store is not None else ResultStore())
        return self.func(**full)
