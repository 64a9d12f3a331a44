"""Crafted rows beside real shards: each is skipped with a warning naming its file, or (a forged copy of a stored
key) makes a conflict; never a traceback, never a replaced point.

Each case writes one shard with pyarrow next to the shards of two real points, then reads the store every way a
user does: ``frame``, ``get``, ``keys``, a sweep over the two points, ``workbench export`` and ``workbench store
check``.
"""

import json
import re
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sample_studies import LENS

from workbench.cli import main
from workbench.core.store import SCHEMA, _row
from workbench.core.sweep import run_sweep

REAL = {aperture: LENS.evaluate(aperture_mm=aperture) for aperture in (20.0, 30.0)}
EARLY = datetime(2000, 1, 1)


def genuine(aperture=20.0, **metrics):
    """A row as the store writes it, for the point at ``aperture`` (its metrics overridden by ``metrics``)."""
    metrics = {**LENS.evaluate(aperture_mm=aperture), **metrics}
    return _row(LENS, LENS.validate({"aperture_mm": aperture}), metrics, None, False)


def crafted(**changes):
    return {**genuine(), "created_at": EARLY, **changes}


def another_point():
    return {**genuine(40.0), "key": genuine()["key"], "created_at": EARLY}


STRING_SCHEMA = pa.schema([(f.name, pa.string()) if f.name == "created_at" else f for f in SCHEMA])
INT_PARAMS = pa.schema([(f.name, pa.int64()) if f.name == "params" else f for f in SCHEMA])
FLOAT_METRICS = pa.schema([(f.name, pa.float64()) if f.name == "metrics" else f for f in SCHEMA])
INT_KEY = pa.schema([(f.name, pa.int64()) if f.name == "key" else f for f in SCHEMA])

# (id, rows, schema of the crafted file, what the warning says, whether the 20 mm point is then left out)
CASES = [
    ("null-key", [crafted(key=None)], SCHEMA, r"row 0: key is null", False),
    ("null-params", [crafted(params=None)], SCHEMA, r"row 0: params is null", False),
    ("null-metrics", [crafted(metrics=None)], SCHEMA, r"row 0: metrics is null", False),
    ("null-study", [crafted(study=None)], SCHEMA, r"row 0: study is null", False),
    ("null-created-at", [crafted(created_at=None)], SCHEMA, r"row 0: created_at is null", False),
    ("json-number-params", [crafted(params="5")], SCHEMA, r"row 0: params is not a JSON object", False),
    ("json-list-metrics", [crafted(metrics="[1, 2]")], SCHEMA, r"row 0: metrics is not a JSON object", False),
    ("non-json-metrics", [crafted(metrics="{brightness: bright}")], SCHEMA, r"row 1: metrics is not JSON", False),
    ("metric-as-text", [crafted(metrics=json.dumps({**REAL[20.0], "brightness": "bright"}))], SCHEMA,
     r"row 1: metric 'brightness' is missing or not a number", False),
    ("metric-missing", [crafted(metrics=json.dumps({"brightness": 1.0}))], SCHEMA,
     r"row 1: metric 'weight_g' is missing or not a number", False),
    ("int-params-column", [crafted(params=5)], INT_PARAMS, r"row 0: params is not a JSON object", False),
    ("float-metrics-column", [crafted(metrics=1.5)], FLOAT_METRICS, r"row 0: metrics is not a JSON object", False),
    ("int-key-column", [crafted(key=7)], INT_KEY, r"row 0: key is not the hash of its study, version and params",
     False),
    ("text-created-at", [crafted(created_at="yesterday")], STRING_SCHEMA, r"damaged or not a store file", False),
    ("no-metrics-column", [crafted()], pa.schema([f for f in SCHEMA if f.name != "metrics"]),
     r"damaged or not a store file", False),
    ("key-of-another-point", [another_point()], SCHEMA, r"row 0: key is not the hash", False),
    ("forged-key-and-params", [crafted(params=genuine(40.0)["params"])], SCHEMA, r"row 0: key is not the hash",
     False),
    ("forged-earlier-copy", [crafted(metrics=json.dumps({**REAL[20.0], "brightness": 99.0}))], SCHEMA,
     r"point \w{12} of sample.lens is stored with different results \(metrics brightness\) in \S+crafted\S+ \(row 0\) "
     r"and \S+ \(row 0\); it is left out, not decided by which row claims to be older", True),
]
GOOD_FIRST = {"non-json-metrics", "metric-as-text", "metric-missing"}  # row 0 of these files is a genuine 30 mm row


