"""Crossbars theme (Rx-Caffe / Fast Crossbar Model, arXiv 1809.00072; TxSim, arXiv 2002.11151), around one tile engine.

``array`` is one crossbar and its periphery (circuit, fast models, device, DAC / ADC, the tile engine ``array.tile``),
``inference`` DNN inference on crossbars and its cost, ``training`` crossbar-aware training (TxSim). ``manifest``
is the theme's table of contents, ``reproduce`` its claims, ``stages`` where it plugs into the composition.
"""
