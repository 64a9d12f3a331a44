"""ResultStore: every evaluated point of every study, in one DuckDB file shared by several processes.

DuckDB takes an exclusive lock on its file: while one process holds it open, another cannot even open it read-only.
So the store holds no connection between operations: each operation opens the file, does one transaction and closes
it, retrying with exponential backoff while another process holds the lock (DESIGN.md § Rules of the house). Each
finished point is committed in its own transaction, so a crash loses at most the point being written, and a reader
never sees half a point.

A point's key is the SHA-256 of (study name, study version, validated params), so changing a study's ``version``
invalidates its old points without deleting them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import random
import threading
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from workbench import __version__
from workbench.core.paths import reference_dir, results_path
from workbench.core.study import Study

FORMAT_TAG = "dse-workbench-results"
SCHEMA_VERSION = "1"

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS workbench_meta (name VARCHAR PRIMARY KEY, value VARCHAR)",
    """CREATE TABLE IF NOT EXISTS results (
        key VARCHAR PRIMARY KEY,
        study VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        params VARCHAR NOT NULL,
        metrics VARCHAR NOT NULL,
        elapsed_s DOUBLE,
        seeded BOOLEAN NOT NULL,
        workbench_version VARCHAR,
        created_at TIMESTAMP NOT NULL
    )""",
]


_PROCESS_LOCKS: dict[str, threading.RLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    """One lock per store file within this process."""
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(str(path.resolve()), threading.RLock())


class StoreError(RuntimeError):
    """The store file cannot be used (corrupted, foreign, or locked for too long); the message names the file."""


def _json_value(value: Any) -> Any:
    """A JSON-ready copy of a param or metric value (numpy scalars and arrays, lists, dicts, non-finite floats)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # "nan", "inf": JSON has no literal for them
    if hasattr(value, "tolist"):  # numpy scalars and arrays (a parquet round trip turns lists into arrays)
        return _json_value(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if value in ("nan", "inf", "-inf"):
        return float(value)
    return value


def point_key(study: Study, params: Mapping[str, Any]) -> str:
    """Stable hash of (study name, version, validated params) used as the store key."""
    full = study.validate(params)
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
        The DuckDB file; default ``data/results/results.duckdb`` (``$WORKBENCH_STORE`` overrides).
    lock_timeout_s : float
        How long an operation waits for another process to release the file before raising :class:`StoreError`.
    """

    def __init__(self, path: str | Path | None = None, *, lock_timeout_s: float = 60.0) -> None:
        self.path = Path(path) if path is not None else results_path()
        if lock_timeout_s <= 0:
            raise ValueError(f"lock_timeout_s must be > 0, got {lock_timeout_s}")
        self.lock_timeout_s = lock_timeout_s
        self._seed_checked: set[str] = set()

    def __repr__(self) -> str:
        return f"ResultStore({str(self.path)!r})"

    # -- connections ---------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self, *, write: bool) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """Open the file for one operation; yields ``None`` for a read of a store that does not exist yet."""
        if not write and not self.path.exists():
            yield None
            return
        if write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # DuckDB refuses a second connection to one file from the same process with another configuration
        # (read-only vs read-write), so threads of one process (a dashboard's background run and a knob change)
        # take turns; other processes are handled by the file lock and the retry below.
        with _process_lock(self.path):
            yield from self._open(write=write)

    def _open(self, *, write: bool) -> Iterator[duckdb.DuckDBPyConnection | None]:
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.005
        while True:
            try:
                connection = duckdb.connect(str(self.path), read_only=not write)
                break
            except duckdb.IOException as error:
                message = str(error)
                if "lock" not in message.lower():
                    raise StoreError(
                        f"result store {self.path} is not a usable DuckDB file ({message.splitlines()[0]}). It was "
                        "left untouched: move it aside (or pass another path) and the store starts afresh."
                    ) from error
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"result store {self.path} stayed locked by another process for {self.lock_timeout_s:.0f} s"
                    ) from error
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.25)
        try:
            # A read of a file that holds no store yet (created by another process a moment ago) finds nothing.
            yield connection if self._check_format(connection, write=write) else None
        finally:
            connection.close()

    def _check_format(self, connection: duckdb.DuckDBPyConnection, *, write: bool) -> bool:
        """Whether the file holds the store's tables (created here on a write); a foreign or newer file raises."""
        tables = {row[0] for row in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "workbench_meta" not in tables:
            if tables:
                raise StoreError(
                    f"{self.path} is a DuckDB file but not a workbench result store (it holds tables "
                    f"{sorted(tables)}); refusing to write into it. Pass another path."
                )
            if not write:
                return False
            connection.execute("BEGIN TRANSACTION")
            for statement in _SCHEMA:
                connection.execute(statement)
            connection.execute(
                "INSERT INTO workbench_meta VALUES ('format', ?), ('schema_version', ?) ON CONFLICT DO NOTHING",
                [FORMAT_TAG, SCHEMA_VERSION],
            )
            connection.execute("COMMIT")
            return True
        meta = dict(connection.execute("SELECT name, value FROM workbench_meta").fetchall())
        if meta.get("format") != FORMAT_TAG:
            raise StoreError(f"{self.path} has a workbench_meta table but format {meta.get('format')!r}")
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has store schema {meta.get('schema_version')!r}; this workbench reads {SCHEMA_VERSION!r}"
            )
        return True

    # -- writing ---------------------------------------------------------------------------------------------------
    def put(
        self,
        study: Study,
        params: Mapping[str, Any],
        metrics: Mapping[str, Any],
        *,
        elapsed_s: float | None = None,
        seeded: bool = False,
    ) -> str:
        """Store one evaluated point (first write wins; the same key is never stored twice). Returns its key."""
        full = study.validate(params)
        key = point_key(study, full)
        row = [
            key,
            study.name,
            study.version,
            json.dumps({k: _json_value(v) for k, v in full.items()}, sort_keys=True),
            json.dumps(_json_value(dict(metrics)), sort_keys=True, default=str),
            elapsed_s,
            seeded,
            __version__,
            datetime.now(UTC).replace(tzinfo=None),
        ]
        with self._connect(write=True) as connection:
            connection.execute("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", row)
        return key

    def delete(self, study: Study) -> int:
        """Delete every stored point of ``study`` (all versions); returns how many were deleted."""
        with self._connect(write=True) as connection:
            count = connection.execute("SELECT count(*) FROM results WHERE study = ?", [study.name]).fetchone()[0]
            connection.execute("DELETE FROM results WHERE study = ?", [study.name])
        return int(count)

    def import_seed(self, study: Study, frame: pd.DataFrame) -> int:
        """Store the rows of a seed-results frame (knob and metric columns) as seeded points; returns how many."""
        count = 0
        for record in frame.to_dict("records"):
            params = {k: record[k] for k in study.knob_names if k in record}
            metrics = {k: v for k, v in record.items() if k not in study.knob_names}
            self.put(study, params, metrics, seeded=True)
            count += 1
        return count

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
        marker = f"seeded:{study.name}:{study.version}"
        with self._connect(write=True) as connection:
            done = connection.execute("SELECT 1 FROM workbench_meta WHERE name = ?", [marker]).fetchone()
        if done:
            return 0
        count = self.import_seed(study, pd.read_parquet(seed))
        with self._connect(write=True) as connection:
            connection.execute("INSERT INTO workbench_meta VALUES (?, ?) ON CONFLICT DO NOTHING", [marker, str(seed)])
        return count

    def _seed_once(self, study: Study) -> None:
        if study.name not in self._seed_checked:
            self.ensure_seeded(study)

    # -- reading ---------------------------------------------------------------------------------------------------
    def get(self, study: Study, params: Mapping[str, Any]) -> dict | None:
        """The stored metrics of one point, or ``None`` if it was never computed."""
        key = point_key(study, params)
        self._seed_once(study)
        with self._connect(write=False) as connection:
            if connection is None:
                return None
            row = connection.execute("SELECT metrics FROM results WHERE key = ?", [key]).fetchone()
        return None if row is None else {k: _decode(v) for k, v in json.loads(row[0]).items()}

    def keys(self, study: Study) -> set[str]:
        """Keys of every stored point of the study's current version."""
        with self._connect(write=False) as connection:
            if connection is None:
                return set()
            rows = connection.execute(
                "SELECT key FROM results WHERE study = ? AND version = ?", [study.name, study.version]
            ).fetchall()
        return {r[0] for r in rows}

    def frame(self, study: Study, *, all_versions: bool = False) -> pd.DataFrame:
        """Every stored point of ``study`` as one row: knob columns, metric columns, then bookkeeping columns."""
        query = "SELECT key, version, params, metrics, elapsed_s, seeded, created_at FROM results WHERE study = ?"
        args: list[Any] = [study.name]
        if not all_versions:
            query += " AND version = ?"
            args.append(study.version)
        self._seed_once(study)
        with self._connect(write=False) as connection:
            rows = [] if connection is None else connection.execute(
                query + " ORDER BY created_at, key", args
            ).fetchall()
        return _rows_to_frame(study, rows)

    def count(self) -> int:
        """Number of stored points over all studies."""
        with self._connect(write=False) as connection:
            if connection is None:
                return 0
            return int(connection.execute("SELECT count(*) FROM results").fetchone()[0])



def _rows_to_frame(study: Study, rows: Iterable[tuple]) -> pd.DataFrame:
    records = []
    for key, version, params, metrics, elapsed_s, seeded, created_at in rows:
        record = {k: _decode(v) for k, v in json.loads(params).items()}
        record.update({k: _decode(v) for k, v in json.loads(metrics).items()})
        record.update(key=key, version=version, elapsed_s=elapsed_s, seeded=bool(seeded), created_at=created_at)
        records.append(record)
    columns = study.knob_names + study.metric_names
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return pd.DataFrame(columns=columns + ["key", "version", "elapsed_s", "seeded", "created_at"])
    ordered = [c for c in columns if c in frame.columns]
    return frame[ordered + [c for c in frame.columns if c not in ordered]]
