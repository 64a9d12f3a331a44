"""Cache files that may be damaged: a truncated write, a disk that filled up, a copy from another machine.

Every theme keeps expensive results on disk (trained weights, recorded kernel traces, switching tables). A cache file
is only a shortcut, so a damaged one must never fail the computation that reads it: :func:`load_cached` names the
file and what is wrong in one warning and returns ``None``, and the caller rebuilds the file as if it were absent.
"""

from __future__ import annotations

import pickle
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: What loading a damaged cache file raises: a truncated ``.npz`` (``BadZipFile``), a missing member (``KeyError``),
#: a truncated pickle or torch archive (``EOFError``, ``UnpicklingError``, torch's ``RuntimeError``), unreadable
#: bytes (``OSError``, ``ValueError``).
DAMAGED = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError, RuntimeError)


def load_cached(path: Path, load: Callable[[Path], T], *, instead: str) -> T | None:
    """``load(path)``; ``None`` when ``path`` is absent or damaged, so that the caller rebuilds it.

    Parameters
    ----------
    path : Path
        The cache file.
    load : callable
        Reads the file; any of :data:`DAMAGED` it raises means the file is damaged.
    instead : str
        What the caller does instead, for the warning, e.g. ``"retraining the network (about a minute)"``.
    """
    if not path.is_file():
        return None
    try:
        return load(path)
    except DAMAGED as error:
        reason = str(error).splitlines()[0] if str(error) else "no detail"
        warnings.warn(f"cache file {path} is damaged ({type(error).__name__}: {reason}); {instead}, which replaces "
                      "it", stacklevel=2)
        return None
