"""The component report: the committed components.md is what the report function writes today, every reference
number has a source, and every miss states its cause."""

import math

import pandas as pd

from workbench.core.paths import reference_dir
from workbench.hardware import validate as v


def test_committed_report_is_current():
    committed = (reference_dir() / v.REPORT_NAME).read_text()
    assert v.format_report() == committed, "regenerate: workbench regenerate components"


def test_reference_numbers_have_sources_and_the_rows_are_honest():
    ref = v.reference_table()
    assert ref.index.is_unique and (ref["low"] <= ref["high"]).all()
    assert ref["source"].str.len().gt(30).all() and set(ref["unit"]) >= {"mW", "mm2", "pJ"}
    rows = v.checks()
    assert {r.verdict for r in rows} <= {"yes", "NO", "circular", "n/a"}
    for row in rows:
        assert row.band[0] < 1 < row.band[1] and ":" in row.band[2], row
        if row.verdict == "NO":
            assert row.cause, f"a miss must state its cause: {row}"
        if row.workbench is not None:
            assert math.isfinite(row.ratio) and row.ratio > 0, row
    table = pd.DataFrame([r.cells() for r in rows], columns=v.COLUMNS)
    assert table["reference"].str.contains("ISAAC").sum() >= 15
    assert table["reference"].str.contains("Horowitz").sum() == 10
    assert table["reference"].str.contains("survey").sum() >= 5