def write_crafted(store, rows, schema, *, good_first=False):
    """The crafted rows as a shard beside the real ones (written with pyarrow, not through the store)."""
    rows = ([genuine(30.0)] if good_first else []) + rows
    path = store.points_dir / "shard-00000000000000000001-0-crafted.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


@pytest.mark.parametrize("rows,schema,says,left_out", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_crafted_row_is_skipped_or_a_conflict_never_a_traceback_or_a_replaced_point(
        store, tmp_path, capsys, rows, schema, says, left_out, request):
    for aperture, metrics in REAL.items():
        store.put(LENS, {"aperture_mm": aperture}, metrics)
    path = write_crafted(store, rows, schema, good_first=request.node.callspec.id in GOOD_FIRST)
    before = path.read_bytes()
    expected = {} if left_out else {20.0: REAL[20.0]["brightness"]}
    expected[30.0] = REAL[30.0]["brightness"]
    with pytest.warns(UserWarning) as caught:
        frame = store.frame(LENS)
        assert dict(zip(frame["aperture_mm"], frame["brightness"])) == expected
        assert (store.get(LENS, {"aperture_mm": 20.0}) is None) == left_out
        assert len(store.keys(LENS)) == 2  # a disputed point counts as stored: a sweep does not recompute it
        swept = run_sweep(LENS, [{"aperture_mm": a} for a in REAL], store=store, progress=False)
        assert dict(zip(swept["aperture_mm"], swept["brightness"])) == expected
    messages = [str(w.message) for w in caught]
    assert all(str(path) in m for m in messages) and any(re.search(says, m) for m in messages), messages
    store.compact()
    assert path.read_bytes() == before  # never merged, never deleted

    assert main(["export", "sample.lens", str(tmp_path / "fig"), "--x", "weight_g", "--y", "brightness",
                 "--format", "svg", "--store", str(store.path)]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and all(line.startswith("workbench export: warning: ") and str(path) in line
                                          for line in err.strip().splitlines()), err
    assert main(["store", "check", "--store", str(store.path)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert any(str(path) in line and re.search(says, line) for line in out[:-1]), out
    assert re.fullmatch(rf"\d+ problem\(s\) in {re.escape(str(store.path))}", out[-1]), out


def test_two_runs_that_differ_only_in_a_measured_metric_are_one_point(store):
    from dataclasses import replace

    from workbench.core import Metric

    timed = replace(LENS, metrics=(*LENS.metrics[:2], Metric("f_number", measured=True)))
    store.put(timed, {}, {"brightness": 1.0, "weight_g": 2.0, "f_number": 5.0})
    store.put(timed, {}, {"brightness": 1.0, "weight_g": 2.0, "f_number": 5.5})  # another run, another machine load
    frame = store.frame(timed)
    assert len(frame) == 1 and frame.loc[0, ["f_number", "f_number_spread", "runs"]].tolist() == [5.25, 0.5, 2]
    assert store.check({timed.name: timed}) == []


def test_a_clean_store_checks_clean(store, capsys):
    store.put(LENS, {}, REAL[20.0])
    assert store.check({LENS.name: LENS}) == []
    assert main(["store", "check", "--store", str(store.path)]) == 0
    assert capsys.readouterr().out.strip() == f"no problems in {store.path}"


def test_the_key_check_accepts_another_spelling_of_the_same_params():
    from workbench.core.store_rows import check_file_rows

    row = genuine()
    spaced = {**row, "params": json.dumps(json.loads(row["params"]), indent=1)}
    keep, problems = check_file_rows(pa.Table.from_pylist([row, spaced], schema=SCHEMA))
    assert keep.tolist() == [True, True] and problems == []
