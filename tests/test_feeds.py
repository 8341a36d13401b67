"""The feed: one thread worker per source, re-armed only after a poll finishes, results only as messages."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from test_app_helpers import ScriptedSource, cached_simulator, quick_story, simulator  # noqa: F401
from textual.app import App
from textual.message import Message
from textual.worker import Worker, WorkerFailed, WorkerState

from cockpit.config import load_config
from cockpit.errors import UserError
from cockpit.feed_results import describe
from cockpit.feeds import Feed
from cockpit.messages import (
    ClockInfo,
    ClockTicked,
    PollFailed,
    SnapshotComputed,
    SourceOpened,
    SourceUnavailable,
)
from cockpit.models import MarketState, ProfileName, SourceHealth, SourceKind


class Host(App[None]):
    """A bare app that runs one feed and records every message the feed posts."""

    def __init__(self, feed: Feed) -> None:
        super().__init__()
        self.feed = feed
        self.received: list[Message] = []
        self.ui_thread = threading.get_ident()

    def on_mount(self) -> None:
        self.ui_thread = threading.get_ident()
        self.feed.attach(self)
        self.feed.start()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.feed.handle_worker(event.worker, event.state)

    def on_source_opened(self, message: SourceOpened) -> None:
        self.received.append(message)

    def on_source_unavailable(self, message: SourceUnavailable) -> None:
        self.received.append(message)

    def on_snapshot_computed(self, message: SnapshotComputed) -> None:
        self.received.append(message)

    def on_clock_ticked(self, message: ClockTicked) -> None:
        self.received.append(message)

    def on_poll_failed(self, message: PollFailed) -> None:
        self.received.append(message)

    def of(self, kind: type[Message]) -> list[Any]:
        return [m for m in self.received if isinstance(m, kind)]


def make_feed(source: Any, *, interval_s: float = 3600.0, profile: ProfileName = ProfileName.SWING) -> Feed:
    config = load_config()
    return Feed("market", lambda: source, config.profile(profile), config.universe, interval_s=interval_s,
                monotonic=lambda: 50.0)


def judged(host: Host) -> list[SnapshotComputed]:
    """The judged snapshots the host received (a profile's first evaluation is preceded by a preview)."""
    return [m for m in host.of(SnapshotComputed) if m.snapshot.judged]


async def judge_two_polls(first: MarketState, second: MarketState) -> tuple[Host, ScriptedSource]:
    """A feed that judges `first`, then is asked to poll once more and gets `second`; its host and source."""
    source = ScriptedSource([first, second])
    feed = make_feed(source)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: judged(host) and not feed.busy)
        assert feed.request_poll()
        await until(pilot, lambda: len(judged(host)) == 2 and not feed.busy)
    return host, source


async def until(pilot: Any, condition: Any, rounds: int = 2000) -> None:
    """Let workers finish and messages land until `condition()` holds (a worker may still be starting, or
    telling the story after its snapshot was posted: each round yields to it a little)."""
    for _ in range(rounds):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerFailed:
            pass  # the feed handles its workers' errors itself (PollFailed); the condition says what to expect
        await pilot.pause(0.005)
        if condition():
            return
    raise AssertionError("condition never held")


async def test_first_poll_follows_the_build_and_evaluates_off_the_ui_thread() -> None:
    source = ScriptedSource([simulator().poll()])
    host = Host(make_feed(source))
    async with host.run_test() as pilot:
        await until(pilot, lambda: any(m.snapshot.judged for m in host.of(SnapshotComputed)))
        opened = host.of(SourceOpened)[0]
        assert opened.info.kind is SourceKind.DEMO and not opened.info.clocked
        snap = host.of(SnapshotComputed)[0]
        assert snap.snapshot.profile is ProfileName.SWING
        assert snap.clock.clocked is False and snap.clock.speed is None
        assert source.threads and all(t != host.ui_thread for t in source.threads)


async def test_a_poll_in_flight_is_never_overlapped_and_re_arms_only_when_done() -> None:
    source = ScriptedSource([simulator().poll()])
    source.gate = threading.Event()
    feed = make_feed(source, interval_s=0.01)
    host = Host(feed)
    async with host.run_test() as pilot:
        for _ in range(500):
            if source.entered.is_set():
                break
            await pilot.pause()
        assert source.entered.is_set()
        # Blocked in poll: asking again only marks a follow-up; no second thread starts, no timer is armed.
        assert feed.request_poll() is False
        await pilot.pause(0.1)
        assert source.calls == 1 and feed.busy and feed._timer is None
        source.gate.set()
        await until(pilot, lambda: source.calls >= 2)
        assert len(host.of(SnapshotComputed)) >= 1


