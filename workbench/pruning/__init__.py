"""Pruning theme: filter pruning while training (arXiv:2003.02800) and FRS gradual channel pruning
(arXiv:2002.09958), against train + prune + retrain, with training compute and memory accesses accounted.

Modules: ``criteria`` (filter scores), ``schedule`` (when and how much to prune), ``trainer`` (the runs),
``studies``, ``views``, ``stages``, ``reproduce`` and ``manifest``. The package imports nothing itself, so reading
its manifest loads no torch.
"""
