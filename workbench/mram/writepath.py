"""Write paths: how each memory turns a driver voltage into a spin current, and the write time and energy at an iso
write error rate.

* ``stt``: the charge current flows through the MTJ and a 1T access transistor; spin current ``eta I`` with the
  Slonczewski MTJ efficiency ``eta = P / (1 + P^2 cos theta)`` at each direction's initial state (P->AP from R_P with
  ``P / (1 + P^2)``, AP->P from R_AP with ``P / (1 - P^2)``; Slonczewski PRB 71, 024411 (2005)), PMA magnet.
* ``gsh``: giant spin Hall effect in a heavy-metal strip under an in-plane magnet, written through a write access
  transistor; ``I_s = theta_SH (A_magnet / A_HM) (1 - sech(t / lambda_sf)) I`` (the geometry gain ``L/t`` for a strip
  as wide as the magnet; Liu et al., Science 336, 555 (2012); Hong et al., IEEE TMAG 2016 for the sech factor).
* ``vsh``: valley-coupled spin Hall effect in a gated monolayer WSe2 channel under a PMA magnet, out-of-plane spins,
  no access transistor (the gate of the channel selects the cell); ``I_s = theta_VH (L_magnet / W_channel) I``: the
  spin Hall current of a 2D sheet flows in-plane across the channel and is absorbed along the magnet's length, so the
  geometry gain is ``L / W``, not a heavy metal's ``L / t``. The valley (spin) Hall angle ``theta_VH = sigma_VH /
  sigma_xx`` follows the gate (:func:`valley_hall_angle`): ``sigma_xx = 1 / R_sheet`` set by the gate drive, the hole
  density ``n = sigma_xx / (e mu_h)`` and ``sigma_VH`` from the Berry curvature of the spin-split valence band.
* iso-conditions (``WriteConfig.iso_condition``): ``iso_delta`` (the VSH-MRAM paper's comparison, the default) keeps
  every magnet at its preset, so the PMA and in-plane magnets share Delta ~ 40; ``iso_area`` draws the VSH cell on
  the GSH cell's area, every in-plane length of its write path scaled by ``s = sqrt(A_GSH / A_VSH)``
  (:func:`cell_scale`): the magnet's diameter (so Delta, the critical spin current and the MTJ area grow by ``s^2``)
  and the channel's width (kept as wide as the magnet, so ``L_magnet / W_channel`` is unchanged) and the channel's
  length under the magnet (the contact spacing beside it stays: fewer squares, hence more current at a given supply).
* differential (``dgsh``/``dvsh``): complementary magnets written by one current. [R] DVSH: both magnets sit on one
  channel and receive opposite valley spins (one current, one channel width per magnet); DGSH: the heavy metal runs
  under the two magnets in series with opposite current directions (twice the strip resistance).

The write time is the pulse width at which the LLG switching table of the magnet (thermal magnets at 300 K) reaches
the target write error rate at the path's overdrive ``I_s / I_s,c0``; the energy is what the supply delivers during
that pulse plus the driver and the line charging. No ratio between paths is fitted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from workbench.core.knobs import knob_field, validate_config
from workbench.mram.device import switching_table
from workbench.mram.llg import Magnet
from workbench.mram.params import MTJ, load_magnet, load_mtj, provenance, section

KINDS = ("stt", "gsh", "vsh")
ISO_CONDITIONS = ("iso_delta", "iso_area")
PRESET_OF = {"stt": "pma_cofeb", "gsh": "inplane_cofeb", "vsh": "pma_cofeb"}


@dataclass(frozen=True)
class WriteConfig:
    """The write path's tunable knobs (defaults from the presets); each field declares its range, unit and help with
    :func:`~workbench.core.knobs.knob_field` (the ``mram`` study knobs derive from them)."""

    write_voltage_v: float = knob_field(1.0, low=0.0, low_open=True, high=math.inf, unit="V", label="write supply",
                                        help="Write driver supply, the same for every path (iso-voltage comparison).")
    target_wer: float = knob_field(1e-4, low=0.0, low_open=True, high=1.0, label="target WER",
                                   help="Iso write error rate; below 10/n of the LLG table the exponential tail is "
                                        "extrapolated.")
    spin_hall_angle: float = knob_field(0.3, low=0.0, low_open=True, high=math.inf, label="spin Hall angle theta_SH",
                                        help="GSH heavy-metal spin Hall angle (beta-W ~0.3).",
                                        **provenance("write_paths", "gsh.spin_hall_angle"))
    hm_thickness_nm: float = knob_field(3.0, low=0.0, low_open=True, high=math.inf, unit="nm",
                                        label="heavy-metal thickness", help="GSH heavy-metal thickness.")
    vsh_hole_mobility_cm2_per_vs: float = knob_field(
        100.0, low=0.0, low_open=True, high=math.inf, unit="cm2/(V s)", label="VSH hole mobility",
        help="Hole mobility of the WSe2 channel: with the sheet resistance it sets the hole density, hence "
             "theta_VH = sigma_VH / sigma_xx [R].", **provenance("write_paths", "vsh.hole_mobility_cm2_per_vs"))
    vsh_gate_drive: float = knob_field(1.0, low=0.0, low_open=True, high=1.0, label="VSH gate drive (x full swing)",
                                       help="VSH gate drive (fraction of full swing): sets the channel sheet "
                                            "resistance.")
    """The channel sheet resistance interpolates log-linearly between off (``R_on x on_off_ratio``) and on."""
    access_width_um: float = knob_field(0.2, low=0.0, low_open=True, high=math.inf, unit="um",
                                        label="access transistor width",
                                        help="Access/write transistor width (STT, GSH).",
                                        **provenance("array_45nm", "transistor.access_width_um"))

    iso_condition: str = knob_field("iso_delta", options=ISO_CONDITIONS, label="VSH cell condition",
                                    help="iso_delta: VSH's magnet at its preset, as thermally stable as GSH's (the "
                                         "VSH-MRAM paper's comparison); iso_area: the VSH cell on the GSH cell's area, "
                                         "its magnet and channel scaled up with it.")
    """``"iso_delta"``: the presets' magnets (equal Delta); ``"iso_area"``: the VSH write path scaled to the GSH
    cell's area (:func:`cell_scale`); the STT and GSH paths do not change."""

    def __post_init__(self) -> None:
        validate_config(self)
        if self.target_wer == 1.0:
            raise ValueError(f"target_wer={self.target_wer!r}; allowed: 0 < WER < 1")


