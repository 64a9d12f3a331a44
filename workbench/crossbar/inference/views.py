"""Inference views: the per-layer cost breakdown of an inference on the crossbar accelerator and the tornado of its
assumed cost parameters."""

from __future__ import annotations

import altair as alt
import pandas as pd

from workbench.core import Choice, View
from workbench.crossbar.inference.cost import COMPONENTS
from workbench.crossbar.inference.studies import COST
from workbench.explain.figures import TORNADO_DESCRIPTION, band_view, tornado_figure
from workbench.viz.export import wrap
from workbench.viz.style import WARNING_COLOR, category_scale

PLOT_WIDTH = 420
"""Plot width (px) of the per-layer cost chart; its title and warnings are wrapped to it."""


def layer_cost(tile_size: int, bits_per_cell: int, dac_bits: int, adc_bits: int, cols_per_adc: int,
               allow_lossy_adc: bool):
    """Energy per inference of each digits-CNN layer on the crossbar accelerator, stacked by component (array, DAC,
    ADC, sample-and-hold, shift-and-add, buffers); the other ``crossbar.cost`` knobs at their defaults."""
    point = COST.evaluate(tile_size=tile_size, bits_per_cell=bits_per_cell, dac_bits=dac_bits, adc_bits=adc_bits,
                          cols_per_adc=cols_per_adc, allow_lossy_adc=allow_lossy_adc)
    layers = pd.DataFrame(point["layers"])
    long = layers.melt(id_vars=["layer"], value_vars=[f"energy_{c}_pj" for c in COMPONENTS],
                       var_name="component", value_name="component_pj")
    long["component"] = long["component"].str.removeprefix("energy_").str.removesuffix("_pj")
    long["component_nj"] = long.pop("component_pj") * 1e-3  # the unit of the study's energy per inference
    text = (f"digits CNN on {tile_size}x{tile_size} crossbars, {point['adc_bits_priced']}-bit ADC per "
            f"{cols_per_adc} columns, {dac_bits}-bit DAC: energy per inference by layer")
    limits = COST.limit_warnings(point)
    # wrapped to the plot: a warning on one line ran past both edges of the chart
    warnings = [part for line in limits for part in wrap(f"Warning: {line}", PLOT_WIDTH, 12.0)]
    title = alt.Title(wrap(text, PLOT_WIDTH, 13.0), subtitle=warnings, subtitleColor=WARNING_COLOR)
    chart = alt.Chart(long, title=title).mark_bar().encode(
        x=alt.X("layer:N", sort=list(layers["layer"]), title="layer"),
        y=alt.Y("component_nj:Q", title="energy per inference (nJ)"),
        color=alt.Color("component:N", title="component", scale=category_scale(COMPONENTS)),
        order=alt.Order("component:N"),
        tooltip=["layer", "component", alt.Tooltip("component_nj:Q", format=".4~g", title="energy (nJ)")],
    ).properties(width=PLOT_WIDTH, height=240)
    return chart, long


LAYER_COST = View(
    name="crossbar.layer_cost",
    theme="crossbar",
    func=layer_cost,
    title="Per-layer energy breakdown on the crossbar accelerator",
    knobs=tuple(COST.knob(name) for name in ("tile_size", "bits_per_cell", "dac_bits", "adc_bits", "cols_per_adc",
                                             "allow_lossy_adc")),
    description="Energy of one digits-CNN inference per layer, by component: crossbar arrays (v_read^2 sum(G) "
                "t_read), row DACs, column ADCs, sample-and-holds, shift-and-add, buffers and wires. Settings where "
                "the ADC has fewer bits than a column needs are errors unless lossy ADCs are allowed; a chip whose "
                "arrays draw more current than their wires carry is drawn with a warning under the title.",
)


def cost_tornado(metric: str):
    """``metric`` of the default crossbar chip with each assumed cost parameter at the ends of its plausible range
    (:func:`workbench.explain.sensitivity.tornado`)."""
    return tornado_figure(COST, metric)


COST_TORNADO = View(
    name="crossbar.cost_tornado",
    theme="crossbar",
    func=cost_tornado,
    title="Which assumptions move the chip's cost",
    knobs=(Choice("metric", "energy_per_inference_nj", options=tuple(COST.metric_names),
                  help="The metric explained."),),
    description=TORNADO_DESCRIPTION + " The crossbar cost ranges are declared on CostConfig's fields.",
)

COST_BAND = band_view(
    COST, "crossbar.cost_band", x=("tile_size", "cols_per_adc", "bits_per_cell"),
    metric="energy_per_inference_nj", title="Which design differences survive the cost assumptions",
    note="The crossbar cost ranges (read time, input activity) are declared on CostConfig's fields.")
