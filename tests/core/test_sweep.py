import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace

import pytest
from sample_studies import LENS, SLOW

from workbench.core.store import ResultStore
from workbench.core.sweep import (
    MAX_POINTS,
    SweepReport,
    grid_points,
    parse_count,
    parse_grid,
    random_points,
    run_sweep,
    sobol_points,
)


def test_grid_is_the_cartesian_product_validated():
    points = grid_points(LENS, {"aperture_mm": [5, 10], "coating": ["single", "multi"]})
    assert len(points) == 4
    assert {(p["aperture_mm"], p["coating"]) for p in points} == {(5.0, "single"), (5.0, "multi"), (10.0, "single"),
                                                                (10.0, "multi")}
    with pytest.raises(ValueError, match="aperture_mm"):
        grid_points(LENS, {"aperture_mm": [500]})
    with pytest.raises(KeyError, match="no knob 'zoom'"):
        grid_points(LENS, {"zoom": [1]})


def test_parse_grid_linear_log_and_list():
    assert parse_grid(LENS, "aperture_mm=1:5:5") == ("aperture_mm", [1.0, 2.0, 3.0, 4.0, 5.0])
    name, values = parse_grid(LENS, "focal_mm=10:160:3")
    assert name == "focal_mm" and values[1] == pytest.approx(40.0)
    assert parse_grid(LENS, "coating=single,multi") == ("coating", ["single", "multi"])
    assert parse_grid(LENS, "stabilised=true,false")[1] == [True, False]
    with pytest.raises(ValueError, match="knob=a:b:n"):
        parse_grid(LENS, "aperture_mm")


def test_grids_snap_to_the_step_and_refuse_empty_or_huge_requests():
    from workbench.core import Float, Metric, Study

    study = Study(name="sample.stepped", theme="sample", func=lambda ratio: {"y": ratio},
                  knobs=(Float("ratio", 0.5, low=0.0, high=0.9, step=0.05),), metrics=(Metric("y"),))
    name, values = parse_grid(study, "ratio=0:0.9:7")
    assert name == "ratio" and values == pytest.approx([0.15 * i for i in range(7)])
    for spec in ("ratio=", "ratio=,,"):
        with pytest.raises(ValueError, match=f"grid spec '{spec}' lists no values"):
            parse_grid(study, spec)
    with pytest.raises(ValueError, match="1,000,001 points is not allowed; allowed: 1 to 1,000,000"):
        parse_grid(study, f"ratio=0:0.9:{MAX_POINTS + 1}")
    with pytest.raises(ValueError, match="the grid over aperture_mm, focal_mm: 1,100,000 points"):
        grid_points(LENS, {"aperture_mm": range(1000), "focal_mm": range(1100)})
    for n in (0, MAX_POINTS + 1):
        with pytest.raises(ValueError, match=f"random points: {n:,} points is not allowed"):
            random_points(LENS, n)
    assert parse_count("1e3", "--random") == 1000
    for text in ("1e400", "nan", "2.5", "x"):
        with pytest.raises(ValueError, match=f"--sobol expects a whole number of points, got '{text}'"):
            parse_count(text, "--sobol")


def test_random_and_sobol_are_reproducible_and_respect_constraints():
    a = random_points(LENS, 64, seed=3)
    assert a == random_points(LENS, 64, seed=3) and a != random_points(LENS, 64, seed=4)
    assert all(p["aperture_mm"] <= p["focal_mm"] for p in a)
    s = sobol_points(LENS, 32, seed=1, knobs=["aperture_mm", "focal_mm"])
    assert s == sobol_points(LENS, 32, seed=1, knobs=["aperture_mm", "focal_mm"])
    assert all(p["coating"] == "single" for p in s) and len(s) > 16


def test_run_sweep_stores_and_then_reuses(store):
    points = grid_points(SLOW, {"x": [1, 2, 3, 4]})
    report = SweepReport(total=0)
    frame = run_sweep(SLOW, points, store=store, progress=False, report=report)
    assert report.computed == 4 and report.cached == 0
    assert sorted(frame["square"]) == [1, 4, 9, 16]
    again = SweepReport(total=0)
    run_sweep(SLOW, points + grid_points(SLOW, {"x": [5]}), store=store, progress=False, report=again)
    assert again.cached == 4 and again.computed == 1


