"""Result store under contention: two sweeps writing and a dashboard reading one store at once, and a large read.

Targets (issue 10): with two sweeps writing, a reader's p99 < 100 ms and each sweep's wall time <= 1.2x its time
alone; 100,000 stored points read into a DataFrame in < 1 s.

The sweeps run the real ``run_sweep`` (serial executor) in their own processes over a study defined here whose
points sleep ``work_ms`` (a stand-in for a point computed elsewhere, so the only thing the sweeps share is the store
and not the CPU: two CPU-bound sweeps on a two-core machine slow each other down whatever the store does). Each sweep
is first run alone on a fresh store, then both at once with a reader on a third store. The reader does what a
dashboard does on a knob change: ``get`` of one point and ``frame`` of the study. The large read stores 100,000
points in the layout a reader meets at worst (the most segments before they are merged, plus the most shards before
a compaction) and times ``frame``.

Run: ``.venv/bin/python benchmarks/bench_store.py [--points 200] [--work-ms 20] [--large 100000]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.core import Float, Int, Metric, Study
from workbench.core import store as store_module
from workbench.core.store import ResultStore
from workbench.core.sweep import grid_points, run_sweep


def sleepy_point(x: float, work_ms: float, seed: int) -> dict:
    """``x**2`` and ``sqrt(x)`` after sleeping ``work_ms`` (the stand-in for a point's computation)."""
    time.sleep(work_ms / 1e3)
    return {"square": x * x, "root": x**0.5, "noise": float(np.random.default_rng(seed).normal())}


POINT = Study(
    name="bench.store_point", theme="bench", func=sleepy_point,
    knobs=(Float("x", 0.0, low=0.0, high=1e6), Float("work_ms", 20.0, low=0.0, high=1e4, unit="ms"),
           Int("seed", 0, low=0, high=10**6)),
    metrics=(Metric("square", better="min"), Metric("root", better="max"), Metric("noise")),
    cost="batch", description="A point that sleeps, for the store benchmark.",
)


def sweep(store: str, offset: int, points: int, work_ms: float) -> None:
    """Child process: sweep ``points`` points from ``offset`` and print the wall seconds of ``run_sweep``."""
    todo = grid_points(POINT, {"x": [float(offset + i) for i in range(points)]}, base={"work_ms": work_ms})
    started = time.perf_counter()
    frame = run_sweep(POINT, todo, store=ResultStore(store), progress=False)
    print(json.dumps({"wall_s": time.perf_counter() - started, "points": len(frame)}))


def read(store: str, stop: str) -> None:
    """Child process: read like a dashboard until ``stop`` exists; print every read's latency in ms."""
    reader, latencies = ResultStore(store), []
    while not Path(stop).exists():
        started = time.perf_counter()
        reader.get(POINT, {"x": 3.0, "work_ms": 20.0})
        shown = reader.frame(POINT)
        if not shown.empty:  # reads of a store the sweeps have not created yet cost nothing: not counted
            latencies.append((time.perf_counter() - started) * 1e3)
        time.sleep(0.01)
    print(json.dumps(latencies))


def _child(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen):
    out, _ = proc.communicate(timeout=900)
    if proc.returncode:
        raise RuntimeError(f"benchmark child {proc.args} failed with exit code {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def contention(folder: Path, points: int, work_ms: float) -> dict:
    """Walls of each sweep alone, then both with a reader; the reader's latencies."""
    alone = [_result(_child("--sweep", str(folder / f"alone{i}"), str(i * points), str(points), str(work_ms)))
             for i in range(2)]
    shared, stop = folder / "shared", folder / "stop"
    reader = _child("--read", str(shared), str(stop))
    time.sleep(1.0)  # the reader is up (imports done) before the sweeps start
    sweeps = [_child("--sweep", str(shared), str(i * points), str(points), str(work_ms)) for i in range(2)]
    together = [_result(proc) for proc in sweeps]
    stop.touch()
    latencies = _result(reader)
    stored = ResultStore(shared).frame(POINT)
    return {"alone": alone, "together": together, "latencies": latencies, "stored": len(stored),
            "unique": bool(stored["key"].is_unique)}


def large_read(folder: Path, n: int) -> dict:
    """Store ``n`` points as MAX_SEGMENTS segments plus SHARDS_PER_SEGMENT - 1 shards; time reading them."""
    store = ResultStore(folder / "large")
    shards = store_module.SHARDS_PER_SEGMENT - 1
    chunks = np.array_split(np.arange(n - shards, dtype=float), store_module.MAX_SEGMENTS)
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    for chunk in chunks:
        store.import_seed(POINT, pd.DataFrame({"x": chunk, "work_ms": 20.0, "seed": rng.integers(0, 10**6, len(chunk)),
                                               "square": chunk**2, "root": chunk**0.5, "noise": rng.normal(size=len(chunk))}))
        store.compact()
    for x in range(n - shards, n):
        store.put(POINT, {"x": float(x)}, {"square": x * x, "root": x**0.5, "noise": 0.0})
    write_s = time.perf_counter() - started
    times, frame = [], None
    for _ in range(3):
        reader = ResultStore(store.path)
        began = time.perf_counter()
        frame = reader.frame(POINT)
        times.append(time.perf_counter() - began)
    files = len(list(store.points_dir.glob("*.parquet")))
    return {"times": times, "rows": len(frame), "files": files, "write_s": write_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200, help="points per sweep")
    parser.add_argument("--work-ms", type=float, default=20.0, help="how long each point sleeps")
    parser.add_argument("--large", type=int, default=100_000, help="points of the large read")
    parser.add_argument("--sweep", nargs=4, metavar=("STORE", "OFFSET", "N", "WORK_MS"), help=argparse.SUPPRESS)
    parser.add_argument("--read", nargs=2, metavar=("STORE", "STOP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sweep:
        sweep(args.sweep[0], int(args.sweep[1]), int(args.sweep[2]), float(args.sweep[3]))
        return
    if args.read:
        read(*args.read)
        return
    with tempfile.TemporaryDirectory() as tmp:
        c = contention(Path(tmp), args.points, args.work_ms)
        big = large_read(Path(tmp), args.large)
    lat = sorted(c["latencies"])
    p99 = lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))]
    print(f"two sweeps of {args.points} points ({args.work_ms:g} ms each) + a reader on one store")
    for i, (alone, together) in enumerate(zip(c["alone"], c["together"])):
        ratio = together["wall_s"] / alone["wall_s"]
        print(f"  sweep {i}: alone {alone['wall_s']:.2f} s, together {together['wall_s']:.2f} s, "
              f"ratio {ratio:.2f} (target <= 1.2) {'ok' if ratio <= 1.2 else 'MISS'}")
    print(f"  reader: {len(lat)} reads (get + frame), median {statistics.median(lat):.1f} ms, p99 {p99:.1f} ms, "
          f"max {lat[-1]:.1f} ms (target p99 < 100 ms) {'ok' if p99 < 100 else 'MISS'}")
    print(f"  stored: {c['stored']} points, keys unique: {c['unique']} (expected {2 * args.points}, True)")
    best = min(big["times"])
    print(f"{big['rows']} stored points in {big['files']} files (written in {big['write_s']:.1f} s) -> DataFrame: "
          f"best {best:.3f} s, median {statistics.median(big['times']):.3f} s of 3 (target < 1 s) "
          f"{'ok' if best < 1 else 'MISS'}")


if __name__ == "__main__":
    main()