@dataclass(frozen=True)
class WritePath:
    """One cell's write path, resolved to resistances and a spin efficiency."""

    kind: str
    differential: bool
    magnet: Magnet
    mtj: MTJ
    spin_efficiency: float  # I_s / I_c
    r_cell_ohm: float  # what the current flows through in the cell (MTJ, HM strip or channel)
    r_access_ohm: float  # access transistor (0 for VSH)
    r_driver_ohm: float
    magnets_per_bit: int
    notes: dict = field(default_factory=dict, compare=False)
    #: (label, r_cell_ohm, spin_efficiency) per write direction when they differ (STT); empty: symmetric
    directions: tuple = ()
    #: linear scale of the cell's in-plane geometry over its preset (:func:`cell_scale`); its area scales by its square
    cell_scale: float = 1.0


@dataclass(frozen=True)
class WriteResult:
    """Write of one bit: current, overdrive, time, energy (and their parts)."""

    path: WritePath
    current_a: float
    overdrive: float
    t_switch_s: float
    t_write_s: float
    energy_j: float
    energy_parts_j: dict

    @property
    def writable(self) -> bool:
        return math.isfinite(self.t_write_s)


def build_path(kind: str, differential: bool = False, knobs: WriteConfig | None = None) -> WritePath:
    """Resolve a write path from the presets and ``knobs`` (see the module docstring for each kind)."""
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r}; allowed: {KINDS}")
    k = knobs or WriteConfig()
    preset = PRESET_OF[kind]
    scale = cell_scale(kind, k.iso_condition)
    drawn = load_magnet(preset)
    magnet = replace(drawn, length_nm=drawn.length_nm * scale, width_nm=drawn.width_nm * scale)
    mtj = load_mtj(preset, magnet)
    arr = section("array_45nm", "transistor")
    drv = section("array_45nm", "write_driver")
    paths = section("write_paths", kind)
    r_access = arr["r_on_ohm_um"] / k.access_width_um
    notes = {}
    directions = ()
    if kind == "stt":
        p = paths["polarization"]
        # Slonczewski's MTJ efficiency P / (1 + P^2 cos theta) at the initial state of each write direction:
        # P->AP starts parallel (cos 1, R_P), AP->P antiparallel (cos -1, R_AP at the write bias ~ V/2 on the MTJ)
        eta = p / (1 + p * p)
        r_cell = mtj.r_p_ohm
        directions = (("P->AP", mtj.r_p_ohm, eta), ("AP->P", mtj.r_ap_ohm(0.5 * k.write_voltage_v), p / (1 - p * p)))
        notes["eta"] = eta
        if differential:
            raise ValueError("differential=True is defined for the spin-Hall paths (gsh, vsh); allowed for stt: False")
    elif kind == "gsh":
        t = k.hm_thickness_nm
        w_strip = magnet.length_nm  # the strip runs under the magnet's short axis, as wide as its long axis
        rho = paths["resistivity_uohm_cm"] * 1e-8  # ohm m
        r_strip = rho * paths["strip_length_nm"] * 1e-9 / (w_strip * 1e-9 * t * 1e-9)
        gain = magnet.area_m2 / (w_strip * 1e-9 * t * 1e-9)
        sech = 1.0 / math.cosh(t / paths["spin_diffusion_nm"])
        eta = k.spin_hall_angle * gain * (1 - sech)
        r_cell = r_strip * (2 if differential else 1)
        notes.update(geometry_gain=gain, r_strip_ohm=r_strip)
    else:  # vsh
        r_on = paths["sheet_resistance_on_kohm"] * 1e3
        r_sheet = r_on * paths["on_off_ratio"] ** (1 - k.vsh_gate_drive)
        # the part of the channel under the magnet scales with the cell; the contact spacing beside it does not
        length_nm = paths["channel_length_nm"] + (scale - 1) * drawn.length_nm
        width_nm = paths["channel_width_nm"] * scale
        r_cell = r_sheet * length_nm / width_nm
        eta = vsh_spin_efficiency(r_sheet, k.vsh_hole_mobility_cm2_per_vs, magnet.length_nm, width_nm)
        r_access = 0.0
        notes.update(r_sheet_ohm=r_sheet, valley_hall_angle=valley_hall_angle(r_sheet, k.vsh_hole_mobility_cm2_per_vs),
                     geometry_gain=magnet.length_nm / width_nm, channel_length_nm=length_nm,
                     channel_width_nm=width_nm)
    return WritePath(kind, differential, magnet, mtj, eta, r_cell, r_access, drv["r_driver_ohm"],
                     2 if differential else 1, notes, directions, scale)


