"""Compute-in-memory sensing: STT-CiM multi-wordline levels and (D)VSH/(D)GSH differential sensing, their sense
margins under process variation, bit error rate per operation, near-SA logic (XOR, ADD) and ECC for XOR.

STT-CiM [R] (arXiv:1703.02118): with two wordlines on, a bitline collects ``I = V (G_i + G_j)``: three levels
(AP-AP, AP-P, P-P with '1' stored as P). A sense amplifier against ``ref_OR`` (between the two lower levels) gives
OR, against ``ref_AND`` (between the two upper levels) gives AND; XOR = OR and not AND; ADD uses XOR and AND with a
ripple carry near the sense amplifiers (sum = XOR ^ c, carry = AND | (XOR & c)).

Differential [R] (arXiv:1912.07821): each bit is a complementary pair; with two words on, ``BL - BLB`` is large
positive for 1-1, large negative for 0-0 and ~0 for a mixed pair, so two sense amplifiers with references ``+ref``
and ``-ref`` on the differential signal give AND and NOR in one access; OR = not NOR, XOR = not (AND or NOR).

Variation Monte Carlo: every cell's R_P (relative sigma), TMR (relative sigma), the series transistor resistance
(through a V_T shift over the gate overdrive) and the sense amplifier's input offset (sigma = margin / 6, the iso
sense-margin design rule of the preset) are drawn independently; references are fixed at their nominal midpoints.
The bit error rate of an operation is the fraction of draws (over all input combinations, equally likely) whose
sensed output is wrong; a Gaussian estimate from the signed margin's mean and sigma
is given next to it for rates below 1/samples.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from workbench.core.knobs import knob_field, validate_config
from workbench.mram.array import ArrayConfig, ArrayResult, evaluate, row_decoder
from workbench.mram.params import provenance, section
from workbench.mram.writepath import WriteConfig

STT_OPS = ("READ", "OR", "AND", "XOR", "ADD")
DIFF_OPS = ("READ", "AND", "NOR", "OR", "XOR", "ADD")


# -- exact logic (what the sensing must produce) ------------------------------------------------------------------
def reference_logic(op: str, a: np.ndarray, b: np.ndarray, carry: np.ndarray | None = None):
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    table = {"READ": a, "OR": a | b, "AND": a & b, "NOR": ~(a | b), "XOR": a ^ b}
    if op == "ADD":
        c = np.zeros_like(a) if carry is None else np.asarray(carry, dtype=bool)
        return a ^ b ^ c, (a & b) | ((a ^ b) & c)
    return table[op]


def stt_levels(i_p: float, i_ap: float) -> dict:
    """Bitline current of each two-cell state and the OR/AND references (midpoints)."""
    levels = {"00": 2 * i_ap, "01": i_ap + i_p, "11": 2 * i_p}
    return {**levels, "ref_or": 0.5 * (levels["00"] + levels["01"]), "ref_and": 0.5 * (levels["01"] + levels["11"])}


def check_reference(ref: float, low: float, high: float, name: str = "reference") -> float:
    """A sense reference must lie strictly between the two read levels it separates (ValueError otherwise)."""
    if not (min(low, high) < ref < max(low, high)):
        raise ValueError(f"{name}={ref!r} lies outside the read levels ({min(low, high)!r}, {max(low, high)!r}); "
                         "allowed: strictly between them")
    return ref


def stt_cim_sense(g_i: np.ndarray, g_j: np.ndarray, v_read: float, refs: tuple[float, float]):
    """OR and AND from the two-wordline bitline current (conductances of the two cells, S); returns (or, and)."""
    i = v_read * (np.asarray(g_i) + np.asarray(g_j))
    ref_or, ref_and = refs
    return i > ref_or, i > ref_and


def stt_cim_op(op: str, a: np.ndarray, b: np.ndarray, g_p: float, g_ap: float, v_read: float = 0.1,
               refs: tuple[float, float] | None = None, carry_in: bool = False):
    """Word-wide STT-CiM operation on bit vectors ``a``, ``b`` through the sensing model (ideal devices): READ of
    ``a``, OR, AND, XOR (OR and not AND), ADD (ripple carry near the SAs, LSB first; returns (sum, carry_out))."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    lv = stt_levels(v_read * g_p, v_read * g_ap)
    if refs is None:
        refs = (lv["ref_or"], lv["ref_and"])
    check_reference(refs[0], lv["00"], lv["01"], "ref_or")
    check_reference(refs[1], lv["01"], lv["11"], "ref_and")
    g = lambda bits: np.where(bits, g_p, g_ap)  # noqa: E731
    if op == "READ":
        return v_read * g(a) > 0.5 * v_read * (g_p + g_ap)
    o, n = stt_cim_sense(g(a), g(b), v_read, refs)
    if op == "OR":
        return o
    if op == "AND":
        return n
    x = o & ~n
    if op == "XOR":
        return x
    if op == "ADD":
        return ripple_add(x, n, carry_in)
    raise ValueError(f"op={op!r}; allowed: {STT_OPS}")


