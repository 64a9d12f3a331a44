"""TiM-DNN views: per-layer energy of a mapped network, and the efficiency map over L and ADC precision."""

from __future__ import annotations

import altair as alt
import pandas as pd

from workbench.core import Choice, View, register_view
from workbench.core.runner import evaluate_frame
from workbench.tim.studies import ARCH
from workbench.viz.charts import sweep_heatmap


def layer_energy(network: str, batch: int):
    """Energy per inference of each layer of ``network`` on the default 32-tile TiM-DNN, stacked by component."""
    point = ARCH.evaluate(network=network, batch=batch)
    layers = pd.DataFrame(point["layers"])
    parts = [c for c in layers.columns if c.startswith("energy_") and c.endswith("_pj") and c != "energy_pj"]
    long = layers.melt(id_vars=["layer"], value_vars=parts, var_name="component", value_name="component_pj")
    long["component"] = long["component"].str.removeprefix("energy_").str.removesuffix("_pj")
    chart = alt.Chart(long, title=f"{network} on TiM-DNN (batch {batch}): energy per inference by layer").mark_bar()
    chart = chart.encode(
        x=alt.X("layer:N", sort=list(layers["layer"]), title="layer"),
        y=alt.Y("component_pj:Q", title="energy per inference (pJ)"),
        color=alt.Color("component:N", title="component"),
        tooltip=["layer", "component", alt.Tooltip("component_pj:Q", format=".4~g", title="energy (pJ)")],
    ).properties(width=460, height=220)
    return chart, long


def efficiency_map(metric: str, adc_type: str):
    """``metric`` of the default chip over rows active (L) and ADC bits; infeasible pairs (too few ADC bits for L,
    bitline swing) are left blank."""
    points = [{"rows_active": rows_active, "adc_bits": bits, "adc_type": adc_type}
              for rows_active in (1, 2, 4, 8, 16, 32, 64) for bits in range(1, 9)]
    frame, _ = evaluate_frame(ARCH, points)
    plotted = frame[["rows_active", "adc_bits", metric]]
    return sweep_heatmap(plotted, ARCH, "rows_active", "adc_bits", metric), plotted


register_view(View(
    name="tim.layer_energy",
    theme="tim",
    func=layer_energy,
    title="Per-layer energy breakdown",
    knobs=(ARCH.knob("network"), ARCH.knob("batch")),
    description="Energy per inference of each layer of a network mapped onto the default 32-tile TiM-DNN, by "
                "component. Weight writes appear when the network does not fit in the tiles (batch 1 reloads every "
                "layer; a larger batch shares one load).",
))

register_view(View(
    name="tim.efficiency_map",
    theme="tim",
    func=efficiency_map,
    title="Efficiency over rows active and ADC precision",
    knobs=(Choice("metric", "tops_per_w", options=("tops_per_w", "tops_per_mm2", "peak_tops", "power_w"),
                  help="The figure of merit coloured."),
           ARCH.knob("adc_type")),
    description="Each cell is the default chip (256x256 tiles, 32 tiles, 32 nm) with L rows active and a B-bit "
                "column ADC; pairs where B < log2(L+1) or the bitline swing exceeds its limit are infeasible.",
))
