"""MRAM studies: device, array, CiM and system explorers (all interactive: LLG tables are precomputed and cached).

* ``mram.device``: a write path's magnet at a write current: switching-time distribution, WER at a pulse, write time
  at an iso WER, critical current, thermal stability and retention.
* ``mram.array``: read/write energy and latency per word and area for STT, GSH, DGSH, VSH, DVSH organisations.
* ``mram.cim_sensing``: sense margins and bit error rate of a CiM operation under process variation (Monte Carlo).
* ``mram.system``: a kernel's memory energy and time with and without CiM on one organisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from workbench.core import Bool, Choice, Float, Int, Metric, Study
from workbench.core.knobs import config_knobs
from workbench.core.vocabulary import SEED_HIGH, seed_knob
from workbench.mram import cim as cim_model
from workbench.mram.array import ORGANISATIONS, ArrayConfig, evaluate
from workbench.mram.device import DEFAULT_OVERDRIVES, critical_current_a, switching_table
from workbench.mram.system import KERNELS, WRITE_BACK, compare
from workbench.mram.writepath import KINDS, WriteConfig, build_path
from workbench.threads import one_torch_thread

ORG_NAMES = tuple(ORGANISATIONS)


@dataclass(frozen=True)
class MemoryConfig:
    """The configuration the ``mram.array`` and ``mram.cim_sensing`` studies take: an array, its write path and its
    process variation (each section checks its own fields)."""

    array: ArrayConfig = field(default_factory=ArrayConfig)
    write: WriteConfig = field(default_factory=WriteConfig)
    variation: cim_model.VariationConfig = field(default_factory=cim_model.VariationConfig)


#: Knobs several studies and views share, declared once (ranges, units and help from the configuration fields).
(TARGET_WER,) = config_knobs(WriteConfig, ("target_wer",), target_wer=dict(low=1e-9, high=0.1, log=True))
SENSE_MARGIN, SENSE_MODE = config_knobs(ArrayConfig, ("sense_margin_mv", "sense_mode"),
                                        sense_margin_mv=dict(low=5.0, high=150.0))
(ACCESS_WIDTH,) = config_knobs(ArrayConfig, ("words_per_access",), words_per_access=dict(options=(1, 2, 4, 8)))
TEMPERATURE = Float("temperature_k", 300.0, low=200.0, high=450.0, unit="K", label="temperature",
                    help="Temperature of Delta and retention (the LLG tables are at 300 K).")

_WRITE_KNOBS = (
    *config_knobs(WriteConfig, ("write_voltage_v",), write_voltage_v=dict(low=0.3, high=1.8, step=0.05)),
    TARGET_WER,
    *config_knobs(WriteConfig, ("spin_hall_angle", "vsh_hole_mobility_cm2_per_vs", "vsh_gate_drive",
                               "access_width_um", "iso_condition"),
                  spin_hall_angle=dict(low=0.05, high=1.0), vsh_hole_mobility_cm2_per_vs=dict(low=1.0, high=500.0,
                                                                                              log=True),
                  vsh_gate_drive=dict(low=0.5, step=0.05), access_width_um=dict(low=0.05, high=1.0, step=0.05)),
)


#: When a write time (and the energies, latencies and ratios that include it) has no value (:func:`_finite`).
NOT_REACHED = "the write does not switch: the current is below the LLG table's range or the pulse would exceed 20 ns"


def _finite(value: float) -> float:
    """NaN for 'not reached' (an infinite write time: the current is below the LLG table's range or the pulse would
    exceed its 20 ns), so charts and the store skip the point instead of drawing infinity."""
    return float(value) if math.isfinite(value) else math.nan


# -- device ---------------------------------------------------------------------------------------------------------
#: Overdrive I / I_c0 at which ``mram.device`` opens: inside the LLG tables' grid (``DEFAULT_OVERDRIVES``, 1.3-10),
#: in the precessional regime where a write completes within nanoseconds, whichever path the magnet belongs to.
OPENING_OVERDRIVE = 2.0


def critical_current_ua(path: str) -> float:
    """Zero-temperature critical charge current I_c0 of a write path's magnet at its default knobs (uA)."""
    wp = build_path(path)
    return critical_current_a(wp.magnet, wp.spin_efficiency) * 1e6