def cell_scale(kind: str, iso_condition: str = "iso_delta") -> float:
    """Linear scale of a ``kind`` cell's in-plane geometry over its preset under ``iso_condition``
    (:data:`ISO_CONDITIONS`): ``sqrt(A_GSH / A_VSH)`` of the presets' cell areas (``array_45nm.cells``) for a VSH cell
    at ``"iso_area"``, else 1 (the differential cells are both two cells, so the ratio holds for them too)."""
    if iso_condition not in ISO_CONDITIONS:
        raise ValueError(f"iso_condition={iso_condition!r}; allowed: {ISO_CONDITIONS}")
    if kind != "vsh" or iso_condition == "iso_delta":
        return 1.0
    cells = section("array_45nm", "cells")
    return math.sqrt(cells["gsh_cell_f2"] / cells["vsh_cell_f2"])


def valley_hall_angle(r_sheet_ohm: float, hole_mobility_cm2_per_vs: float) -> float:
    """Valley (spin) Hall angle ``theta_VH = sigma_VH / sigma_xx`` of the hole-doped WSe2 channel.

    ``sigma_xx = 1 / R_sheet`` and the hole density ``n = sigma_xx / (e mu_h)`` (Drude). Each valley's upper valence
    band (spin locked to the valley) is a massive Dirac band of gap ``Delta' = Delta - lambda`` and velocity ``a t``
    (Xiao et al., PRL 108, 196802 (2012), Eq. 1 and Table I); the holes of both valleys deflect opposite spins to
    opposite sides, so the spin Hall conductivity (in charge units) is the Berry curvature missing from the emptied
    states of the two valleys::

        sigma_VH = (e^2 / h) (1 - 1 / sqrt(1 + u)),   u = 8 pi n (a t)^2 / Delta'^2

    At low density ``sigma_VH`` grows with ``n`` like ``sigma_xx``, so ``theta_VH`` tends to ``4 pi e (a t)^2 /
    (h Delta'^2 mu_h)``; at higher filling it falls as ``1 / sqrt(n)``; it never exceeds ``(e^2 / h) R_sheet``.

    Parameters
    ----------
    r_sheet_ohm : float
        Sheet resistance of the channel at the gate drive (ohm per square), > 0.
    hole_mobility_cm2_per_vs : float
        Hole mobility (cm^2 / (V s)), > 0.
    """
    if not (r_sheet_ohm > 0 and hole_mobility_cm2_per_vs > 0):
        raise ValueError(f"r_sheet_ohm={r_sheet_ohm!r}, hole_mobility_cm2_per_vs={hole_mobility_cm2_per_vs!r}; "
                         "allowed: both > 0")
    vsh = section("write_paths", "vsh")
    e, h = 1.602176634e-19, 6.62607015e-34
    at_jm = vsh["dirac_velocity_ev_angstrom"] * e * 1e-10
    gap_j = (vsh["gap_ev"] - 0.5 * vsh["spin_splitting_ev"]) * e
    n_per_m2 = 1.0 / (r_sheet_ohm * e * hole_mobility_cm2_per_vs * 1e-4)
    u = 8 * math.pi * n_per_m2 * at_jm ** 2 / gap_j ** 2
    sigma_vh = e * e / h * (-math.expm1(-0.5 * math.log1p(u)))  # 1 - 1/sqrt(1+u), exact at small u
    return sigma_vh * r_sheet_ohm


