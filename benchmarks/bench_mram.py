"""MRAM side by side: the LLG solver's throughput against the 10 s target, and the interactive studies' speed.

Runs 10,000 thermal PMA magnets (the ``pma_cofeb`` preset, STT at 2x the critical current) for 10 ns at 1 ps steps
with the stochastic Heun solver and prints the wall time next to the target; the analytic and LLG critical currents
side by side; every organisation's write/read/CiM figures; then how long one evaluation of each interactive
``mram.*`` study takes (the Explorer re-evaluates on every knob change, target < 100 ms).

    python benchmarks/bench_mram.py [--magnets 10000] [--ns 10] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from workbench.mram.llg import simulate
from workbench.mram.params import load_magnet
from workbench.nn.device import torch_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--magnets", type=int, default=10_000)
    parser.add_argument("--ns", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--repeats", type=int, default=20, help="timed evaluations per interactive study")
    args = parser.parse_args()

    magnet = load_magnet("pma_cofeb")
    with torch_threads(args.threads):
        start, cpu_start = time.perf_counter(), time.process_time()
        r = simulate(magnet, n=args.magnets, t_end_s=args.ns * 1e-9, dt_s=1e-12, temperature_k=300.0,
                     b_dl_t=2.0 * magnet.b_dl_critical_t(), record_every=10)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
    steps = int(round(args.ns * 1e-9 / 1e-12))
    rate = args.magnets * steps / elapsed
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} cores")
    print(f"LLG: {args.magnets} magnets x {args.ns:g} ns at 1 ps ({steps} Heun steps, torch threads "
          f"{args.threads}): {elapsed:.2f} s wall, {cpu:.2f} s CPU (the wall time on an idle core; target < 10 s: "
          f"{'met' if elapsed < 10 else 'MISSED'} wall, {'met' if cpu < 10 else 'MISSED'} CPU), "
          f"{rate / 1e6:.1f} M magnet-steps/s; switched {np.isfinite(r.switch_time_s).mean():.1%}, "
          f"max ||m|-1| = {r.max_norm_error:.1e}")

    # closed forms vs the LLG, side by side
    from workbench.mram.device import critical_overdrive_llg, switching_table
    from workbench.mram.writepath import build_path

    for preset in ("pma_cofeb", "inplane_cofeb"):
        m = load_magnet(preset)
        start = time.perf_counter()
        ratio = critical_overdrive_llg(m)
        print(f"{preset}: Delta {m.delta():.1f}, I_s,c0 analytic {m.spin_current_critical_a() * 1e6:.1f} uA, LLG "
              f"{ratio * m.spin_current_critical_a() * 1e6:.1f} uA (ratio {ratio:.4f}, "
              f"{time.perf_counter() - start:.1f} s), tau_D {m.precession_time_s() * 1e9:.2f} ns")

    # organisations side by side (per 32-bit word, iso sense margin 40 mV, iso WER 1e-4)
    from workbench.mram.array import ORGANISATIONS, evaluate
    from workbench.mram.cim import cim_access_energy

    print(f"{'org':<6}{'I_w uA':>8}{'I/Ic0':>7}{'t_w ns':>8}{'E_w pJ':>8}{'t_r ns':>8}{'E_r pJ':>8}{'E_cim pJ':>9}"
          f"{'2R/CiM':>8}{'area um2':>10}")
    for name, (kind, diff) in ORGANISATIONS.items():
        r = evaluate(kind, diff)
        c = cim_access_energy(kind, diff)
        print(f"{name:<6}{r.write.current_a * 1e6:>8.1f}{r.write.overdrive:>7.2f}{r.write_latency_s * 1e9:>8.2f}"
              f"{r.write_energy_j * 1e12:>8.2f}{r.read_latency_s * 1e9:>8.2f}{r.read_energy_j * 1e12:>8.2f}"
              f"{c['e_cim_j'] * 1e12:>9.2f}{c['cim_vs_reads']:>8.2f}{r.area_um2:>10.0f}")
    for kind in ("stt", "gsh", "vsh"):
        table = switching_table(build_path(kind).magnet)
        print(f"{kind} LLG table: {table.n} magnets x {len(table.overdrives)} currents; write time at WER 1e-3 (ns): "
              + ", ".join(f"{i:g}x {t * 1e9:.2f}" for i, t in zip(table.overdrives, table.write_times_s(1e-3))))

    try:
        from workbench.core import get_study, list_studies
    except ImportError:  # pragma: no cover
        return
    for name in list_studies("mram.*"):
        study = get_study(name)
        if study.cost != "interactive":
            continue
        study.evaluate(study.defaults())  # warm caches (LLG tables)
        start = time.perf_counter()
        for _ in range(args.repeats):
            study.evaluate(study.defaults())
        per = (time.perf_counter() - start) / args.repeats * 1e3
        print(f"{name}: {per:.1f} ms per evaluation (target < 100 ms: {'met' if per < 100 else 'MISSED'})")


if __name__ == "__main__":
    main()
