"""TiM tile side by side with ZigZag's analog in-memory-computing macro model (zigzag-dse 3.9.1): an independent
cross-check of energy per op, area and access time (issue 11, item 7).

ZigZag's ``ImcArray`` has no "L of R rows active" notion: every row of its array is summed on the bitlines each
cycle. The closest macro to one TiM tile access is therefore ``D2 = L`` rows (the rows a TiM access sums) by
``D1 = cols`` columns, with each ZigZag cell given the area of ``rows / L`` TPCs so the macro's cell area is the whole
tile's storage. Ternary operands are 2-bit: weights of 2 bits (ZigZag then puts one ADC on each weight bit-column,
``2 cols`` ADCs, as TiM's one ADC per BL and per BLB) and 2-bit inputs applied in one cycle (``bit_serial = 2``; TiM
applies a ternary input in one access on RWL+ or RWL-). Both sides run at 28 nm (ZigZag's only technology; the
workbench table is scaled to 28 nm by its first-order rules, VDD 0.9 V on both). The workbench side counts the tile's
array, ADCs and PCU (ZigZag's macro excludes input/output registers and buffers).

ZigZag pins its own stack, so it lives in a separate environment; the benchmark runs it there as a subprocess and
skips its side, with the reason, when it cannot be found::

    python -m venv /tmp/zigzag-venv && /tmp/zigzag-venv/bin/pip install zigzag-dse==3.9.1
    python benchmarks/bench_tim_zigzag.py [--zigzag-python /tmp/zigzag-venv/bin/python] [--rows-active 16 ...]

The numbers printed are a cross-check only: nothing of ZigZag's is an input of the workbench's model.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from workbench.core.manifest import paper_value
from workbench.tim.arch import TimConfig, adc_bits_needed, tile_costs
from workbench.tim.reproduce import PAPER_POINT

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_crossbar_cost import find_zigzag  # noqa: E402  (one finder for every ZigZag cross-check)

NODE_NM = 28
#: ZigZag components -> the workbench tile's components (what each side counts under the same physical block).
GROUPS = {
    "array (wordlines, bitlines, cells)": (("wordlines", "bitlines"), ("analog_bl_addition", "mults",
                                                                        "local_bl_precharging", "cells")),
    "input drivers (DACs)": ((), ("dacs",)),
    "ADCs": (("adc", "sample_hold"), ("adcs",)),
    "PCU (n - k, accumulate) / adders": (("pcu",), ("adders_pv", "adders_regular", "accumulators")),
}
_AREA = {
    "array (wordlines, bitlines, cells)": ("tpc_array", "wordline_drivers", "precharge"),
    "input drivers (DACs)": (),
    "ADCs": ("adc", "sample_hold"),
    "PCU (n - k, accumulate) / adders": ("pcu",),
}

_ZIGZAG_SCRIPT = textwrap.dedent("""
    import json, sys
    from zigzag.datatypes import OADimension
    from zigzag.hardware.architecture.imc_array import ImcArray
    a = json.loads(sys.argv[1])
    imc = ImcArray(is_analog_imc=True, bit_serial_precision=a["bit_serial"],
                   input_precision=[a["input_bits"], a["weight_bits"]], adc_resolution=a["adc_bits"],
                   cells_size=a["weight_bits"], cells_area=a["cell_area_mm2"],
                   dimension_sizes={OADimension("D1"): a["cols"], OADimension("D2"): a["rows"]})
    print(json.dumps({"energy_pj_per_cycle": imc.get_peak_energy_single_cycle(), "area_mm2": imc.area_breakdown,
                      "tclk_ns": imc.tclk_breakdown, "vdd": imc.tech_param["vdd"]}))
