"""Tests for how the dashboards read at 1000-1400 px, checked in-process (the browser side is in
``tests/browser/test_voila.py``): wrapping labels and rows, the export folder, and a Run's progress across phases."""

import pytest
from sample_studies import LENS

from workbench.core import Float, Int, Metric, Study
from workbench.core.store import ResultStore
from workbench.ui import Explorer, SweepPanel, ViewPanel, knob_widget
from workbench.ui.display import FIGURES_ENV, LABEL_WIDTH, STYLESHEET, default_export_dir
from workbench.ui.explorer import PHASE_SHARE


def staged(epochs: int) -> dict:
    return {"loss": 1.0 / epochs}


TRAIN = Study(name="uilayout.train", theme="uitest", func=staged, cost="batch",
              knobs=(Int("epochs", 3, low=1, high=9),),
              metrics=(Metric("loss", better="min", label="loss"),))


def test_knob_widgets_have_a_wrapping_label_column():
    widget = knob_widget(Float("n_prune_every", 21.0, low=1.0, high=50.0, unit="epochs", label="n (prune every)"))
    assert widget.description == "n (prune every) (epochs)"  # the whole title, never shortened
    assert widget.style.description_width == LABEL_WIDTH and "wb-knob" in widget._dom_classes
    assert ".wb-knob > .widget-label" in STYLESHEET and "white-space: normal" in STYLESHEET


@pytest.mark.parametrize("build", [lambda: Explorer(LENS, debounce_s=0), lambda: SweepPanel(LENS, store=None)],
                         ids=["explorer", "sweep_panel"])
def test_dashboards_carry_the_stylesheet_and_wrapping_rows(build):
    board = build()
    assert "wb-dashboard" in board._dom_classes
    assert STYLESHEET in board.children[0].value
    rows = [child for child in board.children if "wb-row" in getattr(child, "_dom_classes", ())]
    assert rows and all(row.layout.flex_flow == "row wrap" for row in rows)


def test_export_folder_is_beside_the_store_or_configured(tmp_path, monkeypatch):
    monkeypatch.delenv(FIGURES_ENV, raising=False)
    store = ResultStore(tmp_path / "results" / "store")
    explorer = Explorer(TRAIN, store=store)
    assert explorer.export_bar.folder == (tmp_path / "results" / "figures").resolve()
    assert explorer.export_bar.path.value.startswith(str(tmp_path))
    monkeypatch.setenv(FIGURES_ENV, str(tmp_path / "mine"))
    assert default_export_dir(store) == (tmp_path / "mine").resolve()
    assert Explorer(TRAIN, store=store).export_bar.folder == (tmp_path / "mine").resolve()
    assert ViewPanel.__init__.__kwdefaults__["export_dir"] is None  # the view panel uses the same default


def test_export_names_the_folder_in_full_for_a_bare_name(tmp_path, monkeypatch):
    monkeypatch.setenv(FIGURES_ENV, str(tmp_path / "figs"))
    explorer = Explorer(LENS, x="weight_g", y="brightness", debounce_s=0)
    explorer.export_bar.path.value = "lens"
    assert explorer.export_bar.stem() == (tmp_path / "figs" / "lens").resolve()


def test_progress_never_goes_back_between_phases(store):
    explorer = Explorer(TRAIN, store=store)
    seen = []
    explorer.progress.observe(lambda change: seen.append(change["new"]), names="value")
    for done in range(0, 63, 7):
        explorer._on_progress(done, 100, "training")
    at_switch = explorer.progress.value
    assert explorer.progress_label.value == "phase 1: training (56/100)"
    for done in range(0, 11):
        explorer._on_progress(done, 10, "programming crossbars")
    # training ended at 56 % of its share; the second phase fills PHASE_SHARE of what was left; the bar is full only
    # when the point is (issue 28: it was full at "programming crossbars 1/4")
    assert at_switch == pytest.approx(0.56 * PHASE_SHARE)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(at_switch + (1 - at_switch) * PHASE_SHARE)
    assert seen[-1] < 1
    assert explorer.progress_label.value == "phase 2: programming crossbars (10/10)"


def _interactive_studies() -> list[str]:
    from workbench.core import get_study, list_studies

    return [name for name in list_studies() if get_study(name).cost == "interactive"]


@pytest.mark.parametrize("name", _interactive_studies())
def test_fitting_a_spec_to_its_widget_equals_fitting_the_chart(name):
    """A redraw sizes the chart's Vega-Lite dict to its widget (display.fit_width_spec) instead of copying the chart
    through Altair (display.fit_width): the two give the same spec for every interactive study's default chart."""
    from workbench.core import get_study
    from workbench.ui import display

    chart = Explorer(get_study(name), debounce_s=0).current_chart()
    assert display.fit_width_spec(chart.to_dict(validate=False)) == display.fit_width(chart).to_dict(validate=False)