def ripple_add(xor: np.ndarray, and_: np.ndarray, carry_in: bool = False):
    """Near-SA adder from per-bit XOR and AND (index 0 = LSB): sum_k = x_k ^ c_k, c_{k+1} = a_k | (x_k & c_k)."""
    s = np.empty_like(xor)
    c = bool(carry_in)
    for k in range(len(xor)):
        s[k] = xor[k] ^ c
        c = bool(and_[k] or (xor[k] and c))
    return s, c


def diff_cim_op(op: str, a: np.ndarray, b: np.ndarray, g_p: float, g_ap: float, v_read: float = 0.1,
                ref: float | None = None, carry_in: bool = False):
    """Word-wide differential CiM (DVSH/DGSH): AND and NOR from one access of the complementary pairs."""
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    g = lambda bits: np.where(bits, g_p, g_ap)  # noqa: E731
    if op == "READ":
        return v_read * (g(a) - g(~a)) > 0
    d = v_read * ((g(a) + g(b)) - (g(~a) + g(~b)))
    full = 2 * v_read * (g_p - g_ap)
    ref = 0.5 * full if ref is None else ref
    check_reference(ref, 0.0, full, "ref")
    and_, nor = d > ref, d < -ref
    if op == "AND":
        return and_
    if op == "NOR":
        return nor
    if op == "OR":
        return ~nor
    x = ~(and_ | nor)
    if op == "XOR":
        return x
    if op == "ADD":
        return ripple_add(x, and_, carry_in)
    raise ValueError(f"op={op!r}; allowed: {DIFF_OPS}")


# -- ECC for XOR by linearity --------------------------------------------------------------------------------------
def hamming_parity_matrix(data_bits: int = 32) -> np.ndarray:
    """Parity-check rows of a single-error-correcting Hamming code over ``data_bits`` (r x data_bits, GF(2))."""
    r = 1
    while 2 ** r < data_bits + r + 1:
        r += 1
    positions = [p for p in range(1, data_bits + r + 1) if p & (p - 1)][:data_bits]  # non powers of two
    return np.array([[(p >> i) & 1 for p in positions] for i in range(r)], dtype=np.uint8)


def parity(word: np.ndarray, h: np.ndarray | None = None) -> np.ndarray:
    h = hamming_parity_matrix(len(word)) if h is None else h
    return (h @ np.asarray(word, dtype=np.uint8)) % 2


def word_error_rate(ber: float, data_bits: int = 32, *, ecc: bool = False) -> float:
    """Probability that a word is wrong: without ECC any of ``data_bits`` flips; with the single-error-correcting
    Hamming code two or more of the ``data_bits + r`` stored bits must flip (independent bit errors)."""
    if not 0 <= ber <= 1:
        raise ValueError(f"ber={ber!r}; allowed: 0 <= BER <= 1")
    if not ecc:
        return float(1 - (1 - ber) ** data_bits)
    n = data_bits + hamming_parity_matrix(data_bits).shape[0]
    return float(max(0.0, 1 - (1 - ber) ** n - n * ber * (1 - ber) ** (n - 1)))


def ecc_xor_overhead(data_bits: int = 32) -> float:
    """Extra columns sensed per CiM XOR so its result keeps a valid check word: parity(a ^ b) = parity(a) ^
    parity(b) (the code is linear), so the check bits are XORed in memory like data: r / data_bits."""
    return hamming_parity_matrix(data_bits).shape[0] / data_bits


# -- variation Monte Carlo ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VariationConfig:
    """Process variation (relative 1-sigma) and Monte Carlo size; each field declares its range, unit and help with
    :func:`~workbench.core.knobs.knob_field` (the ``mram.cim_sensing`` knobs derive from them)."""

    sigma_rp: float = knob_field(0.05, low=0.0, high=math.inf, label="R_P spread sigma",
                                 help="Relative 1-sigma of R_P.", **provenance("array_45nm", "sensing.sigma_rp"))
    sigma_tmr: float = knob_field(0.05, low=0.0, high=math.inf, label="TMR spread sigma",
                                  help="Relative 1-sigma of the TMR.", **provenance("array_45nm", "sensing.sigma_tmr"))
    sigma_vt_mv: float = knob_field(30.0, low=0.0, high=math.inf, unit="mV", label="V_T spread sigma",
                                    help="1-sigma V_T of the series transistor.",
                                    **provenance("array_45nm", "transistor.sigma_vt_mv"))
    samples: int = knob_field(20000, low=1, high=math.inf, help="Monte Carlo draws per input combination.")
    seed: int = knob_field(0, low=0, high=math.inf, help="Monte Carlo seed.")

    def __post_init__(self) -> None:
        validate_config(self)


