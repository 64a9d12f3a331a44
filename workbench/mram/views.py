"""MRAM views: switching-time distributions and WER vs pulse from the LLG tables, organisations side by side, CiM sense
margins under variation, and energy/speedup per kernel. Each returns ``(chart, the frame it plots)``."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from workbench.core import Choice, Float, Int, View
from workbench.explain.figures import TORNADO_DESCRIPTION, band_view, tornado_figure
from workbench.mram import cim as cim_model
from workbench.mram.array import ORGANISATIONS, ArrayConfig, evaluate
from workbench.mram.device import switching_table
from workbench.mram.studies import ARRAY, CIM
from workbench.mram.system import KERNELS, compare
from workbench.mram.writepath import KINDS, WriteConfig, build_path

ORG_NAMES = tuple(ORGANISATIONS)


def switching_view(path: str) -> tuple[alt.Chart, pd.DataFrame]:
    """Cumulative switching-time distribution of the path's magnet at each overdrive of its LLG table."""
    table = switching_table(build_path(path).magnet)
    rows = []
    for k, od in enumerate(table.overdrives):
        t = np.sort(table.times_s[k])
        t = t[np.isfinite(t)]
        if len(t) == 0:
            continue
        q = np.linspace(0, len(t) - 1, 60).astype(int)
        for idx in q:
            rows.append({"overdrive": float(od), "t_switch_ns": float(t[idx]) * 1e9,
                         "fraction_switched": (idx + 1) / table.n})
    frame = pd.DataFrame(rows)
    chart = alt.Chart(frame).mark_line().encode(
        x=alt.X("t_switch_ns:Q", title="switching time (ns)", scale=alt.Scale(type="log")),
        y=alt.Y("fraction_switched:Q", title="fraction switched"),
        color=alt.Color("overdrive:O", title="I / I_c0"),
        tooltip=["overdrive", "t_switch_ns", "fraction_switched"],
    ).properties(title=f"{path.upper()}: switching-time distribution (LLG, 300 K, {table.n} magnets per current)")
    return chart, frame


def wer_view(path: str) -> tuple[alt.Chart, pd.DataFrame]:
    """Write error rate vs pulse width at each overdrive (empirical, down to 1/n)."""
    table = switching_table(build_path(path).magnet)
    pulses = np.geomspace(0.2e-9, table.t_max_s, 50)
    rows = []
    for k, od in enumerate(table.overdrives):
        for t, w in zip(pulses, table.wer(k, pulses)):
            if w > 0:
                rows.append({"overdrive": float(od), "pulse_ns": t * 1e9, "wer": float(w)})
    frame = pd.DataFrame(rows)
    chart = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("pulse_ns:Q", title="pulse width (ns)", scale=alt.Scale(type="log")),
        y=alt.Y("wer:Q", title="write error rate", scale=alt.Scale(type="log")),
        color=alt.Color("overdrive:O", title="I / I_c0"),
        tooltip=["overdrive", "pulse_ns", "wer"],
    ).properties(title=f"{path.upper()}: WER vs pulse width")
    return chart, frame


def organisations_view(rows: int, target_wer: float) -> tuple[alt.Chart, pd.DataFrame]:
    """Read/write energy and latency per word of every organisation."""
    records = []
    for name, (kind, diff) in ORGANISATIONS.items():
        from workbench.mram.writepath import WriteConfig

        r = evaluate(kind, diff, ArrayConfig(rows=rows), WriteConfig(target_wer=target_wer))
        for metric, value in (("read energy (pJ)", r.read_energy_j * 1e12), ("write energy (pJ)",
                              r.write_energy_j * 1e12), ("read latency (ns)", r.read_latency_s * 1e9),
                              ("write latency (ns)", r.write_latency_s * 1e9)):
            records.append({"organisation": name, "metric": metric, "value": value})
    frame = pd.DataFrame(records)
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("organisation:N", sort=list(ORG_NAMES), title=None),
        y=alt.Y("value:Q", title=None),
        color=alt.Color("organisation:N", legend=None),
        tooltip=["organisation", "metric", "value"],
    ).properties(width=160, height=160).facet(column=alt.Column("metric:N", title=None)).resolve_scale(y="independent")
    return chart, frame


