"""DNN inference on crossbars (Rx-Caffe, arXiv 1809.00072) and its cost.

``layers`` holds the torch layers that compute through programmed tiles (:mod:`workbench.crossbar.array.tile`) and
``convert`` to swap them into a trained network, ``network`` the trained digits CNN and its crossbar accuracy,
``cost`` the energy, latency and area of an ISAAC-style accelerator built from the same configuration (periphery from
:mod:`workbench.hardware`), ``speed`` the fast model's timing against the circuit solvers; ``studies`` / ``views``
its entry points (claims X1-X3).
"""
