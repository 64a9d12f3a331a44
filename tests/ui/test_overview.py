import sample_studies  # noqa: F401  (registers sample.lens / sample.slow)

from workbench.core.manifest import list_manifests
from workbench.core.registry import list_studies, list_views
from workbench.ui.overview import study_table, study_table_html, theme_table, theme_table_html


def test_study_table_lists_every_registered_study_with_units():
    table = study_table()
    assert sorted(table["study"]) == list_studies()
    lens = table.set_index("study").loc["sample.lens"]
    assert lens["theme"] == "sample" and lens["cost"] == "interactive"
    assert "weight_g (g)" in lens["metrics"] and "aperture_mm" in lens["knobs"]
    assert lens["notebook"] == ""  # the sample theme has no manifest, so no dashboard


def test_theme_table_derives_from_the_manifests_and_links_every_dashboard():
    manifests = list_manifests()
    table = theme_table().set_index("theme")
    assert sorted(table.index) == sorted(m.theme for m in manifests) and len(manifests) >= 3
    for m in manifests:
        row = table.loc[m.theme]
        assert row["notebook"] == m.notebook and m.notebook_path.exists()
        assert row["studies"].split(", ") == list_studies(theme=m.theme)
        assert set(filter(None, row["views"].split(", "))) == set(list_views(theme=m.theme))
    page = theme_table_html()
    assert page.count("<a href=") == len(manifests)
    for m in manifests:
        assert f'<a href="{m.notebook}">' in page


def test_study_links_point_at_their_themes_dashboard():
    table = study_table()
    notebooks = {m.theme: m.notebook for m in list_manifests()}
    themed = table[table["theme"].isin(notebooks)]
    assert len(themed) >= 6 and (themed["notebook"] == themed["theme"].map(notebooks)).all()
    page = study_table_html(table)
    assert page.count("<tr>") == len(table) + 1
    assert page.count("<a href=") == len(themed)
