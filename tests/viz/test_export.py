"""Tests for workbench.viz.export: figure files are valid, written atomically, with data and a provenance sidecar."""

import json
import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from sample_studies import LENS

from workbench import __version__
from workbench.viz.charts import tradeoff
from workbench.viz.export import export


@pytest.fixture(scope="module")
def frame():
    rows = [LENS.validate(aperture_mm=a, focal_mm=f) for a in (2.0, 8.0, 20.0) for f in (30.0, 90.0)]
    return pd.DataFrame([{**r, **LENS.evaluate(r)} for r in rows])


def test_export_writes_valid_figures_data_and_sidecar(frame, tmp_path):
    chart = tradeoff(frame, LENS, "weight_g", "brightness", color="focal_mm")
    written = export(chart, tmp_path / "figs" / "lens.svg", data=frame, study=LENS, params={"coating": "single"},
                     columns=2, command="pytest")
    assert set(written) == {"svg", "png", "pdf", "csv", "json"}
    assert all(p.parent == tmp_path / "figs" and p.stem == "lens" for p in written.values())
    root = ET.fromstring(written["svg"].read_bytes())
    assert root.tag.endswith("svg")
    assert 0.85 * 7 * 72 <= float(root.get("width")) <= 7 * 72 + 1  # two-column paper width (pt)
    assert "weight_g (g)" in written["svg"].read_text()
    assert written["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert written["pdf"].read_bytes()[:5] == b"%PDF-"
    assert pd.read_csv(written["csv"]).shape == frame.shape
    meta = json.loads(written["json"].read_text())
    assert meta["study"]["name"] == "sample.lens" and meta["study"]["version"] == LENS.version
    assert meta["metrics"]["weight_g"]["unit"] == "g" and meta["metrics"]["brightness"]["better"] == "max"
    assert meta["knobs"]["focal_mm"]["unit"] == "mm"
    assert meta["params"] == {"coating": "single"}
    assert meta["workbench_version"] == __version__ and meta["theme"] == "paper" and meta["command"] == "pytest"
    assert meta["git"]["commit"] is None or len(meta["git"]["commit"]) == 40
    assert meta["files"]["pdf"] == "lens.pdf"
    assert not list((tmp_path / "figs").glob(".*.tmp"))  # no temporary files left behind


def test_export_subset_of_formats_and_errors(frame, tmp_path):
    chart = tradeoff(frame, LENS, "weight_g", "brightness")
    written = export(chart, tmp_path / "only", formats=["PNG"], theme=None)
    assert set(written) == {"png", "json"}
    with pytest.raises(ValueError, match="'gif'"):
        export(chart, tmp_path / "bad", formats=["gif"])
    with pytest.raises(ValueError, match="non-empty"):
        export(chart, tmp_path / "bad", formats=[])
