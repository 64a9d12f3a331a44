"""TiM-DNN side by side: TiM vs the near-memory baseline vs the V100 per network, and the interactive study's speed.

For every benchmark network on the default 32-tile TiM-DNN it prints energy and latency per inference on TiM, on
the near-memory ternary baseline (same memory, digital MACs) and on a V100 at datasheet peak, with the ratios; then
how long one ``tim.arch`` evaluation takes (the Explorer re-evaluates on every knob change).

    python benchmarks/bench_tim.py [--batch 1] [--adc-type sar] [--repeats 200]
"""

from __future__ import annotations

import argparse
import time

from workbench.core import get_study
from workbench.tim.arch import TimConfig, accelerator
from workbench.tim.mapping import NETWORKS, map_network


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1, help="inferences per weight load")
    parser.add_argument("--adc-type", default="sar", choices=("sar", "flash"))
    parser.add_argument("--repeats", type=int, default=200, help="timed evaluations of tim.arch")
    args = parser.parse_args()

    cfg = TimConfig(adc_type=args.adc_type)
    s = accelerator(cfg)
    print(f"TiM-DNN {cfg.tiles} tiles {cfg.rows}x{cfg.cols}, L={cfg.rows_active}, {cfg.adc_bits}-bit {cfg.adc_type}: "
          f"{s.peak_tops:.0f} TOPS, {s.power_w:.2f} W, {s.area_mm2:.2f} mm2, {s.tops_per_w:.1f} TOPS/W, "
          f"{s.tops_per_mm2:.1f} TOPS/mm2 (period {s.tile.t_access_ns:.2f} ns)")
    header = (f"{'network':<11}{'GMAC':>7}{'TiM uJ':>9}{'NM uJ':>9}{'V100 uJ':>9}{'E NM/TiM':>10}{'E V100/TiM':>12}"
              f"{'TiM us':>9}{'NM us':>9}{'speedup':>9}{'util':>7}")
    print(header)
    for name in NETWORKS:
        m = map_network(name, cfg, summary=s, batch=args.batch)
        print(f"{name:<11}{m.macs / 1e9:>7.3f}{m.energy_pj / 1e6:>9.3f}{m.nm_energy_pj / 1e6:>9.3f}"
              f"{m.gpu_energy_pj / 1e6:>9.1f}{m.nm_energy_pj / m.energy_pj:>10.2f}"
              f"{m.gpu_energy_pj / m.energy_pj:>12.0f}"
              f"{m.latency_ns / 1e3:>9.2f}{m.nm_latency_ns / 1e3:>9.2f}{m.nm_latency_ns / m.latency_ns:>9.2f}"
              f"{m.utilisation:>7.2f}")

    study = get_study("tim.arch")
    study.evaluate()
    start = time.perf_counter()
    for i in range(args.repeats):
        study.evaluate(network="alexnet", tiles=8 + i % 32)
    per_eval_ms = (time.perf_counter() - start) / args.repeats * 1e3
    print(f"tim.arch evaluation: {per_eval_ms:.2f} ms (interactive budget 100 ms: {100 / per_eval_ms:.0f}x headroom)")


if __name__ == "__main__":
    main()
