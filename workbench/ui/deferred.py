"""Dashboard sections built when the reader nears them, so a page opens on its first section in seconds.

A page's open time grows with the widgets it holds: every widget's state crosses the kernel's websocket and is
rebuilt in the browser before the first chart shows (crossbars: 818 widget models, 5.4 s from page open to first
chart on the 2-core machine; the first section alone: 2.6 s). A notebook builds its first section as usual and the
later ones with ``Explorer.deferred(...)`` / ``ViewPanel.deferred(...)``: each stands in as a placeholder of about a
section's height and is built in the kernel when the placeholder comes within one window height of the visible
part of the page (so scrolling finds it ready), or at once when code asks for it (:attr:`Deferred.panel`).

A knob change goes first: a section asked for within :data:`QUIET_S` of the reader's last knob edit is built once
the knobs have been quiet that long (right after a page opens, the section below the first is asked for at once,
and building it made the first knob change wait 1-2 s; issue 28). The page's opening counts as an edit: the first
placeholder message a kernel receives comes from a page that has just drawn its first section, whose reader may
turn a knob at once (the sections near the window took 0.4-0.7 s to build on sparce and dyvedeep, which the first
knob change waited for).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets

from workbench.ui.display import WHEN_NEAR_JS, status_html

PLACEHOLDER_HEIGHT_PX = 420
"""Height a section holds before it is built (about an Explorer's), so the sections below it start out of view."""


class NearWindow(anywidget.AnyWidget):
    """A placeholder that tells the kernel once it comes within one window height of the visible page."""

    _esm = WHEN_NEAR_JS + """
function render({model, el}) {
  el.style.minHeight = `${model.get("height_px")}px`;
  el.style.color = "#555";
  el.textContent = model.get("label");
  whenNear(el, "100% 0px", () => model.send({event: "near"}));
}
export default {render};
"""
    label = traitlets.Unicode("").tag(sync=True)
    height_px = traitlets.Int(PLACEHOLDER_HEIGHT_PX).tag(sync=True)


_PENDING: weakref.WeakSet[Deferred] = weakref.WeakSet()

QUIET_S = 1.0
"""Seconds without a knob edit before a section the reader nears is built (the kernel answers knobs first)."""

_last_edit = [-float("inf")]
_page_opened = [False]


def note_knob_edit() -> None:
    """Record that the reader just edited a knob (deferred builds wait until the knobs are quiet)."""
    _last_edit[0] = time.monotonic()


def _when_quiet(action: Callable[[], Any]) -> None:
    """Run ``action`` once no knob has been edited for :data:`QUIET_S`: now, if so (or outside an event loop), else
    later on the kernel's event loop."""
    wait = _last_edit[0] + QUIET_S - time.monotonic()
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if wait <= 0 or loop is None:
        action()
    else:
        loop.call_later(wait, _when_quiet, action)


class Deferred(widgets.VBox):
    """A dashboard section built by ``build`` when its placeholder nears the window (or :attr:`panel` is read).

    Parameters
    ----------
    build : callable
        Makes the section's widget (an Explorer, ViewPanel or SweepPanel).
    label : str
        What the placeholder says it stands for (the study or view name).
    """

    def __init__(self, build: Callable[[], widgets.Widget], label: str) -> None:
        self._build = build
        self._panel: widgets.Widget | None = None
        self.label = label
        self.error: str | None = None
        self.placeholder = NearWindow(label=f"Loading {label} …")
        self.placeholder.add_class("wb-deferred")
        self.placeholder.on_msg(lambda widget, content, buffers: self._near())
        super().__init__([self.placeholder])
        _PENDING.add(self)

    def _near(self) -> None:
        """The placeholder came near the visible page: build once the knobs are quiet (the first such message of a
        kernel is its page opening, which counts as a knob edit)."""
        if not _page_opened[0]:
            _page_opened[0] = True
            note_knob_edit()
        _when_quiet(self.build)

    @property
    def built(self) -> bool:
        return self._panel is not None or self.error is not None

    @property
    def panel(self) -> widgets.Widget | None:
        """The section, built now if it has not been (:meth:`build`)."""
        return self.build()

    def build(self) -> widgets.Widget | None:
        """Build the section in the placeholder's place, once; the section, or ``None`` when building failed (the
        reason is shown in its place and kept in :attr:`error`)."""
        if not self.built:
            _PENDING.discard(self)
            try:
                self._panel = self._build()
            except Exception as error:  # shown in the section's place: the message is what the reader needs
                self.error = f"{self.label} could not be built: {type(error).__name__}: {error}"
                failed = widgets.HTML(status_html(self.error, "error"))
                failed.add_class("wb-dashboard")  # counted with the page's dashboards, as one showing its error
                self.children = [failed]
            else:
                self.children = [self._panel]
            self.placeholder.close()
        return self._panel


def build_all() -> list[str]:
    """Build every section of this kernel still waiting for its reader; the errors of those that failed."""
    sections = list(_PENDING)
    for section in sections:
        section.build()
    return [section.error for section in sections if section.error]


class DeferredBuild:
    """Mixin of the dashboard panels: ``Panel.deferred(*args, **kwargs)`` is ``Panel(*args, **kwargs)`` built when
    the reader nears it (:class:`Deferred`)."""

    @classmethod
    def deferred(cls, *args: Any, **kwargs: Any) -> Deferred:
        subject = args[0] if args else kwargs.get("study", kwargs.get("view", cls.__name__))
        return Deferred(lambda: cls(*args, **kwargs), label=str(getattr(subject, "name", subject)))
