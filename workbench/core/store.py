"""ResultStore: every evaluated point of every study, in a folder of Parquet files shared by several processes.

Readers never wait on writers (DESIGN.md § Rules of the house). A store folder holds::

    STORE.json                          format tag and schema version
    points/shard-<ns>-<pid>-<hex>.parquet    one finished point (or one seed import)
    points/segment-<ns>-<hex>.parquet        shards merged by a compaction
    seeded/<study>@<version>            a seed import that is done
    compact.lock                        held (``flock``) by the one process compacting or deleting

Every Parquet file is written under a hidden temporary name and renamed into place, so a reader never sees half a
point and a crash loses at most the point being written. Readers list ``points/``, read the files they have not read
before (a file never changes once in place) and query the rows in memory with pyarrow: no file lock is taken, so a
read never waits for a sweep. Every :data:`SHARDS_PER_SEGMENT` points a writer merges the shards into a segment (and
the segments into one when there are more than :data:`MAX_SEGMENTS`): the merged file is renamed into place *before*
the merged files are deleted, so a ``kill -9`` at any moment loses nothing. A point can therefore be on disk twice
for a moment (or twice because two processes computed it at once); reads keep the first write of each key (earliest
``created_at``), so every point is seen exactly once. A file that vanishes between listing and reading (a compaction
finished) makes the read list again.

A point's key is the SHA-256 of (study name, study version, validated params), so changing a study's ``version``
invalidates its old points without deleting them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import math
import os
import secrets
import time
import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from workbench import __version__
from workbench.core.files import atomic_write
from workbench.core.paths import reference_dir, results_path
from workbench.core.study import Study

FORMAT_TAG = "dse-workbench-results"
SCHEMA_VERSION = "2"
MARKER = "STORE.json"
#: A writer merges the shards into a segment once this many have accumulated.
SHARDS_PER_SEGMENT = 64
#: More segments than this are merged into one.
MAX_SEGMENTS = 8
#: Age after which a hidden temporary file is a leftover of a killed writer (no write takes this long).
STALE_TEMPORARY_S = 3600.0
#: How often a read lists the folder again when files vanish under it (each time a compaction finished meanwhile).
READ_ATTEMPTS = 20

SCHEMA = pa.schema([
    ("key", pa.string()),
    ("study", pa.string()),
    ("version", pa.string()),
    ("params", pa.string()),
    ("metrics", pa.string()),
    ("elapsed_s", pa.float64()),
    ("seeded", pa.bool_()),
    ("workbench_version", pa.string()),
    ("created_at", pa.timestamp("us")),
])
_BOOKKEEPING = ["key", "version", "elapsed_s", "seeded", "created_at"]

#: The rows of every store file this process has read, by folder and file name (files never change once in place).
_FILES: dict[str, dict[str, pa.Table]] = {}


class StoreError(RuntimeError):
    """The store cannot be used (damaged, foreign, not permitted); the message names the file and what to do."""


def _json_value(value: Any, *, nan_as_text: bool = True) -> Any:
    """A JSON-ready copy of a param or metric value (numpy scalars and arrays, lists, dicts, non-finite floats).

    With ``nan_as_text`` non-finite floats become ``"nan"``/``"inf"`` (strict JSON, used for the keys); without it
    they stay floats, which Python's ``json`` writes and reads as ``NaN``/``Infinity`` (used for stored values).
    """
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value) if nan_as_text else value
    if hasattr(value, "tolist"):  # numpy scalars and arrays (a parquet round trip turns lists into arrays)
        return _json_value(value.tolist(), nan_as_text=nan_as_text)
    if isinstance(value, (list, tuple)):
        return [_json_value(v, nan_as_text=nan_as_text) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v, nan_as_text=nan_as_text) for k, v in value.items()}
    return value


def _stored_json(values: Mapping[str, Any]) -> str:
    return json.dumps(_json_value(dict(values), nan_as_text=False), sort_keys=True, default=str)


def point_key(study: Study, params: Mapping[str, Any], *, validated: bool = False) -> str:
    """Stable hash of (study name, version, validated params) used as the store key; ``validated`` when ``params``
    were returned by ``study.validate`` (they are not validated again)."""
    full = params if validated else study.validate(params)
    payload = json.dumps(
        {"study": study.name, "version": study.version, "params": {k: _json_value(v) for k, v in full.items()}},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class ResultStore:
    """Stored metrics of evaluated design points.

    Parameters
    ----------
    path : path-like, optional
        The store folder; default ``data/results/store`` (``$WORKBENCH_STORE`` overrides). It is created on the
        first write.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else results_path()
        self._seed_checked: set[str] = set()

    def __repr__(self) -> str:
        return f"ResultStore({str(self.path)!r})"

    @property
    def points_dir(self) -> Path:
        """The folder of Parquet files."""
        return self.path / "points"

    # -- the folder ----------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _os_errors(self, action: str) -> Iterator[None]:
        """Turn an operating-system error of ``action`` into a :class:`StoreError` saying which file and why."""
        try:
            yield
        except PermissionError as error:
            raise StoreError(
                f"result store {self.path}: permission denied to {action} ({error.filename or self.path}); the store "
                "is intact: run as a user allowed to do that, or pass another --store folder"
            ) from None
        except OSError as error:
            raise StoreError(
                f"result store {self.path}: cannot {action} ({error.filename or self.path}: "
                f"{error.strerror or error}); pass another --store folder"
            ) from None

    def _check(self, *, write: bool) -> bool:
        """Whether the folder holds a store (created here on a write); a file, a foreign or newer folder raises."""
        with self._os_errors("read the store folder"):
            if self.path.is_file():
                raise StoreError(self._file_message())
            try:
                meta_text = (self.path / MARKER).read_text()
            except FileNotFoundError:
                meta_text = None
            if meta_text is None:
                others = sorted(p.name for p in self.path.iterdir() if not p.name.startswith(".")) \
                    if self.path.is_dir() else []
                if MARKER in others:  # another process or thread created the store between the two looks
                    meta_text = (self.path / MARKER).read_text()
                elif others:
                    raise StoreError(
                        f"{self.path} is a folder but not a workbench result store (it holds {others[:5]} and no "
                        f"{MARKER}); refusing to use it. Pass another --store folder (a new or empty one)."
                    )
                elif not write:
                    return False
        if meta_text is None:
            with self._os_errors("create the store folder"):
                atomic_write(self.path / MARKER, json.dumps({"format": FORMAT_TAG, "schema": SCHEMA_VERSION}) + "\n")
                self.points_dir.mkdir(exist_ok=True)
            return True
        self._check_meta(meta_text)
        if write:
            with self._os_errors("create the points folder"):
                self.points_dir.mkdir(exist_ok=True)
        return True

    def _check_meta(self, text: str) -> None:
        try:
            meta = json.loads(text)
        except json.JSONDecodeError:
            meta = None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_TAG:
            raise StoreError(
                f"result store {self.path}: {self.path / MARKER} is damaged (not a {FORMAT_TAG!r} marker); it was "
                "left untouched: pass another --store folder to start a new store"
            )
        if meta.get("schema") != SCHEMA_VERSION:
            raise StoreError(
                f"result store {self.path} has schema {meta.get('schema')!r}; this workbench reads "
                f"{SCHEMA_VERSION!r}: pass another --store folder to start a new store"
            )

    def _file_message(self) -> str:
        with open(self.path, "rb") as handle:
            head = handle.read(12)
        suggestion = self.path.with_suffix("") if self.path.suffix else self.path.with_name(self.path.name + "-store")
        if head[8:12] == b"DUCK" or self.path.suffix == ".duckdb":
            return (
                f"result store {self.path} is a DuckDB file of an older workbench; a store is now a folder of Parquet "
                f"files and that file is not read (it was left untouched). Pass a folder, e.g. --store {suggestion}, "
                "to start a new store, and rerun the sweeps to fill it"
            )
        return (
            f"result store {self.path} is a file, not a store folder; it was left untouched. Pass a folder, e.g. "
            f"--store {suggestion}, to start a new store"
        )

    def _files(self) -> list[str]:
        """The Parquet files of the store, shards and segments, in name order (hidden temporary files excluded)."""
        with self._os_errors("list the points folder"):
            try:
                entries = os.listdir(self.points_dir)
            except FileNotFoundError:
                return []
        folder = str(self.points_dir)
        return sorted(
            os.path.join(folder, name) for name in entries if name.endswith(".parquet") and not name.startswith(".")
        )

    # -- reading ---------------------------------------------------------------------------------------------------
    def _rows(self, files: list[str] | None = None) -> pa.Table | None:
        """Every row of ``files`` (default: the store's current files); ``None`` when there are none.

        Files never change once in place, so each is read once per process and kept (:data:`_FILES`). When a listed
        file vanished before it was read (a compaction merged it meanwhile) the folder is listed again.
        """
        for _ in range(READ_ATTEMPTS):
            listed = self._files() if files is None else files
            if not listed:
                return None
            known = _FILES.get(str(self.points_dir), {})
            try:
                tables = {name: known[name] if name in known else self._read_file(name) for name in listed}
            except FileNotFoundError:
                if files is not None:
                    raise
                continue
            if files is None:
                _FILES[str(self.points_dir)] = tables
            return pa.concat_tables(tables.values()).combine_chunks()
        raise StoreError(f"result store {self.path}: files kept vanishing during {READ_ATTEMPTS} reads; try again")

    def _read_file(self, name: str) -> pa.Table:
        """The rows of one Parquet file of the store; a damaged or foreign file raises a :class:`StoreError`."""
        try:
            table = pq.ParquetFile(name).read().select(SCHEMA.names).cast(SCHEMA)
        except FileNotFoundError:
            raise
        except PermissionError:
            raise StoreError(f"result store {self.path}: permission denied to read {name}; the store is intact: run "
                             "as a user allowed to read it, or pass another --store folder") from None
        except (OSError, KeyError, pa.ArrowException) as reason:
            raise StoreError(
                f"result store {self.path}: {name} is damaged ({str(reason).splitlines()[0]}); it was left "
                f"untouched. Move it out of {self.points_dir} to read the other points, or pass another --store "
                "folder to start a new store"
            ) from None
        return table

    def _select(self, where: Mapping[str, str] | None = None, files: list[str] | None = None) -> pa.Table | None:
        """The first write (earliest ``created_at``) of every key whose columns equal ``where``, in
        (``created_at``, ``key``) order; ``None`` when the store has no files."""
        if files is None and not self._check(write=False):
            return None
        rows = self._rows(files)
        if rows is None:
            return None
        for column, value in (where or {}).items():
            rows = rows.filter(pc.equal(rows[column], value))
        rows = rows.sort_by([("created_at", "ascending"), ("key", "ascending")])
        if len(pc.unique(rows["key"])) == rows.num_rows:
            return rows
        numbered = rows.append_column("row", pa.array(np.arange(rows.num_rows)))
        first = numbered.group_by("key", use_threads=False).aggregate([("row", "min")])["row_min"]
        return rows.take(np.sort(first.to_numpy()))

    def get(self, study: Study, params: Mapping[str, Any], *, validated: bool = False) -> dict | None:
        """The stored metrics of one point, or ``None`` if it was never computed; ``validated`` when ``params`` were
        returned by ``study.validate`` (they are not validated again)."""
        key = point_key(study, params, validated=validated)
        self._seed_once(study)
        table = self._select({"key": key})
        if table is None or table.num_rows == 0:
            return None
        return json.loads(table["metrics"][0].as_py())

    def keys(self, study: Study) -> set[str]:
        """Keys of every stored point of the study's current version."""
        table = self._select({"study": study.name, "version": study.version})
        return set() if table is None else set(table["key"].to_pylist())

    def frame(self, study: Study, *, all_versions: bool = False) -> pd.DataFrame:
        """Every stored point of ``study`` as one row: knob columns, metric columns, then bookkeeping columns."""
        where = {"study": study.name} if all_versions else {"study": study.name, "version": study.version}
        self._seed_once(study)
        table = self._select(where)
        return _table_to_frame(study, table)

    def count(self) -> int:
        """Number of stored points over all studies."""
        table = self._select()
        return 0 if table is None else table.num_rows

    # -- writing ---------------------------------------------------------------------------------------------------
    def put(
        self,
        study: Study,
        params: Mapping[str, Any],
        metrics: Mapping[str, Any],
        *,
        elapsed_s: float | None = None,
        seeded: bool = False,
        validated: bool = False,
    ) -> str:
        """Store one evaluated point as its own shard and return its key; ``validated`` when ``params`` were
        returned by ``study.validate`` (they are not validated again).

        First write wins: a later write of a stored key is never read (and is dropped by the next compaction).
        """
        row = _row(study, params if validated else study.validate(params), metrics, elapsed_s, seeded)
        self._write_shard([row])
        return row["key"]

    def import_seed(self, study: Study, frame: pd.DataFrame) -> int:
        """Store the rows of a seed-results frame (knob and metric columns) as seeded points, in one shard; returns
        how many."""
        rows = []
        for record in frame.to_dict("records"):
            params = {k: record[k] for k in study.knob_names if k in record}
            metrics = {k: v for k, v in record.items() if k not in study.knob_names}
            rows.append(_row(study, study.validate(params), metrics, None, True))
        if rows:
            self._write_shard(rows)
        return len(rows)

    def _write_shard(self, rows: list[dict]) -> None:
        self._check(write=True)
        buffer = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), buffer)
        name = f"shard-{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}.parquet"
        with self._os_errors("write a point"):
            atomic_write(self.points_dir / name, buffer.getvalue().to_pybytes())
        shards = sum(1 for f in self._files() if Path(f).name.startswith("shard-"))
        if shards >= SHARDS_PER_SEGMENT:
            self.compact(wait=False)

    @contextlib.contextmanager
    def _compaction_lock(self, *, wait: bool) -> Iterator[bool]:
        """Hold the store's compaction lock (one compacting or deleting process at a time); yields whether it is
        held (``False`` without ``wait`` when another process holds it). Readers and writers never take it."""
        with self._os_errors("take the compaction lock"), open(self.path / "compact.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def compact(self, *, wait: bool = True) -> int:
        """Merge the shards into one segment (and every file into one when there are more than
        :data:`MAX_SEGMENTS` segments); returns how many files were merged.

        The merged file is in place before the merged files are deleted, so a crash at any moment loses no point.
        Without ``wait`` this returns 0 at once when another process is compacting. Temporary files older than
        :data:`STALE_TEMPORARY_S` (left by a writer killed mid-write) are deleted.
        """
        if not self._check(write=False):
            return 0
        with self._compaction_lock(wait=wait) as held:
            if held:
                self._delete_stale_temporaries()
            files = self._files() if held else []
            shards = [f for f in files if Path(f).name.startswith("shard-")]
            chosen = files if len(files) - len(shards) > MAX_SEGMENTS else shards
            if len(chosen) < 2:
                return 0
            self._rewrite(chosen, self._select(files=chosen))
            return len(chosen)

    def _delete_stale_temporaries(self) -> None:
        with self._os_errors("delete stale temporary files"), os.scandir(self.points_dir) as entries:
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(".tmp") and \
                        time.time() - entry.stat().st_mtime > STALE_TEMPORARY_S:
                    Path(entry.path).unlink(missing_ok=True)

    def delete(self, study: Study) -> int:
        """Delete every stored point of ``study`` (all versions); returns how many were deleted."""
        if not self._check(write=False):
            return 0
        with self._compaction_lock(wait=True):
            files = self._files()
            if not files:
                return 0
            rows = self._select(files=files)
            count = pc.sum(pc.equal(rows["study"], study.name)).as_py() or 0
            if count:
                self._rewrite(files, rows.filter(pc.not_equal(rows["study"], study.name)))
        return count

    def _rewrite(self, files: list[str], rows: pa.Table) -> None:
        """Replace ``files`` by one segment holding ``rows`` (renamed into place before ``files`` are deleted)."""
        table = rows.select(SCHEMA.names)
        if table.num_rows:
            buffer = pa.BufferOutputStream()
            pq.write_table(table, buffer)
            name = f"segment-{time.time_ns():020d}-{secrets.token_hex(4)}.parquet"
            with self._os_errors("write a merged segment"):
                atomic_write(self.points_dir / name, buffer.getvalue().to_pybytes())
        with self._os_errors("delete merged files"):
            for name in files:
                Path(name).unlink(missing_ok=True)

    # -- seed results ----------------------------------------------------------------------------------------------
    def ensure_seeded(self, study: Study) -> int:
        """Import ``data/reference/seeds/<study>.parquet`` once, if the study ships seed results.

        Reads (:meth:`get`, :meth:`frame`) call this on their first use of a study, so a dashboard opens on the
        seeded points of a fresh machine. Returns how many points were imported now.
        """
        self._seed_checked.add(study.name)
        seed = reference_dir() / "seeds" / f"{study.name}.parquet"
        if not seed.exists():
            return 0
        sidecar = seed.with_suffix(".json")
        made_by = json.loads(sidecar.read_text()).get("study_version") if sidecar.exists() else None
        if made_by != study.version:
            warnings.warn(
                f"seed results {seed} were made by {study.name} version {made_by!r}, not the current version "
                f"{study.version!r}; not imported (regenerate them with `workbench sweep {study.name} ... "
                "--write-seed`)",
                stacklevel=2,
            )
            return 0
        marker = self.path / "seeded" / quote(f"{study.name}@{study.version}", safe="@.")
        if self._check(write=False) and marker.exists():
            return 0
        count = self.import_seed(study, pd.read_parquet(seed))
        with self._os_errors("mark the seed import as done"):
            atomic_write(marker, f"{seed}\n")
        return count

    def _seed_once(self, study: Study) -> None:
        """Import the study's seed results before its first read; a store this process may not write (a shared,
        read-only one) is read without them, with a warning, rather than not at all."""
        if study.name in self._seed_checked:
            return
        try:
            self.ensure_seeded(study)
        except StoreError as error:
            if "permission denied" not in str(error):
                raise
            warnings.warn(f"seed results of {study.name} not imported: {error}", stacklevel=3)


def _row(study: Study, full: Mapping[str, Any], metrics: Mapping[str, Any], elapsed_s: float | None,
         seeded: bool) -> dict:
    """One stored row (the columns of :data:`SCHEMA`) of an evaluated point with validated params ``full``."""
    return {
        "key": point_key(study, full, validated=True),
        "study": study.name,
        "version": study.version,
        "params": _stored_json(full),
        "metrics": _stored_json(metrics),
        "elapsed_s": elapsed_s,
        "seeded": seeded,
        "workbench_version": __version__,
        "created_at": datetime.now(UTC).replace(tzinfo=None),
    }


#: Rows from which the JSON reader's thread pool pays off (below, starting its threads costs more than parsing).
_JSON_THREADS_FROM = 10_000


def _decoded(column: pa.ChunkedArray) -> pd.DataFrame:
    """A column of JSON objects as a frame, one row per object.

    pyarrow's JSON reader parses the whole column at once (it reads ``NaN`` and ``Infinity`` as Python's ``json``
    writes them); a field whose type changes from row to row, or a nested object (which it would widen to the union of
    every row's fields), goes through Python's ``json`` instead.
    """
    texts = column.to_pylist()
    with contextlib.suppress(pa.ArrowInvalid):
        options = pa_json.ReadOptions(use_threads=len(texts) > _JSON_THREADS_FROM)
        table = pa_json.read_json(pa.BufferReader("\n".join(texts).encode()), read_options=options)
        if table.num_rows == len(texts) and table.num_columns and not any(pa.types.is_struct(t)
                                                                           for t in table.schema.types):
            return table.to_pandas()
    return pd.DataFrame.from_records(json.loads("[" + ",".join(texts) + "]"), index=range(len(texts)))


def _table_to_frame(study: Study, table: pa.Table | None) -> pd.DataFrame:
    columns = study.knob_names + study.metric_names
    if table is None or table.num_rows == 0:
        return pd.DataFrame(columns=columns + _BOOKKEEPING)
    params, metrics = _decoded(table["params"]), _decoded(table["metrics"])
    bookkeeping = table.select(_BOOKKEEPING).to_pandas()
    frame = pd.concat([params.drop(columns=[c for c in params.columns if c in metrics.columns]), metrics,
                       bookkeeping], axis=1)
    ordered = [c for c in columns if c in frame.columns]
    return frame[ordered + [c for c in frame.columns if c not in ordered]]