@dataclass(frozen=True)
class OpStats:
    """Sense statistics of one operation under variation."""

    op: str
    margin_mean_v: float  # signed margin (correct side positive) at the SA input, mean over draws and inputs
    margin_sigma_v: float
    margin_3sigma_v: float  # mean - 3 sigma of the worst input combination
    ber_mc: float
    ber_gauss: float


def _draw_cells(rng, n, nominal: ArrayResult, r_p, tmr, r_s, var: VariationConfig, overdrive_v: float = 0.5):
    rp = r_p * (1 + var.sigma_rp * rng.standard_normal(n))
    tm = tmr * np.maximum(1 + var.sigma_tmr * rng.standard_normal(n), 0.0)
    dvt = var.sigma_vt_mv * 1e-3 * rng.standard_normal(n)
    rs = r_s * overdrive_v / np.maximum(overdrive_v - dvt, 0.05) if nominal.kind != "vsh" else r_s * (
        1 + var.sigma_rp * rng.standard_normal(n))  # channel: same relative spread as the film resistance
    return rp, rp * (1 + tm), rs


def sense_statistics(kind: str = "stt", differential: bool = False, var: VariationConfig | None = None,
                     array: ArrayConfig | None = None, knobs: WriteConfig | None = None, *,
                     samples_out: dict | None = None, ref_fraction: float = 0.5) -> dict[str, OpStats]:
    """Monte Carlo of every operation's sense margin for one organisation: {op: OpStats}.

    The sensed signal is the SA input voltage after the nominal sensing time of a normal read at the iso sense margin
    (voltage mode ``V = I t_sense / C_BL``, current mode ``I t_int / C_SA``; differential: the difference of the
    pair); XOR/ADD fail when either of the two decisions they combine fails. ``samples_out`` (a dict) receives
    every op's signed margins (V). ``ref_fraction`` places each CiM reference between its two nominal levels (0.5 =
    midpoint; differential: between 0 and the 1-1 level); a reference at or beyond a level is refused.
    """
    var = var or VariationConfig()
    a = array or ArrayConfig()
    res = evaluate(kind, differential, a, knobs, include_write=False)
    if var.samples < 1:
        raise ValueError(f"samples={var.samples!r}: a Monte Carlo needs samples >= 1")
    rng = np.random.default_rng(var.seed)
    path = res.path
    vr = a.read_voltage_v
    r_p = path.mtj.r_p_ohm
    tmr = path.mtj.tmr_at(vr)
    rs_nom = res.r_series_ohm
    scale = res.v_per_a  # V at the SA input per A of bitline current
    sm = a.sense_margin_mv * 1e-3
    sa_sigma = sm * section("array_45nm", "sensing")["sa_sigma_fraction"]
    n = int(var.samples)

    def cell_current(bits, cells):
        rp, rap, rs = cells
        return vr / (np.where(bits, rp, rap) + rs)

    def draw():
        return _draw_cells(rng, n, res, r_p, tmr, rs_nom, var)

    nominal_p, nominal_ap = vr / (r_p + rs_nom), vr / (r_p * (1 + tmr) + rs_nom)
    margins: dict[str, list[np.ndarray]] = {}
    if not differential:
        lv = stt_levels(nominal_p, nominal_ap)
        lv["ref_or"] = check_reference(lv["00"] + ref_fraction * (lv["01"] - lv["00"]), lv["00"], lv["01"], "ref_or")
        lv["ref_and"] = check_reference(lv["01"] + ref_fraction * (lv["11"] - lv["01"]), lv["01"], lv["11"],
                                        "ref_and")
        ref_read = 0.5 * (nominal_p + nominal_ap)
        for a_bit in (False, True):
            i = cell_current(np.full(n, a_bit), draw())
            m = (i - ref_read) * scale * (1 if a_bit else -1) + sa_sigma * rng.standard_normal(n)
            margins.setdefault("READ", []).append(m)
        for a_bit, b_bit in itertools.product((False, True), repeat=2):
            i = cell_current(np.full(n, a_bit), draw()) + cell_current(np.full(n, b_bit), draw())
            m_or = (i - lv["ref_or"]) * scale * (1 if (a_bit or b_bit) else -1) + sa_sigma * rng.standard_normal(n)
            m_and = (i - lv["ref_and"]) * scale * (1 if (a_bit and b_bit) else -1) + sa_sigma * rng.standard_normal(n)
            margins.setdefault("OR", []).append(m_or)
            margins.setdefault("AND", []).append(m_and)
            margins.setdefault("XOR", []).append(np.minimum(m_or, m_and))
    else:
        full = 2 * (nominal_p - nominal_ap)
        ref = check_reference(ref_fraction * full, 0.0, full, "ref")
        for a_bit in (False, True):
            d = cell_current(np.full(n, a_bit), draw()) - cell_current(np.full(n, not a_bit), draw())
            margins.setdefault("READ", []).append(d * scale * (1 if a_bit else -1) + sa_sigma * rng.standard_normal(n))
        for a_bit, b_bit in itertools.product((False, True), repeat=2):
            d = (cell_current(np.full(n, a_bit), draw()) + cell_current(np.full(n, b_bit), draw())
                 - cell_current(np.full(n, not a_bit), draw()) - cell_current(np.full(n, not b_bit), draw()))
            m_and = (d - ref) * scale * (1 if (a_bit and b_bit) else -1) + sa_sigma * rng.standard_normal(n)
            m_nor = (-ref - d) * scale * (1 if not (a_bit or b_bit) else -1) + sa_sigma * rng.standard_normal(n)
            margins.setdefault("AND", []).append(m_and)
            margins.setdefault("NOR", []).append(m_nor)
            margins.setdefault("OR", []).append(m_nor)
            margins.setdefault("XOR", []).append(np.minimum(m_and, m_nor))
    # a sum bit needs XOR and its carry needs AND: the same two decisions as XOR (OR/AND single-ended, AND/NOR
    # differential), so a bit of ADD is right exactly when XOR's decisions are; a wrong carry then ripples upward,
    # which the word error rate (any bit of the word wrong) already counts
    margins["ADD"] = margins["XOR"]
    out = {}
    for op, groups in margins.items():
        allm = np.concatenate(groups)
        means, sigmas = np.array([g.mean() for g in groups]), np.array([g.std() for g in groups])
        worst = float((means - 3 * sigmas).min())
        ber_gauss = float(ndtr(-(means / np.maximum(sigmas, 1e-30))).mean())  # Gaussian tail P(margin < 0)
        if samples_out is not None:
            samples_out[op] = allm
        out[op] = OpStats(op, float(allm.mean()), float(allm.std()), worst, float((allm <= 0).mean()), ber_gauss)
    return out