def evaluate_device(path: str, current_ua: float, pulse_ns: float, target_wer: float, temperature_k: float) -> dict:
    """Switching statistics of the path's magnet at ``current_ua`` from the cached LLG table (300 K runs)."""
    wp = build_path(path)
    magnet = wp.magnet
    table = switching_table(magnet)
    ic0 = critical_current_a(magnet, wp.spin_efficiency)
    overdrive = current_ua * 1e-6 / ic0
    t_write = table.write_time_at(overdrive, target_wer)
    # WER at the pulse: interpolate the empirical curves of the neighbouring overdrives (log WER vs log i)
    od = table.overdrives
    if overdrive < od[0]:
        wer, median = 1.0, math.inf
    else:
        j = int(min(np.searchsorted(od, overdrive), len(od) - 1))
        i0 = max(j - 1, 0)
        w = [max(float(table.wer(k, [pulse_ns * 1e-9])[0]), 0.5 / table.n) for k in (i0, j)]
        med = [float(np.median(table.times_s[k])) for k in (i0, j)]
        f = 0.0 if j == i0 else float(np.clip((math.log(overdrive) - math.log(od[i0])) /
                                              (math.log(od[j]) - math.log(od[i0])), 0.0, 1.0))
        wer = math.exp((1 - f) * math.log(w[0]) + f * math.log(w[1]))
        median = (1 - f) * med[0] + f * med[1]
        if overdrive > od[-1]:  # precessional law beyond the grid
            median = med[1] * (od[-1] - 1) / (overdrive - 1)
    return {
        "write_time_ns": _finite(t_write * 1e9),
        "median_switch_ns": _finite(median * 1e9),
        "wer_at_pulse": wer,
        "overdrive": overdrive,
        "ic0_ua": ic0 * 1e6,
        "delta": magnet.delta(temperature_k),
        "retention_years": magnet.retention_s(temperature_k) / 3.156e7,
        "spin_efficiency": wp.spin_efficiency,
        "write_energy_fj": _finite((current_ua * 1e-6) ** 2 * (wp.r_cell_ohm + wp.r_access_ohm) * t_write * 1e15),
    }


DEVICE = Study(
    name="mram.device",
    theme="mram",
    func=evaluate_device,
    knobs=(
        Choice("path", "vsh", options=KINDS, help="Write path: STT (PMA), GSH (in-plane), VSH (PMA); sets the magnet."),
        # opens at OPENING_OVERDRIVE x VSH's I_c0 (2 significant digits); the range reaches every path's largest
        # tabulated overdrive (the decade above it)
        Float("current_ua", float(f"{OPENING_OVERDRIVE * critical_current_ua('vsh'):.2g}"), low=5.0,
              high=10.0 ** math.ceil(math.log10(DEFAULT_OVERDRIVES[-1] * max(map(critical_current_ua, KINDS)))),
              log=True, unit="uA", label="write current",
              help=f"Write (charge) current; opens at about {OPENING_OVERDRIVE:g}x the VSH path's critical current "
                   "I_c0, inside the LLG tables' overdrives."),
        Float("pulse_ns", 5.0, low=0.1, high=20.0, log=True, unit="ns", label="pulse width",
              help="Pulse width for the WER metric."),
        TARGET_WER,
        TEMPERATURE,
    ),
    metrics=(
        Metric("write_time_ns", "ns", "min", "Pulse width reaching the target WER (LLG, 300 K).", "write time",
               not_applicable=NOT_REACHED),
        Metric("median_switch_ns", "ns", "min", "Median switching time.", "median t_sw", not_applicable=NOT_REACHED),
        Metric("wer_at_pulse", "", "min", "Write error rate at the chosen pulse width.", "WER"),
        Metric("overdrive", "", None, "I / I_c0.", label="overdrive I/I_c"),
        Metric("ic0_ua", "uA", "min", "Zero-temperature critical charge current.", "I_c0"),
        Metric("delta", "", "max", "Thermal stability factor E_b / k_B T.", "Delta"),
        Metric("retention_years", "years", "max", "Neel-Brown retention of one bit.", "retention"),
        Metric("spin_efficiency", "", "max", "Spin current per charge current of the path.", label="spin efficiency"),
        Metric("write_energy_fj", "fJ", "min", "I^2 R t of the cell path at the iso-WER pulse (no driver/lines).",
               "cell write energy", not_applicable=NOT_REACHED),
    ),
    version="3",
    cost="interactive",
    description=(
        "Stochastic macrospin LLG (thermal field, STT/SOT torques) of the write path's free layer: 2000 thermal "
        "magnets per overdrive, cached. Switching-time distribution, WER vs pulse, write time at an iso WER, "
        "critical current and thermal stability."
    ),
)


