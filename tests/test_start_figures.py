"""The simulator keeps its first judged figures by what decides them; the next start draws them at once.

A seeded scenario at a start offset is the same market at every start, so its first judged snapshot is too.
The key must be the same text in every process: a profile's set of rules printed with `repr` follows the
process's string hashing and gave a new key at every start, so no start ever found its figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_app_helpers import AT, cockpit, make_app, settle, settle_ui, simulator

from cockpit.config import load_config
from cockpit.kinds import ProfileName, SourceKind
from cockpit.messages import SnapshotComputed
from cockpit.models import Snapshot, to_plain
from cockpit.snapshot import build_snapshot
from cockpit.sources.simulator import get_scenario
from cockpit.start_figures import StartFigures, canonical, keep_start_figures, read_start_figures, simulated_start
from cockpit.universe import Universe

CONFIG = load_config(Path("/nonexistent/config.toml"))
PROFILE = CONFIG.profile(ProfileName.SWING)
SCENARIO = get_scenario("cascade-2026-01")
HOUR = timedelta(hours=1)


def start_of(folder: Path, offset: timedelta = AT, seed: int = 7) -> StartFigures:
    return simulated_start(folder, SCENARIO, seed, offset, SCENARIO.start + offset, 720.0)


def first_snapshot(offset: timedelta = AT) -> Snapshot:
    return build_snapshot(simulator(offset).poll(), PROFILE, CONFIG.universe)


KEY_IN_A_PROCESS = """
from datetime import timedelta
from pathlib import Path
from cockpit.config import load_config
from cockpit.kinds import ProfileName
from cockpit.sources.simulator import get_scenario
from cockpit.start_figures import simulated_start
config = load_config(Path("/nonexistent/config.toml"))
scenario = get_scenario("cascade-2026-01")
start = simulated_start(Path("."), scenario, 7, timedelta(hours=46), scenario.start + timedelta(hours=46), 720.0)
print(start.key(config.profile(ProfileName.SWING), config.universe))
"""


def test_the_key_is_the_same_text_in_every_process() -> None:
    keys = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", KEY_IN_A_PROCESS], env=env, capture_output=True, text=True,
                              check=True)
        keys.add(done.stdout.strip())
    assert len(keys) == 1
    assert keys == {start_of(Path(".")).key(PROFILE, CONFIG.universe)}
    assert PROFILE.rules and isinstance(PROFILE.rules, frozenset)  # what made the repr differ


def test_a_set_is_written_in_one_order() -> None:
    assert canonical(frozenset({"b", "a", "c"})) == canonical(frozenset({"c", "b", "a"})) == "{'a', 'b', 'c'}"
    assert canonical({"y": 1, "x": (2, 3)}) == "{'x': [2, 3], 'y': 1}"


def test_the_key_changes_with_everything_that_decides_the_figures(tmp_path: Path) -> None:
    key = start_of(tmp_path).key(PROFILE, CONFIG.universe)
    assert start_of(tmp_path, seed=8).key(PROFILE, CONFIG.universe) != key
    assert start_of(tmp_path, AT + HOUR).key(PROFILE, CONFIG.universe) != key
    assert start_of(tmp_path).key(CONFIG.profile(ProfileName.SHORT), CONFIG.universe) != key
    assert start_of(tmp_path).key(replace(PROFILE, oi_reset_pct=9.0), CONFIG.universe) != key
    assert start_of(tmp_path).key(PROFILE, Universe(leaders=("NVDA",))) != key
    calm = get_scenario("calm")
    assert simulated_start(tmp_path, calm, 7, AT, calm.start + AT, 720.0).key(PROFILE, CONFIG.universe) != key
    # the clock's speed only moves the first poll by simulated seconds: the same figures
    assert replace(start_of(tmp_path), speed=3600.0).key(PROFILE, CONFIG.universe) == key


def test_kept_start_figures_read_back_only_under_their_key_in_the_start_hour(tmp_path: Path) -> None:
    start, snap = start_of(tmp_path), first_snapshot()
    key = start.key(PROFILE, CONFIG.universe)
    path = keep_start_figures(start, snap, key)
    assert path == tmp_path / "start-swing.json" and not list(tmp_path.glob(".*.tmp"))
    back = read_start_figures(start, PROFILE, key)
    assert back is not None and back.judged and to_plain(back) == to_plain(replace(snap, history=()))
    assert [f.id for f in back.flags] == [f.id for f in snap.flags] and snap.flags
    assert read_start_figures(start, PROFILE, "another key") is None
    assert read_start_figures(start, CONFIG.profile(ProfileName.SHORT), key) is None  # no file for that profile
    payload = json.loads(path.read_text())
    late = replace(snap, as_of=start.start + HOUR)  # the first poll came an hour on: other bars
    keep_start_figures(start, late, key)
    assert read_start_figures(start, PROFILE, key) is None
    keep_start_figures(start, replace(snap, source=SourceKind.LIVE), key)
    assert read_start_figures(start, PROFILE, key) is None
    keep_start_figures(start, replace(snap, judged=False), key)
    assert read_start_figures(start, PROFILE, key) is None
    path.write_text(json.dumps(payload)[:-40])  # cut short
    assert read_start_figures(start, PROFILE, key) is None


def judged_snapshots(monkeypatch: pytest.MonkeyPatch) -> list[Snapshot]:
    """Every snapshot posted to the screen from now on, in order."""
    seen: list[Snapshot] = []
    original = SnapshotComputed.__init__

    def recording(self: SnapshotComputed, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        seen.append(self.snapshot)

    monkeypatch.setattr(SnapshotComputed, "__init__", recording)
    return seen


async def test_the_first_start_keeps_its_figures_and_the_next_draws_them_before_the_source_is_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    start = start_of(tmp_path)
    key = start.key(PROFILE, CONFIG.universe)
    app = make_app(lambda: simulator())
    app.start_figures = lambda: start
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        first = cockpit(app).snapshot
    kept = read_start_figures(start, PROFILE, key)
    assert first is not None and kept is not None and kept.as_of == first.as_of == start.start
    assert to_plain(kept) == to_plain(replace(first, history=()))

    gate = threading.Event()

    def held() -> Any:  # the source is not built while we look
        gate.wait(30.0)
        return simulator()

    posted = judged_snapshots(monkeypatch)
    app = make_app(held)
    app.start_figures = lambda: start
    async with app.run_test(size=(160, 45)) as pilot:
        screen = cockpit(app)
        await settle_ui(pilot, lambda: screen.snapshot is not None)
        shown = screen.snapshot
        assert shown is not None and shown.judged and to_plain(shown) == to_plain(kept)
        assert screen.feed is not None and screen.feed.source is None  # still being built
        flags = screen.query_one("#flags")
        assert shown.flags and shown.flags[0].id.value in str(flags.render()) + " ".join(
            str(w.render()) for w in flags.query("*"))
        gate.set()
        await settle(pilot, lambda: len(posted) >= 2)
        assert all(s.judged for s in posted)  # no preview of figures already shown
        assert screen.snapshot is not None and screen.snapshot.as_of == start.start
        assert to_plain(screen.snapshot.flags) == to_plain(kept.flags)  # the same figures (as JSON rounds them)


async def test_a_screen_without_a_kept_start_keeps_none_when_the_clock_moved_an_hour(tmp_path: Path) -> None:
    start = start_of(tmp_path, AT - HOUR)  # the source starts an hour later than these start figures say
    app = make_app(lambda: simulator())
    app.start_figures = lambda: start
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
    key = start.key(PROFILE, CONFIG.universe)
    assert (tmp_path / "start-swing.json").exists()  # kept as the worker saw them...
    assert read_start_figures(start, PROFILE, key) is None  # ...and never shown: not the start hour's bars
