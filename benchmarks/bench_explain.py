"""What would it take? (issue 29) against its targets, side by side.

1. Tornado of each analytic study's first metric over its assumed parameters: the first call (cold, the model's own
   caches warm) and the cached call, as ratios to the targets (2 s cold, 100 ms cached).
2. Sobol' indices of TiM's access period (tim.arch ``access_period_ns``) over its assumed parameters on the serial
   and on the processes executor: the same points, the time of each and their ratio, against the 1 min target.
3. The "what would land it" cells of each analytic theme's linked rows: rows and seconds.

Run: ``.venv/bin/python benchmarks/bench_explain.py [--samples 256] [--workers 2] [--no-land]``.

Measured 2026-12-07 on this 2-core machine shared by other jobs: tornado cold 0.002 s (pad.flops) to 0.97 s
(sparce.trace, 16 images), at most 0.48 of the 2 s target; cached 0.06-0.39 ms (<= 0.004 of 100 ms). Sobol' of the
access period (7 feasible knobs, 2304 points): serial 3.9 s, processes:2 13.8 s (0.23 of the 1 min target; the
spawned workers' start and the per-point transfer cost more than a 2 ms model saves, ratio 3.6).
"""

from __future__ import annotations

import argparse
import time

from workbench.core.registry import get_study
from workbench.explain import sensitivity
from workbench.explain.breakeven import theme_quantities
from workbench.explain.landing import land_cell

#: Analytic studies with assumed knobs, and the point their dashboards draw.
TORNADO_CASES = (("tim.arch", {}), ("crossbar.cost", {}), ("mram.array", {}),
                 ("mram.cim_sensing", {}), ("sparce.trace", {"images": 16}), ("pad.flops", {}))
LAND_THEMES = ("tim", "crossbar", "mram", "sparce", "pad")


def _timed(call, *args, **kwargs):
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return result, time.perf_counter() - started


def tornadoes() -> None:
    print(f"{'study':<22}{'knobs':>6}{'cold (s)':>10}{'/ 2 s':>7}{'cached (ms)':>13}{'/ 100 ms':>10}")
    for name, base in TORNADO_CASES:
        study = get_study(name)
        metric = study.metric_names[0]
        study.evaluate(dict(base))  # the model's own caches (traces, tables) are not the tornado's
        sensitivity._tornado.cache_clear()
        frame, cold = _timed(sensitivity.tornado, study, metric, base)
        _, cached = _timed(sensitivity.tornado, study, metric, base)
        print(f"{name:<22}{len(frame):>6}{cold:>10.3f}{cold / 2:>7.2f}{cached * 1e3:>13.2f}{cached / 0.1:>10.3f}")


def sobol_period(samples: int, workers: int) -> None:
    study = get_study("tim.arch")
    # variance-based indices need every point feasible: the knobs whose range ends break the bitline-swing limit
    # at L = 16 (the spread of the cell current and the sense margin's sigmas) stay at their defaults
    ends = sensitivity.tornado(study, "access_period_ns")
    knobs = list(ends.loc[ends["infeasible"] == "", "knob"])
    points = samples * (len(knobs) + 2)
    times = {}
    for executor in ("serial", f"processes:{workers}"):
        frame, times[executor] = _timed(sensitivity.sobol, study, "access_period_ns", knobs=knobs,
                                                 samples=samples, executor=executor)
        top = frame.iloc[0]
        print(f"Sobol' of access_period_ns, {len(knobs)} knobs, {points} points, {executor:<12}: "
              f"{times[executor]:6.1f} s ({times[executor] / 60:.2f} of the 1 min target); top {top.knob} "
              f"ST {top.ST:.2f}")
    serial, parallel = times.values()
    print(f"processes / serial time: {parallel / serial:.2f}")


def land() -> None:
    for theme in LAND_THEMES:
        rows = theme_quantities(theme)
        cells, seconds = _timed(lambda qs: [land_cell(q) for q in qs], rows)
        print(f"{theme:<9} {len(rows):>3} linked rows, {sum(bool(c) for c in cells):>3} outside tolerance: "
              f"{seconds:6.1f} s ({seconds / max(len(rows), 1):.2f} s per row)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=256, help="Saltelli base samples of the Sobol' analysis")
    parser.add_argument("--workers", type=int, default=2, help="processes of the processes executor")
    parser.add_argument("--no-land", action="store_true", help="skip the what-would-land-it cells")
    args = parser.parse_args()
    tornadoes()
    sobol_period(args.samples, args.workers)
    if not args.no_land:
        land()


if __name__ == "__main__":
    main()