# -- array ----------------------------------------------------------------------------------------------------------
_SIZES = (64, 128, 256, 512, 1024)
_ARRAY_KNOBS = (
    Choice("organisation", "STT", options=ORG_NAMES, help="Memory: STT, GSH, DGSH, VSH or DVSH (D = differential)."),
    *config_knobs(ArrayConfig, ("rows", "cols", "word_bits"), rows=dict(options=_SIZES), cols=dict(options=_SIZES),
                  word_bits=dict(options=(8, 16, 32, 64))),
    ACCESS_WIDTH,
    SENSE_MARGIN,
    *config_knobs(ArrayConfig, ("read_voltage_v", "sa_bias_ua"), read_voltage_v=dict(low=0.02, high=0.3, step=0.01),
                  sa_bias_ua=dict(high=50.0)),
    SENSE_MODE,
)


def evaluate_array(config: MemoryConfig, organisation: str) -> dict:
    """Per-access read/write energy and latency and array area (see :mod:`workbench.mram.array`)."""
    kind, diff = ORGANISATIONS[organisation]
    r = evaluate(kind, diff, config.array, config.write)
    w = r.write
    return {
        "read_energy_pj": r.read_energy_j * 1e12,
        "read_latency_ns": r.read_latency_s * 1e9,
        "write_energy_pj": _finite(r.write_energy_j * 1e12),
        "write_latency_ns": _finite(r.write_latency_s * 1e9),
        "area_um2": r.area_um2,
        "write_current_ua": w.current_a * 1e6,
        "overdrive": w.overdrive,
        "sense_time_ns": r.t_sense_s * 1e9,
        "read_disturb": r.read_disturb,
        "read_breakdown_pj": {k: v * 1e12 for k, v in r.read_parts_j.items()},
        "write_breakdown_pj": {k: v * 1e12 for k, v in r.write_parts_j.items()},
    }


ARRAY = Study(
    name="mram.array",
    theme="mram",
    func=evaluate_array,
    config=MemoryConfig,
    knobs=_ARRAY_KNOBS + _WRITE_KNOBS,
    metrics=(
        Metric("read_energy_pj", "pJ", "min", "Read energy per access (words_per_access words) at the iso sense "
               "margin.", "read energy"),
        Metric("read_latency_ns", "ns", "min", "Decode + wordline + sensing + SA.", "read latency"),
        Metric("write_energy_pj", "pJ", "min", "Write energy per access at the iso WER (LLG + parasitics).",
               "write energy", not_applicable=NOT_REACHED),
        Metric("write_latency_ns", "ns", "min", "Line settling + iso-WER pulse.", "write latency",
               not_applicable=NOT_REACHED),
        Metric("area_um2", "um2", "min", "Cells + sense amplifiers, write drivers, row drivers.", "area"),
        Metric("write_current_ua", "uA", None, "Write current per bit.", label="write current"),
        Metric("overdrive", "", None, "Write spin current / critical spin current.", label="overdrive I/I_c"),
        Metric("sense_time_ns", "ns", "min", "Bitline integration time to the iso margin.", label="sense time"),
        Metric("read_disturb", "", "min", "Probability that one read flips the bit (read current's STT lowers the "
               "thermal barrier; Koch 2004).", label="read-disturb probability"),
    ),
    version="5",
    cost="interactive",
    description=(
        "STT-, GSH- and VSH-MRAM arrays (single-ended and differential): bitline/wordline RC, voltage-mode sensing "
        "at an iso sense margin, write drivers and the write pulse at an iso write error rate from the LLG tables."
    ),
)