class LaggingHost(Host):
    """A host whose message queue lags its workers: each poll's PENDING event is handled only once the poll is
    over (a UI thread busy drawing), so its PENDING, RUNNING and SUCCESS events all find the worker ended."""

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name.endswith(":poll") and event.state is WorkerState.PENDING:
            await event.worker.wait()
        self.feed.handle_worker(event.worker, event.state)
        event.prevent_default()  # Textual would call Host's handler too


async def test_a_poll_whose_events_are_handled_late_ends_once() -> None:
    source = ScriptedSource([simulator().poll()])
    feed = make_feed(source)
    host = LaggingHost(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: feed.polls >= 1 and not feed.busy)
        for _ in range(5):
            await pilot.pause()  # the events queued behind the first are handled too
        assert feed.polls == 1 and source.calls == 1
        assert feed._timer is not None  # armed once, for the next interval


async def test_a_raising_source_posts_poll_failed_and_backs_off() -> None:
    source = ScriptedSource([RuntimeError("exchange down")])
    feed = make_feed(source, interval_s=2.0)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: host.of(PollFailed))
        failed = host.of(PollFailed)[0]
        assert failed.error == "RuntimeError: exchange down"
        assert failed.last_good_at is None and failed.failures == 1
        assert feed.next_delay() == 4.0
        assert host.is_running


async def test_a_bad_source_argument_is_reported_as_a_user_error() -> None:
    def factory() -> Any:
        raise UserError("nope.csv: no such file or folder")

    config = load_config()
    feed = Feed("market", factory, config.profile(ProfileName.SWING), config.universe)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: host.of(SourceUnavailable))
        message = host.of(SourceUnavailable)[0]
        assert message.user_error and message.reason == "nope.csv: no such file or folder"


async def test_switching_profile_re_evaluates_the_last_state_without_polling() -> None:
    source = ScriptedSource([simulator().poll()])
    feed = make_feed(source)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: any(m.snapshot.judged for m in host.of(SnapshotComputed)) and not feed.busy)
        polls = source.calls
        feed.set_profile(load_config().profile(ProfileName.SHORT))
        await until(pilot, lambda: any(m.profile is ProfileName.SHORT for m in host.of(SnapshotComputed)))
        assert source.calls == polls


async def test_a_poll_with_nothing_new_only_ticks_the_clock() -> None:
    state = simulator().poll()
    source = ScriptedSource([state])
    feed = make_feed(source)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: any(m.snapshot.judged for m in host.of(SnapshotComputed)) and not feed.busy)
        assert feed.request_poll()
        await until(pilot, lambda: host.of(ClockTicked))
        assert len([m for m in host.of(SnapshotComputed) if m.snapshot.judged]) == 1


