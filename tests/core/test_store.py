import math
import subprocess
import sys
import textwrap

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_studies import LENS, SLOW

from workbench.core.store import ResultStore, StoreError, point_key


def test_empty_store_reads_nothing(store):
    assert store.get(LENS, {}) is None
    assert store.frame(LENS).empty and list(store.frame(LENS).columns)[:5] == LENS.knob_names
    assert store.count() == 0 and not store.path.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    aperture=st.floats(1.0, 60.0),
    focal=st.floats(60.0, 200.0),
    coating=st.sampled_from(["single", "multi"]),
    value=st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.just(math.inf), st.just(math.nan)),
)
def test_round_trip(store, aperture, focal, coating, value):
    params = {"aperture_mm": aperture, "focal_mm": focal, "coating": coating}
    metrics = {"brightness": value, "weight_g": 1.5, "f_number": focal / aperture}
    store.delete(LENS)  # the fixture's store is shared by hypothesis' examples; first write would win
    store.put(LENS, params, metrics)
    got = store.get(LENS, params)
    assert got["weight_g"] == 1.5 and got["f_number"] == metrics["f_number"]
    assert (math.isnan(got["brightness"]) and math.isnan(value)) or got["brightness"] == value


def test_key_depends_on_validated_params_and_version(store):
    assert point_key(LENS, {}) == point_key(LENS, LENS.defaults())
    assert point_key(LENS, {"aperture_mm": 10}) == point_key(LENS, {"aperture_mm": 10.0})
    assert point_key(LENS, {"aperture_mm": 11}) != point_key(LENS, {})
    from dataclasses import replace

    assert point_key(replace(LENS, version="2"), {}) != point_key(LENS, {})


def test_first_write_wins_and_frame_has_columns(store):
    store.put(LENS, {}, {"brightness": 1.0, "weight_g": 2.0, "f_number": 5.0})
    store.put(LENS, {}, {"brightness": 9.0, "weight_g": 9.0, "f_number": 9.0})
    frame = store.frame(LENS)
    assert len(frame) == 1 and frame.loc[0, "brightness"] == 1.0
    assert {"key", "seeded", "created_at"} <= set(frame.columns)


def test_empty_duckdb_file_reads_as_empty_then_becomes_a_store(tmp_path):
    path = tmp_path / "fresh.duckdb"
    duckdb.connect(str(path)).close()  # a file another process just created, no tables yet
    store = ResultStore(path)
    assert store.get(LENS, {}) is None and store.frame(LENS).empty and store.count() == 0
    store.put(LENS, {}, {"brightness": 1.0, "weight_g": 2.0, "f_number": 5.0})
    assert store.count() == 1


def test_corrupted_file_is_named_and_left_untouched(tmp_path):
    path = tmp_path / "results.duckdb"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError, match=r"results\.duckdb.*not a usable DuckDB file"):
        ResultStore(path).put(LENS, {}, {"brightness": 1, "weight_g": 1, "f_number": 1})
    with pytest.raises(StoreError, match="move it aside"):
        ResultStore(path).frame(LENS)
    assert path.read_bytes() == b"not a database" * 100


def test_foreign_duckdb_file_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    connection = duckdb.connect(str(path))
    connection.execute("CREATE TABLE customers (id INTEGER)")
    connection.close()
    with pytest.raises(StoreError, match="not a workbench result store.*customers"):
        ResultStore(path).put(LENS, {}, {"brightness": 1, "weight_g": 1, "f_number": 1})


_WRITER = textwrap.dedent(
    """
    import sys
    from sample_studies import SLOW
    from workbench.core.store import ResultStore
    store = ResultStore(sys.argv[1])
    worker = int(sys.argv[2])
    for i in range(15):
        x = worker * 20 + i
        store.put(SLOW, {"x": x}, {"square": x * x, "root": x ** 0.5})
        assert store.get(SLOW, {"x": x})["square"] == x * x
        store.frame(SLOW)
    """
)


def test_several_processes_write_and_read_at_once(tmp_path):
    path = tmp_path / "shared.duckdb"
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(w)], stderr=subprocess.PIPE, text=True)
        for w in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
    frame = ResultStore(path).frame(SLOW)
    assert len(frame) == 60 and frame["key"].is_unique
    assert sorted(frame["x"]) == sorted(w * 20 + i for w in range(4) for i in range(15))
    assert (frame["square"] == frame["x"] ** 2).all()


def test_lock_timeout_is_reported(tmp_path):
    path = tmp_path / "held.duckdb"
    store = ResultStore(path, lock_timeout_s=0.3)
    store.put(SLOW, {}, {"square": 1, "root": 1})
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('held', flush=True); "
         "time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError, match="stayed locked"):
            store.put(SLOW, {"x": 2.0}, {"square": 4, "root": 1.4})
    finally:
        holder.kill()
        holder.wait()
    store.put(SLOW, {"x": 2.0}, {"square": 4, "root": 1.4})
    assert store.get(SLOW, {"x": 2.0})["square"] == 4


def test_seed_import_happens_once(store, monkeypatch, tmp_path):
    import pandas as pd

    seeds = tmp_path / "reference" / "seeds"
    seeds.mkdir(parents=True)
    pd.DataFrame({"x": [2.0, 3.0], "delay_s": [0.0, 0.0], "square": [4.0, 9.0], "root": [1.41, 1.73]}).to_parquet(
        seeds / "sample.slow.parquet"
    )
    monkeypatch.setattr("workbench.core.store.reference_dir", lambda: tmp_path / "reference")
    (seeds / "sample.slow.json").write_text('{"study_version": "0"}')
    with pytest.warns(UserWarning, match="version '0'.*not imported"):
        assert store.ensure_seeded(SLOW) == 0
    (seeds / "sample.slow.json").write_text('{"study_version": "1"}')
    store._seed_checked.clear()
    assert store.ensure_seeded(SLOW) == 2
    assert store.ensure_seeded(SLOW) == 0
    frame = store.frame(SLOW)
    assert frame["seeded"].all() and sorted(frame["square"]) == [4.0, 9.0]


def test_threads_of_one_process_read_while_another_writes(store):
    """A dashboard's background run writes while knob changes read: DuckDB allows one configuration per process."""
    import threading

    errors = []

    def writer():
        try:
            for i in range(30):
                store.put(SLOW, {"x": float(i)}, {"square": i * i, "root": i**0.5})
        except Exception as error:  # collected and asserted below
            errors.append(error)

    def reader():
        try:
            for _ in range(30):
                store.frame(SLOW)
                store.get(SLOW, {"x": 3.0})
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert len(store.frame(SLOW)) == 30


def test_array_and_list_metrics_round_trip(store):
    """Extra outputs may be arrays (a parquet round trip of seed results makes lists into numpy arrays)."""
    import numpy as np

    metrics = {"square": np.float32(4.0), "root": 2.0, "curve": np.array([1.0, np.nan, 3.0]), "widths": [4, 8]}
    store.put(SLOW, {"x": 4.0}, metrics)
    got = store.get(SLOW, {"x": 4.0})
    assert got["square"] == 4.0 and got["widths"] == [4, 8]
    assert got["curve"][0] == 1.0 and math.isnan(got["curve"][1]) and got["curve"][2] == 3.0