# -- CiM ------------------------------------------------------------------------------------------------------------
CIM_OPS = ("READ", "OR", "AND", "NOR", "XOR", "ADD")


def _check_cim(arguments: dict) -> None:
    """The operation is one the organisation senses."""
    kind, diff = ORGANISATIONS[arguments["organisation"]]
    allowed = cim_model.DIFF_OPS if diff else cim_model.STT_OPS
    if arguments["op"] not in allowed:
        raise ValueError(f"op={arguments['op']!r} is not sensed by {arguments['organisation']}; allowed: {allowed}")


def evaluate_cim(config: MemoryConfig, organisation: str, op: str, ref_fraction: float) -> dict:
    """Sense margin and bit error rate of ``op`` under variation, and its array-level energy vs two reads."""
    kind, diff = ORGANISATIONS[organisation]
    a = config.array
    stats = cim_model.sense_statistics(kind, diff, config.variation, a, ref_fraction=ref_fraction)[op]
    e = cim_model.cim_access_energy(kind, diff, a)
    return {
        "margin_mean_mv": stats.margin_mean_v * 1e3,
        "margin_3sigma_mv": stats.margin_3sigma_v * 1e3,
        "ber_mc": stats.ber_mc,
        "ber_gauss": stats.ber_gauss,
        "cim_energy_pj": e["e_cim_j"] * 1e12,
        "cim_vs_two_reads": e["cim_vs_reads"],
        # only XOR (and a READ) keep a valid check word: parity is linear, OR/AND/ADD are not
        "ecc_overhead": cim_model.ecc_xor_overhead(a.word_bits) if op == "XOR" else 0.0,
        "word_error_rate": cim_model.word_error_rate(stats.ber_gauss, a.word_bits),
        "word_error_rate_ecc": (cim_model.word_error_rate(stats.ber_gauss, a.word_bits, ecc=True)
                                if op in ("XOR", "READ") else math.nan),
    }


