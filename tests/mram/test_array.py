"""Write paths and arrays: resistances, overdrive, iso-WER write from the LLG tables, iso-sense-margin reads."""

import math

import pytest

from workbench.mram.array import ORGANISATIONS, SHARED_PARTS, ArrayConfig, evaluate, sense_amplifier
from workbench.mram.params import section
from workbench.mram.writepath import WriteConfig, build_path, valley_hall_angle, vsh_spin_efficiency, write_bit


def test_paths_resolve_to_their_physics():
    stt, gsh, vsh = build_path("stt"), build_path("gsh"), build_path("vsh")
    assert stt.magnet.anisotropy == "perpendicular" and vsh.magnet.anisotropy == "perpendicular"
    assert gsh.magnet.anisotropy == "in-plane"
    assert vsh.r_access_ohm == 0 and stt.r_access_ohm > 0 and gsh.r_access_ohm > 0
    p = 0.61
    assert stt.spin_efficiency == pytest.approx(p / (1 + p * p))
    # GSH gain = theta (A_magnet / A_strip)(1 - sech(t/lambda)) > 1 for a 3 nm strip
    assert gsh.spin_efficiency > 1
    assert build_path("gsh", True).r_cell_ohm == pytest.approx(2 * gsh.r_cell_ohm)
    # weaker gate drive -> higher channel resistance
    assert build_path("vsh", knobs=WriteConfig(vsh_gate_drive=0.8)).r_cell_ohm > vsh.r_cell_ohm


def test_valley_hall_angle_is_sigma_vh_over_sigma_xx_of_the_gated_channel():
    """Closed form (Xiao et al. 2012 massive Dirac bands): low-density limit, bound and the direct formula."""
    vsh = section("write_paths", "vsh")
    e, h = 1.602176634e-19, 6.62607015e-34
    at = vsh["dirac_velocity_ev_angstrom"] * e * 1e-10
    gap = (vsh["gap_ev"] - vsh["spin_splitting_ev"] / 2) * e
    mu = 100.0
    limit = 4 * math.pi * e * at ** 2 / (h * gap ** 2 * mu * 1e-4)
    assert valley_hall_angle(1e12, mu) == pytest.approx(limit, rel=1e-6)  # depleted channel: sigma_VH ~ n ~ sigma_xx
    for r_sheet in (2e3, 8e3, 1e5):
        n = 1 / (r_sheet * e * mu * 1e-4)
        u = 8 * math.pi * n * at ** 2 / gap ** 2
        theta = valley_hall_angle(r_sheet, mu)
        assert theta == pytest.approx(e * e / h * (1 - 1 / math.sqrt(1 + u)) * r_sheet)
        assert theta < limit and theta < e * e / h * r_sheet  # filling dilutes the Berry curvature; sigma_VH < e^2/h
    assert valley_hall_angle(8e3, 10.0) > valley_hall_angle(8e3, 100.0)  # same sigma_xx from more, slower holes
    with pytest.raises(ValueError, match="hole_mobility"):
        valley_hall_angle(8e3, 0.0)


def test_vsh_spin_current_follows_the_gate_and_l_over_w():
    """I_s = theta_VH(gate) (L_magnet / W_channel) I_c: the injected spin current of the gated channel."""
    vsh = section("write_paths", "vsh")
    currents = {}
    for drive in (1.0, 0.9, 0.8):
        path = build_path("vsh", knobs=WriteConfig(vsh_gate_drive=drive))
        theta = valley_hall_angle(path.notes["r_sheet_ohm"], WriteConfig().vsh_hole_mobility_cm2_per_vs)
        assert path.notes["geometry_gain"] == pytest.approx(path.magnet.length_nm / vsh["channel_width_nm"])
        assert path.spin_efficiency == pytest.approx(theta * path.magnet.length_nm / vsh["channel_width_nm"])
        w = write_bit(path)
        currents[drive] = w.overdrive * path.magnet.spin_current_critical_a()
        assert currents[drive] == pytest.approx(path.spin_efficiency * w.current_a)
    assert currents[1.0] > currents[0.9] > currents[0.8]  # the gate turns the spin current down with the channel
    assert build_path("vsh", knobs=WriteConfig(vsh_gate_drive=0.8)).spin_efficiency > \
        build_path("vsh").spin_efficiency  # while theta_VH itself rises as sigma_xx falls
    # L / W: a magnet twice as long over the same channel, or a channel half as wide, doubles the spin current
    one = vsh_spin_efficiency(8e3, 100.0, 40.0, 40.0)
    assert vsh_spin_efficiency(8e3, 100.0, 80.0, 40.0) == pytest.approx(2 * one)
    assert vsh_spin_efficiency(8e3, 100.0, 40.0, 20.0) == pytest.approx(2 * one)
    assert one == pytest.approx(valley_hall_angle(8e3, 100.0))


