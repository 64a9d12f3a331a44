"""Integrity of the data files the workbench reads: one checked reader per kind of file.

Every file a study computes from (shipped weights, tables, kernel binaries and seed results, and the caches under
``data/results/``) comes with a JSON sidecar, ``<name>.json`` beside it, in which its writer records the file's SHA-256
(:func:`write_with_sidecar`). A file written by hand (the papers' tables under ``data/reference/``) has its SHA-256 in
its folder's hash manifest instead (:func:`record_manifest`, with the command that records it again after a reviewed
edit). A reader checks the file against it (:func:`verify`) and its values (:func:`check_finite`) before a study uses
them: a shipped file that fails is one :class:`DamagedFile` error naming the file and how to make it again; a cache
that fails is rebuilt (:func:`workbench.core.caches.load_cached`).

The other readers bound what a crafted file can make the workbench do: :func:`read_json` (a clear error instead of a
parser's traceback), :func:`load_yaml` (the safe loader, with a size, node and depth limit, so an alias bomb
("billion laughs") is refused before it is expanded) and :func:`read_parquet` (plain Arrow types only: no extension
type, binary or dictionary column a workbench writer never writes, and no pandas metadata reconstructing objects).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from workbench.core.files import atomic_write, content_sha256

#: The hash manifest of a folder's hand-written files (``{"command": ..., "sha256": {file name: digest}}``).
MANIFEST_NAME = "SHA256SUMS.json"
#: Largest YAML file read (bytes); the presets are a few kB.
MAX_YAML_BYTES = 1 << 20
#: Most YAML nodes after expanding aliases, and deepest nesting: far above any preset, far below a memory problem.
MAX_YAML_NODES = 100_000
MAX_YAML_DEPTH = 32


class DamagedFile(ValueError):
    """A data file that failed its check; the message names the file, what is wrong and how to make it again."""


def sidecar_of(path: Path) -> Path:
    """The JSON sidecar of a data file: ``<stem>.json`` beside it."""
    return Path(path).with_suffix(".json")


def write_with_sidecar(path: Path, payload: bytes, meta: Mapping[str, Any] | None = None) -> Path:
    """Write ``payload`` to ``path`` and its sidecar: ``meta`` and the payload's SHA-256 (both atomically; the file
    first, so a writer killed in between leaves a file its sidecar does not vouch for, which readers rebuild)."""
    import hashlib

    if sidecar_of(path) == Path(path):
        raise ValueError(f"{path}: a .json file cannot have a sidecar beside it (its sidecar would be itself)")
    atomic_write(path, payload)
    record = {**(meta or {}), "sha256": hashlib.sha256(payload).hexdigest()}
    atomic_write(sidecar_of(path), json.dumps(record, indent=1, default=str) + "\n")
    return Path(path)


def read_json(path: Path, *, remake: str) -> dict[str, Any]:
    """The JSON object stored at ``path``; :class:`DamagedFile` naming it when it is absent, unreadable, not JSON or
    not an object. ``remake`` says how to make it again (e.g. ``"regenerate it with `workbench regenerate mram`"``)."""
    value, wrong = json_object(path)
    if wrong is not None:
        raise DamagedFile(f"{path} {wrong}; {remake}")
    return value


def json_object(path: Path) -> tuple[dict[str, Any], str | None]:
    """The JSON object at ``path`` and ``None``, or ``{}`` and what is wrong with the file."""
    try:
        value = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return {}, "is missing"
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return {}, f"is not readable JSON ({str(error).splitlines()[0]})"
    if not isinstance(value, dict):
        return {}, f"holds a JSON {type(value).__name__}, not an object"
    return value, None


def problem(path: Path, *, manifest: bool = False) -> str | None:
    """What is wrong with ``path`` against the SHA-256 its sidecar records (``None``: they agree); with ``manifest``,
    against the hash manifest of its folder (:data:`MANIFEST_NAME`) instead."""
    return _checked(Path(path), manifest)[1]


def _checked(path: Path, manifest: bool) -> tuple[dict[str, Any], str | None]:
    """The record (sidecar or hash manifest) of ``path``, read once, and what is wrong with ``path`` against it."""
    record = path.parent / MANIFEST_NAME if manifest else sidecar_of(path)
    kind = "hash manifest" if manifest else "sidecar"
    meta, wrong = json_object(record)
    if wrong is not None:
        return meta, f"cannot be checked: its {kind} {record.name} {wrong}"
    recorded = meta.get("sha256")
    if manifest:
        recorded = recorded.get(path.name) if isinstance(recorded, dict) else None
    if not isinstance(recorded, str):
        return meta, f"has no content hash in its {kind} {record.name}"
    try:
        digest = content_sha256(path)
    except OSError as error:
        return meta, f"cannot be read ({error.strerror or error})"
    if digest != recorded:
        return meta, (f"does not match the SHA-256 its {kind} {record.name} records "
                      f"({digest[:12]}... vs {recorded[:12]}...): it was altered or damaged after it was written")
    return meta, None


def verify(path: Path, *, remake: str, manifest: bool = False) -> dict[str, Any]:
    """The sidecar of ``path`` (with ``manifest``: its folder's hash manifest) after checking the file against it;
    :class:`DamagedFile` naming the file, what is wrong and ``remake`` otherwise."""
    meta, found = _checked(Path(path), manifest)
    if found is not None:
        raise DamagedFile(f"{path} {found}; {remake}")
    return meta


def record_manifest(folder: Path, names: list[str], *, command: str) -> Path:
    """Record the SHA-256 of the files ``names`` of ``folder`` in its hash manifest (other entries kept), with
    ``command``, the command that records them again; returns the manifest's path."""
    manifest = Path(folder) / MANIFEST_NAME
    recorded, _ = json_object(manifest)
    hashes = recorded.get("sha256") if isinstance(recorded.get("sha256"), dict) else {}
    hashes = {**hashes, **{name: content_sha256(Path(folder) / name) for name in names}}
    record = {"command": command, "sha256": dict(sorted(hashes.items()))}
    atomic_write(manifest, json.dumps(record, indent=1) + "\n")
    return manifest


def check_finite(arrays: Mapping[str, Any], *, infinite_ok: tuple[str, ...] = (),
                 missing_ok: tuple[str, ...] = ()) -> None:
    """:class:`DamagedFile` naming the first of ``arrays`` (numpy arrays or tensors) that is not numeric (an object or
    text payload) or holds a NaN, unless its name is in ``missing_ok`` (a blank cell of a table), or an infinity,
    unless its name is in ``infinite_ok``.

    The message names the array, not the file: a cache loader lets :func:`~workbench.core.caches.load_cached` name
    the file, a shipped file's loader adds its path and how to make it again.
    """
    for name, values in arrays.items():
        data = np.asarray(values.detach().cpu() if hasattr(values, "detach") else values)
        if data.dtype.kind not in "biuf":
            raise DamagedFile(f"{name} holds {data.dtype} values, not numbers")
        if data.dtype.kind != "f":
            continue
        bad = (np.isnan(data) if name not in missing_ok else np.zeros(data.shape, bool)) | \
            (np.isinf(data) if name not in infinite_ok else np.zeros(data.shape, bool))
        if bad.any():
            raise DamagedFile(f"{name} holds {int(bad.sum())} non-finite value(s)")


def read_csv(path: Path, *, remake: str, manifest: bool = False, columns: tuple[str, ...] = (),
             numbers: tuple[str, ...] = (), blank_ok: tuple[str, ...] = (), infinite_ok: tuple[str, ...] = (),
             **options: Any):
    """The CSV table at ``path`` (pandas ``read_csv`` with ``options``) after checking it against its recorded
    SHA-256 (:func:`verify`); it must have every one of ``columns`` and ``numbers``, and its columns ``numbers`` must
    hold finite numbers, blank cells allowed only in ``blank_ok`` and infinities (an open bound) only in
    ``infinite_ok``. :class:`DamagedFile` naming the file, what
    is wrong and ``remake`` otherwise.
    """
    import pandas as pd

    verify(path, remake=remake, manifest=manifest)
    try:
        table = pd.read_csv(path, **options)
    except (ValueError, UnicodeDecodeError) as error:  # pandas' ParserError and EmptyDataError are ValueErrors
        raise DamagedFile(f"{path} is not a readable CSV table ({str(error).splitlines()[0]}); {remake}") from None
    needed = list(dict.fromkeys([*columns, *numbers]))
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise DamagedFile(f"{path}: missing column(s) {missing}; a table needs {needed}; {remake}")
    try:
        for column in numbers:
            table[column] = pd.to_numeric(table[column], errors="raise")
        check_finite({c: table[c].to_numpy(dtype=float) for c in numbers}, missing_ok=blank_ok,
                     infinite_ok=infinite_ok)
    except (ValueError, TypeError) as error:
        raise DamagedFile(f"{path}: {error} where numbers are required; {remake}") from None
    return table


def load_yaml(path: Path) -> Any:
    """The YAML document at ``path`` read with the safe loader (no tag runs code); ``ValueError`` naming the file when
    it is larger than :data:`MAX_YAML_BYTES`, not valid YAML, or expands (aliases included) to more than
    :data:`MAX_YAML_NODES` nodes or deeper than :data:`MAX_YAML_DEPTH` levels."""
    import yaml

    path = Path(path)
    if path.stat().st_size > MAX_YAML_BYTES:
        raise ValueError(f"{path} is {path.stat().st_size:,} bytes; allowed: a YAML file of at most "
                         f"{MAX_YAML_BYTES:,} bytes")
    try:
        text = path.read_text()
        _check_yaml_size(path, yaml.parse(text, Loader=yaml.SafeLoader))
        return yaml.safe_load(text)
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not text ({error.reason})") from None
    except yaml.YAMLError as error:
        raise ValueError(f"{path} is not valid YAML: {' '.join(str(error).split())}") from None


def _check_yaml_size(path: Path, events) -> None:
    """Count the nodes and levels of a YAML event stream with every alias expanded, without building it."""
    import yaml

    nodes = 0
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, levels) of its node
    stack: list[list] = []  # per open collection: [anchor, nodes before it, levels of its deepest child]

    def close(anchor: str | None, size: int, levels: int) -> None:
        if anchor is not None:
            anchors[anchor] = (size, levels)
        if stack:
            stack[-1][2] = max(stack[-1][2], levels)
        if nodes > MAX_YAML_NODES or len(stack) + levels > MAX_YAML_DEPTH:
            raise ValueError(f"{path} expands to more than {MAX_YAML_NODES:,} nodes or {MAX_YAML_DEPTH} levels "
                             "(an alias counts as a copy of its node); allowed: a preset within both")

    for event in events:
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                raise ValueError(f"{path}: alias *{event.anchor} refers to a node that contains it; allowed: aliases "
                                 "of complete nodes")
            size, levels = anchors[event.anchor]
            nodes += size
            close(None, size, levels)
        elif isinstance(event, yaml.ScalarEvent):
            nodes += 1
            close(event.anchor, 1, 1)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            nodes += 1
            stack.append([event.anchor, nodes - 1, 0])
            close(None, 0, 0)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor, before, child_levels = stack.pop()
            close(anchor, nodes - before, 1 + child_levels)