async def test_a_profiles_first_evaluation_shows_its_figures_before_judging_its_hours(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first evaluation of a profile judges every hour of its span window (a second or more, cold), so its
    figures come first as a preview: the same readings, no flag judged, the regime unknown while judging.

    The judged evaluation is held at the seam the feed calls until the preview has landed (a judged snapshot
    still queued replaces its preview, as it should on a busy screen)."""
    import cockpit.snapshot as snapshot_module

    gate, build = threading.Event(), snapshot_module.build_snapshot

    def held_build(*args: Any, **kwargs: Any) -> Any:
        gate.wait(timeout=60)
        return build(*args, **kwargs)

    monkeypatch.setattr(snapshot_module, "build_snapshot", held_build)
    sim = simulator()
    first, later = sim.poll(), sim.state_at(sim.poll().as_of + timedelta(hours=1))
    source = ScriptedSource([first, later])
    feed = make_feed(source)
    host = Host(feed)
    async with host.run_test() as pilot:
        for _ in range(2000):  # not `until`: it waits on the workers, and one is held on purpose
            await pilot.pause(0.005)
            if host.of(SnapshotComputed):
                break
        gate.set()
        await until(pilot, lambda: any(m.snapshot.judged for m in host.of(SnapshotComputed)))
        preview, judged = (m.snapshot for m in host.of(SnapshotComputed))
        assert not preview.judged and judged.judged and preview.as_of == judged.as_of
        assert preview.readings == judged.readings
        assert preview.regime.label.value == "unknown" and preview.regime.evidence == ("judging the last 48 h of bars",)
        assert preview.regime.multiplier == feed.profile.multiplier(preview.regime.label)
        assert preview.outlook.label is None and preview.history == ()
        assert all(f.id.value == "STALE_DATA" for f in preview.flags)
        assert feed.request_poll()  # a new bar: the profile's hours are judged already, no preview
        await until(pilot, lambda: len(host.of(SnapshotComputed)) == 3 and not feed.busy)
        assert host.of(SnapshotComputed)[-1].snapshot.judged
        feed.set_profile(load_config().profile(ProfileName.SHORT))  # a profile not judged yet previews again
        await until(pilot, lambda: any(m.snapshot.judged and m.profile is ProfileName.SHORT
                                       for m in host.of(SnapshotComputed)))
        short = [m.snapshot.judged for m in host.of(SnapshotComputed) if m.profile is ProfileName.SHORT]
        assert short == [False, True]
        feed.set_profile(load_config().profile(ProfileName.SWING))  # back: judged before, no preview
        await until(pilot, lambda: host.of(SnapshotComputed)[-1].profile is ProfileName.SWING)
        assert host.of(SnapshotComputed)[-1].snapshot.judged


async def test_clock_changes_are_applied_by_the_worker_and_bounded() -> None:
    sim = simulator()
    feed = make_feed(sim)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: any(m.snapshot.judged for m in host.of(SnapshotComputed)))
        assert feed.adjust_clock(toggle_pause=True)
        await until(pilot, lambda: sim.paused)
        await until(pilot, lambda: any(isinstance(m, ClockTicked | SnapshotComputed) and m.clock.paused
                                       for m in host.received))
        for _ in range(10):
            feed.adjust_clock(speed_factor=2.0)
            await until(pilot, lambda: not feed.busy)
        assert sim.speed == 86400.0


async def test_a_source_without_a_clock_refuses_clock_changes() -> None:
    source = ScriptedSource([simulator().poll()])
    feed = make_feed(source)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: any(m.snapshot.judged for m in host.of(SnapshotComputed)))
        assert feed.adjust_clock(toggle_pause=True) is False


async def test_stopping_closes_the_source_and_cancels_the_timer() -> None:
    source = ScriptedSource([simulator().poll()])
    feed = make_feed(source, interval_s=0.05)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: any(m.snapshot.judged for m in host.of(SnapshotComputed)))
        feed.stop()
        calls = source.calls
        await pilot.pause(0.2)
        assert source.closed and source.calls == calls and feed.request_poll() is False


def test_newer_snapshots_replace_older_ones_of_the_same_feed_and_profile() -> None:
    snap = simulator().poll()
    from cockpit.snapshot import build_snapshot

    config = load_config()
    swing = build_snapshot(snap, config.profile(ProfileName.SWING), config.universe)
    short = build_snapshot(snap, config.profile(ProfileName.SHORT), config.universe)
    clock = ClockInfo(SourceKind.DEMO, "x", snap.as_of, True)
    old, new = SnapshotComputed("market", swing, clock, 1.0), SnapshotComputed("market", swing, clock, 2.0)
    assert new.can_replace(old)
    assert not new.can_replace(SnapshotComputed("market", short, clock, 1.0))
    assert not new.can_replace(SnapshotComputed("other", swing, clock, 1.0))
    assert ClockTicked("market", clock).can_replace(ClockTicked("market", clock))


def test_messages_carry_immutable_payloads() -> None:
    clock = ClockInfo(SourceKind.DEMO, "x", simulator().poll().as_of, True)
    with pytest.raises(AttributeError):
        clock.paused = True  # type: ignore[misc]


@pytest.mark.parametrize(("error", "text"), [
    (ValueError("boom"), "ValueError: boom"),
    (KeyError("rate"), "KeyError: 'rate'"),
    (RuntimeError(""), "RuntimeError"),
    (None, "unknown error"),
])
def test_errors_are_described_in_one_line(error: BaseException | None, text: str) -> None:
    assert describe(error) == text


def test_the_offset_helper_is_seeded() -> None:
    a, b = simulator(timedelta(hours=10)).poll(), simulator(timedelta(hours=10)).poll()
    assert a.as_of == b.as_of and a.bars.equals(b.bars)


@pytest.mark.parametrize(
    ("clock", "speed", "wait_s"),
    [
        ("2026-01-29T10:30:15", 1.0, 44.99),  # the clock and ages move on at the next minute
        ("2026-01-29T10:00:20.5", 1.0, 1.0),  # just after a bar closed ages show seconds: the source's interval
        ("2026-01-29T10:30:15", 0.5, 60.0),  # capped: a crawling clock still polls once a minute
        ("2026-01-29T10:30:15", 720.0, 1.0),  # fast clocks poll at the source's own interval
    ],
)
def test_a_running_simulated_clock_is_polled_when_the_screen_would_change(
        clock: str, speed: float, wait_s: float) -> None:
    from datetime import UTC, datetime

    from cockpit.analytics.bars import empty_bars
    from cockpit.models import MarketState
    from cockpit.sources.simulator import SimulatorSource

    source = SimulatorSource(speed=speed)
    feed = Feed("market", lambda: source, load_config().profile(ProfileName.SWING), load_config().universe)
    feed.source = source
    as_of = datetime.fromisoformat(clock).replace(tzinfo=UTC)
    feed._last_state = MarketState(SourceKind.DEMO, as_of, empty_bars(), ())
    assert feed.next_delay() == pytest.approx(wait_s, abs=0.02)
    source.paused = True
    assert feed.next_delay() == 10.0


class CachingStub(ScriptedSource):
    """A live-like source: what it holds at once (`cached_state`), then its real answers."""

    def __init__(self, cached: MarketState, answers: list[MarketState | BaseException]) -> None:
        super().__init__(answers)
        self.cached = cached
        self.cached_calls = 0

    def cached_state(self) -> MarketState:
        self.cached_calls += 1
        return self.cached


def live_state(at: datetime, age_s: float, *, limit_s: float = 300.0, retry_in_s: float | None = None,
               error: str | None = None) -> MarketState:
    """The simulator's bars as a live state at `at`, its one source `age_s` old."""
    stale = age_s > limit_s
    health = SourceHealth("bybit", age_s, stale, error, "stale" if stale else "ok", limit_s, retry_in_s)
    return replace(simulator().poll(), kind=SourceKind.LIVE, as_of=at, health=(health,))


QUARTER = datetime(2026, 1, 28, 15, 0, tzinfo=UTC)  # a quarter hour's start


async def test_a_cached_first_answer_is_followed_by_the_real_poll_at_once() -> None:
    source = CachingStub(live_state(QUARTER, 7200.0), [live_state(QUARTER + timedelta(seconds=9), 9.0)])
    feed = make_feed(source)  # an hour between polls: only the prompt follow-up can poll in this test
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: len(judged(host)) >= 2 and not feed.busy)
        assert source.cached_calls == 1 and source.calls == 1 and feed.settled
        cached, answered = judged(host)[:2]
        assert cached.snapshot.readings.health[0].stale and not answered.snapshot.readings.health[0].stale


