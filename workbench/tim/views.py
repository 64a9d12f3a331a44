"""TiM-DNN views: per-layer energy of a mapped network, the efficiency map over L and ADC precision, the access
period's phases over L, which assumed parameters move a metric (a tornado) and which design differences survive
them (a band)."""

from __future__ import annotations

from dataclasses import replace

import altair as alt
import pandas as pd

from workbench.core import Choice, View
from workbench.core.runner import evaluate_frame
from workbench.explain.figures import TORNADO_DESCRIPTION, band_view, tornado_figure
from workbench.tim.arch import PHASES, TimConfig, adc_bits_needed, tile_costs
from workbench.tim.studies import ARCH
from workbench.viz.charts import sweep_heatmap

_PERIOD_L = (1, 2, 4, 8, 12, 16, 24, 32)


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


def period_breakdown(sigma_i_read_rel: float, conversion_pipelined: bool, adc_type: str):
    """The default tile's access period split into its phases (critical-path shares) for L rows active, with the
    ADC just wide enough for L + 1 levels; the near-memory baseline's one-row read beside it. L values the bitline
    swing or the cell-current spread rule out are left out ([R]; :func:`workbench.tim.arch.tile_costs`).
    """
    base = TimConfig(sigma_i_read_rel=sigma_i_read_rel, conversion_pipelined=conversion_pipelined, adc_type=adc_type)
    rows, order = [], []
    for n in _PERIOD_L:
        try:
            t = tile_costs(replace(base, rows_active=n, adc_bits=adc_bits_needed(n)))
        except ValueError:
            continue
        label = f"TiM L={n}"
        order.append(label)
        rows += [{"design": label, "phase": ph, "ns": t.critical_path_ns[ph], "step_mv": t.dv_step_mv}
                 for ph in PHASES]
    nm = tile_costs(base)
    order.append("near-memory, 1 row")
    rows += [{"design": "near-memory, 1 row", "phase": ph, "ns": v, "step_mv": 0.0}
             for ph, v in nm.nm_critical_path_ns.items()]
    frame = pd.DataFrame(rows)
    phase_order = [*PHASES, "sense", "mac"]
    chart = alt.Chart(frame, title=f"Access period by phase ({sigma_i_read_rel:.1%} cell-current spread, "
                                   f"{'pipelined' if conversion_pipelined else 'serial'} {adc_type} conversion)")
    chart = chart.mark_bar().encode(
        x=alt.X("design:N", sort=order, title=None),
        y=alt.Y("ns:Q", stack="zero", title="period (ns)"),
        color=alt.Color("phase:N", sort=phase_order, title="phase"),
        order=alt.Order("phase_rank:Q"),
        tooltip=["design", "phase", alt.Tooltip("ns:Q", format=".3f"),
                 alt.Tooltip("step_mv:Q", format=".1f", title="bitline step (mV)")],
    ).transform_calculate(phase_rank=f"indexof({phase_order!r}, datum.phase)").properties(width=460, height=240)
    return chart, frame


def assumption_tornado(metric: str, network: str):
    """``metric`` of the default chip with each assumed parameter at the ends of its plausible range, the others
    at their defaults (:func:`workbench.explain.sensitivity.tornado`)."""
    return tornado_figure(ARCH, metric, {"network": network})


LAYER_ENERGY = View(
    name="tim.layer_energy",
    theme="tim",
    func=layer_energy,
    title="Per-layer energy breakdown",
    knobs=(ARCH.knob("network"), ARCH.knob("batch")),
    description="Energy per inference of each layer of a network mapped onto the default 32-tile TiM-DNN, by "
                "component. Weight writes appear when the network does not fit in the tiles (batch 1 reloads every "
                "layer; a larger batch shares one load).",
)

EFFICIENCY_MAP = View(
    name="tim.efficiency_map",
    theme="tim",
    func=efficiency_map,
    title="Efficiency over rows active and ADC precision",
    knobs=(Choice("metric", "tops_per_w", options=("tops_per_w", "tops_per_mm2", "peak_tops", "power_w"),
                  help="The figure of merit coloured."),
           ARCH.knob("adc_type")),
    description="Each cell is the default chip (256x256 tiles, 32 tiles, 32 nm) with L rows active and a B-bit "
                "column ADC; pairs where B < log2(L+1) or the bitline swing exceeds its limit are infeasible.",
)

PERIOD_BREAKDOWN = View(
    name="tim.period_breakdown",
    theme="tim",
    func=period_breakdown,
    title="Access period by phase over rows active",
    knobs=(ARCH.knob("sigma_i_read_rel"), ARCH.knob("conversion_pipelined"), ARCH.knob("adc_type")),
    description="Precharge, decode, wordline, bitline develop, conversion and accumulate of one TiM access for L rows "
                "active (ADC bits = ceil(log2(L+1)), 5 at L = 16): develop and precharge grow with L and with the "
                "cell-current spread; the near-memory baseline's one-row read is the last bar.",
)


ASSUMPTION_TORNADO = View(
    name="tim.assumption_tornado",
    theme="tim",
    func=assumption_tornado,
    title="Which assumptions move a metric",
    knobs=(Choice("metric", "peak_tops", options=tuple(ARCH.metric_names), help="The metric explained."),
           ARCH.knob("network")),
    description=TORNADO_DESCRIPTION + " TiM's ranges are declared in data/presets/tim/tim_32nm.yaml.",
)


ASSUMPTION_BAND = band_view(
    ARCH, "tim.assumption_band", x=("rows_active", "adc_bits", "cols_per_adc", "tiles"), metric="tops_per_w",
    title="Which design differences survive the assumptions",
    note="TiM's ranges are declared in data/presets/tim/tim_32nm.yaml.")
