"""The component library (``docs/design.md`` § Trust; grown from ``workbench/periphery.py``): circuits priced once,
each checked against a published figure in ``data/reference/components.md``.

Today it holds the ADC survey (:mod:`workbench.hardware.adc_survey`), the empirical ADC model fitted to it
(:mod:`workbench.hardware.adc_model`) and the validation report (:mod:`workbench.hardware.validate`); the
first-order circuits (bottom-up SAR and flash ADCs, DACs, sample-and-hold, shift-and-add, buffers, wires) are still
in :mod:`workbench.periphery`.
"""
