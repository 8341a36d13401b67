"""`--record DIR` keeps what a source delivered; `--replay DIR` plays it back to the same snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from live_fakes import BybitSession, FakeClock, OpenSocket, YahooSession, bybit_client, load_chart

from cockpit.cli import main
from cockpit.config import load_config
from cockpit.models import SourceKind
from cockpit.snapshot import build_snapshot, snapshot_json
from cockpit.sources.live import build_live_source
from cockpit.sources.recorder import POLLS_FILE, RecordingSource, load_recording, wrap_for_recording
from cockpit.sources.replay import FileSource
from cockpit.sources.simulator import SimulatorSource


class QuietStream:
    """A liquidation stream that connects and never hears anything."""

    has: dict[str, Any] = {"watchLiquidations": True}
    clients: dict[str, Any] = {"wss://stream": OpenSocket()}

    async def watch_liquidations(self, symbol: str) -> list[Any]:
        import asyncio

        await asyncio.Event().wait()
        return []

    async def close(self) -> None:
        return None


def comparable(payload: dict[str, Any]) -> dict[str, Any]:
    """Everything but the source kind, which honestly says 'replay'."""
    return {k: v for k, v in payload.items() if k != "source"}


def snap(state: Any) -> dict[str, Any]:
    config = load_config()
    return snapshot_json(build_snapshot(state, config.profile("swing"), config.universe))


def test_snapshot_demo_recorded_then_replayed_is_the_same(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "rec"
    assert main(["snapshot", "--demo", "--json", "--record", str(folder)]) == 0
    recorded = json.loads(capsys.readouterr().out)
    assert main(["snapshot", "--replay", str(folder), "--json"]) == 0
    replayed = json.loads(capsys.readouterr().out)
    assert replayed["source"] == "replay" and recorded["source"] == "demo"
    assert comparable(replayed) == comparable(recorded)
    assert main(["snapshot", "--data", str(folder), "--json"]) == 0  # a recording is also plain bar data
    assert comparable(json.loads(capsys.readouterr().out)) == comparable(recorded)


def test_every_recorded_moment_replays_exactly(tmp_path: Path) -> None:
    simulator = SimulatorSource(speed=1.0)
    simulator.paused = True
    recorder = RecordingSource(simulator, tmp_path / "rec")
    recorded = []
    for _ in range(4):
        recorded.append(snap(recorder.poll()))
        recorder.step(7)
    replay = FileSource(tmp_path / "rec", kind=SourceKind.REPLAY)
    recording = load_recording(tmp_path / "rec")
    assert recording is not None and len(recording.polls) == 4
    for poll, expected in zip(recording.polls, recorded, strict=True):
        assert comparable(snap(replay.state_at(poll.as_of))) == comparable(expected)
    parts = sorted((tmp_path / "rec").glob("bars-*.parquet"))
    assert len(parts) == 4 and parts[0].stat().st_size > parts[1].stat().st_size  # later parts: new bars only


def test_live_recording_replays_to_the_same_snapshots(tmp_path: Path) -> None:
    import yfinance as yf

    yf.set_tz_cache_location(str(tmp_path / "yf"))
    clock = FakeClock()
    yahoo = YahooSession({s: load_chart(s) for s in ("ES=F", "^TNX", "DX-Y.NYB", "NVDA", "ZQ=F")})
    live = build_live_source(load_config(), data_folder=tmp_path / "data", now=clock.now,
                             yahoo_session_factory=lambda: yahoo,
                             exchange_factory=lambda: bybit_client(BybitSession()), stream_factory=QuietStream)
    source = wrap_for_recording(live, tmp_path / "rec")
    first = snap(source.poll())
    clock.advance(3600)
    second = snap(source.poll())
    source.close()
    replay = FileSource(tmp_path / "rec", kind=SourceKind.REPLAY)
    assert comparable(snap(replay.poll())) == comparable(second)  # --replay starts at the last recorded moment
    recording = replay.recording
    assert recording is not None
    assert comparable(snap(replay.state_at(recording.polls[0].as_of))) == comparable(first)
    assert first["freshness"]["yahoo"]["state"] == "ok"


def test_recorder_is_transparent_to_the_simulator_checks(tmp_path: Path) -> None:
    simulator = SimulatorSource(speed=1.0)
    recorder = wrap_for_recording(simulator, tmp_path / "rec")
    assert isinstance(recorder, SimulatorSource)
    recorder.paused = True  # type: ignore[attr-defined]
    assert simulator.paused is True
    assert recorder.end == simulator.end  # type: ignore[attr-defined]


def test_recording_into_a_foreign_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("mine")
    assert main(["snapshot", "--demo", "--record", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a recording" in err


def test_recording_continues_an_existing_one(tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    for _ in range(2):
        simulator = SimulatorSource(speed=1.0)
        simulator.paused = True
        RecordingSource(simulator, folder).poll()
    lines = (folder / POLLS_FILE).read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2]
    assert json.loads(lines[1])["part"] is None  # nothing new the second time
