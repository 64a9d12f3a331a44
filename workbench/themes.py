"""The workbench's table of themes: where each theme's manifest is.

The registry, ``workbench list``, ``reproduce`` and ``regenerate`` and the overview page read the themes from here
(through :func:`workbench.core.manifest.list_manifests`), in this order; each manifest names its theme's studies,
views, stages and reproduction. Adding a theme adds its line.
"""

MANIFESTS = (
    "workbench.compose.manifest:MANIFEST",
    "workbench.crossbar.manifest:MANIFEST",
    "workbench.dyvedeep.manifest:MANIFEST",
    "workbench.mram.manifest:MANIFEST",
    "workbench.pad.manifest:MANIFEST",
    "workbench.pruning.manifest:MANIFEST",
    "workbench.sparce.manifest:MANIFEST",
    "workbench.tim.manifest:MANIFEST",
)