CIM = Study(
    name="mram.cim_sensing",
    theme="mram",
    func=evaluate_cim,
    config=MemoryConfig,
    knobs=(
        Choice("organisation", "STT", options=ORG_NAMES, help="Memory organisation."),
        Choice("op", "XOR", options=CIM_OPS, help="Operation (OR/AND single-ended; AND/NOR differential)."),
        *config_knobs(cim_model.VariationConfig, ("sigma_rp", "sigma_tmr", "sigma_vt_mv", "samples"),
                      sigma_rp=dict(high=0.2, step=0.005), sigma_tmr=dict(high=0.2, step=0.005),
                      sigma_vt_mv=dict(high=80.0), samples=dict(default=2000, high=200000, log=True)),
        SENSE_MARGIN,
        SENSE_MODE,
        Float("ref_fraction", 0.5, low=0.0, high=1.0, step=0.01, label="reference position",
              help="Where each CiM reference sits between its two read levels (0.5 = midpoint; 0 or 1 = on a level, "
                   "refused)."),
        *config_knobs(cim_model.VariationConfig, ("seed",), seed=dict(high=SEED_HIGH)),
    ),
    metrics=(
        Metric("margin_mean_mv", "mV", "max", "Mean signed sense margin (correct side positive).", "mean margin"),
        Metric("margin_3sigma_mv", "mV", "max", "Mean - 3 sigma of the worst input combination.", "3-sigma margin"),
        Metric("ber_mc", "", "min", "Bit error rate, Monte Carlo count.", "BER (MC)"),
        Metric("ber_gauss", "", "min", "Bit error rate, Gaussian tail of the margin.", "BER (Gauss)"),
        Metric("cim_energy_pj", "pJ", "min", "Energy of one word-wide CiM access.", "CiM energy"),
        Metric("cim_vs_two_reads", "x", "max", "Two standard reads / one CiM access (array level).",
               "CiM efficiency"),
        Metric("ecc_overhead", "", "min", "Extra check columns XORed per XOR so its result keeps a valid Hamming "
               "check word (parity is linear); 0 for ops ECC cannot follow.", label="ECC overhead"),
        Metric("word_error_rate", "", "min", "P(32-bit result wrong) from the Gaussian BER, no ECC.",
               label="word error rate"),
        Metric("word_error_rate_ecc", "", "min", "The same after single-error correction (READ and XOR only; NaN "
               "for OR/AND/NOR/ADD, whose results carry no valid check word).", label="word error rate (ECC)",
               not_applicable="OR, AND, NOR and ADD: their results carry no valid check word"),
    ),
    version="3",
    cost="interactive",
    constraints=_check_cim,
    description=(
        "STT-CiM multi-wordline sensing (OR/AND references, XOR, ADD) and differential (D)VSH/(D)GSH sensing (AND and "
        "NOR in one access) under R_P, TMR, transistor and SA-offset variation: sense margins and bit error rate."
    ),
)


# -- system ---------------------------------------------------------------------------------------------------------
def evaluate_system(kernel: str, organisation: str, n: int, k_partial: int, use_cim: bool,
                    words_per_access: int, write_back: str) -> dict:
    """Memory energy and time of a kernel, and the ratios CiM vs no CiM on the same memory."""
    kind, diff = ORGANISATIONS[organisation]
    c = compare(kernel, n, kind=kind, differential=diff, k_partial=k_partial,
                array=ArrayConfig(words_per_access=words_per_access), write_back=write_back)
    run = c["cim"] if use_cim else c["base"]
    return {
        "memory_energy_nj": _finite(run.memory_energy_j * 1e9),
        "system_energy_nj": _finite(run.system_energy_j * 1e9),
        "time_us": _finite(run.time_s * 1e6),
        "memory_energy_ratio": _finite(c["memory_energy_ratio"]),
        "speedup": _finite(c["speedup"]),
        "system_energy_ratio": _finite(c["system_energy_ratio"]),
        "reads": run.mix.reads,
        "writes": run.mix.writes,
        "cim_ops": run.mix.cim_ops,
        "cycles": run.mix.cycles,
    }


