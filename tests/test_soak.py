"""Soak: 30 simulated days through the real screen, with a flaky source and a recording (marked `soak`).

Run with `python -m pytest tests/test_soak.py -m soak -s`; it prints its figures. The source steps one hour
per poll; it drops out (raises) in scripted outages and reports its venue stale in others. After every
outage the first good poll must leave no pane stale; live Python objects must not pile up, memory must level
off, and threads and open files must stay constant.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_app_helpers import cockpit, make_app, settle

from cockpit.models import MarketState, SourceHealth, SourceKind
from cockpit.sources.recorder import Recording, RecordingSource
from cockpit.sources.simulator import SimulatorSource
from cockpit.sources.simulator.scenarios import SCENARIOS, Scenario

pytestmark = pytest.mark.soak

DAYS = 30
HOURS = DAYS * 24
WARM_UP = 8 * 24  # caches (DataTable, polars, Textual) fill during the first simulated week
DOWN = {h for start in range(50, HOURS, 97) for h in range(start, start + 6)}  # 6 h outages, every ~4 days
STALE = {h for start in range(120, HOURS, 131) for h in range(start, start + 4)}  # venue stale 4 h


class FlakySource:
    """The simulator, one hour per poll: raising during outages, its crypto venue stale in others."""

    kind = SourceKind.DEMO
    name = "flaky"
    poll_interval_s = 3600.0

    def __init__(self, simulator: SimulatorSource) -> None:
        self.simulator = simulator
        self.calls = 0

    def poll(self) -> MarketState:
        self.calls += 1
        self.simulator.step(1)
        if self.calls in DOWN:
            raise ConnectionError("connection reset by peer")
        state = self.simulator.poll()
        venue = SourceHealth("bybit", 30.0, False, None, "ok", 300.0)
        if self.calls in STALE:
            venue = SourceHealth("bybit", 900.0, True, "cannot reach bybit (network error); retry in 8s",
                                 "stale", 300.0)
        return replace(state, health=(*state.health, venue))

    def close(self) -> None:
        self.simulator.close()


async def handled(pilot: Any, done: Any, rounds: int = 2000) -> None:
    """Pause until `done()` holds, then let the messages it posted land (a failed worker is not re-raised)."""
    for _ in range(rounds):
        await pilot.pause()
        if done():
            await pilot.pause()
            await pilot.pause()
            return
    raise AssertionError("the poll was not handled")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_thirty_simulated_days_with_outages_and_a_recording(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SCENARIOS, "soak-30d", Scenario("soak-30d", "thirty quiet days",
                                                        datetime(2026, 3, 2, tzinfo=UTC), HOURS + 1, {}))
    simulator = SimulatorSource("soak-30d", 7, speed=1.0)
    simulator.paused = True
    flaky = FlakySource(simulator)
    folder = tmp_path / "rec"
    app = make_app(lambda: RecordingSource(flaky, folder))
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    samples: list[tuple[int, float, int]] = []  # (day, RSS MB, live Python objects)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        feed = screen.feed
        assert feed is not None
        was_down = was_stale = False
        recoveries = 0
        for hour in range(2, HOURS + 1):
            polls, failures = feed.polls, feed.failures
            assert feed.request_poll()
            before = (polls, failures)
            await handled(pilot, lambda before=before: not feed.busy and (feed.polls, feed.failures) != before)
            states = {pane.id: pane.view.state for pane in screen.panes()}
            if hour in DOWN:
                assert screen.trouble is not None and "stale" in states.values()
            elif hour in STALE:
                assert states["crypto"] == "stale" and states["macro"] != "stale"
            else:
                assert screen.trouble is None, hour
                assert "stale" not in states.values() and "waiting" not in states.values(), (hour, states)
                recoveries += was_down or was_stale
            was_down, was_stale = hour in DOWN, hour in STALE
            if hour % 48 == 0 and hour >= WARM_UP:
                gc.collect()
                # the live objects, those frozen once start-up was over (cockpit.memory) included
                samples.append((hour // 24, rss_mb(), len(gc.get_objects()) + gc.get_freeze_count()))
            if hour == WARM_UP:
                figures.update(threads_start=threading.active_count(), files_start=open_files())
        figures.update(threads_end=threading.active_count(), files_end=open_files(), recoveries=recoveries)
        assert app.is_running
    figures["seconds"] = time.perf_counter() - started
    recording = Recording(folder)
    figures["recorded_polls"] = len(recording.polls)
    series = ", ".join(f"d{day} {rss:.0f} MB/{objects // 1000}k obj" for day, rss, objects in samples)
    print(f"\nsoak: {DAYS} simulated days, {HOURS - 1} polls in {figures['seconds']:.0f} s; "
          f"{len([h for h in DOWN if h < HOURS])} h down, {len([h for h in STALE if h < HOURS])} h stale, "
          f"{recoveries} recoveries; threads {figures['threads_start']} -> {figures['threads_end']}; "
          f"open files {figures['files_start']} -> {figures['files_end']}; "
          f"{figures['recorded_polls']} polls recorded; after warm-up: {series}")
    assert recoveries >= 10
    assert figures["recorded_polls"] == HOURS - 1 - len([h for h in DOWN if h < HOURS]) + 1
    assert abs(figures["threads_end"] - figures["threads_start"]) <= 1
    assert abs(figures["files_end"] - figures["files_start"]) <= 2
    half = len(samples) // 2
    objects_early, objects_late = samples[0][2], samples[-1][2]
    assert objects_late < objects_early * 1.05  # no Python objects pile up
    assert half > 2
    assert samples[-1][1] - samples[0][1] < 40.0  # memory plateaus after warm-up (it grew 8 MB a day while
    # the recorder's seen-rows series kept every chunk)
