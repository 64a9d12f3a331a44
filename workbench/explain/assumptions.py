"""The assumed knobs of a study or a theme, with their plausible ranges and reasons (``workbench list --assumed``)."""

from __future__ import annotations

import pandas as pd

from workbench.core.knobs import Knob
from workbench.core.registry import get_study, list_studies
from workbench.core.study import Study


def assumed_knobs(study: Study) -> tuple[Knob, ...]:
    """The knobs of ``study`` whose default is assumed (they declare an :class:`~workbench.core.knobs.Assumed`)."""
    return tuple(k for k in study.knobs if k.assumed is not None)


def assumptions(theme: str) -> pd.DataFrame:
    """One row per assumed knob of ``theme``'s studies; a configuration field several studies derive a knob from is
    one row naming them all.

    Returns
    -------
    DataFrame
        Columns ``knob``, ``default``, ``low``, ``high``, ``unit``, ``field`` (the configuration field declaring it,
        or the study knob), ``studies`` and ``reason``.

    Raises
    ------
    ValueError
        When ``theme`` has no study.
    """
    names = list_studies(theme=theme)
    if not names:
        themes = sorted({get_study(n).theme for n in list_studies()})
        raise ValueError(f"no studies in theme {theme!r}; themes: {themes}")
    rows: dict[str, dict] = {}
    for name in names:
        for knob in assumed_knobs(get_study(name)):
            declared = knob.source or f"{name}.{knob.name}"
            row = rows.setdefault(declared, {
                "knob": knob.name, "default": knob.default, "low": knob.assumed.low, "high": knob.assumed.high,
                "unit": knob.unit, "field": declared, "studies": [], "reason": knob.assumed.reason})
            row["studies"].append(name)
    frame = pd.DataFrame(list(rows.values()), columns=["knob", "default", "low", "high", "unit", "field", "studies",
                                                       "reason"])
    frame["studies"] = frame["studies"].map(", ".join)
    return frame


def describe_assumptions(theme: str) -> str:
    """The text ``workbench list --assumed THEME`` prints: per assumed knob, its default and plausible range, the
    studies it belongs to and the reason of the range."""
    frame = assumptions(theme)
    if frame.empty:
        return f"theme {theme!r} declares no assumed knobs"
    lines = [f"== {theme}: {len(frame)} assumed parameter{'s' * (len(frame) != 1)} (default, plausible range)"]
    for row in frame.itertuples(index=False):
        unit = f" {row.unit}" if row.unit else ""
        lines.append(f"{row.knob} = {row.default}{unit}  plausible {row.low}..{row.high}{unit}  [{row.studies}]")
        lines.append(f"    {row.reason}")
    return "\n".join(lines)