def test_write_time_falls_with_voltage_and_rises_with_stricter_wer():
    path = build_path("gsh")
    lo = write_bit(path, WriteConfig(write_voltage_v=1.0))
    hi = write_bit(path, WriteConfig(write_voltage_v=1.5))
    assert hi.overdrive > lo.overdrive and hi.t_write_s < lo.t_write_s
    strict = write_bit(path, WriteConfig(target_wer=1e-6))
    assert strict.t_write_s > lo.t_write_s
    assert lo.energy_j == pytest.approx(sum(lo.energy_parts_j.values()))
    assert lo.energy_parts_j["cell"] == pytest.approx(1.0 * lo.current_a * lo.t_switch_s)


def test_below_threshold_is_not_writable():
    w = write_bit(build_path("stt"), WriteConfig(write_voltage_v=0.3))
    assert w.overdrive < 1.3 and not w.writable and math.isinf(w.energy_j)


@pytest.mark.parametrize("mode", ["voltage", "current"])
@pytest.mark.parametrize("name", list(ORGANISATIONS))
def test_every_organisation_reads_at_the_iso_sense_margin(name, mode):
    kind, diff = ORGANISATIONS[name]
    a = ArrayConfig(sense_mode=mode)
    r = evaluate(kind, diff, a)
    signal = (r.i_p_a - r.i_ap_a) * r.v_per_a / (1 if diff else 2)
    if mode == "voltage":
        assert r.v_per_a == pytest.approx(r.t_sense_s / r.c_bl_f)
    assert signal == pytest.approx(a.sense_margin_mv * 1e-3)
    assert r.read_energy_j > 0 and r.area_um2 > 0
    assert math.isfinite(r.write_energy_j) == r.write.writable


def test_differential_senses_faster_and_costs_area():
    single, double = evaluate("vsh", False), evaluate("vsh", True)
    assert double.t_sense_s == pytest.approx(single.t_sense_s / 2)
    assert double.area_um2 > single.area_um2


def test_access_width_sets_sense_amps_drivers_area_and_decode_together():
    one, eight = (evaluate("stt", array=ArrayConfig(words_per_access=w)) for w in (1, 8))
    sense = section("array_45nm", "sensing")
    drv = section("array_45nm", "write_driver")
    assert eight.area_um2 - one.area_um2 == pytest.approx(7 * 32 * (sense["a_sa_um2"] + drv["a_driver_um2"]))
    shared = sum(one.read_parts_j[p] for p in SHARED_PARTS)
    assert eight.read_energy_j == pytest.approx(shared + 8 * (one.read_energy_j - shared))
    assert eight.read_parts_j["sense_amps"] == pytest.approx(8 * one.read_parts_j["sense_amps"])
    assert eight.read_parts_j["decoder"] == pytest.approx(one.read_parts_j["decoder"])
    w_shared = one.write_parts_j["wordline"]
    assert eight.write_energy_j == pytest.approx(w_shared + 8 * (one.write_energy_j - w_shared))
    # a one-word access of the wide array costs what the narrow array's access costs; latency does not change
    assert eight.read_energy_words_j(1) == pytest.approx(one.read_energy_j)
    assert eight.write_energy_words_j(1) == pytest.approx(one.write_energy_j)
    assert eight.read_latency_s == pytest.approx(one.read_latency_s)
    assert eight.write_latency_s == pytest.approx(one.write_latency_s)
    with pytest.raises(ValueError, match="words"):
        one.read_energy_words_j(2)


def test_sense_amplifier_follows_the_sensing_time_margin_and_bias():
    sense, vdd = section("array_45nm", "sensing"), section("array_45nm", "technology")["vdd_v"]
    t_sa, e_sa = sense_amplifier(1e-9, 0.04, 10.0)
    assert t_sa == pytest.approx(sense["tau_regen_ps"] * 1e-12 * math.log(vdd / 0.04))
    assert e_sa == pytest.approx(sense["c_latch_ff"] * 1e-15 * vdd ** 2 + vdd * 10e-6 * 1e-9)
    assert sense_amplifier(1e-9, 0.08, 10.0)[0] < t_sa  # a larger margin regenerates faster
    assert sense_amplifier(2e-9, 0.04, 10.0)[1] > e_sa > sense_amplifier(1e-9, 0.04, 0.0)[1]
    with pytest.raises(ValueError, match="margin"):
        sense_amplifier(1e-9, 0.0, 10.0)
    # in the array: the faster-sensing VSH bitline pays less SA energy per decision than STT's
    stt, vsh = (evaluate(k, include_write=False) for k in ("stt", "vsh"))
    assert vsh.t_sense_s < stt.t_sense_s and vsh.read_parts_j["sense_amps"] < stt.read_parts_j["sense_amps"]
    assert stt.read_parts_j["sense_amps"] == pytest.approx(32 * sense_amplifier(stt.t_sense_s, 0.04, 10.0)[1])
    biased = evaluate("stt", array=ArrayConfig(sa_bias_ua=20.0), include_write=False)
    assert biased.read_parts_j["sense_amps"] - stt.read_parts_j["sense_amps"] == pytest.approx(
        32 * vdd * 10e-6 * stt.t_sense_s)


