"""Where the project's data folders are.

The repository layout puts ``data/`` beside the ``workbench`` package. ``WORKBENCH_DATA`` overrides it (for tests and
for installs outside a checkout).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The ``data/`` folder: ``$WORKBENCH_DATA`` when set, else ``<repo>/data``."""
    override = os.environ.get("WORKBENCH_DATA")
    return Path(override) if override else PROJECT_ROOT / "data"


def reference_dir() -> Path:
    """``data/reference/``: papers' headline numbers, seed results, the reproduction report (always in the repo)."""
    return PROJECT_ROOT / "data" / "reference"


def presets_dir() -> Path:
    """``data/presets/``: device and paper parameter sets (YAML)."""
    return PROJECT_ROOT / "data" / "presets"


def results_path() -> Path:
    """The default result store folder: ``$WORKBENCH_STORE`` when set, else ``data/results/store``."""
    override = os.environ.get("WORKBENCH_STORE")
    return Path(override) if override else data_dir() / "results" / "store"
