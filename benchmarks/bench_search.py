"""Multi-objective search against space-filling sweeps: dominated hypervolume at equal budgets of feasible points.

For each study the same number of feasible points is evaluated by Optuna NSGA-II, Optuna TPE (multivariate), a
scrambled Sobol sequence and a full-factorial grid (the grid size nearest the budget); every method's points go to
its own temporary store. The hypervolume of each front is measured against one reference point per study (the worst
value of each objective over all methods' points, 1 % beyond it), so the numbers compare side by side. Sobol and grid
draw several seeds' worth of points and keep the first feasible ones.

Run: ``.venv/bin/python benchmarks/bench_search.py [--budget 64] [--seeds 3] [--studies NAME ...]``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.core.registry import get_study
from workbench.core.runner import evaluate_frame, validate_points
from workbench.core.search import hypervolume, run_search
from workbench.core.store import ResultStore
from workbench.core.sweep import sobol_points

CASES = (
    ("tim.arch", {"tops_per_w": "max", "tops_per_mm2": "max"}, ["rows_active", "adc_bits", "tiles", "cols_per_adc",
                                                                 "adc_type", "rows", "cols"]),
    ("crossbar.circuit", {"model_error_pct": "min", "min_cell_voltage_pct": "max"},
     ["size", "r_wire_ohm", "r_driver_ohm", "r_sense_ohm", "g_max_us", "on_off_ratio"]),
    # the composed cross-stack study: a batch study (each new network trains for seconds), so run it with a small
    # budget: --budget 24 --seeds 1 --studies compose.pipeline
    ("compose.pipeline", {"accuracy": "max", "energy_per_inference_nj": "min"},
     ["pipeline", "pruning.train.target_ratio", "tim.ternarize.representation", "tile_size"]),
)


def _grid(study, knobs: list[str], budget: int) -> list[dict]:
    per_knob = max(2, round(budget ** (1 / len(knobs))))
    axes = [study.knob(k).grid(per_knob) for k in knobs]
    points, _ = validate_points(study, [dict(zip(knobs, combo)) for combo in itertools.product(*axes)],
                                skip_invalid=True)
    rng = np.random.default_rng(0)
    return [points[i] for i in sorted(rng.permutation(len(points))[:budget])]


def _sobol(study, knobs: list[str], budget: int, seed: int) -> list[dict]:
    draws = 2 ** math.ceil(math.log2(8 * budget))  # Sobol' balance needs a power of two
    return sobol_points(study, draws, seed=seed, knobs=knobs)[:budget]


def run(budget: int, seeds: int, studies: list[str] | None = None) -> pd.DataFrame:
    rows = []
    for name, objectives, knobs in CASES:
        if studies and name not in studies:
            continue
        study = get_study(name)
        fronts: dict[tuple[str, int], pd.DataFrame] = {}
        for seed in range(seeds):
            for method in ("nsga2", "tpe", "sobol", "grid"):
                if method == "grid" and seed:
                    continue  # the grid has no seed
                started = time.perf_counter()
                if method in ("nsga2", "tpe"):
                    with tempfile.TemporaryDirectory() as folder:
                        frame = run_search(study, objectives, budget, sampler=method, seed=seed, knobs=knobs,
                                           store=ResultStore(Path(folder) / "store"), batch=8)
                else:
                    points = _grid(study, knobs, budget) if method == "grid" else _sobol(study, knobs, budget, seed)
                    frame, _ = evaluate_frame(study, points)
                fronts[(method, seed)] = frame
                rows.append({"study": name, "method": method, "seed": seed, "points": len(frame),
                             "seconds": time.perf_counter() - started})
        every = pd.concat(fronts.values(), ignore_index=True)
        reference = []
        for metric, direction in objectives.items():
            worst = every[metric].max() if direction == "min" else every[metric].min()
            reference.append(worst + 0.01 * abs(worst) * (1 if direction == "min" else -1) or 1e-9)
        for row in rows:
            if row["study"] == name:
                frame = fronts[(row["method"], row["seed"])]
                row["hypervolume"] = hypervolume(frame[list(objectives)].to_numpy(), reference,
                                                 list(objectives.values()))
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=64)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--studies", nargs="+", help="only these cases (default: every case)")
    args = parser.parse_args()
    table = run(args.budget, args.seeds, args.studies)
    summary = table.groupby(["study", "method"]).agg(points=("points", "mean"), hypervolume=("hypervolume", "mean"),
                                                     hv_min=("hypervolume", "min"), hv_max=("hypervolume", "max"),
                                                     seconds=("seconds", "mean"))
    sobol = summary.xs("sobol", level="method")["hypervolume"]
    summary["vs_sobol"] = [hv / sobol[study] if sobol[study] else math.nan
                           for (study, _), hv in summary["hypervolume"].items()]
    print(f"Hypervolume at a budget of {args.budget} feasible points ({args.seeds} seeds; grid: one)")
    print(summary.to_string(float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
