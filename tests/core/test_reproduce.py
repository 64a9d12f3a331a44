import math

import numpy as np
import pytest

from workbench.core.reproduce import (
    ClaimResult,
    ThemeRun,
    format_table,
    range_claim,
    read_report,
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
    path = write_report([ThemeRun("tim", rows, 3.0)], tmp_path / "r" / "reproduction.md",
                        command="workbench reproduce tim")
    text = path.read_text()
    assert text.count("\n| ") == 3
    assert "Made by `workbench reproduce tim` at commit" in text and "torch" in text
    assert "2 rows: 1 within tolerance, 1 not comparable; 3 s." in text
    assert read_report(path)["tim"][1] == {
        "claim": "P3", "quantity": "saving", "paper": "0.41", "workbench": "0.3", "tolerance": "+-10%",
        "within tolerance": "n/a", "scale used": "digits", "note": "a/b", "what would land it": ""}


def test_rewriting_one_theme_keeps_the_others_sections_in_manifest_order(tmp_path):
    path = tmp_path / "reproduction.md"
    tim = [relative_claim("M1", "power (W)", 0.9, 0.95, 0.15)]
    pruning = [ClaimResult("P3", "saving", 0.41, 0.3, "+-10%", None, "digits", "")]
    write_report([ThemeRun("tim", tim, 1.0)], path)
    write_report([ThemeRun("pruning", pruning, 2.0)], path)
    report = read_report(path)
    assert list(report) == ["pruning", "tim"]  # the manifests' order, whatever order the runs came in
    assert report["tim"][0]["workbench"] == "0.95" and report["pruning"][0]["note"] == ""
    write_report([ThemeRun("tim", [relative_claim("M1", "power (W)", 0.9, 1.5, 0.15)], 1.0)], path)
    report = read_report(path)
    assert report["tim"][0]["workbench"] == "1.5" and report["tim"][0]["within tolerance"] == "NO"
    assert [row["workbench"] for row in report["pruning"]] == ["0.3"]
    assert path.read_text().count("## pruning") == 1 and path.read_text().count("## tim") == 1
    path.write_text(path.read_text() + "\n## retired\n\nMade by an old theme.\n")
    write_report([ThemeRun("tim", tim, 1.0)], path)
    assert list(read_report(path)) == ["pruning", "tim"]  # a theme without a manifest loses its section


def test_measured_rows_say_so():
    row = ClaimResult("X1", "speed-up (x)", 1e5, 2e5, ">= 1e5", True, measured=True)
    assert "| 2e+05 (measured) |" in format_table([row])


def test_unknown_theme_is_named():
    with pytest.raises(ValueError, match=r"no theme 'nope'; themes: \["):
        run_reproductions("nope")


def test_interval_matches_the_t_formula_and_one_run_is_unbounded():
    from scipy import stats

    from workbench.core.reproduce import Interval

    samples = [1.0, 2.0, 4.0, 5.0]
    ci = Interval.of(samples)
    half = stats.t.ppf(0.975, 3) * np.std(samples, ddof=1) / 2
    assert (ci.mean, ci.low, ci.high, ci.n) == pytest.approx((3.0, 3 - half, 3 + half, 4))
    one = Interval.of([7.0])
    assert one.mean == 7 and one.low == -math.inf and one.high == math.inf
    with pytest.raises(ValueError, match="needs >= 1 sample"):
        Interval.of([])


def test_repeated_runs_give_yes_no_or_unresolved():
    from workbench.core.reproduce import range_claim_samples, relative_claim_samples

    tight_inside = range_claim_samples("P1", "drop", -math.inf, 1.0, [0.2, 0.3, 0.25, 0.22])
    assert tight_inside.verdict == "yes" and tight_inside.paper == "<= 1" and tight_inside.within is True
    tight_outside = range_claim_samples("P1", "drop", -math.inf, 1.0, [2.0, 2.1, 2.05])
    assert tight_outside.verdict == "NO" and tight_outside.within is False
    straddles = range_claim_samples("P1", "drop", -math.inf, 1.0, [0.5, 1.5, 0.9])
    assert straddles.verdict == "unresolved" and straddles.within is None and not straddles.resolved
    assert relative_claim_samples("P3", "saving", 41, [40.0], 0.25).verdict == "unresolved"  # one seed
    gain = range_claim_samples("F1", "drop", -math.inf, 1.0, [-0.4, -0.3, -0.35])  # an accuracy gain
    assert gain.verdict == "yes"
    assert "[" in format_table([tight_inside]).splitlines()[2] and "unresolved" in format_table([straddles])


def test_paired_ranking_uses_per_seed_differences():
    from workbench.core.reproduce import paired_best

    # L1 is below random on average but not on every seed: unresolved, rank 2
    noisy = paired_best("P1", "rank of L1", "l1", {"l1": [90, 92, 91], "random": [91, 91, 93]})
    assert noisy.workbench == 2 and noisy.verdict == "unresolved" and "l1 - random" in noisy.note
    # the same means shifted consistently per seed: resolved
    clear = paired_best("P1", "rank of L1", "l1", {"l1": [92, 93, 94], "random": [90, 91.2, 91.9]})
    assert clear.workbench == 1 and clear.verdict == "yes"
    worse = paired_best("P1", "rank of L1", "l1", {"l1": [88, 89, 90], "random": [90, 91.2, 91.9]})
    assert worse.verdict == "NO"
    with pytest.raises(ValueError, match="same seeds"):
        paired_best("P1", "rank", "l1", {"l1": [1, 2], "random": [1]})


def test_progress_lines_a_missing_data_set_row_and_the_summary(monkeypatch, capsys):
    import sys
    import types

    from workbench.core import reproduce as module

    def missing(quick):
        raise FileNotFoundError("CIFAR-10 not found at /data/cifar-10-batches-py")

    monkeypatch.setattr(module, "list_manifests", lambda: [
        types.SimpleNamespace(theme="alpha", claims=("M1", "M2"), reproduce="workbench.alpha.reproduce:reproduce"),
        types.SimpleNamespace(theme="beta", claims=("P2",), reproduce="workbench.beta.reproduce:reproduce")])
    monkeypatch.setitem(sys.modules, "workbench.alpha.reproduce", types.SimpleNamespace(
        reproduce=lambda quick: [relative_claim("M1", "x", 1.0, 1.05, 0.1), relative_claim("M2", "y", 1.0, 2.0, 0.1)]))
    monkeypatch.setitem(sys.modules, "workbench.beta.reproduce", types.SimpleNamespace(reproduce=missing))
    rows = run_reproductions(quick=True, progress=True)
    err = capsys.readouterr().err
    assert "alpha: 2 rows in" in err and "beta: 1 row in" in err and "2/2" in err  # tqdm's bar over themes
    assert [r.claim for r in rows] == ["M1", "M2", "P2"]
    assert rows[2].workbench == module.NOT_COMPUTED and rows[2].verdict == "n/a"
    assert rows[2].note == "cannot run here: CIFAR-10 not found at /data/cifar-10-batches-py"
    assert "| not computed |  | n/a |" in format_table(rows)
    assert module.summary(rows, 12.3) == "3 rows: 1 within tolerance, 1 outside tolerance, 1 not computed; 12 s"