def margins_view(organisation: str, sigma_rp: float, samples: int) -> tuple[alt.Chart, pd.DataFrame]:
    """Histogram of the signed sense margin of every operation under variation (correct side positive)."""
    kind, diff = ORGANISATIONS[organisation]
    samples_out: dict = {}
    stats = cim_model.sense_statistics(kind, diff, cim_model.VariationConfig(sigma_rp=sigma_rp, samples=samples),
                                       samples_out=samples_out)
    records = []
    for op, margins in samples_out.items():
        counts, edges = np.histogram(margins * 1e3, bins=40)
        for c, lo, hi in zip(counts, edges[:-1], edges[1:]):
            records.append({"op": op, "margin_mv": 0.5 * (lo + hi), "density": c / len(margins),
                            "ber_gauss": stats[op].ber_gauss})
    frame = pd.DataFrame(records)
    chart = alt.Chart(frame).mark_line().encode(
        x=alt.X("margin_mv:Q", title="signed sense margin (mV)"),
        y=alt.Y("density:Q", title="fraction of draws"),
        color=alt.Color("op:N", title="operation"),
        tooltip=["op", "margin_mv", "density", "ber_gauss"],
    ).properties(title=f"{organisation}: sense margins under variation (sigma R_P {sigma_rp:g})")
    rule = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return chart + rule, frame


def kernels_view(organisation: str, n: int) -> tuple[alt.Chart, pd.DataFrame]:
    """Memory-energy ratio and speedup of CiM over the same memory without CiM, per kernel."""
    kind, diff = ORGANISATIONS[organisation]
    records = []
    for kernel in KERNELS:
        c = compare(kernel, n, kind=kind, differential=diff)
        records.append({"kernel": kernel, "metric": "memory energy (x)", "value": c["memory_energy_ratio"]})
        records.append({"kernel": kernel, "metric": "speedup (x)", "value": c["speedup"]})
        records.append({"kernel": kernel, "metric": "system energy (x)", "value": c["system_energy_ratio"]})
    frame = pd.DataFrame(records)
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("kernel:N", title=None),
        y=alt.Y("value:Q", title="without CiM / with CiM"),
        color=alt.Color("metric:N", title=None),
        xOffset="metric:N",
        tooltip=["kernel", "metric", "value"],
    ).properties(title=f"{organisation}-CiM vs {organisation} per kernel")
    return chart, frame


def breakeven_view(pair: str, iso_condition: str) -> tuple[alt.Chart, pd.DataFrame]:
    """VSH / GSH write time and write energy over VSH's spin efficiency theta_VH L/W, with the break-even points
    (ratio 1) and the efficiency the channel's physics gives (:mod:`workbench.mram.breakeven`), at iso Delta or iso
    area (:func:`~workbench.mram.writepath.cell_scale`)."""
    from workbench.mram.breakeven import break_even, curves

    differential = pair == "DVSH vs DGSH"
    knobs = WriteConfig(iso_condition=iso_condition)
    frame = pd.DataFrame(curves(differential, knobs=knobs))
    frame["quantity"] = frame["quantity"].map({"write_latency_s": "write time", "write_energy_j": "write energy"})
    gsh = evaluate("gsh", differential, knobs=knobs)
    own = evaluate("vsh", differential, knobs=knobs, include_write=False).path.spin_efficiency
    marks = pd.DataFrame([
        {"efficiency": break_even(differential, q, getattr(gsh, q), knobs), "quantity": name, "what": "break-even"}
        for q, name in (("write_latency_s", "write time"), ("write_energy_j", "write energy"))]
        + [{"efficiency": own, "quantity": "the channel's theta_VH L/W", "what": "model"}])
    marks = marks[np.isfinite(marks["efficiency"])]
    lines = alt.Chart(frame.dropna()).mark_line(point=True).encode(
        x=alt.X("efficiency:Q", title="VSH spin efficiency theta_VH L_magnet / W_channel",
                scale=alt.Scale(type="log")),
        y=alt.Y("ratio:Q", title="VSH / GSH", scale=alt.Scale(type="log")),
        color=alt.Color("quantity:N", title=None),
        tooltip=["quantity", alt.Tooltip("efficiency:Q", format=".3f"), alt.Tooltip("ratio:Q", format=".3f")],
    )
    one = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    rules = alt.Chart(marks).mark_rule().encode(
        x="efficiency:Q", strokeDash=alt.StrokeDash("what:N", title=None),
        tooltip=["what", "quantity", alt.Tooltip("efficiency:Q", format=".3f")])
    condition = iso_condition.replace("_", " ").replace("delta", "Delta")
    title = f"{pair}: write time and energy vs VSH spin efficiency (iso WER, {condition}; below 1 VSH wins)"
    return (lines + one + rules).properties(title=title), frame


