"""Measured metrics (wall-clock timings) live apart from model results: one record per run with its machine, load
and executor; reads give their median, spread and run count; the point's identity and model metrics never depend
on them."""

import warnings

import pandas as pd
import pytest
from sample_studies import TIMED

from workbench.core import Metric
from workbench.core.runner import run_points


def test_two_runs_on_two_executors_store_one_model_result_and_both_timings(store):
    params = TIMED.validate({"x": 3.0})
    for executor in ("serial", "processes:1"):
        [(_, outcome)] = list(run_points(TIMED, [params], executor=executor))
        store.put(TIMED, params, outcome.metrics, elapsed_s=outcome.elapsed_s, executor=executor)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no conflict: the runs differ in a measurement only
        frame = store.frame(TIMED)
        runs = store.runs(TIMED)
    assert len(frame) == 1 and frame.loc[0, "square"] == 9.0 and frame.loc[0, "runs"] == 2
    assert sorted(runs["executor"]) == ["processes:1", "serial"] and runs["machine"].str.contains("CPUs").all()
    assert runs["load"].notna().all() and (runs["point"] == frame.loc[0, "key"]).all()
    assert frame.loc[0, "wall_s"] == pytest.approx(runs["wall_s"].median())
    assert frame.loc[0, "wall_s_spread"] == pytest.approx(runs["wall_s"].max() - runs["wall_s"].min())
    assert store.get(TIMED, params) == {"square": 9.0, "wall_s": frame.loc[0, "wall_s"],
                                        "wall_s_spread": frame.loc[0, "wall_s_spread"], "runs": 2}
    # the two point rows are the same model result: a compaction merges them into one
    assert store.compact() == 2 and len(store.frame(TIMED)) == 1 and store.check({TIMED.name: TIMED}) == []
    assert store.delete(TIMED) == 1 and store.runs(TIMED).empty


def test_a_row_that_holds_its_own_measurement_reads_as_one_run(store):
    """Seed results and stores written before timings were kept apart hold the measurement in the point's row."""
    store.import_seed(TIMED, pd.DataFrame([{"x": 2.0, "square": 4.0, "wall_s": 0.5}]))
    frame = store.frame(TIMED)
    assert frame.loc[0, ["wall_s", "wall_s_spread", "runs"]].tolist() == [0.5, 0.0, 1]


def test_a_sweep_records_its_executor_and_the_point_without_its_timing(store):
    from workbench.core.sweep import run_sweep

    run_sweep(TIMED, [{"x": 4.0}], store=store, progress=False)
    assert store.runs(TIMED)["executor"].tolist() == ["serial"]
    shard = next(store.points_dir.iterdir())
    assert "wall_s" not in pd.read_parquet(shard)["metrics"][0]


def test_measured_metrics_are_titled_as_measurements():
    assert Metric("fps", "frames/s", measured=True, label="throughput").title == \
        "throughput (frames/s, measured, median)"
    assert Metric("gain", measured=True).title == "gain (measured, median)"
    assert Metric("energy_uj", "uJ", label="energy").title == "energy (uJ)"


def test_remeasuring_a_stored_point_on_another_executor_keeps_one_model_result_and_both_timings(store):
    """Issue 31's check through the sweep: a second run of a stored point (``remeasure``) on another executor adds a
    timing record; the model result stays one, with no conflict."""
    from workbench.core.sweep import run_sweep

    run_sweep(TIMED, [{"x": 5.0}], store=store, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_sweep(TIMED, [{"x": 5.0}], store=store, progress=False)  # stored: not run again
        assert len(store.runs(TIMED)) == 1
        frame = run_sweep(TIMED, [{"x": 5.0}], store=store, progress=False, executor="processes:1", remeasure=True)
        runs = store.runs(TIMED)
    assert sorted(runs["executor"]) == ["processes:1", "serial"]
    assert len(frame) == 1 and frame.loc[0, "square"] == 25.0 and len(store.frame(TIMED)) == 1


def test_remeasure_leaves_seeded_points_alone(store):
    """A shipped (seeded) point was computed on another machine; running it again here could only make a conflict
    out of rounding (issue 23), so remeasuring skips it."""
    from workbench.core.sweep import run_sweep

    store.import_seed(TIMED, pd.DataFrame([{"x": 6.0, "square": 36.0, "wall_s": 0.5}]))
    run_sweep(TIMED, [{"x": 6.0}, {"x": 7.0}], store=store, progress=False, remeasure=True)
    runs = store.runs(TIMED)
    assert len(runs) == 1 and runs["point"].tolist() == [store.frame(TIMED).set_index("x").loc[7.0, "key"]]
