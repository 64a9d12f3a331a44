"""Harnesses for the workbench's own checks: nothing in ``core``, ``viz``, ``ui`` or a theme imports this package.

* :mod:`~workbench.testing.dashboards`: serve the dashboards with Voila (or JupyterLab) and drive them in headless
  Chromium, for the browser tests, ``benchmarks/bench_ui.py`` and ``docs/gallery.py``.
"""
