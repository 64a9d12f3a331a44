"""One crossbar array and its periphery (Rx-Caffe / Fast Crossbar Model, arXiv 1809.00072).

``circuit`` is the exact nodal-analysis reference, ``spice`` checks it against ngspice, ``fast`` holds the fast
crossbar models, ``device`` and ``peripherals`` the cell and DAC / ADC non-idealities, ``config`` the configuration
that joins them, ``tile`` the one tile engine (a matrix on non-ideal tiles, read forward or transposed) that the
inference and training layers share; ``studies`` / ``views`` compare the fast models with the circuit.
"""
