"""The NeuroSim side-by-side (benchmarks/bench_neurosim.py): it skips in one line without NeuroSim, its committed
numbers feed the component report, and, where NeuroSim is checked out, a fresh run reproduces them."""

import math
import os
import sys
from pathlib import Path

import pytest

from workbench.hardware import neurosim_match as nm
from workbench.hardware import validate
from workbench.hardware.tech import load_tech

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_neurosim as bench  # noqa: E402

NEUROSIM_DIR = Path(os.environ.get("NEUROSIM_DIR", bench.DEFAULT_DIR))


def _has_neurosim() -> bool:
    try:
        bench.neurosim_sources(NEUROSIM_DIR)
    except bench.Skip:
        return False
    return True


def test_skips_in_one_line_without_neurosim(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEUROSIM_DIR", str(tmp_path))
    assert bench.main([]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("skipped: ") and str(tmp_path) in out[0]


def test_parse_rejects_output_without_numbers():
    with pytest.raises(ValueError, match="NSCONF"):
        bench.parse_probe("usage: probe ...\n")
    conf, parts = bench.parse_probe("NSCONF technode 22 vdd 0.85\nNS sar 1e-9 6e-9 6.8e-13 16\n")
    assert conf == {"technode": 22.0, "vdd": 0.85} and parts["sar"] == (1e-9, 6e-9, 6.8e-13, 16.0)


def test_committed_numbers_feed_the_report():
    ref = nm.reference_rows()
    assert ref.index.is_unique and (ref["low"] > 0).all() and (ref["low"] == ref["high"]).all()
    assert ref["source"].str.contains("NeuroSim").all() and ref["source"].str.contains("make bench-neurosim").all()
    rows = [r for r in validate.checks() if r.reference == nm.REFERENCE]
    priced = nm.workbench_values(ref["low"].to_dict())
    assert len(rows) == len(priced) and {k for k, *_ in priced} == set(ref.index[ref["component"] != "condition"])
    for row in rows:
        assert row.verdict in ("yes", "NO", "n/a") and (row.verdict != "NO" or row.cause), row
        assert row.workbench is None or (math.isfinite(row.ratio) and row.ratio > 0), row


def test_row_driver_follows_neurosims_wordline():
    """The wordline capacitance taken from NeuroSim enters the driver's energy as C V^2 at the library's VDD."""
    conditions = nm.reference_rows()["low"].to_dict()
    base = {k: v for k, v, _, _ in nm.workbench_values(conditions)}
    doubled = dict(conditions, ns_wl_cap=2 * conditions["ns_wl_cap"])
    more = {k: v for k, v, _, _ in nm.workbench_values(doubled)}
    vdd = load_tech().at_node(nm.MATCH.node_nm).vdd_v
    assert more["ns_wl_energy"] - base["ns_wl_energy"] == pytest.approx(conditions["ns_wl_cap"] * vdd**2)


@pytest.mark.skipif(not _has_neurosim(), reason=f"NeuroSim is not checked out at {NEUROSIM_DIR} (NEUROSIM_DIR)")
def test_neurosim_run_reproduces_the_committed_numbers():
    exe = bench.build_probe(NEUROSIM_DIR)
    rows = bench.neurosim_rows(bench.run_probe(exe, sar=True), bench.run_probe(exe, sar=False),
                               bench.neurosim_version(NEUROSIM_DIR))
    fresh = {r["id"]: float(r["low"]) for r in rows}
    assert all(math.isfinite(v) and v > 0 for v in fresh.values()), fresh
    committed = nm.reference_rows()["low"].to_dict()
    assert fresh.keys() == committed.keys()
    for key, value in fresh.items():
        assert value == pytest.approx(committed[key], rel=1e-3), key
