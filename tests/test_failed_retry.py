"""A failed retry offline moves only when each source tries next: the feed reuses its last judgement, moved to
the new moment, instead of judging the same bars again; the figures equal judging the new state afresh.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from test_app_helpers import ScriptedSource, cached_simulator, simulator  # noqa: F401
from test_feeds import Host, judge_two_polls, judged, make_feed, until

import cockpit.snapshot
import cockpit.sources.live.screen_cache as screen_cache
from cockpit.config import load_config
from cockpit.feed_keys import evaluation_key, only_retries_moved
from cockpit.kinds import FlagId, ProfileName, SourceKind
from cockpit.models import MarketState, SourceHealth, to_plain
from cockpit.snapshot import build_snapshot, with_new_health
from cockpit.sources.live.health import in_words

CONFIG = load_config()
PROFILE = CONFIG.profile(ProfileName.SWING)
BARS = simulator().poll()  # the cascade at its Friday close; the bars stay, the clock moves on


def offline(seconds: float, retry_in: float, *, yahoo_error: str = "cannot reach Yahoo",
            venue_stale: bool = True) -> MarketState:
    """The same bars `seconds` after a moment 5 minutes past the hour, both sources failing, each to try again
    in `retry_in` s (their data moments fixed: their ages grow with the clock)."""
    as_of = BARS.as_of + timedelta(minutes=5, seconds=seconds)
    late = 300.0 + seconds
    health = (
        SourceHealth("yahoo", 4000.0 + late, True, f"{yahoo_error}; retry in {in_words(retry_in)}", "stale",
                     limit_s=3600.0, retry_in_s=retry_in),
        SourceHealth("bybit", 500.0 + late, venue_stale, f"timed out; retry in {in_words(retry_in)}",
                     "stale" if venue_stale else "ok", limit_s=600.0 if venue_stale else 7200.0,
                     retry_in_s=retry_in),
    )
    return replace(BARS, kind=SourceKind.LIVE, as_of=as_of, health=health)


def key(state: MarketState) -> Any:
    return evaluation_key(state, PROFILE.name, clocked=False)


def test_only_the_next_tries_moved_between_two_failed_retries() -> None:
    first, second = offline(0.0, 30.0), offline(30.0, 60.0)  # the retry came and failed: the next is later
    assert key(first) != key(second)
    assert only_retries_moved(key(second), key(first))
    assert not only_retries_moved(key(first), key(first))  # the same key: nothing to do at all
    assert not only_retries_moved(key(offline(30.0, 60.0, yahoo_error="HTTP 503")), key(first))  # a new fault
    assert not only_retries_moved(key(offline(30.0, 60.0, venue_stale=False)), key(first))  # freshness changed
    new_bar = replace(second, bars=simulator(timedelta(hours=47)).poll().bars)
    assert not only_retries_moved(key(new_bar), key(first))
    next_quarter = offline(15 * 60.0, 60.0)
    assert not only_retries_moved(key(next_quarter), key(first))


@pytest.mark.parametrize("hours", [46, 110])
def test_the_moved_judgement_equals_judging_the_new_state(hours: int) -> None:
    global BARS
    BARS, saved = simulator(timedelta(hours=hours)).poll(), BARS
    try:
        first, second = offline(0.0, 30.0), offline(30.0, 60.0)
        moved = with_new_health(build_snapshot(first, PROFILE, CONFIG.universe), second, PROFILE)
        fresh = build_snapshot(second, PROFILE, CONFIG.universe)
        assert to_plain(moved) == to_plain(fresh)
        stale = [f for f in moved.flags if f.id is FlagId.STALE_DATA]
        assert stale and f"retry in {in_words(60.0)}" in stale[0].message
        assert f"retry in {in_words(30.0)}" not in stale[0].message
    finally:
        BARS = saved


async def test_the_feed_does_not_judge_a_failed_retry_again(monkeypatch: pytest.MonkeyPatch) -> None:
    evaluations: list[MarketState] = []
    build = cockpit.snapshot.build_snapshot

    def counted(state: MarketState, *args: Any, **kwargs: Any) -> Any:
        evaluations.append(state)
        return build(state, *args, **kwargs)

    monkeypatch.setattr(cockpit.snapshot, "build_snapshot", counted)
    first, second = offline(0.0, 30.0), offline(30.0, 60.0)
    host, _ = await judge_two_polls(first, second)
    assert [s.as_of for s in evaluations if s.health] == [first.as_of]  # the story's past hours carry no health
    shown = judged(host)[-1]
    assert shown.state is second and shown.snapshot.as_of == second.as_of
    assert to_plain(shown.snapshot) == to_plain(build(second, PROFILE, CONFIG.universe))


async def test_the_same_week_told_again_draws_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from test_app_helpers import cockpit, make_app, settle

    from cockpit.messages import StoryComputed
    from cockpit.screens.main import CockpitScreen

    app = make_app(lambda: ScriptedSource([offline(0.0, 30.0)]))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = cockpit(app)
        await settle(pilot, lambda: screen.story is not None)
        renders: list[int] = []
        render_all = CockpitScreen.render_all

        def counted(self: CockpitScreen) -> None:
            renders.append(1)
            render_all(self)

        monkeypatch.setattr(CockpitScreen, "render_all", counted)
        told = screen.story
        assert told is not None
        screen.story_computed(StoryComputed("market", screen.profile, told))
        assert renders == []
        screen.story_computed(StoryComputed("market", screen.profile, replace(told, spans=told.spans[:-1])))
        assert renders == [1] and screen.story is not told


async def test_a_failed_retry_leaves_the_kept_figures_as_the_last_answer(monkeypatch: pytest.MonkeyPatch,
                                                                        tmp_path: Any) -> None:
    """The kept figures are the last answer's: a restart ages them from their own moment, so a failed retry
    offline (every 30 s) has nothing new to write."""
    kept: list[Any] = []
    monkeypatch.setattr(screen_cache, "keep_figures", lambda folder, snap, universe: kept.append(snap.as_of))
    first, second = offline(0.0, 30.0), offline(30.0, 60.0)
    feed = make_feed(ScriptedSource([first, second]))
    feed.keep_figures_in = tmp_path
    host = Host(feed)
    async with host.run_test() as pilot:
        await until(pilot, lambda: judged(host) and not feed.busy)
        assert kept == [first.as_of]
        assert feed.request_poll()
        await until(pilot, lambda: len(judged(host)) == 2 and not feed.busy)
    assert judged(host)[-1].snapshot.as_of == second.as_of  # the screen has the new moment
    assert kept == [first.as_of]  # the file keeps the last answer
