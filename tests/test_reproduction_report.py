"""The committed reproduction report is what the code computes now (issue 9: stored results are current results).

The full report takes about an hour on two cores, so this recomputes every theme at its quick scale and compares the
rows that the quick and the full run compute at the same scale (same claim, quantity and scale). Exact rows (analytic
and counted) must be equal. A row over repeated trained runs (shown as mean [CI]) moves with the processor that trains
it (issue 23), so it is compared by verdict and by overlap of its interval with the committed one. Wall-clock rows
differ by machine and are skipped.
"""

from workbench.core.manifest import list_manifests
from workbench.core.paths import reference_dir
from workbench.core.reproduce import Interval, read_report, run_themes, workbench_cell

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
            committed_interval = Interval.parse(old["workbench"])
            if row.interval is not None and committed_interval is not None:
                agree = row.verdict == old["within tolerance"] and row.interval.overlaps(committed_interval)
            else:
                agree = (workbench_cell(row), row.verdict) == (old["workbench"], old["within tolerance"])
            if not agree:
                differ.append(f"{run.theme} {row.claim} {row.quantity}: now {workbench_cell(row)} ({row.verdict}), "
                              f"committed {old['workbench']} ({old['within tolerance']})")
    assert not differ, "regenerate with `workbench reproduce THEME`:\n" + "\n".join(differ)
    assert compared >= 10, f"only {compared} rows are computed at the same scale in quick and full runs"
