"""MRAM compute-in-memory theme: STT-CiM (arXiv:1703.02118) and VSH/DVSH-MRAM (arXiv:1912.07821).

Modules, bottom up:

* :mod:`~workbench.mram.llg`: stochastic macrospin LLG (STT/SOT torques, thermal field, Heun), vectorised;
* :mod:`~workbench.mram.params`: sourced presets (``data/presets/mram``) -> magnets and MTJs;
* :mod:`~workbench.mram.device`: switching tables (cached, shipped for the presets), WER, critical current, Delta;
* :mod:`~workbench.mram.writepath`: STT, GSH, VSH (and differential) write paths at an iso write error rate;
* :mod:`~workbench.mram.array`: bitline/wordline RC, voltage/current sensing at an iso sense margin, area;
* :mod:`~workbench.mram.cim`: STT-CiM and differential CiM sensing, variation Monte Carlo, BER, ECC for XOR;
* :mod:`~workbench.mram.system`: kernels as memory-access mixes with and without CiM;
* ``studies``, ``views``, ``manifest``, ``reproduce``: the workbench's plug-in points.
"""
