"""The rows of result-store files, checked before anything reads them.

A store file is shared by every process that points at the folder, so a row may be damaged, written by a foreign
tool or forged. Two levels of checks keep such a row from breaking or falsifying a read:

* :func:`check_file_rows` (once per file, no study needed): the identifying columns are not null, ``params`` and
  ``metrics`` are JSON objects that decode, and ``key`` is the hash of the row's study, version and params
  (:func:`key_of`), so a row cannot pose as another point;
* :func:`bad_metric_rows` and :func:`check_points` (on every read of a study): every declared metric of the current
  version is a finite number (NaN where the metric declares when it does not apply), and two rows of one key agree
  on every metric that is a model result (measured ones, wall-clock timings, may differ); rows that disagree are a
  conflict and are not resolved by their timestamps.

Each returns the rows to keep and a reason for each row left out; the store turns those into warnings naming the
file and ``workbench store check`` into a listing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Columns a row cannot do without (``elapsed_s`` is null for imported seeds, the others are bookkeeping).
REQUIRED = ("key", "study", "version", "params", "metrics", "created_at")


def json_value(value: Any, *, nan_as_text: bool = True) -> Any:
    """A JSON-ready copy of a param or metric value (numpy scalars and arrays, lists, dicts, non-finite floats).

    With ``nan_as_text`` non-finite floats become ``"nan"``/``"inf"`` (strict JSON, used for the keys); without it
    they stay floats, which Python's ``json`` writes and reads as ``NaN``/``Infinity`` (used for stored values).
    """
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value) if nan_as_text else value
    if hasattr(value, "tolist"):  # numpy scalars and arrays (a parquet round trip turns lists into arrays)
        return json_value(value.tolist(), nan_as_text=nan_as_text)
    if isinstance(value, (list, tuple)):
        return [json_value(v, nan_as_text=nan_as_text) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v, nan_as_text=nan_as_text) for k, v in value.items()}
    return value


def stored_json(values: Mapping[str, Any]) -> str:
    """The stored text of a params or metrics dict (sorted keys, non-finite floats as ``NaN``/``Infinity``)."""
    return json.dumps(json_value(dict(values), nan_as_text=False), sort_keys=True, default=str)


def key_of(study: str, version: str, params: Mapping[str, Any]) -> str:
    """SHA-256 of (study name, version, validated params): the key of a stored point."""
    payload = json.dumps({"study": study, "version": version, "params": {k: json_value(v) for k, v in params.items()}},
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _key_matches(key: str, study: str, version: str, params: str, heads: dict) -> bool:
    """Whether ``key`` is the key of a row's study, version and params text.

    The stored params text of finite values is exactly the ``params`` member of the hashed payload, so the hash is
    taken over the text first (no parsing, ~1 us a row); only a mismatch (non-finite values, another spelling of the
    same JSON, or a forged key) parses the params and hashes them as :func:`key_of` does.
    """
    if (study, version) not in heads:
        heads[study, version] = f', "study": {json.dumps(study)}, "version": {json.dumps(version)}}}'
    if hashlib.sha256(f'{{"params": {params}{heads[study, version]}'.encode()).hexdigest() == key:
        return True
    try:
        parsed = json.loads(params)
    except ValueError:
        return False
    return isinstance(parsed, dict) and key_of(study, version, parsed) == key


def _positions(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.flatnonzero(np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool))


def check_file_rows(table: pa.Table) -> tuple[np.ndarray, list[str]]:
    """Which rows of one store file may be read (a bool mask), and ``"row N: reason"`` for every other row.

    Parameters
    ----------
    table : pyarrow.Table
        The file's rows, already cast to the store schema.
    """
    reasons: dict[int, str] = {}
    for column in REQUIRED:
        for row in _positions(table[column].is_null()):
            reasons.setdefault(int(row), f"{column} is null")
    for column in ("params", "metrics"):
        text = pc.utf8_trim_whitespace(table[column])
        braced = pc.and_(pc.starts_with(text, "{"), pc.ends_with(text, "}")).fill_null(True)
        for row in _positions(pc.invert(braced)):
            reasons.setdefault(int(row), f"{column} is not a JSON object")
        readable = np.flatnonzero(~np.isin(np.arange(table.num_rows), list(reasons)))
        for row, reason in _undecodable(table[column].take(readable).to_pylist(), column).items():
            reasons.setdefault(int(readable[row]), reason)
    heads: dict = {}
    columns = (table[c].to_pylist() for c in ("key", "study", "version", "params"))
    for row, (key, study, version, params) in enumerate(zip(*columns)):
        if row not in reasons and not _key_matches(key, study, version, params, heads):
            reasons[row] = "key is not the hash of its study, version and params (a copied or forged row)"
    keep = np.ones(table.num_rows, dtype=bool)
    keep[list(reasons)] = False
    return keep, [f"row {row}: {reasons[row]}" for row in sorted(reasons)]


def _undecodable(texts: list[str], what: str) -> dict[int, str]:
    """The reason of each of ``texts`` that is not a JSON object, by position (one parse of a long column by
    pyarrow's JSON reader when they all are; Python's ``json`` row by row for short columns and to find the culprits).
    """
    if len(texts) >= _JSON_THREADS_FROM:
        import pyarrow.json as pa_json

        with contextlib.suppress(pa.ArrowInvalid):
            if pa_json.read_json(pa.BufferReader("\n".join(texts).encode())).num_rows == len(texts):
                return {}
    bad = {}
    for row, text in enumerate(texts):
        try:
            value = json.loads(text)
        except ValueError as error:
            bad[row] = f"{what} is not JSON ({error})"
            continue
        if not isinstance(value, dict):
            bad[row] = f"{what} is not a JSON object"
    return bad


def decode_objects(column: pa.ChunkedArray, what: str) -> tuple[pd.DataFrame, dict[int, str]]:
    """A column of JSON objects as a frame, one row per object, and the reason of each row that is not one.

    pyarrow's JSON reader parses the whole column at once (it reads ``NaN`` and ``Infinity`` as Python's ``json``
    writes them); a field whose type changes from row to row, a nested object (which it would widen to the union of
    every row's fields) or text that is not JSON goes through Python's ``json`` row by row instead. A row that is not
    a JSON object is an empty row of the frame.
    """
    import pyarrow.json as pa_json

    texts = column.to_pylist()
    try:
        options = pa_json.ReadOptions(use_threads=len(texts) > _JSON_THREADS_FROM)
        table = pa_json.read_json(pa.BufferReader("\n".join(texts).encode()), read_options=options)
    except pa.ArrowInvalid:
        table = None
    if table is not None and table.num_rows == len(texts) and table.num_columns and \
            not any(pa.types.is_struct(t) for t in table.schema.types):
        return table.to_pandas(), {}
    bad = _undecodable(texts, what)
    records = [{} if row in bad else json.loads(text) for row, text in enumerate(texts)]
    return pd.DataFrame.from_records(records, index=range(len(texts))), bad


#: Rows from which the JSON reader's thread pool pays off (below, starting its threads costs more than parsing).
_JSON_THREADS_FROM = 10_000


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def bad_metric_rows(metrics: pd.DataFrame, texts: pa.ChunkedArray, declared: Collection[str],
                    current: np.ndarray, nan_ok: Collection[str] = ()) -> dict[int, str]:
    """The rows (positions) where a ``declared`` metric is missing, not a number, or not finite, among the ``current``
    rows (a bool mask: rows of the study's current version; older versions declared other metrics).

    ``metrics`` is the decoded ``texts``. A NaN is allowed only in the metrics ``nan_ok``, those that declare when
    they do not apply (:attr:`~workbench.core.study.Metric.not_applicable`; a study reports "no value" as NaN); an
    infinity never. A decoded NaN, which may also be a missing member, is looked up in its row's text.
    """
    bad: dict[int, str] = {}
    for name in declared:
        values = metrics[name] if name in metrics.columns else pd.Series(np.nan, index=metrics.index)
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            doubtful = np.flatnonzero(current & ~np.isfinite(values.to_numpy(dtype=float)))
        else:
            doubtful = np.flatnonzero(current)
        for row in doubtful:
            value = json.loads(texts[int(row)].as_py()).get(name)
            if not _is_number(value):
                bad.setdefault(int(row), f"metric {name!r} is missing or not a number")
            elif not math.isfinite(value) and not (math.isnan(value) and name in nan_ok):
                bad.setdefault(int(row), f"metric {name!r} is {value!r}; allowed: a finite number"
                                         + ("" if math.isinf(value) else " (NaN only for a metric that declares "
                                                                         "when it does not apply)"))
    return bad


def model_text(metrics: str, measured: Collection[str]) -> str:
    """The metrics text of a row without its ``measured`` metrics, canonical, for comparing two rows of one key."""
    values = json.loads(metrics)
    return json.dumps({k: v for k, v in values.items() if k not in measured}, sort_keys=True)


def check_points(table: pa.Table, bad: Mapping[int, str],
                 measured: Collection[str]) -> tuple[np.ndarray, list[tuple[str, list[int]]]]:
    """Which rows of one study's read to keep: the first (earliest) row of each key, unless the rows of that key
    disagree on a model metric.

    Parameters
    ----------
    table : pyarrow.Table
        The rows, in (``created_at``, ``key``) order.
    bad : mapping
        Positions of rows already found invalid (left out, and not compared).
    measured : collection of str
        Metrics that are measurements (wall-clock timings): two runs of one point may differ there.

    Returns
    -------
    keep, conflicts
        A bool mask over the rows, and ``(key, positions)`` of every key whose rows disagree (all left out).
    """
    keep = np.ones(table.num_rows, dtype=bool)
    keep[list(bad)] = False
    if len(pc.unique(table["key"])) == table.num_rows:
        return keep, []
    keys = np.asarray(table["key"].to_pylist(), dtype=object)
    seen: dict[str, list[int]] = {}
    for row in np.flatnonzero(keep):
        seen.setdefault(keys[row], []).append(int(row))
    texts = table["metrics"]
    conflicts = []
    for key, rows in seen.items():
        if len(rows) < 2:
            continue
        keep[rows[1:]] = False
        if len({model_text(texts[row].as_py(), measured) for row in rows}) > 1:
            keep[rows[0]] = False
            conflicts.append((key, rows))
    return keep, conflicts