def test_failures_are_reported_not_stored(store):
    points = grid_points(LENS, {"aperture_mm": [1.0, 2.0]})
    broken = replace(LENS, name="sample.broken", func=_explode)
    report = SweepReport(total=0)
    frame = run_sweep(broken, points, store=store, progress=False, report=report)
    assert frame.empty and len(report.failed) == 2
    assert all("ZeroDivisionError" in message for message in report.failed.values())


def _explode(aperture_mm, focal_mm, coating, stabilised, seed):
    return {"x": 1 / 0}


def test_cancel_stops_after_the_current_point(store):
    cancel = threading.Event()
    seen = []

    def on_point(params, metrics):
        seen.append(params["x"])
        cancel.set()

    report = SweepReport(total=0)
    run_sweep(SLOW, grid_points(SLOW, {"x": [1, 2, 3]}), store=store, progress=False, on_point=on_point,
              cancel=cancel, report=report)
    assert report.cancelled and report.computed == 1 and len(store.frame(SLOW)) == 1


@pytest.mark.parametrize("executor", ["processes:2", "dask"])
def test_executors_give_identical_results(tmp_path, executor):
    points = grid_points(LENS, {"aperture_mm": [2, 4, 8], "coating": ["single", "multi"]})
    serial = run_sweep(LENS, points, store=ResultStore(tmp_path / "serial.duckdb"), progress=False)
    other = run_sweep(LENS, points, store=ResultStore(tmp_path / "other.duckdb"), executor=executor, progress=False)
    columns = LENS.knob_names + LENS.metric_names
    left = serial[columns].sort_values(columns).reset_index(drop=True)
    right = other[columns].sort_values(columns).reset_index(drop=True)
    assert len(left) == 6 and left.equals(right)


_SWEEPER = textwrap.dedent(
    """
    import sys
    from sample_studies import SLOW
    from workbench.core.store import ResultStore
    from workbench.core.sweep import grid_points, run_sweep, SweepReport
    report = SweepReport(total=0)
    run_sweep(SLOW, grid_points(SLOW, {"x": list(range(12)), "delay_s": [0.15]}), store=ResultStore(sys.argv[1]),
              progress=False, report=report, on_point=lambda p, m: print("done", p["x"], flush=True))
    print("computed", report.computed, "cached", report.cached, flush=True)
    """
)


def test_killed_sweep_resumes_with_every_point_exactly_once(tmp_path):
    path = tmp_path / "resume.duckdb"
    first = subprocess.Popen([sys.executable, "-c", _SWEEPER, str(path)], stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
    finished = 0
    deadline = time.monotonic() + 120
    while finished < 4 and time.monotonic() < deadline:
        if first.stdout.readline().startswith("done"):
            finished += 1
    os.killpg(first.pid, signal.SIGKILL)  # no clean-up: as if the machine lost power mid-sweep
    first.wait()
    stored_after_kill = len(ResultStore(path).frame(SLOW))
    assert 4 <= stored_after_kill < 12
    second = subprocess.run([sys.executable, "-c", _SWEEPER, str(path)], capture_output=True, text=True, timeout=240)
    assert second.returncode == 0, second.stderr
    assert f"computed {12 - stored_after_kill} cached {stored_after_kill}" in second.stdout
    frame = ResultStore(path).frame(SLOW)
    assert len(frame) == 12 and frame["key"].is_unique and sorted(frame["x"]) == list(range(12))


def _tracked_epochs(epochs: int, seed: int) -> dict:
    from workbench.core.progress import track

    for _ in track(range(epochs), description="epochs"):
        time.sleep(0.05)
    return {"square": float(epochs), "root": 0.0}


def test_cancel_reaches_into_a_running_point(store):
    """Cancel during a long point (serial executor): its loop stops at the next step; nothing half-done is stored."""
    from workbench.core.knobs import Int
    from workbench.core.study import Metric, Study

    study = Study("sample.epochs", "sample", _tracked_epochs, (Int("epochs", 200, low=1, high=1000),
                                                                Int("seed", 0, low=0, high=9)),
                  (Metric("square"), Metric("root")), cost="batch")
    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    report = SweepReport(total=0)
    started = time.monotonic()
    run_sweep(study, grid_points(study, {"seed": [0, 1]}), store=store, progress=False, cancel=cancel,
              report=report)
    assert report.cancelled and report.computed == 0 and not report.failed
    assert time.monotonic() - started < 5  # one point alone takes 10 s
    assert store.frame(study).empty
