"""Atomic file writes: a reader never sees half a file, and a failed write leaves the old file in place."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def new_temp(path: Path) -> tuple[int, Path]:
    """Create an empty temporary file beside ``path`` for writing; return its descriptor and path.

    Created with mode ``0o666``, which the kernel reduces by the umask, as for any new file.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp


def atomic_write(path: Path, payload: bytes | str) -> Path:
    """Write ``payload`` to ``path`` through a temporary file in the same folder and an atomic rename.

    The file gets the permissions of any newly created file (``0o666`` less the user's umask, e.g. ``-rw-r--r--``),
    so co-authors on a shared machine can read an exported figure; ``tempfile.mkstemp``'s private ``0o600`` would
    survive the rename.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = payload.encode() if isinstance(payload, str) else payload
    handle, tmp = new_temp(path)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def content_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes: what a regenerator records in a shipped file's sidecar and a loader checks, so a
    damaged or altered file is named instead of read."""
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