SYSTEM = Study(
    name="mram.system",
    theme="mram",
    func=evaluate_system,
    knobs=(
        Choice("kernel", "vadd", options=KERNELS,
               help="Element-wise: vector add, bitwise op, DNN partial-sum accumulate, search (match flags), a "
                    "trained digits VGG-8's layer accumulates; reductions (results consumed by the core, never "
                    "written): sum, binary dot product (XNOR-popcount), search with a count of matches."),
        Choice("organisation", "STT", options=ORG_NAMES, help="Memory organisation."),
        Int("n", 4096, low=8, high=1_000_000, log=True,
            help="Elements (32-bit words); for dnn_net the mix of n / 64 digit images."),
        Int("k_partial", 9, low=2, high=512, log=True, label="partial sums per output",
            help="Partial sums per output (dnn_acc)."),
        Bool("use_cim", True, label="with CiM", help="Absolute figures with (True) or without CiM."),
        ACCESS_WIDTH,
        Choice("write_back", "always", options=WRITE_BACK, label="write-back policy",
               help="Result words written in full, only their changed bits after a read of the destination, or not "
                    "at all (consumed: the core uses them at once; CiM returns them over the bus)."),
    ),
    metrics=(
        Metric("memory_energy_nj", "nJ", "min", "Array + bus energy.", "memory energy", not_applicable=NOT_REACHED),
        Metric("system_energy_nj", "nJ", "min", "Memory + core energy.", "system energy", not_applicable=NOT_REACHED),
        Metric("time_us", "us", "min", "Execution time.", "time", not_applicable=NOT_REACHED),
        Metric("memory_energy_ratio", "x", "max", "Memory energy without / with CiM.", label="memory energy saving",
               not_applicable=NOT_REACHED),
        Metric("speedup", "x", "max", "Time without / with CiM.", label="speedup", not_applicable=NOT_REACHED),
        Metric("system_energy_ratio", "x", "max", "System energy without / with CiM.", label="system energy saving",
               not_applicable=NOT_REACHED),
        Metric("reads", "", None, "Memory reads.", label="memory reads"),
        Metric("writes", "", None, "Memory writes.", label="memory writes"),
        Metric("cim_ops", "", None, "CiM accesses.", label="CiM accesses"),
        Metric("cycles", "", None, "Core cycles.", label="core cycles"),
    ),
    version="5",
    cost="interactive",
    description=(
        "Kernels as memory-access mixes on a Nios II-class core with an MRAM data memory: memory energy, system "
        "energy and time with and without CiM."
    ),
)