def test_bad_array_knobs():
    with pytest.raises(ValueError, match="word_bits"):
        ArrayConfig(cols=100, word_bits=32)
    with pytest.raises(ValueError, match="words_per_access"):
        ArrayConfig(cols=256, word_bits=32, words_per_access=3)
    with pytest.raises(ValueError, match="target_wer"):
        WriteConfig(target_wer=0.0)
    with pytest.raises(ValueError, match="sense_mode"):
        ArrayConfig(sense_mode="charge")
    with pytest.raises(ValueError, match="read_voltage_v"):
        evaluate("stt", array=ArrayConfig(read_voltage_v=1.2))


def test_read_disturb_grows_with_read_voltage():
    low = evaluate("stt", array=ArrayConfig(read_voltage_v=0.1), include_write=False)
    high = evaluate("stt", array=ArrayConfig(read_voltage_v=0.3), include_write=False)
    assert 0 <= low.read_disturb < high.read_disturb < 1
    assert low.read_disturb < 1e-9  # Delta ~ 40 at a tenth of the write current


def test_stt_write_directions_and_the_slower_one_sets_the_pulse():
    path = build_path("stt")
    (p_ap, r_p, eta_p), (ap_p, r_ap, eta_ap) = path.directions
    assert (p_ap, ap_p) == ("P->AP", "AP->P") and r_ap > r_p and eta_ap > eta_p
    w = write_bit(path)
    # per direction: the overdrive of each, the pulse is the longer of the two write times
    from workbench.mram.device import switching_table

    table = switching_table(path.magnet)
    times = []
    for _, r, eta in path.directions:
        i = 1.0 / (path.r_driver_ohm + path.r_access_ohm + r)
        times.append(table.write_time_at(eta * i / path.magnet.spin_current_critical_a(), 1e-4))
    assert w.t_switch_s == pytest.approx(max(times))


@pytest.mark.parametrize("differential", [False, True])
def test_iso_area_vsh_cell_fills_the_gsh_cells_area(differential):
    """Conservation: at iso area the VSH cell, and with it the whole array (cells, sense amplifiers, drivers and the
    decoder at the cell pitch), occupies exactly the GSH array's area; at iso Delta it is the smaller cell."""
    iso_area = WriteConfig(iso_condition="iso_area")
    gsh = evaluate("gsh", differential, include_write=False)
    vsh = evaluate("vsh", differential, knobs=iso_area, include_write=False)
    assert vsh.cell_area_um2 == pytest.approx(gsh.cell_area_um2, rel=1e-12)
    assert vsh.area_um2 == pytest.approx(gsh.area_um2, rel=1e-12)
    assert evaluate("vsh", differential, include_write=False).area_um2 < gsh.area_um2
    # only VSH's path follows the condition
    for kind in ("stt", "gsh"):
        assert build_path(kind, knobs=iso_area) == build_path(kind)


def test_iso_area_grows_the_vsh_magnet_and_channel_by_the_physics():
    """The extra area scales the magnet (Delta, I_s,c0 and the MTJ area by the cell-area ratio: same K_eff and
    thickness), keeps L_magnet / W_channel and theta_VH, and shortens the channel in squares (fixed contact spacing),
    so the write current rises, but less than the critical current: the overdrive falls."""
    cells, vsh = section("array_45nm", "cells"), section("write_paths", "vsh")
    ratio = cells["gsh_cell_f2"] / cells["vsh_cell_f2"]
    small, large = build_path("vsh"), build_path("vsh", knobs=WriteConfig(iso_condition="iso_area"))
    assert large.cell_scale == pytest.approx(math.sqrt(ratio))
    assert large.magnet.delta() == pytest.approx(ratio * small.magnet.delta(), rel=1e-9)
    assert large.magnet.spin_current_critical_a() == pytest.approx(ratio * small.magnet.spin_current_critical_a())
    assert large.mtj.r_p_ohm == pytest.approx(small.mtj.r_p_ohm / ratio)
    assert large.spin_efficiency == pytest.approx(small.spin_efficiency)
    s = math.sqrt(ratio)
    squares = (vsh["channel_length_nm"] + (s - 1) * small.magnet.length_nm) / (vsh["channel_width_nm"] * s)
    assert large.r_cell_ohm == pytest.approx(small.notes["r_sheet_ohm"] * squares)
    assert large.r_cell_ohm < small.r_cell_ohm
    w_small, w_large = write_bit(small), write_bit(large)
    assert w_large.current_a > w_small.current_a
    assert w_large.overdrive < w_small.overdrive
    assert w_large.overdrive == pytest.approx(w_small.overdrive * w_large.current_a / w_small.current_a / ratio)
    with pytest.raises(ValueError, match="iso_condition='iso_volume'"):
        WriteConfig(iso_condition="iso_volume")


def test_cached_evaluation_is_the_uncached_one():
    """evaluate is cached by its arguments (a curve prices one organisation at every point): the same figures as
    computing it afresh."""
    for kind, differential in ORGANISATIONS.values():
        array, knobs = ArrayConfig(words_per_access=2), WriteConfig()
        assert evaluate(kind, differential, array, knobs) is evaluate(kind, differential, array, knobs)
        assert evaluate(kind, differential, array, knobs) == evaluate.__wrapped__(kind, differential, array, knobs)
