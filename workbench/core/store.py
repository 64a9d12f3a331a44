"""ResultStore: every evaluated point of every study, in a folder of Parquet files shared by several processes.

Readers never wait on writers (docs/design.md § Rules of the house). A store folder holds::

    STORE.json                          format tag and schema version
    points/shard-<ns>-<pid>-<hex>.parquet    one finished point (or one seed import)
    points/segment-<ns>-<hex>.parquet        shards merged by a compaction
    seeded/<study>@<version>            a seed import that is done
    compact.lock                        held (``flock``) by the one process compacting or deleting
    timings/                            a store of the same layout: one row per measured run

Every Parquet file is written under a hidden temporary name and renamed into place, so a reader never sees half a
point and a crash loses at most the point being written. Readers list ``points/``, read the files they have not read
before (a file never changes once in place) and query the rows in memory with pyarrow: no file lock is taken, so a
read never waits for a sweep. Every :data:`SHARDS_PER_SEGMENT` points a writer merges the shards into a segment (and
the segments into one when there are more than :data:`MAX_SEGMENTS`): the merged file is renamed into place *before*
the merged files are deleted, so a ``kill -9`` at any moment loses nothing. A point can therefore be on disk twice
for a moment (or twice because two processes computed it at once); reads keep one row of each key whose rows agree
(the earliest), so every point is seen exactly once. A file that vanishes between listing and reading (a compaction
finished) makes the read list again.

Every row is checked before it is read (:mod:`workbench.core.store_rows`): a damaged or foreign file, or a row with
a null column, params or metrics that are not JSON objects, a key that is not the hash of its params, or a declared
metric that is not a number, is skipped with one warning naming the file (``workbench store check`` lists them all).
A compaction never merges (nor deletes) a file with a problem found without a study (damaged, a null column, not
JSON, a wrong key) or with a row of a disputed point, so the file can be moved out by name. Two rows of one key that
disagree on a model metric are a conflict: the point is left out, with a warning naming both files, rather than
decided by which row claims to be older.

A point's key is the SHA-256 of (study name, study version, validated params), so changing a study's ``version``
invalidates its old points without deleting them.

Measured metrics (``Metric(measured=True)``: wall-clock timings) are not part of a point's row: each run's
measurements go to a store of their own in ``timings/`` with the run's machine, load and executor
(:mod:`workbench.core.timings`), and a read reports their median over the runs, its spread and the number of runs.
Rows written before that (seed results, older stores) keep their measurements in the row, read as one run.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import time
import warnings
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from workbench import __version__
from workbench.core.files import atomic_write
from workbench.core.integrity import schema_problem
from workbench.core.paths import reference_dir, results_path
from workbench.core.seeds import read_seed
from workbench.core.store_rows import (
    bad_metric_rows,
    check_file_rows,
    check_points,
    decode_objects,
    key_of,
    model_text,
    stored_json,
)
from workbench.core.study import Study, metric_problem
from workbench.core.timings import RUNS, SPREAD, run_context, summarise

FORMAT_TAG = "dse-workbench-results"
SCHEMA_VERSION = "2"
MARKER = "STORE.json"
#: A writer merges the shards into a segment once this many have accumulated.
SHARDS_PER_SEGMENT = 64
#: More segments than this are merged into one.
MAX_SEGMENTS = 8
#: Age after which a hidden temporary file is a leftover of a killed writer (no write takes this long).
STALE_TEMPORARY_S = 3600.0
#: The folder of the store of measured runs, inside a store folder.
TIMINGS = "timings"
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
#: What a read adds to every row: the file it came from and its row number there (for warnings; never written).
_READ_SCHEMA = SCHEMA.append(pa.field("file", pa.dictionary(pa.int32(), pa.string()))).append(
    pa.field("row", pa.int64()))


class _File(NamedTuple):
    """One store file as read: its valid rows (with ``file`` and ``row``) and a line for each problem."""

    rows: pa.Table
    problems: tuple[str, ...]


class _Points(NamedTuple):
    """The rows of one study's read that are kept (one per point), their decoded params and metrics, a line for
    each problem, and the keys left out because their rows disagree."""

    rows: pa.Table
    params: pd.DataFrame
    metrics: pd.DataFrame
    problems: list[str]
    disputed: set[str]


#: Every store file this process has read, by folder and file name (files never change once in place).
_FILES: dict[str, dict[str, _File]] = {}


class StoreError(RuntimeError):
    """The store cannot be used (damaged, foreign, not permitted); the message names the file and what to do."""


def point_key(study: Study, params: Mapping[str, Any], *, validated: bool = False) -> str:
    """Stable hash of (study name, version, validated params) used as the store key; ``validated`` when ``params``
    were returned by ``study.validate`` (they are not validated again)."""
    return key_of(study.name, study.version, params if validated else study.validate(params))


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
    def _load(self, files: list[str] | None = None) -> dict[str, _File] | None:
        """Every file of ``files`` (default: the store's current files) as read; ``None`` when there are none.

        Files never change once in place, so each is read and checked once per process and kept (:data:`_FILES`).
        When a listed file vanished before it was read (a compaction merged it meanwhile) the folder is listed again.
        """
        for _ in range(READ_ATTEMPTS):
            listed = self._files() if files is None else files
            if not listed:
                return None
            known = _FILES.get(str(self.points_dir), {})
            try:
                read = {name: known[name] if name in known else self._read_file(name) for name in listed}
            except FileNotFoundError:
                if files is not None:
                    raise
                continue
            if files is None:
                _FILES[str(self.points_dir)] = read
            return read
        raise StoreError(f"result store {self.path}: files kept vanishing during {READ_ATTEMPTS} reads; try again")

    def _rows(self, files: list[str] | None = None) -> pa.Table | None:
        """Every valid row of ``files`` (default: the store's current files); ``None`` when there are none."""
        read = self._load(files)
        return None if read is None else pa.concat_tables(f.rows for f in read.values()).combine_chunks()

    def _read_file(self, name: str) -> _File:
        """One Parquet file of the store, its rows checked (:func:`check_file_rows`); a damaged or foreign file has
        no rows and one problem. Every problem is warned about here, once per file and process."""
        try:
            table = pq.ParquetFile(name).read()
            foreign = schema_problem(table.schema)  # e.g. an extension type a cast would accept
            if foreign is not None:
                raise ValueError(foreign)
            table = table.select(SCHEMA.names).cast(SCHEMA)
        except FileNotFoundError:
            raise
        except PermissionError:
            raise StoreError(f"result store {self.path}: permission denied to read {name}; the store is intact: run "
                             "as a user allowed to read it, or pass another --store folder") from None
        except (OSError, KeyError, ValueError, pa.ArrowException) as reason:
            table, problems = SCHEMA.empty_table(), [f"damaged or not a store file ({str(reason).splitlines()[0]})"]
            keep = np.zeros(0, dtype=bool)
        else:
            keep, problems = check_file_rows(table)
            table = table.filter(pa.array(keep))
        if problems:
            skipped = "every row" if table.num_rows == 0 else f"{len(problems)} row(s)"
            warnings.warn(f"result store {self.path}: skipped {skipped} of {name}: {_listed(problems)}; "
                          f"{self._remedy()}", stacklevel=2)
        file = pa.DictionaryArray.from_arrays(pa.array(np.zeros(table.num_rows, dtype=np.int32)), [name])
        numbers = pa.array(np.flatnonzero(keep).astype(np.int64))
        rows = table.append_column(_READ_SCHEMA.field("file"), file).append_column(_READ_SCHEMA.field("row"), numbers)
        return _File(rows, tuple(problems))

    def _remedy(self) -> str:
        return (f"the file was left untouched: move it out of {self.points_dir} (`workbench store check --store "
                f"{self.path}` lists every problem)")

    def _select(self, where: Mapping[str, str] | None = None, files: list[str] | None = None) -> pa.Table | None:
        """The valid rows whose columns equal ``where``, in (``created_at``, ``key``) order, each stored result once
        (of rows with one key and the same metrics text, the first write); ``None`` when the store has no files.

        Rows of one key with different metrics are all kept: :meth:`_points` decides whether they disagree."""
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
        numbered = rows.append_column("order", pa.array(np.arange(rows.num_rows)))
        first = numbered.group_by(["key", "metrics"], use_threads=False).aggregate([("order", "min")])["order_min"]
        return rows.take(np.sort(first.to_numpy()))

    def _points(self, study: Study, where: Mapping[str, str]) -> _Points:
        """The stored points of ``study`` matching ``where``, each once; rows the study cannot read and keys whose
        rows disagree are left out with a warning (:meth:`_study_rows`)."""
        table = self._select(where)
        table = _READ_SCHEMA.empty_table() if table is None else table
        points = self._study_rows(table, _model_metrics(study), study.version, set(study.measured_names),
                                  _nan_ok(study))
        for line in points.problems:
            warnings.warn(f"result store {self.path}: {line}", stacklevel=3)
        return points

    def _study_rows(self, table: pa.Table, declared: Collection[str], version: str | None,
                    measured: Collection[str], nan_ok: Collection[str] = ()) -> _Points:
        """Check the rows of one study (:func:`check_points`); a problem line per file with rows left out and per
        conflicting key."""
        params, bad = decode_objects(table["params"], "params")
        metrics, bad_metrics = decode_objects(table["metrics"], "metrics")
        bad = {**bad_metrics, **bad}
        current = np.asarray(pc.equal(table["version"], version).to_numpy(zero_copy_only=False), dtype=bool) \
            if version is not None and table.num_rows else np.zeros(table.num_rows, dtype=bool)
        for row, reason in bad_metric_rows(metrics, table["metrics"], declared, current, nan_ok).items():
            bad.setdefault(row, reason)
        keep, conflicts = check_points(table, bad, measured)
        if keep.all():
            return _Points(table, params, metrics, [], set())
        return _Points(table.filter(pa.array(keep)), params[keep].reset_index(drop=True),
                       metrics[keep].reset_index(drop=True), self._problem_lines(table, bad, conflicts, measured),
                       {key for key, _ in conflicts})

    def _problem_lines(self, table: pa.Table, bad: Mapping[int, str], conflicts: list[tuple[str, list[int]]],
                       measured: Collection[str]) -> list[str]:
        """One line per file with rows left out (``bad``: position -> reason) and one per conflicting key."""
        def where(row: int) -> tuple[str, int]:
            return table["file"][row].as_py(), table["row"][row].as_py()

        by_file: dict[str, list[str]] = {}
        for row in sorted(bad):
            name, number = where(row)
            by_file.setdefault(name, []).append(f"row {number}: {bad[row]}")
        lines = [f"skipped {len(found)} row(s) of {name}: {_listed(found)}; {self._remedy()}"
                 for name, found in by_file.items()]
        for key, rows in conflicts:
            values = [json.loads(model_text(table["metrics"][r].as_py(), measured)) for r in rows]
            differ = sorted({k for v in values for k in v if any(json.dumps(w.get(k)) != json.dumps(v.get(k))
                                                                  for w in values)})
            files = " and ".join("{} (row {})".format(*where(r)) for r in rows)
            lines.append(f"point {key[:12]} of {table['study'][rows[0]].as_py()} is stored with different results "
                         f"(metrics {', '.join(differ)}) in {files}; it is left out, not decided by which row claims "
                         f"to be older: move the wrong file out of {self.points_dir}")
        return lines

    def get(self, study: Study, params: Mapping[str, Any], *, validated: bool = False) -> dict | None:
        """The stored metrics of one point, or ``None`` if it was never computed (or its stored rows disagree);
        ``validated`` when ``params`` were returned by ``study.validate`` (they are not validated again)."""
        key = point_key(study, params, validated=validated)
        self._seed_once(study)
        rows = self._points(study, {"key": key}).rows
        if rows.num_rows == 0:
            return None
        metrics = json.loads(rows["metrics"][0].as_py())
        runs = self.runs(study, key)
        if not runs.empty:
            metrics.update(summarise(runs, study.measured_names).iloc[0].to_dict())
        return metrics

    def keys(self, study: Study) -> set[str]:
        """Keys of every stored point of the study's current version, those whose rows disagree included (a sweep
        does not recompute them: the warning says which file to move out)."""
        points = self._points(study, {"study": study.name, "version": study.version})
        return set(points.rows["key"].to_pylist()) | points.disputed

    def frame(self, study: Study, *, all_versions: bool = False) -> pd.DataFrame:
        """Every stored point of ``study`` as one row: knob columns, metric columns, then bookkeeping columns."""
        where = {"study": study.name} if all_versions else {"study": study.name, "version": study.version}
        self._seed_once(study)
        points = self._points(study, where)
        frame = _table_to_frame(study, points.rows, points.params, points.metrics)
        return self._with_runs(study, frame) if study.measured_names and not frame.empty else frame

    def runs(self, study: Study, key: str | None = None) -> pd.DataFrame:
        """The measured runs of ``study`` (current version), of every point or of the point ``key``: one row per run
        with ``point`` (its key), the measured metrics, ``machine``, ``load``, ``executor`` and ``created_at``."""
        timings = ResultStore(self.path / TIMINGS)
        rows = timings._select({"study": study.name, "version": study.version})
        if rows is not None and key is not None:
            rows = rows.filter(pc.match_substring(rows["metrics"], f'"point": "{key}"'))
        if rows is None or rows.num_rows == 0:
            return pd.DataFrame(columns=["point", *study.measured_names, "machine", "load", "executor", "created_at"])
        runs, _ = decode_objects(rows["metrics"], "metrics")
        return runs.assign(created_at=rows["created_at"].to_pandas())

    def _with_runs(self, study: Study, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with each measured metric as the median of the point's runs, its spread and the run count;
        a row that holds its own measurement (written before runs were kept apart) counts as one run."""
        measured = study.measured_names
        runs = self.runs(study)
        summary = summarise(runs, measured) if not runs.empty else pd.DataFrame(columns=[RUNS])
        own = frame[[m for m in measured if m in frame.columns]].notna().any(axis=1)
        missing = pd.Series(float("nan"), frame.index)

        def per_point(column: str) -> pd.Series:
            return frame["key"].map(summary[column]) if column in summary else missing

        for name in measured:
            median = per_point(name)
            frame[name] = median.fillna(frame[name] if name in frame.columns else missing)
            frame[name + SPREAD] = per_point(name + SPREAD).where(median.notna(), 0.0).where(frame[name].notna())
        frame[RUNS] = per_point(RUNS).fillna(own.astype(int)).astype(int)
        return frame

    def count(self) -> int:
        """Number of stored points over all studies."""
        table = self._select()
        return 0 if table is None else len(pc.unique(table["key"]))

    def check(self, studies: Mapping[str, Study]) -> list[str]:
        """Every problem of the store (and of its store of measured runs), one line each, without warnings: files
        and rows that are skipped, rows a study cannot read, and keys whose rows disagree.

        Parameters
        ----------
        studies : mapping
            Study name -> :class:`Study` of the studies known here; rows of other studies are checked without
            declared or measured metrics.
        """
        if not self._check(write=False):
            return []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read = self._load() or {}
            table = self._select()
        lines = [f"{name}: {line}" for name, file in read.items() for line in file.problems]
        for name in sorted(set(table["study"].to_pylist())) if table is not None else []:
            study = studies.get(name)
            rows = table.filter(pc.equal(table["study"], name))
            declared = _model_metrics(study) if study else ()
            measured = set(study.measured_names) if study else set()
            lines += self._study_rows(rows, declared, study.version if study else None, measured,
                                      _nan_ok(study) if study else ()).problems
        return lines + ResultStore(self.path / TIMINGS).check({})

    # -- writing ---------------------------------------------------------------------------------------------------
    def put(
        self,
        study: Study,
        params: Mapping[str, Any],
        metrics: Mapping[str, Any],
        *,
        elapsed_s: float | None = None,
        seeded: bool = False,
        executor: str | None = None,
        validated: bool = False,
    ) -> str:
        """Store one evaluated point as its own shard and return its key; ``validated`` when ``params`` were
        returned by ``study.validate`` (they are not validated again).

        The measured metrics go to the store of runs (``timings/``) with the run's context (:func:`run_context`;
        ``executor`` names how the point was evaluated). A later write of a stored key with the same model metrics
        is read once (and merged away by the next compaction); with other model metrics it is a conflict. A declared
        metric that is not finite (NaN where it does not declare when it does not apply) is a ``ValueError``: a read
        would skip the row.
        """
        for metric in study.metrics:
            value = metrics.get(metric.name)
            wrong = metric_problem(metric, float(value)) if isinstance(value, (int, float, np.number)) else None
            if wrong is not None:
                raise ValueError(f"study {study.name!r}: {wrong}; not stored")
        measured = set(study.measured_names)
        row = _row(study, params if validated else study.validate(params),
                   {k: v for k, v in metrics.items() if k not in measured}, elapsed_s, seeded)
        self._write_shard([row])
        timing = {k: metrics[k] for k in sorted(measured) if k in metrics}
        if timing:
            ResultStore(self.path / TIMINGS)._write_shard([_run_row(study, row, timing, executor, elapsed_s)])
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
        :data:`MAX_SEGMENTS` segments); returns how many files were merged. Files with a problem (a damaged file, a
        skipped row) are left as they are.

        The merged file is in place before the merged files are deleted, so a crash at any moment loses no point.
        Without ``wait`` this returns 0 at once when another process is compacting. Temporary files older than
        :data:`STALE_TEMPORARY_S` (left by a writer killed mid-write) are deleted.
        """
        if not self._check(write=False):
            return 0
        with self._compaction_lock(wait=wait) as held:
            if held:
                self._delete_stale_temporaries()
            files = self._clean_files() if held else []
            shards = [f for f in files if Path(f).name.startswith("shard-")]
            chosen = files if len(files) - len(shards) > MAX_SEGMENTS else shards
            if len(chosen) < 2:
                return 0
            self._rewrite(chosen, self._select(files=chosen))
            return len(chosen)

    def _clean_files(self) -> list[str]:
        """The files a compaction or a deletion may merge (and delete): those with no problem and no row of a key
        stored elsewhere with other metrics (a conflict, or another run's measurements), so that each such file
        stays apart and can be moved out by name."""
        read = self._load() or {}
        files = list(read)
        rows = pa.concat_tables(f.rows for f in read.values()) if read else _READ_SCHEMA.empty_table()
        results = rows.group_by(["key", "metrics"], use_threads=False).aggregate([]).group_by("key").aggregate(
            [("metrics", "count")])
        disputed = results.filter(pc.greater(results["metrics_count"], 1))["key"]
        kept = set(rows.filter(pc.is_in(rows["key"], disputed))["file"].to_pylist()) if len(disputed) else set()
        return [name for name in files if not read[name].problems and name not in kept]

    def _delete_stale_temporaries(self) -> None:
        with self._os_errors("delete stale temporary files"), os.scandir(self.points_dir) as entries:
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(".tmp") and \
                        time.time() - entry.stat().st_mtime > STALE_TEMPORARY_S:
                    Path(entry.path).unlink(missing_ok=True)

    def delete(self, study: Study) -> int:
        """Delete every stored point of ``study`` (all versions); returns how many were deleted. Files a compaction
        leaves apart (a problem, a disputed point) are left as they are: ``workbench store check`` names them."""
        if not self._check(write=False):
            return 0
        with self._compaction_lock(wait=True):
            files = self._clean_files()
            if not files:
                return 0
            rows = self._select(files=files)
            count = pc.sum(pc.equal(rows["study"], study.name)).as_py() or 0
            if count:
                self._rewrite(files, rows.filter(pc.not_equal(rows["study"], study.name)))
        if study.measured_names:
            ResultStore(self.path / TIMINGS).delete(study)
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
        """Import ``data/reference/seeds/<study>.parquet`` once, if the study ships seed results (and they pass
        :func:`~workbench.core.seeds.read_seed`; a warning says why not otherwise).

        Reads (:meth:`get`, :meth:`frame`) call this on their first use of a study, so a dashboard opens on the
        seeded points of a fresh machine. Returns how many points were imported now.
        """
        self._seed_checked.add(study.name)
        seed = reference_dir() / "seeds" / f"{study.name}.parquet"
        if not seed.exists():
            return 0
        marker = self.path / "seeded" / quote(f"{study.name}@{study.version}", safe="@.")
        if self._check(write=False) and marker.exists():
            return 0
        frame = read_seed(study, seed)
        if frame is None:
            return 0
        count = self.import_seed(study, frame)
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
        "params": stored_json(full),
        "metrics": stored_json(metrics),
        "elapsed_s": elapsed_s,
        "seeded": seeded,
        "workbench_version": __version__,
        "created_at": datetime.now(UTC).replace(tzinfo=None),
    }


def _run_row(study: Study, point: dict, timing: Mapping[str, Any], executor: str | None,
             elapsed_s: float | None) -> dict:
    """The row of one measured run of the point ``point`` (a row of :func:`_row`) in the store of runs: keyed by the
    point's params and a run id (so every run is its own row), its metrics the measurements and the run's context."""
    params = {**json.loads(point["params"]), "_run": f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}"}
    return {**point, "key": key_of(study.name, study.version, params), "params": stored_json(params),
            "metrics": stored_json({"point": point["key"], **timing, **run_context(executor)}), "elapsed_s": elapsed_s}


def _model_metrics(study: Study) -> list[str]:
    """The study's metrics that are model results: every row of its current version holds them."""
    return [m.name for m in study.metrics if not m.measured]


def _nan_ok(study: Study) -> set[str]:
    """The metrics of ``study`` that may be NaN in a stored row: those declaring when they do not apply."""
    return {m.name for m in study.metrics if m.not_applicable}


def _listed(problems: list[str], shown: int = 3) -> str:
    """The first ``shown`` problems, joined, and how many more there are."""
    more = f"; and {len(problems) - shown} more" if len(problems) > shown else ""
    return "; ".join(problems[:shown]) + more


def _table_to_frame(study: Study, table: pa.Table, params: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per point of ``table`` (rows with their decoded params and metrics): knobs, metrics, bookkeeping."""
    columns = study.knob_names + study.metric_names
    if table.num_rows == 0:
        return pd.DataFrame(columns=columns + _BOOKKEEPING)
    bookkeeping = table.select(_BOOKKEEPING).to_pandas()
    frame = pd.concat([params.drop(columns=[c for c in params.columns if c in metrics.columns]), metrics,
                       bookkeeping], axis=1)
    ordered = [c for c in columns if c in frame.columns]
    return frame[ordered + [c for c in frame.columns if c not in ordered]]
