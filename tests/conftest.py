"""Suite-wide set-up: an isolated result store, and ``tests/`` importable by every subprocess.

Worker processes (process pool, Dask workers, Voila kernels) import the sample studies in
``tests/sample_studies.py`` by module name, so ``tests/`` goes on ``PYTHONPATH`` for them too.
"""

import os
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent

if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]))


@pytest.fixture(autouse=True, scope="session")
def _isolated_store(tmp_path_factory):
    """Point the default result store at a per-session temporary folder, never at data/results/."""
    previous = os.environ.get("WORKBENCH_STORE")
    os.environ["WORKBENCH_STORE"] = str(tmp_path_factory.mktemp("store") / "results")
    yield
    if previous is None:
        os.environ.pop("WORKBENCH_STORE", None)
    else:
        os.environ["WORKBENCH_STORE"] = previous


@pytest.fixture
def store(tmp_path):
    """A fresh, empty result store in a temporary folder."""
    from workbench.core.store import ResultStore

    return ResultStore(tmp_path / "results")


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """CI has two cores and runs subprocesses (workers, kernels, Chromium) beside the tests: one intra-op torch
    thread keeps training tests fast and their timings stable."""
    from workbench.nn.device import torch_threads

    with torch_threads(1):
        yield

