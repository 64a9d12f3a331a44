"""core loads no torch: interactive studies, the store and the dashboards start without it."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import workbench.core


def test_importing_core_and_every_core_module_leaves_torch_unloaded():
    modules = ["workbench.core", "workbench.threads",
               *(f"workbench.core.{m.name}" for m in pkgutil.iter_modules(workbench.core.__path__))]
    code = "; ".join([*(f"import {m}" for m in modules), "import sys", "print('torch' in sys.modules)"])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert len(modules) > 10 and result.stdout.strip() == "False"


def test_reading_every_theme_manifest_leaves_torch_unloaded():
    code = ("from workbench.core.manifest import list_manifests; import sys; "
            "print(len(list_manifests()), 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count, loaded = result.stdout.split()
    assert int(count) >= 8 and loaded == "False"