async def test_a_poll_that_only_moves_ages_is_not_re_evaluated_but_crossing_the_limit_is() -> None:
    states = [live_state(QUARTER + timedelta(seconds=60), 100.0, retry_in_s=40.0, error="offline; retry in 40s"),
              live_state(QUARTER + timedelta(seconds=90), 130.0, retry_in_s=10.0, error="offline; retry in 10s"),
              live_state(QUARTER + timedelta(seconds=300), 340.0)]
    source = ScriptedSource(states)
    feed = make_feed(source)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: judged(host) and not feed.busy)
        assert feed.request_poll()
        await until(pilot, lambda: host.of(ClockTicked) and not feed.busy)
        assert len(judged(host)) == 1  # older by 30 s, the same try pending: nothing new
        assert feed.request_poll()
        await until(pilot, lambda: len(judged(host)) == 2)
        assert judged(host)[1].snapshot.readings.health[0].stale  # past its limit: STALE_DATA


def test_the_evaluation_key_keeps_moments_not_ages() -> None:
    from cockpit.feed_keys import evaluation_key

    first = live_state(QUARTER + timedelta(seconds=60), 100.0, retry_in_s=40.0, error="offline; retry in 40s")
    later = live_state(QUARTER + timedelta(seconds=90), 130.0, retry_in_s=10.0, error="offline; retry in 10s")
    retried = live_state(QUARTER + timedelta(seconds=90), 130.0, retry_in_s=50.0, error="offline; retry in 50s")
    next_quarter = live_state(QUARTER + timedelta(seconds=900), 940.0, limit_s=1800.0)
    key = evaluation_key(first, ProfileName.SWING, clocked=False)
    assert evaluation_key(later, ProfileName.SWING, clocked=False) == key
    assert evaluation_key(retried, ProfileName.SWING, clocked=False) != key  # a new try was made
    assert evaluation_key(next_quarter, ProfileName.SWING, clocked=False) != evaluation_key(
        live_state(QUARTER + timedelta(seconds=899), 939.0, limit_s=1800.0), ProfileName.SWING, clocked=False)


