"""The committed reproduction report is what the code computes now (issue 9: stored results are current results).

The full report takes about an hour on two cores, so this recomputes every theme at its quick scale and compares the
rows that the quick and the full run compute identically (same claim, quantity and scale: the analytic and counted
rows); trained rows run at another scale in a quick run and wall-clock rows differ by machine, so they are skipped.
"""

from workbench.core.manifest import list_manifests
from workbench.core.paths import reference_dir
from workbench.core.reproduce import read_report, run_themes, workbench_cell

REPORT = reference_dir() / "reproduction.md"


def test_every_theme_has_a_section_with_rows():
    report = read_report(REPORT)
    assert [m.theme for m in list_manifests()] == list(report)
    assert all(report[theme] for theme in report)


def test_quick_rows_equal_the_committed_rows_made_at_the_same_scale():
    committed = read_report(REPORT)
    compared, differ = 0, []
    for run in run_themes(quick=True):
        rows = {(r["claim"], r["quantity"], r["scale used"]): r for r in committed[run.theme]}
        for row in run.rows:
            old = rows.get((row.claim, row.quantity, row.scale.replace("|", "/")))
            if row.measured or old is None:
                continue
            compared += 1
            if (workbench_cell(row), row.verdict) != (old["workbench"], old["within tolerance"]):
                differ.append(f"{run.theme} {row.claim} {row.quantity}: now {workbench_cell(row)} ({row.verdict}), "
                              f"committed {old['workbench']} ({old['within tolerance']})")
    assert not differ, "regenerate with `workbench reproduce THEME`:\n" + "\n".join(differ)
    assert compared >= 10, f"only {compared} rows are computed at the same scale in quick and full runs"
