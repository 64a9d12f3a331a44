"""Cache files that may be damaged: a truncated write, a disk that filled up, a copy from another machine.

Every theme keeps expensive results on disk (trained weights, recorded kernel traces, switching tables). A cache file
is only a shortcut, so a damaged one must never fail the computation that reads it: :func:`load_cached` names the
file and what is wrong in one warning and returns ``None``, and the caller rebuilds the file as if it were absent.

A cache file is written with :func:`~workbench.core.integrity.write_with_sidecar` (its SHA-256 in ``<stem>.json``) and
is trusted only when it matches: an altered, truncated or foreign file, or one without a sidecar (written by an older
workbench), is rebuilt. A loader also checks the values it reads (:func:`~workbench.core.integrity.check_finite`).
"""

from __future__ import annotations

import pickle
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from workbench.core.integrity import DamagedFile, problem

T = TypeVar("T")

#: What loading a damaged cache file raises: a truncated ``.npz`` (``BadZipFile``), a missing member (``KeyError``),
#: a truncated pickle or torch archive (``EOFError``, ``UnpicklingError``, torch's ``RuntimeError``), unreadable
#: bytes (``OSError``, ``ValueError``), a failed check (:class:`~workbench.core.integrity.DamagedFile`, a
#: ``ValueError``).
DAMAGED = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError, RuntimeError)


def load_cached(path: Path, load: Callable[[Path], T], *, instead: str) -> T | None:
    """``load(path)``; ``None`` when ``path`` is absent or damaged, so that the caller rebuilds it.

    Parameters
    ----------
    path : Path
        The cache file.
    load : callable
        Reads the file once it matches the SHA-256 of its sidecar; any of :data:`DAMAGED` it raises means the file is
        damaged.
    instead : str
        What the caller does instead, for the warning, e.g. ``"retraining the network (about a minute)"``.
    """
    if not path.is_file():
        return None
    try:
        found = problem(path)
        if found is not None:
            raise DamagedFile(found)
        return load(path)
    except DamagedFile as error:
        detail = str(error)
    except DAMAGED as error:
        detail = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else 'no detail'}"
    warnings.warn(f"cache file {path} is damaged ({detail}); {instead}, which replaces it", stacklevel=2)
    return None
