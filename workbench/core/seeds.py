"""Seed results: the points a study ships in ``data/reference/seeds/<study>.parquet``, checked before they are imported.

A seed file comes with a JSON sidecar (``<study>.json``: the study version, the command that made it and the
file's SHA-256, written by ``workbench sweep ... --write-seed``). The store imports a seed file once
(:meth:`ResultStore.ensure_seeded`); a file that cannot be imported (damaged or altered since it was written, made by
another study version, a row a study would refuse) is named in one warning with what is wrong and how to regenerate
it, and the store is read without it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.core.integrity import DamagedFile, json_object, problem, read_parquet
from workbench.core.study import Study, metric_problem


def read_seed(study: Study, path: Path) -> pd.DataFrame | None:
    """The rows of the seed-results file ``path`` of ``study``; ``None``, after a warning, when it cannot be imported.

    Each row must hold valid knob values (:meth:`Study.validate`; a missing knob takes its default) and a finite number
    for every declared metric, NaN only where the metric declares when it does not apply
    (:attr:`~workbench.core.study.Metric.not_applicable`). Other numeric columns are facts a point may not report (a
    composed point has only its own stages' facts, so the wide seed file has blanks in the others' columns): blank
    is allowed there, an infinity is not.
    """
    frame, problem = _checked(study, path)
    if problem is not None:
        warnings.warn(f"seed results {path} {problem}; not imported ({_remedy(study, path)})", stacklevel=3)
    return frame


def seed_points(study: Study, path: Path) -> pd.DataFrame:
    """The rows of the seed-results file ``path`` of ``study``, checked as by :func:`read_seed`;
    :class:`~workbench.core.integrity.DamagedFile` naming the file, what is wrong and how to regenerate it."""
    frame, problem = _checked(study, path)
    if problem is not None:
        raise DamagedFile(f"seed results {path} {problem} ({_remedy(study, path)})")
    return frame


def _remedy(study: Study, path: Path) -> str:
    return (f"regenerate them with `workbench sweep {study.name} ... --write-seed`; the sidecar "
            f"{path.with_suffix('.json').name} records the command that made them")


def _checked(study: Study, path: Path) -> tuple[pd.DataFrame | None, str | None]:
    meta, wrong = json_object(path.with_suffix(".json"))
    if wrong is not None and wrong != "is missing":
        return None, f"cannot be checked: its sidecar {path.with_suffix('.json').name} {wrong}"
    made_by = meta.get("study_version")
    if made_by != study.version:
        return None, (f"were made by {study.name} version {made_by!r}, not the current version "
                      f"{study.version!r}")
    wrong = problem(path)
    if wrong is not None:
        return None, wrong
    try:
        frame = read_parquet(path)
    except DamagedFile as error:
        return None, str(error)
    declared = set(study.metric_names)
    for column in frame.columns.difference([*study.knob_names, *declared]):
        values = frame[column].to_numpy()
        if pd.api.types.is_float_dtype(values) and np.isinf(values).any():
            row = int(np.flatnonzero(np.isinf(values))[0])
            return None, f"row {row}: column {column!r} is {float(values[row])!r}; allowed: a finite number or blank"
    for row, record in enumerate(frame.to_dict("records")):
        try:
            study.validate({k: record[k] for k in study.knob_names if k in record})
        except (ValueError, TypeError) as error:
            return None, f"row {row}: {error}"
        for metric in study.metrics:
            value = record.get(metric.name)
            if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, (bool, np.bool_)):
                return None, f"row {row}: metric {metric.name!r} is {value!r}; allowed: a number"
            wrong = metric_problem(metric, float(value))
            if wrong is not None:
                return None, f"row {row}: {wrong}"
    return frame, None
