"""DyVEDeep (arXiv:1704.01137): dynamic variable effort at neuron, feature and layer level on trained CNNs.

Modules: ``effort`` (the thresholds, global and per layer), ``engine`` (vectorised dynamic-effort inference with
exact scalar-operation accounting, the model of record), ``reference`` (a literal scalar version that checks the
engine on tiny networks), ``network`` (the cached digits VGG), ``kernels`` (numba static and dynamic convolutions
with one loop structure), ``speed`` (side-by-side timing with torch), ``tuning`` (per-layer thresholds on the
validation split under an accuracy budget), ``studies``, ``views``, ``manifest``, ``reproduce``.
"""