# -- LLG on any magnet (batch) ----------------------------------------------------------------------------------------
def evaluate_llg(anisotropy: str, ms_ka_per_m: float, ku_kj_per_m3: float, alpha: float, length_nm: float,
                 width_nm: float, thickness_nm: float, overdrive: float, temperature_k: float, magnets: int,
                 t_max_ns: float, dt_ps: float, seed: int) -> dict:
    """Run the stochastic LLG on a magnet of your own at one overdrive (B_DL / B_DL,c0, spin polarisation along the
    easy axis): switching-time statistics, WER at pulses and the closed-form figures of the same magnet."""
    from workbench.core.progress import track
    from workbench.mram.device import SwitchingTable
    from workbench.mram.llg import Magnet, simulate

    magnet = Magnet(ms_a_per_m=ms_ka_per_m * 1e3, ku_j_per_m3=ku_kj_per_m3 * 1e3, alpha=alpha, length_nm=length_nm,
                    width_nm=width_nm, thickness_nm=thickness_nm, anisotropy=anisotropy)
    if not magnet.stable():
        raise ValueError(f"ku_kj_per_m3={ku_kj_per_m3!r}: the easy axis is not stable (for a perpendicular magnet "
                         "K_u must exceed mu0 Ms^2 / 2); allowed: a positive effective anisotropy")
    chunks = max(1, magnets // 250)
    times, drift = [], 0.0
    for k in track(range(chunks), total=chunks, description="LLG"):
        size = magnets // chunks + (1 if k < magnets % chunks else 0)
        r = simulate(magnet, n=size, t_end_s=t_max_ns * 1e-9, dt_s=dt_ps * 1e-12, temperature_k=temperature_k,
                     b_dl_t=overdrive * magnet.b_dl_critical_t(), record_every=max(1, round(5 / dt_ps)),
                     seed=seed + k, stop_when_switched=True)
        times.append(r.switch_time_s)
        drift = max(drift, r.max_norm_error)
    t = np.concatenate(times)
    table = SwitchingTable(magnet, np.array([overdrive]), t[None, :], t_max_ns * 1e-9, dt_ps * 1e-12, temperature_k,
                           seed)
    finite = t[np.isfinite(t)]
    ordered = np.sort(t)  # order statistics (inf = not switched by t_max) without interpolating between infinities
    quantile = lambda q: float(ordered[max(int(math.ceil(q * len(ordered))) - 1, 0)])  # noqa: E731
    return {
        "median_switch_ns": _finite(quantile(0.5) * 1e9),
        "p90_switch_ns": _finite(quantile(0.9) * 1e9),
        "switched_fraction": float(np.isfinite(t).mean()),
        "write_time_wer_1e-2_ns": _finite(table.write_time_s(0, 1e-2) * 1e9),
        "delta": magnet.delta(temperature_k),
        "ic_spin_ua": magnet.spin_current_critical_a() * 1e6,
        "tau_d_ns": magnet.precession_time_s() * 1e9,
        "max_norm_error": drift,
        "switch_times_ns": (finite * 1e9).tolist(),
    }


LLG = Study(
    name="mram.llg",
    theme="mram",
    func=evaluate_llg,
    knobs=(
        Choice("anisotropy", "perpendicular", options=("perpendicular", "in-plane"), help="Easy axis."),
        Float("ms_ka_per_m", 1100.0, low=100.0, high=2000.0, unit="kA/m", label="Ms", help="Saturation magnetisation."),
        Float("ku_kj_per_m3", 860.0, low=1.0, high=3000.0, log=True, unit="kJ/m3", label="Ku",
              help="Uniaxial anisotropy (PMA: before the demag correction)."),
        Float("alpha", 0.01, low=0.001, high=0.5, log=True, help="Gilbert damping."),
        Float("length_nm", 40.0, low=5.0, high=300.0, unit="nm", label="free-layer length",
              help="Free-layer length (ellipse)."),
        Float("width_nm", 40.0, low=5.0, high=300.0, unit="nm", label="free-layer width", help="Free-layer width."),
        Float("thickness_nm", 1.3, low=0.5, high=5.0, unit="nm", label="free-layer thickness",
              help="Free-layer thickness."),
        Float("overdrive", 3.0, low=1.05, high=20.0, log=True, help="B_DL / B_DL,c0 = I / I_c0."),
        replace(TEMPERATURE, low=0.0, high=500.0, help="Temperature (0 = no thermal field)."),
        Int("magnets", 200, low=1, high=100_000, log=True, help="Monte Carlo magnets."),
        Float("t_max_ns", 10.0, low=0.1, high=200.0, log=True, unit="ns", label="longest pulse simulated",
              help="Longest pulse simulated."),
        Float("dt_ps", 1.0, low=0.05, high=5.0, log=True, unit="ps", label="time step dt", help="Heun time step."),
        seed_knob(help="Thermal-noise seed."),
    ),
    metrics=(
        Metric("median_switch_ns", "ns", "min", "Median switching time.", "median t_sw", not_applicable=NOT_REACHED),
        Metric("p90_switch_ns", "ns", "min", "90th percentile switching time.", label="90th pct t_sw",
               not_applicable=NOT_REACHED),
        Metric("switched_fraction", "", "max", "Fraction switched within t_max.", label="switched share"),
        Metric("write_time_wer_1e-2_ns", "ns", "min", "Pulse for WER 1e-2 (tail fit below 10/n).",
               label="write time at WER 1e-2", not_applicable=NOT_REACHED),
        Metric("delta", "", "max", "Thermal stability factor.", label="Delta"),
        Metric("ic_spin_ua", "uA", "min", "Zero-temperature critical spin current.", label="I_c (spin)"),
        Metric("tau_d_ns", "ns", None, "Precessional time constant (1 + alpha^2) / (gamma B_DL,c).", label="tau_D"),
        Metric("max_norm_error", "", "min", "Integrator error: largest | |m| - 1 | a Heun step leaves before the "
               "renormalisation (falls with dt).", label="norm drift per step"),
    ),
    version="2",
    cost="batch",
    context=one_torch_thread,
    description=(
        "The stochastic macrospin LLG on a free layer of your own (any Ms, Ku, alpha, geometry) at one write "
        "overdrive: switching-time distribution and write time, next to the closed-form Delta and I_c0. Batch: "
        "seconds to minutes per point, stored."
    ),
)
