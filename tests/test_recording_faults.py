"""A recorder that fails alone (full disk) and a reader that keeps every complete line of a torn recording."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from test_app_helpers import cached_simulator, cockpit, make_app, settle, simulator  # noqa: F401

from cockpit.errors import DataError
from cockpit.sources.recorder import POLLS_FILE, Recording, RecordingSource
from cockpit.sources.replay import FileSource
from cockpit.sources.simulator import SimulatorSource
from cockpit.widgets.header import CockpitHeader


def paused_simulator() -> SimulatorSource:
    source = SimulatorSource(speed=1.0)
    source.paused = True
    return source


@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Parquet write fails the way a full disk makes it fail."""

    def full(self: pl.DataFrame, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)


def test_a_full_disk_stops_the_recording_and_the_figures_keep_coming(tmp_path: Path, disk_full: None) -> None:
    recorder = RecordingSource(paused_simulator(), tmp_path / "rec")
    for _ in range(3):
        state = recorder.poll()  # never raises
        assert state.bars.height > 0
        notes = [h for h in state.health if h.name == "recording"]
        assert len(notes) == 1 and notes[0].error is not None
        assert notes[0].error.startswith("recording stopped: disk full")
        assert not notes[0].stale  # the figures are not stale because the recording stopped
        assert [h.state for h in state.health if h.name != "recording"] == ["ok"]


def test_polars_reporting_a_full_disk_reads_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: pl.DataFrame, *args: object, **kwargs: object) -> None:
        raise pl.exceptions.ComputeError("failed to write: No space left on device (os error 28)")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    state = RecordingSource(paused_simulator(), tmp_path / "rec").poll()
    assert any(h.error and "recording stopped: disk full" in h.error for h in state.health)


async def test_the_screen_keeps_its_figures_and_says_recording_stopped(tmp_path: Path, disk_full: None) -> None:
    app = make_app(lambda: RecordingSource(simulator(), tmp_path / "rec"))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        assert screen.trouble is None  # not "SOURCE FAILING"
        header = str(screen.query_one(CockpitHeader).visual)
        assert "recording stopped: disk full" in header and "SOURCE FAILING" not in header
        assert "US10Y" in screen.query_one("#macro").figures_text  # type: ignore[attr-defined]


def record(folder: Path, polls: int) -> None:
    source = paused_simulator()
    recorder = RecordingSource(source, folder)
    for _ in range(polls):
        recorder.poll()
        source.step(3)


def test_a_torn_last_line_keeps_every_complete_line_and_can_be_appended(tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    record(folder, 3)
    with (folder / POLLS_FILE).open("ab") as handle:
        handle.write(b'{"seq":4,"as_of":"2026-01-2')  # power cut mid-line
    recording = Recording(folder)
    assert [p.seq for p in recording.polls] == [1, 2, 3]
    assert FileSource(folder).poll().bars.height > 0  # --replay and --data read it
    record(folder, 2)  # --record continues it
    lines = (folder / POLLS_FILE).read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3, 4, 5]
    assert [p.seq for p in Recording(folder).polls] == [1, 2, 3, 4, 5]


def test_a_torn_multibyte_tail_is_dropped_too(tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    record(folder, 1)
    with (folder / POLLS_FILE).open("ab") as handle:
        handle.write('{"label":"é'.encode()[:-1])
    assert len(Recording(folder).polls) == 1


def test_a_damaged_line_in_the_middle_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    record(folder, 2)
    lines = (folder / POLLS_FILE).read_text().splitlines()
    (folder / POLLS_FILE).write_text(lines[0] + "\n{garbage\n" + lines[1] + "\n")
    with pytest.raises(DataError, match=r"polls.jsonl:2"):
        Recording(folder)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 128 KiB tmpfs (needs root and mount rights; skipped otherwise)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_record_on_a_really_full_disk_still_answers(tiny_disk: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-m", "cockpit", "snapshot", "--demo", "--json", "--record",
                           str(tiny_disk / "rec")], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["freshness"]["recording"]["error"].startswith("recording stopped: disk full")
    assert [v["state"] for k, v in payload["freshness"].items() if k != "recording"] == ["ok"]
    assert "Traceback" not in done.stderr


def test_the_recorder_keeps_its_seen_rows_in_one_chunk(tmp_path: Path) -> None:
    """Hundreds of small concats left hundreds of chunks alive: memory grew 8 MB per simulated day."""
    source = paused_simulator()
    recorder = RecordingSource(source, tmp_path / "rec")
    for _ in range(5):
        recorder.poll()
        source.step(1)
    seen = object.__getattribute__(recorder, "_seen")
    assert seen.n_chunks() == 1