def read_parquet(path: Path):
    """The Parquet file ``path`` as a pandas DataFrame of plain columns; :class:`DamagedFile` saying why (the caller
    names the file) when it is not Parquet or holds a column of a type no workbench writer makes (extension, binary,
    dictionary, map, union, ...: :func:`schema_problem`).

    The pandas metadata is ignored, so a file cannot ask for objects to be rebuilt from its bytes.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path).read()
    except (OSError, ValueError, pa.ArrowException) as error:
        raise DamagedFile(f"is damaged or not a Parquet file ({str(error).splitlines()[0]})") from None
    wrong = schema_problem(table.schema)
    if wrong is not None:
        raise DamagedFile(wrong)
    return table.to_pandas(ignore_metadata=True)


def schema_problem(schema) -> str | None:
    """What makes an Arrow ``schema`` one no workbench writer makes (``None``: every column is a number, boolean,
    text, timestamp, or a list or struct of them, and none is marked as an extension type, registered or not)."""
    for field in schema:
        if not _plain(field):
            return (f"has column {field.name!r} of type {_shown(field)}, which workbench files never hold; allowed: "
                    "numbers, booleans, text, timestamps and lists/structs of them")
    return None


_EXTENSION = b"ARROW:extension:name"


def _shown(field) -> str:
    """A field's type as named in a message: an unregistered extension type reads as its storage type."""
    name = (field.metadata or {}).get(_EXTENSION)
    return f"extension<{name.decode(errors='replace')}> (stored as {field.type})" if name else str(field.type)


def _plain(field) -> bool:
    import pyarrow as pa
    import pyarrow.types as t

    kind = field.type
    if isinstance(kind, pa.ExtensionType) or _EXTENSION in (field.metadata or {}):
        return False
    if t.is_list(kind) or t.is_large_list(kind):
        return _plain(kind.value_field)
    if t.is_struct(kind):
        return all(_plain(kind.field(i)) for i in range(kind.num_fields))
    return any(test(kind) for test in (t.is_null, t.is_boolean, t.is_integer, t.is_floating, t.is_string,
                                       t.is_large_string, t.is_timestamp))