def vsh_spin_efficiency(r_sheet_ohm: float, hole_mobility_cm2_per_vs: float, magnet_length_nm: float,
                        channel_width_nm: float) -> float:
    """``I_s / I_c = theta_VH (L_magnet / W_channel)`` of a VSH cell: the in-plane spin Hall current density of the
    2D sheet, ``theta_VH I_c / W_channel`` per unit length, absorbed along the magnet's length ``L_magnet`` (the
    magnet's extent along the charge current); :func:`valley_hall_angle` gives ``theta_VH`` at the gate's sheet
    resistance."""
    return valley_hall_angle(r_sheet_ohm, hole_mobility_cm2_per_vs) * magnet_length_nm / channel_width_nm


def write_bit(path: WritePath, knobs: WriteConfig | None = None, *, r_line_ohm: float = 0.0, c_line_f: float = 0.0,
              t_line_s: float = 0.0, table_kwargs: dict | None = None) -> WriteResult:
    """Write time and energy of one bit at the iso write error rate ``knobs.target_wer``.

    The current is ``V / (R_driver + R_line + R_access + R_cell)``; its overdrive ``eta I / I_s,c0`` indexes the
    magnet's LLG switching table (:func:`~workbench.mram.device.switching_table`, cached) for the pulse width ``t_sw``
    reaching the WER (STT: each write direction with its own R and eta; the slower one sets the pulse). A
    differential cell writes two magnets with the same current; each must reach the WER, so the per-magnet target
    is halved. Write time = ``t_sw + t_line`` (line RC and driver settling before the pulse is
    effective); energy = ``V I t_sw`` (supply) ``+ C_line V^2`` (line charging) ``+ E_driver``.
    """
    k = knobs or WriteConfig()
    drv = section("array_45nm", "write_driver")
    v = k.write_voltage_v
    table = switching_table(path.magnet, **(table_kwargs or {}))
    target = k.target_wer / path.magnets_per_bit
    directions = path.directions or (("", path.r_cell_ohm, path.spin_efficiency),)
    runs = []
    for _label, r_cell, eta in directions:
        current = v / (path.r_driver_ohm + r_line_ohm + path.r_access_ohm + r_cell)
        overdrive = eta * current / path.magnet.spin_current_critical_a()
        runs.append((table.write_time_at(overdrive, target), current, overdrive))
    # one pulse width serves both directions: the slower one sets it; the data decide the direction, so the cell
    # energy averages the two currents over that pulse
    t_sw, current, overdrive = max(runs, key=lambda r: r[0])
    mean_current = sum(r[1] for r in runs) / len(runs)
    parts = {"cell": v * mean_current * t_sw, "line": c_line_f * v * v, "driver": drv["e_driver_fj"] * 1e-15}
    energy = sum(parts.values()) if math.isfinite(t_sw) else math.inf
    return WriteResult(path, current, overdrive, t_sw, t_sw + t_line_s, energy, parts)
