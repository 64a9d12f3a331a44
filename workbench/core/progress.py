"""Progress reporting and cooperative cancellation for long evaluations.

Model code wraps its long loops in :func:`track`; whoever runs the evaluation (CLI, sweep, dashboard) installs a
:class:`Reporter` with :func:`reporting`. The reporter receives ``(done, total, description)`` updates and, when
its ``cancel`` event is set, the next update raises :class:`Cancelled`, so training stops at a clean point.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """Raised inside an evaluation when its reporter's cancel event is set."""


@dataclass
class Reporter:
    """Receives progress updates; ``callback(done, total, description)`` may update a widget or a bar."""

    callback: Callable[[int, int | None, str], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def update(self, done: int, total: int | None, description: str) -> None:
        if self.cancel.is_set():
            raise Cancelled(f"cancelled during {description!r} at step {done}")
        if self.callback is not None:
            self.callback(done, total, description)


_current: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar("workbench_reporter", default=None)


@contextlib.contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Install ``reporter`` for evaluations run in this context (thread)."""
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        _current.reset(token)


def check_cancelled() -> None:
    """Raise :class:`Cancelled` if the active reporter asks to stop."""
    reporter = _current.get()
    if reporter is not None and reporter.cancel.is_set():
        raise Cancelled("cancelled")


def track(iterable: Iterable[T], *, total: int | None = None, description: str = "") -> Iterator[T]:
    """Iterate ``iterable`` reporting progress to the active reporter (a tqdm bar when none is installed).

    Checks for cancellation before each item, so a loop over epochs or batches stops between items.
    """
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    reporter = _current.get()
    if reporter is None:
        from tqdm.auto import tqdm

        yield from tqdm(iterable, total=total, desc=description, leave=False, disable=None)
        return
    reporter.update(0, total, description)
    for done, item in enumerate(iterable, start=1):
        yield item
        reporter.update(done, total, description)
