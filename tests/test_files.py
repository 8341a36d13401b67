"""Files written whole or not at all (`cockpit.files`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cockpit.files import write_text_atomic


def test_a_written_file_has_the_permissions_of_any_new_file(tmp_path: Path) -> None:
    """An exported review is read by other tools: not the owner-only mode of a private temporary file."""
    folder = tmp_path / "out"
    folder.mkdir()
    umask = os.umask(0o022)
    try:
        write_text_atomic(folder / "review.md", "# review\n")
    finally:
        os.umask(umask)
    assert (folder / "review.md").read_text(encoding="utf-8") == "# review\n"
    assert (folder / "review.md").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in folder.iterdir()] == ["review.md"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "review.md"
    target.write_text("old\n", encoding="utf-8")

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        write_text_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in folder.iterdir()] == ["review.md"]
