"""Shared helpers for the app tests: a seeded simulator on a frozen clock, scripted sources, and waiting
for the feed to deliver (by condition, never by sleeping)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

import pytest
from textual.pilot import Pilot

from cockpit.app import CockpitApp
from cockpit.config import Config, load_config
from cockpit.models import MarketState, ProfileName, SourceKind
from cockpit.screens.main import CockpitScreen
from cockpit.sources.simulator import SimulatorSource
from cockpit.sources.simulator.model import generate as _generate
from cockpit.widgets.theme import load_themes

AT = timedelta(hours=46)  # the cascade at the shock's Friday close (22:00 UTC): flags up, the sessions just shut


class FrozenClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@cache
def _bars(scenario: str, seed: int) -> Any:
    from cockpit.sources.simulator.scenarios import SCENARIOS
    from cockpit.universe import Universe

    return _generate(SCENARIOS[scenario], seed, Universe())


@pytest.fixture(autouse=True)
def cached_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generate each (scenario, seed) market once per test session: the app tests build many sources."""
    import cockpit.sources.simulator.model as model

    monkeypatch.setattr(model, "generate", lambda scenario, seed, universe: _bars(scenario.name, seed))


@pytest.fixture
def quick_story(monkeypatch: pytest.MonkeyPatch) -> None:
    """The week's story told from a tenth of a second after a poll, its budgets a tenth apart (the app waits
    five seconds, then one between budgets, so the first figures have the machine to themselves)."""
    import cockpit.feeds as feeds

    monkeypatch.setattr(feeds, "FILL_START_S", 0.1)
    monkeypatch.setattr(feeds, "FILL_PAUSE_S", 0.1)


def simulator(offset: timedelta = AT, clock: Callable[[], float] | None = None, seed: int = 7,
              scenario: str = "cascade-2026-01") -> SimulatorSource:
    """The seeded demo market at `offset`, its clock frozen unless `clock` moves."""
    return SimulatorSource(scenario, seed, start_offset=offset, monotonic=clock or (lambda: 0.0))


class ScriptedSource:
    """A source that replays a script: a MarketState to return, or an exception to raise, per poll."""

    kind = SourceKind.DEMO
    name = "scripted"
    poll_interval_s = 3600.0

    def __init__(self, script: list[MarketState | BaseException], *, repeat_last: bool = True) -> None:
        self.script = list(script)
        self.repeat_last = repeat_last
        self.calls = 0
        self.threads: list[int] = []
        self.gate: threading.Event | None = None
        self.entered = threading.Event()
        self.closed = False

    def poll(self) -> MarketState:
        self.calls += 1
        self.threads.append(threading.get_ident())
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(timeout=10)
        index = min(self.calls - 1, len(self.script) - 1)
        step = self.script[index]
        if isinstance(step, BaseException):
            raise step
        return step

    def close(self) -> None:
        self.closed = True


def make_app(source_factory: Callable[[], Any] | None = None, *, config: Config | None = None,
             profile: ProfileName | None = None, notice: str | None = None,
             demo_factory: Callable[[], Any] | None = None, clock: FrozenClock | None = None) -> CockpitApp:
    """The cockpit app on a frozen clock with a long poll interval (polls happen only when asked)."""
    return CockpitApp(
        config or load_config(),
        source_factory=(lambda: simulator()) if source_factory is None and notice is None else source_factory,
        profile=profile,
        notice=notice,
        demo_factory=demo_factory,
        themes=load_themes(),
        interval_s=3600.0,
        monotonic=clock or FrozenClock(),
        survive_errors=False,  # a test sees every exception
    )


async def settle(pilot: Pilot[Any], until: Callable[[], bool] | None = None, rounds: int = 200) -> None:
    """Let workers finish and messages land until `until()` holds (default: the first judged snapshot arrived,
    not only the preview of its figures)."""
    app = pilot.app
    assert isinstance(app, CockpitApp)
    check = until or (lambda: app.cockpit.snapshot is not None and app.cockpit.snapshot.judged)
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if check():
            await pilot.pause()
            return
    raise AssertionError("the app did not reach the expected state")


async def settle_ui(pilot: Pilot[Any], until: Callable[[], bool], rounds: int = 200) -> None:
    """Let messages land until `until()` holds without waiting for workers (a gated poll is still blocked)."""
    for _ in range(rounds):
        await pilot.pause()
        if until():
            return
    raise AssertionError("the screen did not reach the expected state")


async def entered(pilot: Pilot[Any], source: ScriptedSource) -> None:
    """Until `source` is inside a poll (a gated poll blocks there: waiting for the workers would wait for it)."""
    import asyncio

    assert await asyncio.get_running_loop().run_in_executor(None, source.entered.wait, 10.0), "no poll started"
    await pilot.pause()


def cockpit(app: Any) -> CockpitScreen:
    """The main screen of a running app."""
    assert isinstance(app, CockpitApp)
    return app.cockpit
