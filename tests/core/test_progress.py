import threading

import pytest

from workbench.core.progress import Cancelled, Reporter, check_cancelled, reporting, track


def test_track_reports_each_step_to_the_active_reporter():
    updates = []
    with reporting(Reporter(callback=lambda d, t, s: updates.append((d, t, s)))):
        assert list(track(range(3), description="epochs")) == [0, 1, 2]
    assert updates == [(0, 3, "epochs"), (1, 3, "epochs"), (2, 3, "epochs"), (3, 3, "epochs")]


def test_cancel_stops_between_items():
    cancel = threading.Event()
    done = []
    with reporting(Reporter(cancel=cancel)):
        with pytest.raises(Cancelled):
            for i in track(range(10), description="batches"):
                done.append(i)
                if i == 2:
                    cancel.set()
        with pytest.raises(Cancelled):
            check_cancelled()
    assert done == [0, 1, 2]
    check_cancelled()  # no reporter outside the context: nothing to cancel


def test_without_reporter_track_is_a_plain_iteration():
    assert list(track(iter("abc"), description="x")) == ["a", "b", "c"]
