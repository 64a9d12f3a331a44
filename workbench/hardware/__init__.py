"""The component library (``docs/design.md`` § Trust): every circuit of every theme is priced here, once, from one
sourced technology table (``data/presets/hardware/cmos_32nm.yaml``, :mod:`workbench.hardware.tech`), and checked
against published figures in ``data/reference/components.md`` (:mod:`workbench.hardware.validate`).

* :mod:`~workbench.hardware.analog`: ADCs (the survey-fitted default, bottom-up SAR, flash), DACs and row drivers
  with their driver chain, sample-and-hold, latch sense amplifiers, a wire's current limit;
* :mod:`~workbench.hardware.digital`: adders, shift-and-add, multipliers, MACs, registers, row/column decoders
  (single and multi-row);
* :mod:`~workbench.hardware.memory`: SRAM / eDRAM buffers and register files versus capacity and width, leakage,
  wires, buses, routers;
* :mod:`~workbench.hardware.core`: a simple in-order core's energy per instruction class;
* :mod:`~workbench.hardware.adc_survey` / :mod:`~workbench.hardware.adc_model`: B. Murmann's ADC survey and the
  energy / area model fitted to it; :mod:`~workbench.hardware.validate`: the report, with ISAAC's IMA and tile
  rebuilt from these components (:func:`~workbench.hardware.validate.isaac_breakdown`).
"""