def mtj_view(preset: str, v_max: float) -> tuple[alt.Chart, pd.DataFrame]:
    """R_P and R_AP of the preset's MTJ vs read/write bias (TMR(V) = TMR0 / (1 + (V/V_h)^2))."""
    from workbench.mram.params import load_mtj

    mtj = load_mtj(preset)
    rows = []
    for v in np.linspace(0.0, v_max, 41):
        rows.append({"bias_v": float(v), "state": "P", "resistance_kohm": mtj.r_p_ohm / 1e3, "tmr": mtj.tmr_at(v)})
        rows.append({"bias_v": float(v), "state": "AP", "resistance_kohm": mtj.r_ap_ohm(v) / 1e3,
                     "tmr": mtj.tmr_at(v)})
    frame = pd.DataFrame(rows)
    chart = alt.Chart(frame).mark_line().encode(
        x=alt.X("bias_v:Q", title="bias (V)"),
        y=alt.Y("resistance_kohm:Q", title="resistance (kOhm)"),
        color=alt.Color("state:N", title="state"),
        tooltip=["state", "bias_v", "resistance_kohm", "tmr"],
    ).properties(title=f"{preset}: MTJ resistance vs bias")
    return chart, frame


MTJ = View(name="mram.mtj", theme="mram", func=mtj_view, title="MTJ resistance vs bias",
           knobs=(Choice("preset", "pma_cofeb", options=("pma_cofeb", "inplane_cofeb"),
                         help="Magnet/MTJ preset."),
                  Float("v_max", 1.0, low=0.1, high=1.5, unit="V", label="largest bias",
                        help="Largest bias shown.")),
           description="Parallel and antiparallel resistance of the junction as the TMR falls with bias.")
SWITCHING = View(name="mram.switching", theme="mram", func=switching_view, title="Switching-time distribution",
                 knobs=(Choice("path", "vsh", options=KINDS, help="Write path (sets the magnet)."),),
                 description="Fraction of 2000 thermal magnets switched vs time at each write current (LLG).")
WER = View(name="mram.wer", theme="mram", func=wer_view, title="Write error rate vs pulse width",
           knobs=(Choice("path", "vsh", options=KINDS, help="Write path (sets the magnet)."),),
           description="WER = P(t_switch > pulse) at each write current, from the LLG runs.")
ARRAYS = View(name="mram.organisations", theme="mram", func=organisations_view,
              title="STT / GSH / DGSH / VSH / DVSH arrays",
              knobs=(ARRAY.knob("rows"), ARRAY.knob("target_wer")),
              description="Per-word read/write energy and latency at iso sense margin and iso WER.")
MARGINS = View(name="mram.margins", theme="mram", func=margins_view, title="CiM sense margins under variation",
               knobs=(Choice("organisation", "STT", options=ORG_NAMES, help="Memory organisation."),
                      CIM.knob("sigma_rp"),
                      Int("samples", 2000, low=100, high=100000, log=True, help="Draws per input combination.")),
               description="Signed margin at the SA input of every operation; negative = wrong output.")
CIM_KERNELS = View(name="mram.kernels", theme="mram", func=kernels_view, title="CiM per kernel",
                   knobs=(Choice("organisation", "STT", options=ORG_NAMES, help="Memory organisation."),
                          Int("n", 4096, low=8, high=1_000_000, log=True, help="Elements.")),
                   description="Memory energy, system energy and speedup of CiM on the same memory, per kernel.")


BREAKEVEN = View(name="mram.breakeven", theme="mram", func=breakeven_view, title="VSH vs GSH break-even",
                 knobs=(Choice("pair", "VSH vs GSH", options=("VSH vs GSH", "DVSH vs DGSH"),
                               help="Single-ended or differential organisations."),
                        ARRAY.knob("iso_condition")),
                 description="V1 as curves: VSH's write time and energy over GSH's as its spin efficiency "
                             "theta_VH L/W varies (everything else at its knobs); the break-even efficiencies and "
                             "the one the WSe2 channel's Berry-curvature physics gives are marked.")


def cim_tornado(metric: str, organisation: str):
    """``metric`` of in-memory computing on the default ``organisation`` with each assumed sensing and variation
    parameter at the ends of its plausible range (:func:`workbench.explain.sensitivity.tornado`)."""
    return tornado_figure(CIM, metric, {"organisation": organisation})


CIM_TORNADO = View(
    name="mram.cim_tornado",
    theme="mram",
    func=cim_tornado,
    title="Which assumptions move in-memory computing",
    knobs=(Choice("metric", "margin_3sigma_mv", options=tuple(CIM.metric_names), help="The metric explained."),
           CIM.knob("organisation")),
    description=TORNADO_DESCRIPTION + " The MRAM ranges are declared in data/presets/mram/array_45nm.yaml.",
)

CIM_BAND = band_view(
    CIM, "mram.cim_band", x=("organisation", "op", "sense_mode"), metric="margin_3sigma_mv",
    title="Which organisations stay apart under the sensing assumptions",
    note="The MRAM ranges (variations, sense margin) are declared in data/presets/mram/array_45nm.yaml.")
