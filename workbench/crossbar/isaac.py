"""The ISAAC-like macro of the X3 sanity rows as an interactive study, ``crossbar.isaac_macro``: the macro of
:func:`~workbench.crossbar.cost.isaac_like` at full use (a layer filling one tile's rows and columns, read 64 times),
its eDRAM, router and output units left out, with the read pulse, input activity and cell area (assumed on
:class:`~workbench.crossbar.cost.CostConfig`) as knobs, so ``workbench explain X3`` can move them."""

from __future__ import annotations

from dataclasses import replace

from workbench.core import Metric, Study
from workbench.core.knobs import config_knobs
from workbench.crossbar.cost import CostConfig, NetworkCost, full_array_layer, isaac_like, network_cost


def macro_cost(config: CostConfig | None = None) -> NetworkCost:
    """The ISAAC-like macro's cost at full use, with the read pulse, input activity and cell area of ``config``
    (default: :class:`CostConfig`'s)."""
    crossbar, cost = isaac_like()
    given = config or CostConfig()
    cost = replace(cost, t_read_ns=given.t_read_ns, input_activity=given.input_activity,
                   cell_area_f2=given.cell_area_f2)
    return network_cost([full_array_layer(crossbar, reads=64)], crossbar, cost)


def macro_shares(cost: NetworkCost) -> dict[str, dict[str, float]]:
    """``{"energy": parts, "area": parts}`` of the macro only (the buffers, ISAAC's eDRAM, left out)."""
    return {"energy": {k: v for k, v in cost.energy_pj.items() if k != "buffers"},
            "area": {k: v for k, v in cost.area_mm2.items() if k != "buffers"}}


def evaluate_macro(config: CostConfig) -> dict:
    """The ``crossbar.isaac_macro`` metrics: the ADCs' share of the macro's energy and area, and the totals."""
    parts = macro_shares(macro_cost(config))
    return {"adc_energy_share_pct": 100 * parts["energy"]["adc"] / sum(parts["energy"].values()),
            "adc_area_share_pct": 100 * parts["area"]["adc"] / sum(parts["area"].values()),
            "macro_energy_pj": sum(parts["energy"].values()), "macro_area_mm2": sum(parts["area"].values())}


MACRO = Study(
    name="crossbar.isaac_macro",
    theme="crossbar",
    func=evaluate_macro,
    config=CostConfig,
    knobs=config_knobs(CostConfig, ("t_read_ns", "input_activity", "cell_area_f2"),
                       t_read_ns=dict(low=1.0, high=100.0, log=True), input_activity=dict(low=0.05),
                       cell_area_f2=dict(high=40.0)),
    metrics=(
        Metric("adc_energy_share_pct", "%", None, "Share of the ADCs in the macro's energy (X3).",
               "ADC share of macro energy"),
        Metric("adc_area_share_pct", "%", None, "Share of the ADCs in the macro's area (X3).",
               "ADC share of macro area"),
        Metric("macro_energy_pj", "pJ", "min", "Energy of 64 full-array reads of the macro's tiles.",
               "macro energy"),
        Metric("macro_area_mm2", "mm2", "min", "Area of the macro without buffers.", "macro area"),
    ),
    version="1",
    cost="interactive",
    description=(
        "ISAAC's in-situ multiply-accumulate unit (Shafiee et al., ISCA 2016) in this model's terms: 128 x 128 "
        "crossbars of 2-bit cells, 16-bit weights and inputs through 1-bit DACs, one 8-bit SAR per 128 columns at "
        "32 nm, at full use; the X3 sanity check's computation, with its assumed read pulse, input activity and "
        "cell area as knobs."
    ),
)
