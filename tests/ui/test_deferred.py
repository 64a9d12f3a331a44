"""Deferred sections: a dashboard section built when the reader nears it holds almost no widgets until then, is
built once (on the placeholder's message, on request, or by ``build_all``), and shows a build error in its place.
The browser side (placeholders and charts drawn as they near the visible page) is checked by tests/browser."""

import asyncio

import ipywidgets as widgets
from sample_studies import LENS

from workbench.ui import Deferred, Explorer, ViewPanel, build_all
from workbench.ui.deferred import QUIET_S


def widget_models() -> int:
    return len(widgets.Widget.get_manager_state(drop_defaults=True)["state"])


def near(section: Deferred) -> None:
    """What the browser sends when the placeholder comes within a window height of the visible page."""
    section.placeholder._handle_custom_msg({"event": "near"}, [])


def test_a_deferred_section_holds_a_few_widgets_until_the_reader_nears_it(store):
    before = widget_models()
    section = Explorer.deferred(LENS, x="weight_g", y="brightness", store=store)
    placeholder_models = widget_models() - before
    assert not section.built and section.children == (section.placeholder,)
    assert "sample.lens" in section.placeholder.label and "wb-deferred" in section.placeholder._dom_classes
    before = widget_models()
    near(section)
    explorer = section.children[0]
    assert isinstance(explorer, Explorer) and section.panel is explorer and explorer.chart.spec is not None
    assert widget_models() - before > 5 * placeholder_models  # what the deferral saves at page open
    near(section)  # a second message (another view of the page) builds nothing new
    assert section.panel is explorer


def test_build_all_builds_what_is_pending_and_reports_failures(store):
    good = ViewPanel.deferred("sample.lens_curve", store=store)
    bad = ViewPanel.deferred("sample.no_such_view", store=store)
    errors = build_all()
    assert isinstance(good.panel, ViewPanel) and good.error is None
    assert bad.panel is None and errors == [bad.error]
    assert "sample.no_such_view could not be built: UnknownName: no view named 'sample.no_such_view'" in bad.error
    shown = bad.children[0]
    assert "wb-error" in shown.value and "wb-dashboard" in shown._dom_classes
    assert build_all() == []  # nothing left pending


def test_a_section_neared_while_the_reader_turns_knobs_waits_until_they_are_quiet(store):
    """Issue 28: the first knob change after an open waited 1-2 s for the section below being built."""
    first = Explorer(LENS, x="weight_g", y="brightness", store=store, debounce_s=0)
    section = Explorer.deferred(LENS, x="weight_g", y="brightness", store=store)

    async def reader():
        first.controls.widgets["focal_mm"].value = 80.0  # a knob edit, then the section below nears
        near(section)
        assert not section.built  # the kernel stays free for the next knob change
        await asyncio.sleep(QUIET_S / 2)
        first.controls.widgets["focal_mm"].value = 90.0
        await asyncio.sleep(QUIET_S * 0.9)
        assert not section.built  # each edit restarts the quiet period
        await asyncio.sleep(QUIET_S * 0.6)
        return section.built

    assert asyncio.run(reader())


def test_sections_near_the_window_at_page_open_wait_for_a_knob_turned_at_once(store, monkeypatch):
    """Issue 28: the first knob change after an open waited for the sections below the first being built (sparce
    and dyvedeep: 0.4-0.7 s); the page's first placeholder message counts as a knob edit."""
    from workbench.ui import deferred

    monkeypatch.setattr(deferred, "_page_opened", [False])
    monkeypatch.setattr(deferred, "_last_edit", [-float("inf")])
    first = Explorer(LENS, x="weight_g", y="brightness", store=store, debounce_s=0)
    below = [Explorer.deferred(LENS, x="weight_g", y="brightness", store=store) for _ in range(2)]

    async def reader():
        for section in below:  # the page draws and its placeholders near the window
            near(section)
        await asyncio.sleep(QUIET_S / 4)
        waiting = [section.built for section in below]
        first.controls.widgets["focal_mm"].value = 80.0  # answered at once: nothing is being built
        await asyncio.sleep(QUIET_S * 1.5)
        later = Explorer.deferred(LENS, x="weight_g", y="brightness", store=store)
        near(later)  # a later placeholder, the knobs quiet, builds at once
        return waiting, [section.built for section in below], later.built

    assert asyncio.run(reader()) == ([False, False], [True, True], True)
