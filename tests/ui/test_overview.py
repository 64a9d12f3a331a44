import sample_studies  # noqa: F401  (registers sample.lens / sample.slow)

from workbench.core.registry import list_studies
from workbench.ui.overview import THEME_NOTEBOOKS, study_table, study_table_html


def test_table_lists_every_registered_study_with_units():
    table = study_table()
    assert sorted(table["study"]) == list_studies()
    lens = table.set_index("study").loc["sample.lens"]
    assert lens["theme"] == "sample" and lens["cost"] == "interactive"
    assert "weight_g (g)" in lens["metrics"] and "aperture_mm" in lens["knobs"]
    assert lens["notebook"] == ""  # the sample theme has no dashboard


def test_links_point_only_at_existing_theme_notebooks():
    from workbench.core.paths import PROJECT_ROOT

    table = study_table()
    for row in table.itertuples():
        if row.notebook:
            assert row.notebook == THEME_NOTEBOOKS[row.theme]
            assert (PROJECT_ROOT / "notebooks" / row.notebook).exists()
    html = study_table_html(table)
    assert html.count("<tr>") == len(table) + 1
    assert html.count("<a href=") == int((table["notebook"] != "").sum())
