"""MRAM side by side: the LLG solver's throughput against the 10 s target, and the interactive studies' speed.

Runs 10,000 thermal PMA magnets (the ``pma_cofeb`` preset, STT at 2x the critical current) for 10 ns at 1 ps steps
with the stochastic Heun solver and prints the wall time next to the target; then how long one evaluation of each
interactive ``mram.*`` study takes (the Explorer re-evaluates on every knob change, target < 100 ms).

    python benchmarks/bench_mram.py [--magnets 10000] [--ns 10] [--threads 1]
"""

from __future__ import annotations

import argparse
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
        start = time.perf_counter()
        r = simulate(magnet, n=args.magnets, t_end_s=args.ns * 1e-9, dt_s=1e-12, temperature_k=300.0,
                     b_dl_t=2.0 * magnet.b_dl_critical_t(), record_every=10)
        elapsed = time.perf_counter() - start
    steps = int(round(args.ns * 1e-9 / 1e-12))
    rate = args.magnets * steps / elapsed
    print(f"LLG: {args.magnets} magnets x {args.ns:g} ns at 1 ps ({steps} Heun steps, torch threads "
          f"{args.threads}): {elapsed:.2f} s (target < 10 s: {'met' if elapsed < 10 else 'MISSED'}), "
          f"{rate / 1e6:.1f} M magnet-steps/s; switched {np.isfinite(r.switch_time_s).mean():.1%}, "
          f"max ||m|-1| = {r.max_norm_error:.1e}")

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
