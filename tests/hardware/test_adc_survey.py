"""The committed ADC-survey table: its shape, its sidecar, the FOM definitions, and that it regenerates from the
spreadsheet (when openpyxl and the shared copy of the survey are present)."""

import json
import re

import numpy as np
import pytest

from workbench.core.paths import reference_dir
from workbench.hardware import adc_survey as s


def test_csv_has_the_declared_columns_and_the_sidecars_row_count():
    frame = s.load_survey()
    sidecar = json.loads((reference_dir() / "adc_survey.json").read_text())
    assert list(frame.columns) == list(s.COLUMNS) == list(sidecar["columns"])
    assert len(frame) == sidecar["rows"] == 724
    assert sidecar["citation"] == s.CITATION
    assert set(frame["conference"]) == {"ISSCC", "VLSI"} and frame["year"].between(1997, 2025).all()
    assert (frame["energy_pj"] > 0).all() and frame["sndr_db"].notna().all()


def test_citation_is_the_one_the_survey_readme_asks_for():
    readme = s.DEFAULT_XLSX.with_name("ADCsurvey_README.md")
    if not readme.exists():
        pytest.skip(f"{readme} is not here")
    assert s.CITATION in readme.read_text()
    assert s.CITATION in s.__doc__.replace("\n    ", " ")


def test_our_fom_definitions_reproduce_the_surveys_own_columns():
    frame = s.load_survey()
    real = frame[frame["sndr_db"] >= 10]  # one row tabulates a 1 dB placeholder resolution
    assert len(frame) - len(real) <= 1
    enob = s.enob(real["sndr_db"])
    np.testing.assert_allclose(real["enob"], enob, atol=1e-4)
    np.testing.assert_allclose(s.walden_fom_fj(real["energy_pj"], enob), real["fomw_fj"], rtol=1e-4)
    np.testing.assert_allclose(s.schreier_fom_db(real["energy_pj"], real["sndr_db"]), real["foms_db"], atol=1e-3)


def test_node_is_the_leading_feature_size():
    assert s._node_nm(0.028) == 28 and s._node_nm("0.35 BiCMOS") == 350 and np.isnan(s._node_nm("Bipolar"))
    frame = s.load_survey()
    cmos = frame[frame["technology"].str.fullmatch(r"[\d.]+")]
    np.testing.assert_allclose(cmos["node_nm"], cmos["technology"].astype(float) * 1000, rtol=1e-9)


def test_extractor_regenerates_the_committed_csv(tmp_path):
    pytest.importorskip("openpyxl")
    if not s.DEFAULT_XLSX.exists():
        pytest.skip(f"{s.DEFAULT_XLSX} is not here")
    path = s.write(s.DEFAULT_XLSX, tmp_path)
    assert path.read_text() == (reference_dir() / s.CSV_NAME).read_text()
    committed = json.loads((reference_dir() / "adc_survey.json").read_text())
    assert json.loads(path.with_suffix(".json").read_text()) == committed
    assert re.fullmatch(r"[0-9a-f]{64}", committed["source_sha256"])
