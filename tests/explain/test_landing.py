"""The smallest change that lands a row, against a model with a closed-form inverse; the report's column."""

import math
import re

import pytest

from workbench.core.manifest import list_manifests
from workbench.core.paths import reference_dir
from workbench.core.reproduce import NOT_COMPUTED, ClaimResult, format_table, read_report, relative_claim
from workbench.explain.breakeven import ClaimQuantity, theme_quantities
from workbench.explain.landing import land_cell, land_rows, smallest_change

from .test_breakeven import TOY  # y = a^2 b: a assumed 1-4 (default 2), n and fast assumed but not moving y


def _row(paper: float, rel_tol: float) -> ClaimQuantity:
    return ClaimQuantity("M1", f"y to {paper}", TOY, "y", paper, paper, rel_tol=rel_tol)


def test_the_smallest_change_is_the_closed_form_inverse_at_the_tolerance_edge():
    """y = a^2 1.5 lands within 10 % of 24 from y = 21.6 on, at a = sqrt(21.6 / 1.5): (a - 2) / 3 ranges of a's
    plausible 1-4; n and fast do not move y, so they are not searched."""
    landing = smallest_change(_row(24.0, 0.10))
    exact = (math.sqrt(21.6 / 1.5) - 2.0) / 3.0
    assert landing.landed and set(landing.changes) == {"a"}
    assert exact - 1e-9 <= landing.distance <= exact + 0.05  # never below the true minimum, found to 1/20 range
    assert landing.value == pytest.approx(1.5 * landing.changes["a"] ** 2)
    assert 21.6 - 1e-9 <= landing.value <= 26.4


def test_a_row_no_plausible_setting_lands_is_structural_and_says_how_close_it_gets():
    """a <= 4 gives y <= 24, so 100 is out of the box: the closest trial is at a's upper end."""
    landing = smallest_change(_row(100.0, 0.10))
    assert not landing.landed
    assert landing.changes["a"] == pytest.approx(4.0, rel=0.02) and landing.value == pytest.approx(24.0, rel=0.04)
    cell = land_cell(_row(100.0, 0.10))
    assert "a = 8.16 reaches 100" in cell and "implausible" in cell  # sqrt(100 / 1.5): the single-knob break-even
    assert "no setting inside the plausible ranges: structural" in cell


def test_a_landable_row_names_the_knob_value_and_a_row_that_lands_has_no_cell():
    cell = land_cell(_row(24.0, 0.0))
    assert cell.startswith("a = 4 reaches 24 (default 2, plausible 1-4): landable")
    assert land_cell(_row(6.0, 0.0)) == ""  # y = 6 on the defaults


def test_land_rows_fills_only_rows_that_miss_and_says_when_training_is_needed():
    trained = ClaimResult("X2", "q", "9.6-32", 2.5, "within range", False,
                          interval=__import__("workbench.core.reproduce", fromlist=["Interval"]).Interval.of([2, 3]))
    landed = relative_claim("X2", "r", 1.0, 1.0, 0.1)
    measured = relative_claim("X1", "s", 1e5, 73.0, 0.1, measured=True)
    out = land_rows("crossbar", [trained, landed, measured])
    assert out[0].land.startswith("cannot be explained without training: a mean over 2 trained runs")
    assert out[1].land == "" and "wall-clock" in out[2].land


def test_the_report_column_reads_back_and_an_older_section_without_it_still_reads(tmp_path):
    row = relative_claim("M1", "y", 24.0, 6.0, 0.1)
    table = format_table([land_rows("tim", [row])[0]])
    assert table.splitlines()[0].endswith("| note | what would land it |")
    old = "| claim | quantity | paper | workbench | tolerance | within tolerance | scale used | note |\n|---|\n"
    path = tmp_path / "r.md"
    path.write_text(f"# R\n\n## tim\n\nx\n\n{table}\n\n## pad\n\ny\n\n{old}| K1 | q | 4 | 2.5 | +-15% | NO | s | n |\n")
    report = read_report(path)
    assert report["tim"][0]["what would land it"].startswith("not computed by an interactive study")
    assert report["pad"][0]["within tolerance"] == "NO" and "what would land it" not in report["pad"][0]


def test_explain_a_trained_claim_says_it_cannot_be_explained_without_training(capsys):
    from workbench.cli import main

    assert main(["explain", "D1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("claim D1: no row is linked") and "cannot be explained without training" in out
    assert "dyvedeep." in out  # names the batch studies that compute it


#: A cell land_cell computes: a single knob's break-even with its verdict, the smallest joint change, or structural.
COMPUTED = re.compile(r"reaches .+: (landable|implausible|between lattice values, none lands)|"
                      r"within tolerance at .+: landable|no setting inside the plausible ranges: structural")


@pytest.mark.parametrize("theme", [m.theme for m in list_manifests() if theme_quantities(m.theme)])
def test_every_committed_row_that_misses_has_a_land_cell_computed_by_explain(theme):
    """Issue 29's done-when, registry-looped over the themes whose rows an interactive study computes (TiM, MRAM,
    SparCE's trace, PaD's FLOPs): in the committed report every row outside tolerance or unresolved has a "what would
    land it" cell; a row linked to an interactive study's metric has one explain computed (a knob value and its
    verdict, or structural), any other row the reason it cannot (training, a measurement)."""
    linked = {(q.claim, q.quantity) for q in theme_quantities(theme)}
    rows = read_report(reference_dir() / "reproduction.md")[theme]
    missed = [r for r in rows if r["within tolerance"] in ("NO", "unresolved") and r["workbench"] != NOT_COMPUTED]
    assert missed and all(r["what would land it"] for r in missed), \
        [r["quantity"] for r in missed if not r["what would land it"]]
    for row in missed:
        computed = bool(COMPUTED.search(row["what would land it"]))
        assert computed is ((row["claim"], row["quantity"]) in linked), (row["quantity"], row["what would land it"])