@pytest.mark.usefixtures("quick_story")
async def test_the_week_keeps_filling_in_while_polls_bring_nothing_new() -> None:
    source = ScriptedSource([live_state(QUARTER + timedelta(seconds=60), 100.0)])
    feed = make_feed(source)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: judged(host) and not feed.busy)
        told = len(feed._views[ProfileName.SWING])
        assert feed.request_poll()
        await until(pilot, lambda: host.of(ClockTicked) and not feed.busy)
        assert len(judged(host)) == 1  # not evaluated again ...
        await until(pilot, lambda: len(feed._views[ProfileName.SWING]) > told)  # ... but the week fills in
        assert len(judged(host)) == 1 and source.calls == 2


@pytest.mark.usefixtures("quick_story")
async def test_the_week_is_told_after_the_first_poll_without_polling_again() -> None:
    """A screen opened mid-week tells the rest of its week in a worker of its own, a budget a second, within
    half a minute of the start; the source is not polled for it (a screen left open then does nothing more)."""
    from cockpit.feed_story import STORY_BUDGET

    source = ScriptedSource([simulator().poll()])
    feed = make_feed(source)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: len(feed._views.get(feed.profile.name, {})) >= 3 * STORY_BUDGET)
        assert source.calls == 1  # three budgets told on one poll (the poll interval is an hour)
        assert feed._last_state is not None and not feed.week_told(feed.profile.name, feed._last_state.as_of)
        assert not feed.started  # start-up is not over until the week is told


@pytest.mark.usefixtures("quick_story")
async def test_the_collector_is_settled_when_the_week_is_told(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start-up is over once the week is told: then, and not before, what is alive is frozen out of the
    collector's generations."""
    import cockpit.memory as memory

    settled: list[bool] = []
    monkeypatch.setattr(memory, "settle_collector", lambda: settled.append(True) or True)
    source = ScriptedSource([simulator().poll()])
    feed = make_feed(source)
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: judged(host) and not feed.busy)
        assert feed._last_state is not None
        was_settled = bool(settled)  # read first: the week, once told, stays told
        assert feed.week_told(feed.profile.name, feed._last_state.as_of) or not was_settled  # not before
        await until(pilot, lambda: feed.started)
        assert settled


async def test_a_poll_that_brings_only_new_health_re_tells_the_story_without_reading_the_bars_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A live source failing every poll (offline) changes its health each time, not its bars: the story is told
    again (the moment's STALE_DATA may differ) but the bars' stage evidence is kept, and the story equals the
    one told from scratch."""
    import cockpit.story as story_module

    calls: list[datetime] = []
    real = story_module.bar_stages

    def counted(state: MarketState, universe: Any, hours: int) -> Any:
        calls.append(state.as_of)
        return real(state, universe, hours)

    told: list[datetime] = []
    real_timeline = story_module.timeline

    def told_timeline(state: MarketState, *args: Any, **kwargs: Any) -> Any:
        told.append(state.as_of)
        return real_timeline(state, *args, **kwargs)

    monkeypatch.setattr(story_module, "bar_stages", counted)
    monkeypatch.setattr(story_module, "timeline", told_timeline)
    first = live_state(QUARTER + timedelta(seconds=60), 700.0, retry_in_s=5.0, error="timed out; retry in 5s")
    second = live_state(QUARTER + timedelta(seconds=90), 730.0, retry_in_s=4.0, error="timed out; retry in 4s")
    host, source = await judge_two_polls(first, second)
    feed = host.feed
    assert source.calls == 2 and len(calls) == 1 and told[:2] == [first.as_of, second.as_of]  # the bars read once
    fresh = real_timeline(second, feed.profile, feed.universe, 24)  # against the stages kept from the first poll
    kept = real_timeline(second, feed.profile, feed.universe, 24, stages=real(first, feed.universe, 24))
    assert kept == fresh
