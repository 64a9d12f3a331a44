"""How far a stored batch point moves with the machine that recomputes it: the tolerance of trained metrics.

A seeded training run is a pure function of its knobs only up to float rounding, and rounding depends on the
processor: torch picks its ATen kernels by CPU capability (``ATEN_CPU_CAPABILITY``: default / avx2 / avx512), MKL
and oneDNN pick theirs by instruction set and vendor, and the order of reductions follows the thread count. A
rounding difference early in training sends SGD down another trajectory, so a trained accuracy recomputed on another
processor behaves like a draw from the distribution over training runs, not like the stored number plus rounding
(measured: ``tim.quant`` 96.30 % stored, 94.44 % with AVX2 kernels, 97.04 % with the default ones; issue 23).

Two options were measured (``workbench regenerate seed-spread`` prints the timings): pinning every library to its
most portable path (``default`` kernels, MKL's ``COMPATIBLE`` branch, oneDNN SSE4.1, one thread) so a seeded point
is bit-identical across processors, and comparing trained metrics within a tolerance derived from measured spread.
The workbench takes the second: pinning cannot be verified for vendor-specific MKL paths without the other
processor at hand, it slows every batch point (see ``seconds`` in the CSV), and it would hide, not remove, the
dependence of a trained number on arbitrary rounding. So for each batch study the cheapest stored point (the one
the seed test recomputes, :func:`check_point`) is recomputed

- with seeds ``0..4`` under the native kernels (the spread of the whole pipeline: initial weights, data split and
  order, each a function of the seed), and
- with seed 0 under each of :data:`KERNEL_SETS` (the spread across instruction sets on one machine),

each in a fresh process with an empty data folder (no cached network is reused), and written to
``data/reference/seeds/spread.csv``. A metric's tolerance (:func:`tolerances`) is
``max(Z * sqrt(2) * sd_kernels, sd_seeds)``: the kernel sets sample the rounding perturbation itself (the difference
of two such runs has standard deviation ``sqrt(2) * sd_kernels``, bounded at ``Z = 4`` of those), and one standard
deviation over seeds is the floor, because four kernel sets on one machine can miss a flip that another processor
makes and no stored trained number is known better than one draw of its pipeline. A metric that moves with neither
(a MAC count, a static op count, an analytic cost) keeps tolerance 0: it is compared exactly.

Measured here (AMD EPYC with AVX-512, 2 cores, loaded by other work; ``spread.csv``): native and one-thread runs are
identical (batch studies pin one torch thread), AVX2 and portable kernels move trained accuracies by 0-2 test images
(tim.quant by 5: 96.30 / 94.44 / 95.56 %), seeds move them by far more (compose.pipeline 73.7-95.6 %, pad.detect
mAP@0.5 53.8-74.3). Portable kernels took 0.6-3.4x the native time per point (noisy: the machine was shared).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from workbench.core.integrity import read_csv, write_with_sidecar
from workbench.core.paths import reference_dir
from workbench.core.seeds import seed_points

#: Instruction-set pins, each a set of environment variables read when torch, MKL and oneDNN load. "native" is
#: whatever the processor offers (the user's case); the others force the paths an AVX2-only and an old or
#: non-Intel processor would take, and "portable" is also option (a) of issue 23, timed against native.
KERNEL_SETS: dict[str, dict[str, str]] = {
    "native": {},
    "one-thread": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "portable": {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE", "ONEDNN_MAX_CPU_ISA": "SSE41",
                 "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
}
SEEDS = tuple(range(5))
#: Standard deviations of the difference of two kernel sets' runs that a recomputed metric may move (module doc).
Z = 4.0
COST_KNOBS = ("epochs", "retrain_epochs", "frames", "samples")
COLUMNS = ["study", "study_version", "metric", "source", "setting", "value", "seconds"]


def spread_path() -> Path:
    """``data/reference/seeds/spread.csv``: one row per (study, metric, run)."""
    return reference_dir() / "seeds" / "spread.csv"


REGENERATE = "workbench regenerate seed-spread"


def _read_spread(path: Path) -> pd.DataFrame:
    """``spread.csv`` checked against the SHA-256 of its sidecar ``spread.json``, its values and timings finite."""
    return read_csv(path, remake=f"restore it with `git checkout -- {path}` or make it again with `{REGENERATE}`",
                    numbers=("value", "seconds"), dtype={"study_version": str, "setting": str})


def check_point(frame: pd.DataFrame, knobs: list[str]) -> dict:
    """The cheapest row of a seed file (fewest epochs / frames / samples, a stage's own too, e.g.
    ``pruning.train.epochs``): the point the seed test recomputes."""
    cost_knobs = [k for k in knobs if k.rsplit(".", 1)[-1] in COST_KNOBS]
    row = frame.sort_values(cost_knobs, kind="stable").iloc[0] if cost_knobs else frame.iloc[0]
    return {k: (row[k].item() if hasattr(row[k], "item") else row[k]) for k in knobs}


def _evaluate_in_fresh_process(study_name: str, params: dict, env: dict[str, str]) -> tuple[dict, float]:
    """Metrics of one point computed by a new interpreter under ``env``, with an empty data folder; and its seconds."""
    with tempfile.TemporaryDirectory(prefix="seed-spread-") as data:
        code = ("import json, sys\nfrom workbench.core.registry import get_study\n"
                "study = get_study(sys.argv[1])\nmetrics = study.evaluate(json.loads(sys.argv[2]))\n"
                "print(json.dumps({m.name: float(metrics[m.name]) for m in study.metrics if not m.measured}))")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code, study_name, json.dumps(params)], capture_output=True,
                              text=True, env={**os.environ, "WORKBENCH_DATA": data, **env}, check=False)
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{study_name} {params} under {env or 'native kernels'} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), seconds


def measure(study_names: Iterable[str], progress: Callable[[str], None] = print) -> pd.DataFrame:
    """Recompute each study's check point over :data:`SEEDS` and :data:`KERNEL_SETS` (module docstring)."""
    from workbench.core.registry import get_study

    rows = []
    for name in study_names:
        study = get_study(name)
        params = check_point(seed_points(study, reference_dir() / "seeds" / f"{name}.parquet"), study.knob_names)
        runs = [("kernels", kernel_set, {**params, "seed": 0} if "seed" in params else params, env)
                for kernel_set, env in KERNEL_SETS.items()]
        if "seed" in params:
            runs += [("seed", str(seed), {**params, "seed": seed}, {}) for seed in SEEDS if seed != 0]
        for source, setting, point, env in runs:
            progress(f"{name}: {source} {setting}")
            metrics, seconds = _evaluate_in_fresh_process(name, point, env)
            rows += [{"study": name, "study_version": str(study.version), "metric": metric, "source": source,
                      "setting": setting, "value": value, "seconds": seconds} for metric, value in metrics.items()]
    return pd.DataFrame(rows, columns=COLUMNS)