""")


def ours(cfg: TimConfig) -> dict:
    """The workbench tile at ``cfg``: energy per op by component (fJ), area (mm2) and access period (ns)."""
    t = tile_costs(cfg)
    ops = 2 * cfg.rows_active * cfg.cols
    return {"fj_per_op": {k: v / ops for k, v in t.energy_breakdown_fj.items()},
            "area_mm2": {k: v * 1e-6 for k, v in t.area_um2.items()}, "tile": t, "ops": ops}


def zigzag(py: str, cfg: TimConfig, tpc_area_um2: float) -> dict:
    """ZigZag's macro closest to one access of ``cfg`` (module docstring), evaluated in ``py``."""
    spec = {"rows": cfg.rows_active, "cols": cfg.cols, "adc_bits": cfg.adc_bits, "input_bits": 2, "bit_serial": 2,
            "weight_bits": 2, "cell_area_mm2": tpc_area_um2 * cfg.rows / cfg.rows_active * 1e-6}
    run = subprocess.run([py, "-c", _ZIGZAG_SCRIPT, json.dumps(spec)], capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "no output")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-active", type=int, default=16, help="L; the ADC gets ceil(log2(L+1)) bits")
    parser.add_argument("--adc-type", default="sar", choices=("sar", "flash"))
    parser.add_argument("--zigzag-python", default=None, help="a Python with zigzag-dse installed")
    args = parser.parse_args()

    cfg = TimConfig(node_nm=NODE_NM, rows_active=args.rows_active, adc_bits=adc_bits_needed(args.rows_active),
                    adc_type=args.adc_type)
    mine = ours(cfg)
    t = mine["tile"]
    print(f"TiM tile: {cfg.rows}x{cfg.cols} TPCs, L={cfg.rows_active}, {cfg.adc_bits}-bit {cfg.adc_type} ADC per "
          f"bitline, {NODE_NM} nm; one access = {mine['ops']} ops. ZigZag macro: D2={cfg.rows_active} rows x "
          f"D1={cfg.cols} columns, 2-bit weights and inputs (1 cycle), {cfg.adc_bits}-bit ADC per bit-column")
    py, why = find_zigzag(args.zigzag_python)
    zz = None
    if py is None:
        print(f"SKIPPED ZigZag side: {why}")
    else:
        try:
            zz = zigzag(py, cfg, t.tpc_area_um2)
        except RuntimeError as err:
            print(f"SKIPPED ZigZag side: it failed: {err}")
    print(f"\n{'component':<36}{'fJ/op here':>11}{'fJ/op ZigZag':>14}{'mm2 here':>10}{'mm2 ZigZag':>12}")
    tot = [0.0, 0.0, 0.0, 0.0]
    for label, (mine_keys, zz_keys) in GROUPS.items():
        e_me = sum(mine["fj_per_op"].get(k, 0.0) for k in mine_keys)
        a_me = sum(mine["area_mm2"].get(k, 0.0) for k in _AREA[label])
        tot[0] += e_me
        tot[2] += a_me
        if zz:
            e_zz = sum(zz["energy_pj_per_cycle"].get(k, 0.0) for k in zz_keys) * 1e3 / mine["ops"]
            a_zz = sum(zz["area_mm2"].get(k, 0.0) for k in zz_keys)
            tot[1] += e_zz
            tot[3] += a_zz
            print(f"{label:<36}{e_me:>11.3g}{e_zz:>14.3g}{a_me:>10.4f}{a_zz:>12.4f}")
        else:
            print(f"{label:<36}{e_me:>11.3g}{'-':>14}{a_me:>10.4f}{'-':>12}")
    print(f"{'total (tile macro)':<36}{tot[0]:>11.3g}{(f'{tot[1]:.3g}' if zz else '-'):>14}{tot[2]:>10.4f}"
          f"{(f'{tot[3]:.4f}' if zz else '-'):>12}")
    print(f"{'(buffers, inputs, outputs: not in ZigZag macro)':<36}"
          f"{(mine['fj_per_op']['inputs'] + mine['fj_per_op']['outputs']):>11.3g}")
    here = " + ".join(f"{k} {v:.2f}" for k, v in t.critical_path_ns.items() if v)
    print(f"\naccess time: here {t.t_min_ns:.2f} ns ({here})")
    if zz:
        there = " + ".join(f"{k} {v:.2f}" for k, v in zz["tclk_ns"].items() if v)
        print(f"             ZigZag {sum(zz['tclk_ns'].values()):.2f} ns ({there})")
    ratios = ""
    if zz:
        n_adc = 2 * cfg.cols
        e_adc = zz["energy_pj_per_cycle"]["adcs"] * 1e3 / n_adc
        a_adc = zz["area_mm2"]["adcs"] * 1e6 / n_adc
        t_adc = zz["tclk_ns"]["adcs"]
        ratios = (f" ({e_adc:.0f} fJ, {t_adc:.2f} ns, {a_adc:.0f} um2 per conversion: {e_adc / t.e_conversion_fj:.1f}x "
                  f"the energy, {t_adc / t.phases_ns['conversion']:.1f}x the time, "
                  f"{a_adc / (t.area_um2['adc'] / n_adc):.1f}x the area of the first-order SAR)")
    chip = TimConfig()
    implied = chip.tiles * chip.cols * chip.rows_active * 2 / (paper_value("tim", "peak_tops", label=PAPER_POINT) * 1e3)
    print(textwrap.dedent(f"""
        Why they differ (same organisation, different circuit models):
        * ADC: here the first-order SAR of workbench.hardware.analog ({t.e_conversion_fj:.0f} fJ and
          {t.phases_ns['conversion']:.2f} ns per {cfg.adc_bits}-bit conversion: B comparator decisions + CDAC
          1.33 2^B C_u VDD^2, B x (comparator + settling) time); ZigZag's fit to three 28 nm AIMC macros,
          (100 B + 0.001 4^B) fF VDD^2, B (0.00653 rows + 0.64) ns and 10^(1.206 - 0.0369 B) 2^B um2, which
          includes references, routing and calibration. For comparison only: the paper's 114 TOPS implies
          {implied:.2f} ns per access for the default 32-tile chip.
        * array: here each of the ~L d_in d_w / 2 discharging cells moves its bitline by the step
          dV = {t.dv_step_mv:.0f} mV (C V dV) and the driven read wordlines swing fully; ZigZag charges one NAND2/2
          capacitance per cell bit to VDD^2 every cycle plus a 1-bit multiplier gate per cell bit (no operand
          sparsity), and has no precharge, wordline or develop time (its clock is DAC + multiplier + ADC + adders).
        * input drivers: ZigZag's 2-bit DAC costs 50 fF x 2 x VDD^2 per row; here a ternary input drives one of
          two read wordlines, priced under the array.
        * PCU / adders: here n - k and one {cfg.acc_bits}-bit accumulation per column and access, with a
          {cfg.acc_bits}-bit register per column in the area; ZigZag combines the two bit-columns in a place-value
          adder and has no accumulator when the whole input is applied in one cycle.
        * not in ZigZag: the precharge phase, the variation margin on the develop step, node scaling (its 28 nm
          table only) and buffers.
    """).rstrip())
    if ratios:
        print(textwrap.fill(f"* ADC per conversion, ZigZag vs here{ratios}.", width=116, subsequent_indent="  "))


if __name__ == "__main__":
    main()
