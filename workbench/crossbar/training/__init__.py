"""Crossbar-aware training (TxSim, arXiv 2002.11151).

``layers`` holds the layers whose forward and transposed backward reads run on the tiles of
:mod:`workbench.crossbar.array.tile`, ``update`` the device write model (nonlinear asymmetric, noisy, varying,
bounded, quantised pulses), ``optim`` the ``CrossbarSGD`` optimizer that programs it and that
:func:`workbench.nn.train.fit` drives, ``speed`` the speed-up techniques' timing and error against the full model;
``studies`` / ``views`` / ``reproduce`` its entry points (claims T1, T2).
"""