def tolerances(spread: pd.DataFrame) -> pd.DataFrame:
    """Per (study, metric): sd over seeds, sd and range over kernel sets, and the tolerance they give (module
    docstring). The seed-0 native run is both a seed sample and a kernel sample."""
    def sd(values: pd.Series) -> float:
        value = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        return 0.0 if math.isnan(value) else value

    out = []
    for (study, metric), runs in spread.groupby(["study", "metric"], sort=True):
        native = runs[(runs.source == "kernels") & (runs.setting == "native")]
        seeds = pd.concat([native, runs[runs.source == "seed"]])["value"]
        kernels = runs[runs.source == "kernels"]["value"]
        sd_seeds, sd_kernels = sd(seeds), sd(kernels)
        kernel_range = float(kernels.max() - kernels.min()) if kernels.notna().all() else 0.0
        out.append({"study": study, "study_version": runs["study_version"].iloc[0], "metric": metric,
                    "seeds": len(seeds), "sd_seeds": sd_seeds, "kernel_sets": len(kernels), "sd_kernels": sd_kernels,
                    "kernel_range": kernel_range, "tolerance": max(Z * math.sqrt(2) * sd_kernels, sd_seeds)})
    return pd.DataFrame(out)


def read_tolerances() -> pd.DataFrame:
    """:func:`tolerances` of the committed ``spread.csv`` (an empty table when there is none)."""
    path = spread_path()
    if not path.exists():
        return pd.DataFrame(columns=["study", "study_version", "metric", "seeds", "sd_seeds", "kernel_sets",
                                     "sd_kernels", "kernel_range", "tolerance"])
    return tolerances(_read_spread(path))


def timing_summary(spread: pd.DataFrame) -> pd.DataFrame:
    """Seconds per point under each kernel set, per study (the cost of pinning: option (a) of issue 23)."""
    kernels = spread[spread.source == "kernels"].drop_duplicates(["study", "setting"])
    table = kernels.pivot(index="study", columns="setting", values="seconds")
    return table.assign(**{f"{k}/native": table[k] / table["native"] for k in KERNEL_SETS if k != "native"})


def regenerate(study_names: Iterable[str] | None = None) -> list[Path]:
    """Recompute every batch study's seed check point (or the named studies') over 5 seeds and 4 kernel sets and
    rewrite data/reference/seeds/spread.csv, the seed test's tolerances (about an hour on 2 cores).

    Returns the file written (``workbench regenerate seed-spread``).
    """
    names = list(study_names or sorted(p.stem for p in (reference_dir() / "seeds").glob("*.parquet")))
    fresh = measure(names)
    path = spread_path()
    if path.exists():
        kept = _read_spread(path)
        fresh = pd.concat([kept[~kept.study.isin(names)], fresh], ignore_index=True)
    write_with_sidecar(path, fresh.sort_values(["study", "metric", "source", "setting"]).to_csv(index=False).encode(),
                       {"regenerate": REGENERATE})
    print(timing_summary(fresh).round(2).to_string())
    print(tolerances(fresh).query("tolerance > 0").round(4).to_string(index=False))
    return [path]
