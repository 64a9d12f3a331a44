"""Crossbars theme (Rx-Caffe / Fast Crossbar Model, arXiv 1809.00072; TxSim, arXiv 2002.11151).

``circuit`` is the exact nodal-analysis reference, ``spice`` checks it against ngspice, ``fast`` holds the fast
crossbar models, ``device`` and ``peripherals`` the non-ideality configs, ``layers`` the torch layers that compute
through crossbars, ``cost`` the energy, latency and area of a crossbar accelerator built from the same configuration
(circuits priced by :mod:`workbench.hardware`), ``studies`` and ``reproduce`` the workbench entry points.

Crossbar-aware training (TxSim, arXiv 2002.11151): ``training`` holds the layers whose forward, transposed backward
read and pulse-programmed update run on the crossbars, ``update`` the device write model (nonlinear asymmetric,
noisy, varying, bounded, quantised pulses), ``training_speed`` the speed-up techniques' timing and error against the
full model, ``training_studies`` / ``training_views`` / ``reproduce_training`` its entry points (claims T1, T2).
"""
