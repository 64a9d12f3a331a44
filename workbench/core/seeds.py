"""Seed results: the points a study ships in ``data/reference/seeds/<study>.parquet``, checked before they are imported.

A seed file comes with a JSON sidecar (``<study>.json``: the study version, the command that made it and the
file's SHA-256, written by ``workbench sweep ... --write-seed``). The store imports a seed file once
(:meth:`ResultStore.ensure_seeded`); a file that cannot be imported (damaged or altered since it was written, made by
another study version, a row a study would refuse) is named in one warning with what is wrong and how to regenerate
it, and the store is read without it.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.core.files import content_sha256
from workbench.core.integrity import DamagedFile, read_parquet
from workbench.core.study import Study


def read_seed(study: Study, path: Path) -> pd.DataFrame | None:
    """The rows of the seed-results file ``path`` of ``study``; ``None``, after a warning, when it cannot be imported.

    Each row must hold valid knob values (:meth:`Study.validate`; a missing knob takes its default) and a number for
    every declared metric.
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
    sidecar = path.with_suffix(".json")
    try:
        meta = json.loads(sidecar.read_text())
    except FileNotFoundError:
        meta = {}
    except (OSError, ValueError) as error:
        return None, f"cannot be checked: its sidecar {sidecar.name} is not readable JSON ({error})"
    made_by = meta.get("study_version") if isinstance(meta, dict) else None
    if made_by != study.version:
        return None, (f"were made by {study.name} version {made_by!r}, not the current version "
                      f"{study.version!r}")
    try:
        digest = content_sha256(path)
    except OSError as error:
        return None, f"cannot be read ({error})"
    if meta.get("sha256") != digest:
        return None, (f"do not match their sidecar {sidecar.name} (SHA-256 {digest[:12]}..., recorded "
                      f"{str(meta.get('sha256'))[:12]}...): the file was altered or damaged after it was written")
    try:
        frame = read_parquet(path)
    except DamagedFile as error:
        return None, str(error)
    for row, record in enumerate(frame.to_dict("records")):
        try:
            study.validate({k: record[k] for k in study.knob_names if k in record})
        except (ValueError, TypeError) as error:
            return None, f"row {row}: {error}"
        for name in study.metric_names:
            value = record.get(name)
            if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, (bool, np.bool_)):
                return None, f"row {row}: metric {name!r} is {value!r}; allowed: a number"
    return frame, None
