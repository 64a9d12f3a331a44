import math

import pytest

from workbench.core.reproduce import (
    ClaimResult,
    format_table,
    range_claim,
    relative_claim,
    run_reproductions,
    write_report,
)


def test_relative_claim_tolerance_edges():
    assert relative_claim("M1", "TOPS", 114, 130, 0.15).within is True
    assert relative_claim("M1", "TOPS", 114, 132, 0.15).within is False
    assert relative_claim("M1", "TOPS", 114, math.nan, 0.15).within is False


def test_range_claim_with_slack():
    assert range_claim("M2", "x", 3.9, 4.7, 4.0).within is True
    assert range_claim("M2", "x", 3.9, 4.7, 5.0).within is False
    assert range_claim("M2", "x", 3.9, 4.7, 5.0, slack=0.1).within is True
    assert range_claim("M2", "x", 3.9, 4.7, 5.0).paper == "3.9-4.7"


def test_table_and_report(tmp_path):
    rows = [relative_claim("M1", "power (W)", 0.9, 0.95, 0.15, scale="analytic"),
            ClaimResult("P3", "saving", 0.41, 0.3, "+-10%", None, "digits", "a|b")]
    table = format_table(rows)
    lines = table.splitlines()
    assert lines[0].startswith("| claim | quantity | paper | workbench")
    assert "| M1 | power (W) | 0.9 | 0.95 | +-15% | yes | analytic |" in table
    assert "| n/a |" in lines[3] and "a/b" in lines[3]
    path = write_report(rows, tmp_path / "r" / "reproduction.md", command="workbench reproduce tim")
    text = path.read_text()
    assert text.count("\n| ") == 3
    assert "Made by `workbench reproduce tim` at commit" in text and "torch" in text


def test_unknown_theme_is_named():
    with pytest.raises(ValueError, match="no reproduction for theme 'nope'"):
        run_reproductions("nope")


def test_progress_lines_a_missing_data_set_row_and_the_summary(monkeypatch, capsys):
    import sys
    import types

    from workbench.core import reproduce as module

    def missing(quick):
        raise FileNotFoundError("CIFAR-10 not found at /data/cifar-10-batches-py")

    fake = {"workbench.alpha.reproduce": lambda quick: [relative_claim("A1", "x", 1.0, 1.05, 0.1),
                                                        relative_claim("A2", "y", 1.0, 2.0, 0.1)],
            "workbench.beta.reproduce": missing}
    monkeypatch.setattr(module, "theme_modules", lambda name: sorted(fake))
    for name, func in fake.items():
        monkeypatch.setitem(sys.modules, name, types.SimpleNamespace(reproduce=func))
    rows = run_reproductions(quick=True, progress=True)
    err = capsys.readouterr().err
    assert "alpha: 2 rows in" in err and "beta: 1 row in" in err and "2/2" in err  # tqdm's bar over themes
    assert [r.claim for r in rows] == ["A1", "A2", "beta"]
    assert rows[2].workbench == module.NOT_COMPUTED and rows[2].within is None
    assert rows[2].note == "cannot run here: CIFAR-10 not found at /data/cifar-10-batches-py"
    assert "| beta | every claim of the theme |  | not computed |" in format_table(rows)
    assert module.summary(rows, 12.3) == "3 rows: 1 within tolerance, 1 outside tolerance, 1 not computed; 12 s"
