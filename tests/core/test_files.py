import os
import stat

import pytest

from workbench.core.files import atomic_write


def test_atomic_write_round_trips_text_and_bytes(tmp_path):
    assert atomic_write(tmp_path / "a" / "t.txt", "héllo").read_text() == "héllo"
    assert atomic_write(tmp_path / "b.bin", b"\x00\x01").read_bytes() == b"\x00\x01"


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = atomic_write(tmp_path / "f.txt", "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]  # the temporary file was removed


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_atomic_write_gives_the_umask_permissions_of_a_new_file(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        first = stat.S_IMODE(atomic_write(tmp_path / "fig.svg", "<svg/>").stat().st_mode)
        again = stat.S_IMODE(atomic_write(tmp_path / "fig.svg", "<svg></svg>").stat().st_mode)
    finally:
        os.umask(previous)
    assert first == again == mode