def cim_access_energy(kind: str = "stt", differential: bool = False, array: ArrayConfig | None = None,
                      knobs: WriteConfig | None = None) -> dict:
    """Energy of one CiM access (``words_per_access`` words) vs the two reads it replaces (array level).

    A CiM access turns on two wordlines: two cells' currents for the same sensing time (the level spacing equals a
    normal read's, so the iso margin needs the same time), one bitline charge, two sense amplifiers (two references
    single-ended: OR and AND; differential: AND and NOR), the near-SA logic, a two-row decode (two addresses
    sharing the decoder's enable line: :func:`~workbench.mram.array.row_decoder`) and two wordline drives,
    and one word out through the array's I/O (two reads move two words).
    """
    a = array or ArrayConfig()
    r = evaluate(kind, differential, a, knobs, include_write=False)
    sense = section("array_45nm", "sensing")
    p = r.read_parts_j
    b = a.word_bits * a.words_per_access
    cim = {
        "cells": 2 * p["cells"],
        "bitlines": p["bitlines"],
        "sense_amps": 2 * p["sense_amps"],
        "reference": 2 * p["reference"],
        "wordline": 2 * p["wordline"],
        "decoder": row_decoder(kind, a, active=2).energy_fj * 1e-15,
        "io": p["io"],
        "logic": b * sense["e_cim_logic_fj"] * 1e-15,
    }
    e_cim = sum(cim.values())
    return {"e_cim_j": e_cim, "e_two_reads_j": 2 * r.read_energy_j, "e_read_j": r.read_energy_j,
            "cim_vs_reads": 2 * r.read_energy_j / e_cim, "parts_j": cim, "t_cim_s": r.read_latency_s
            + 2 * section("array_45nm", "technology")["fo4_ps"] * 1e-12, "array": r}
