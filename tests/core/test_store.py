import json
import math
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_studies import LENS, SLOW

from workbench.core.files import content_sha256
from workbench.core.store import ResultStore, StoreError, point_key

#: sample.lens with a brightness that declares when it does not apply: its NaN is a value, not damage.
LENS_NA = replace(LENS, metrics=tuple(replace(m, not_applicable="no lens mounted") if m.name == "brightness" else m
                                      for m in LENS.metrics))


def test_empty_store_reads_nothing(store):
    assert store.get(LENS, {}) is None
    assert store.frame(LENS).empty and list(store.frame(LENS).columns)[:5] == LENS.knob_names
    assert store.count() == 0 and not store.path.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    aperture=st.floats(1.0, 60.0),
    focal=st.floats(60.0, 200.0),
    coating=st.sampled_from(["single", "multi"]),
    value=st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.just(math.nan)),
)
def test_round_trip(store, aperture, focal, coating, value):
    params = {"aperture_mm": aperture, "focal_mm": focal, "coating": coating}
    metrics = {"brightness": value, "weight_g": 1.5, "f_number": focal / aperture}
    store.delete(LENS)  # the fixture's store is shared by hypothesis' examples; first write would win
    store.put(LENS_NA, params, metrics)
    got = store.get(LENS_NA, params)
    assert got["weight_g"] == 1.5 and got["f_number"] == metrics["f_number"]
    assert (math.isnan(got["brightness"]) and math.isnan(value)) or got["brightness"] == value


@pytest.mark.parametrize("study,value", [(LENS, math.nan), (LENS, math.inf), (LENS_NA, -math.inf)],
                         ids=["undeclared-nan", "inf", "declared-but-inf"])
def test_a_non_finite_metric_is_refused_on_write_and_skipped_on_read(store, study, value):
    """NaN only where the metric declares when it does not apply (issue 30); a row forged past ``put`` is skipped with
    one warning naming its file."""
    metrics = {"brightness": value, "weight_g": 1.5, "f_number": 4.0}
    with pytest.raises(ValueError, match=rf"study 'sample.lens': metric 'brightness' is {value!r}; allowed: a finite "
                                         r"number.*; not stored"):
        store.put(study, {}, metrics)
    assert not list(store.points_dir.glob("*.parquet")) if store.points_dir.exists() else True
    from workbench.core.store import _row

    store._write_shard([_row(study, study.validate({}), metrics, None, False)])
    with pytest.warns(UserWarning, match=rf"skipped 1 row\(s\) of \S+shard-\S+: row 0: metric 'brightness' is "
                                         rf"{value!r}; allowed: a finite number"):
        assert store.frame(study).empty


def test_key_depends_on_validated_params_and_version(store):
    assert point_key(LENS, {}) == point_key(LENS, LENS.defaults())
    assert point_key(LENS, {"aperture_mm": 10}) == point_key(LENS, {"aperture_mm": 10.0})
    assert point_key(LENS, {"aperture_mm": 11}) != point_key(LENS, {})
    from dataclasses import replace

    assert point_key(replace(LENS, version="2"), {}) != point_key(LENS, {})


def test_a_second_write_is_read_once_or_is_a_conflict_and_frame_has_columns(store):
    store.put(LENS, {}, {"brightness": 1.0, "weight_g": 2.0, "f_number": 5.0})
    store.put(LENS, {}, {"brightness": 1.0, "weight_g": 2.0, "f_number": 5.0})  # two processes computed it at once
    frame = store.frame(LENS)
    assert len(frame) == 1 and frame.loc[0, "brightness"] == 1.0
    assert {"key", "seeded", "created_at"} <= set(frame.columns)
    store.put(LENS, {}, {"brightness": 9.0, "weight_g": 2.0, "f_number": 5.0})
    with pytest.warns(UserWarning, match=r"point \w{12} of sample.lens is stored with different results \(metrics "
                                         r"brightness\) in \S+shard-\S+ \(row 0\) and .*left out, not decided by"):
        assert store.frame(LENS).empty and store.get(LENS, {}) is None


def test_empty_folder_reads_as_empty_then_becomes_a_store(tmp_path):
    path = tmp_path / "fresh"
    path.mkdir()  # a folder another process just created
    store = ResultStore(path)
    assert store.get(LENS, {}) is None and store.frame(LENS).empty and store.count() == 0
    store.put(LENS, {}, {"brightness": 1.0, "weight_g": 2.0, "f_number": 5.0})
    assert store.count() == 1
    assert json.loads((path / "STORE.json").read_text()) == {"format": "dse-workbench-results", "schema": "2"}
    assert len(list((path / "points").glob("shard-*.parquet"))) == 1


def test_damaged_shard_is_skipped_with_a_warning_and_left_untouched(store):
    store.put(LENS, {}, {"brightness": 1.0, "weight_g": 2.0, "f_number": 5.0})
    store.put(LENS, {"aperture_mm": 20.0}, {"brightness": 2.0, "weight_g": 2.0, "f_number": 5.0})
    shard = sorted(store.points_dir.glob("shard-*.parquet"))[1]
    damaged = shard.read_bytes()[: len(shard.read_bytes()) // 2]
    shard.write_bytes(damaged)
    with pytest.warns(UserWarning, match=rf"skipped every row of \S+{shard.name}: damaged or not a store file .*left "
                                         r"untouched: move it out of \S+points \(`workbench store check"):
        assert len(store.frame(LENS)) == 1
    assert store.get(LENS, {})["brightness"] == 1.0 and len(store.keys(LENS)) == 1
    store.put(LENS, {"aperture_mm": 30.0}, {"brightness": 3.0, "weight_g": 2.0, "f_number": 5.0})
    assert store.compact() == 2 and store.count() == 2  # the two good shards; the damaged one is not merged
    assert shard.read_bytes() == damaged and len(list(store.points_dir.iterdir())) == 2
    [line] = store.check({})
    assert line.startswith(f"{shard}: damaged or not a store file (Parquet magic bytes not found")


@pytest.mark.parametrize("kind", ["registered", "unregistered"])
def test_a_shard_with_an_extension_type_is_refused_not_cast(store, kind):
    """A pyarrow extension type whose storage is text would pass the cast to the store's schema; it is refused
    whether or not this process knows the type (an unknown one reads as its storage type, marked in the metadata)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    class Payload(pa.ExtensionType):
        def __init__(self):
            super().__init__(pa.string(), f"crafted.payload.{kind}")

        def __arrow_ext_serialize__(self):
            return b""

        @classmethod
        def __arrow_ext_deserialize__(cls, storage_type, serialized):
            return cls()

    store.put(LENS, {}, {"brightness": 1.0, "weight_g": 2.0, "f_number": 5.0})
    [shard] = store.points_dir.glob("shard-*.parquet")
    table = pq.read_table(shard)
    column = table.schema.get_field_index("params")
    crafted = pa.ExtensionArray.from_storage(Payload(), table["params"].combine_chunks())
    pa.register_extension_type(Payload())
    try:
        pq.write_table(table.set_column(column, pa.field("params", Payload()), crafted), shard)
    finally:
        if kind == "unregistered":
            pa.unregister_extension_type(f"crafted.payload.{kind}")
    try:
        with pytest.warns(UserWarning, match=rf"skipped every row of \S+{shard.name}: damaged or not a store file "
                                             rf"\(has column 'params' of type extension<crafted.payload.{kind}"):
            assert store.frame(LENS).empty
    finally:
        if kind == "registered":
            pa.unregister_extension_type(f"crafted.payload.{kind}")


@pytest.mark.parametrize("name", ["results.duckdb", "results.db"])
def test_legacy_duckdb_file_is_named_with_what_to_do(tmp_path, name):
    path = tmp_path / name  # known by its suffix, or by DuckDB's magic bytes at offset 8 of its header block
    path.write_bytes(bytes(8) + b"DUCK" + bytes(4084))
    before = path.read_bytes()
    for use in (lambda s: s.put(LENS, {}, {"brightness": 1}), lambda s: s.frame(LENS)):
        with pytest.raises(StoreError, match=rf"{name.replace('.', '[.]')} is a DuckDB file of an older workbench.*"
                                             r"--store .*/results, to start a new store"):
            use(ResultStore(path))
    assert path.read_bytes() == before


def test_foreign_folder_and_file_are_refused(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.jpg").write_bytes(b"jpg")
    with pytest.raises(StoreError, match=r"photos is a folder but not a workbench result store.*cat\.jpg"):
        ResultStore(tmp_path / "photos").put(LENS, {}, {"brightness": 1})
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(StoreError, match=r"notes\.txt is a file, not a store folder.*left untouched"):
        ResultStore(tmp_path / "notes.txt").frame(LENS)
    assert (tmp_path / "notes.txt").read_text() == "hello"


def test_damaged_marker_is_named(store):
    store.put(LENS, {}, {"brightness": 1})
    (store.path / "STORE.json").write_text("{")
    with pytest.raises(StoreError, match=r"STORE\.json is damaged"):
        store.frame(LENS)


def deny_writes_as_root(monkeypatch):
    """Root ignores folder permissions: refuse new files the way the kernel refuses them to everybody else."""
    if os.geteuid() == 0:
        def denied(path):
            raise PermissionError(13, "Permission denied", str(path.parent))

        monkeypatch.setattr("workbench.core.files.new_temp", denied)


def test_read_only_store_reads_and_says_permission_denied_on_write(store, monkeypatch):
    store.put(LENS, {}, {"brightness": 1.0, "weight_g": 2.0, "f_number": 5.0})
    os.chmod(store.points_dir, 0o555)
    deny_writes_as_root(monkeypatch)
    try:
        assert store.get(LENS, {})["brightness"] == 1.0
        with pytest.raises(StoreError, match="permission denied to write a point.*the store is intact"):
            store.put(LENS, {"aperture_mm": 20.0}, {"brightness": 1})
    finally:
        os.chmod(store.points_dir, 0o755)


def test_compaction_merges_shards_and_keeps_first_writes(store, monkeypatch):
    monkeypatch.setattr("workbench.core.store.SHARDS_PER_SEGMENT", 5)
    for i in range(12):
        store.put(SLOW, {"x": float(i)}, {"square": i * i, "root": i**0.5})
    store.put(SLOW, {"x": 1.0}, {"square": 1, "root": 1.0})  # a second write of a stored result is read once
    names = sorted(p.name for p in store.points_dir.iterdir())
    assert sum(n.startswith("segment-") for n in names) == 2 and sum(n.startswith("shard-") for n in names) == 3
    assert store.compact() == 3
    frame = store.frame(SLOW)
    assert len(frame) == 12 and frame["key"].is_unique and store.count() == 12
    assert sorted(frame["square"]) == sorted(i * i for i in range(12))


def test_a_crash_between_merge_and_delete_loses_and_duplicates_nothing(store, monkeypatch):
    for i in range(4):
        store.put(SLOW, {"x": float(i)}, {"square": i * i, "root": i**0.5})

    def killed(self, *args, **kwargs):
        raise KeyboardInterrupt  # stands in for kill -9 after the merged segment was renamed into place

    monkeypatch.setattr("pathlib.Path.unlink", killed)
    with pytest.raises(KeyboardInterrupt):
        store.compact()
    monkeypatch.undo()
    assert len(list(store.points_dir.iterdir())) == 5  # the segment and all four shards
    assert sorted(store.frame(SLOW)["square"]) == [0, 1, 4, 9] and store.count() == 4
    assert store.compact() == 4  # the shards again; the two segments overlap until all files are merged
    assert sorted(p.name[:8] for p in store.points_dir.iterdir()) == ["segment-", "segment-"]
    assert sorted(store.frame(SLOW)["square"]) == [0, 1, 4, 9] and store.count() == 4


def test_a_file_vanishing_between_listing_and_reading_is_retried(store, monkeypatch):
    from workbench.core import store as module

    for i in range(3):
        store.put(SLOW, {"x": float(i)}, {"square": i * i, "root": i**0.5})
    listings = []
    original = module.ResultStore._files

    def compacting_meanwhile(self):
        listed = original(self)
        listings.append(listed)
        if len(listings) == 1:
            store.compact()  # another process merged the listed shards and deleted them
            module._FILES.clear()  # ... so this one has not read them
        return listed

    monkeypatch.setattr(module.ResultStore, "_files", compacting_meanwhile)
    assert sorted(store.frame(SLOW)["square"]) == [0, 1, 4]
    # The read listed the shards, found them gone, and listed again (the compaction itself listed once, too).
    assert len(listings) == 3 and all("shard-" in f for f in listings[0])
    assert len(listings[2]) == 1 and "segment-" in listings[2][0]


def test_hidden_temporary_files_are_never_read_and_stale_ones_are_cleaned(store):
    store.put(SLOW, {"x": 2.0}, {"square": 4, "root": 1.4})
    fresh, stale = store.points_dir / ".shard-1.parquet.ab.tmp", store.points_dir / ".shard-2.parquet.cd.tmp"
    for temporary in (fresh, stale):
        temporary.write_bytes(b"half a point")  # a writer killed mid-write, or one still writing
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert store.count() == 1 and store.get(SLOW, {"x": 2.0})["square"] == 4
    store.compact()
    assert fresh.exists() and not stale.exists() and store.count() == 1


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
    path = tmp_path / "shared"
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


def test_a_held_compaction_lock_blocks_neither_readers_nor_writers(store):
    store.put(SLOW, {}, {"square": 1, "root": 1})
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import fcntl,time; h=open({str(store.path / 'compact.lock')!r}, 'a'); "
         "fcntl.flock(h, fcntl.LOCK_EX); print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.perf_counter()
        store.put(SLOW, {"x": 2.0}, {"square": 4, "root": 1.4})
        assert store.get(SLOW, {"x": 2.0})["square"] == 4 and len(store.frame(SLOW)) == 2
        assert store.compact(wait=False) == 0
        assert time.perf_counter() - started < 5
    finally:
        holder.kill()
        holder.wait()


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
    (seeds / "sample.slow.json").write_text('{"study_version": "1", "sha256": "0123"}')
    store._seed_checked.clear()
    with pytest.warns(UserWarning, match=r"sample.slow.parquet does not match the SHA-256 its sidecar sample.slow.json "
                                         r"records .*altered"):
        assert store.ensure_seeded(SLOW) == 0  # altered after it was written: named, not imported
    (seeds / "sample.slow.json").write_text(json.dumps({"study_version": "1",
                                                       "sha256": content_sha256(seeds / "sample.slow.parquet")}))
    store._seed_checked.clear()
    assert store.ensure_seeded(SLOW) == 2
    assert store.ensure_seeded(SLOW) == 0
    frame = store.frame(SLOW)
    assert frame["seeded"].all() and sorted(frame["square"]) == [4.0, 9.0]


def test_a_read_only_store_is_read_without_seeds_it_cannot_import(store, monkeypatch, tmp_path):
    import pandas as pd

    seeds = tmp_path / "reference" / "seeds"
    seeds.mkdir(parents=True)
    seed = pd.DataFrame({"x": [2.0], "delay_s": [0.0], "square": [4.0], "root": [1.41]})
    seed.to_parquet(seeds / "sample.slow.parquet")
    (seeds / "sample.slow.json").write_text(json.dumps({"study_version": "1",
                                                       "sha256": content_sha256(seeds / "sample.slow.parquet")}))
    store.put(SLOW, {"x": 3.0}, {"square": 9.0, "root": 1.73})
    monkeypatch.setattr("workbench.core.store.reference_dir", lambda: tmp_path / "reference")
    os.chmod(store.path, 0o555)
    deny_writes_as_root(monkeypatch)
    try:
        with pytest.warns(UserWarning, match="seed results of sample.slow not imported: .*permission denied"):
            frame = ResultStore(store.path).frame(SLOW)
    finally:
        os.chmod(store.path, 0o755)
    assert frame["square"].tolist() == [9.0]


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


_COMPACTING_WRITER = textwrap.dedent(
    """
    import sys
    from sample_studies import SLOW
    from workbench.core import store as module
    module.SHARDS_PER_SEGMENT, module.MAX_SEGMENTS = 3, 2  # compact (and merge segments) all the time
    store = module.ResultStore(sys.argv[1])
    for i in range(400):
        store.put(SLOW, {"x": float(i)}, {"square": i * i, "root": i ** 0.5})
        print(i, flush=True)
    """
)


def test_kill_9_while_writing_and_compacting_loses_no_stored_point(tmp_path):
    import signal

    path = tmp_path / "killed"
    for round_ in range(2):
        writer = subprocess.Popen([sys.executable, "-c", _COMPACTING_WRITER, str(path)], stdout=subprocess.PIPE,
                                  text=True)
        done = [int(writer.stdout.readline()) for _ in range(15 + 7 * round_)]
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        frame = ResultStore(path).frame(SLOW)
        assert frame["key"].is_unique and set(done) <= set(frame["x"].astype(int))
        assert (frame["square"] == frame["x"] ** 2).all()
