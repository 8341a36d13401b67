"""The flag log and the cause map on the screen (SPEC §13): ended spans greyed until acknowledged, `m` opens
the cause map, THIN in the header, and a span alerted once however often it is re-evaluated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_app_helpers import cached_simulator, cockpit, make_app, settle, simulator  # noqa: F401

from cockpit.journal.flaglog import FlagLog
from cockpit.models import Flag, FlagId, Severity
from cockpit.screens.cause_map import CauseMapScreen
from cockpit.widgets.flags import FlagList, track_first_seen
from cockpit.widgets.header import CockpitHeader

SIZE = (160, 45)
WEEKEND = timedelta(hours=70)  # Saturday night of the cascade week: after the weekend flush


def story_told(app: Any) -> bool:
    screen = cockpit(app)
    return screen.story is not None and any(s.until is not None for s in screen.story.spans)


async def test_ended_spans_are_listed_greyed_and_acknowledge_removes_them(isolated_dirs: Path) -> None:
    app = make_app(lambda: simulator(WEEKEND))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: story_told(app))
        flag_list = cockpit(app).query_one(FlagList)
        ended = [r for r in flag_list.rows if r.ended is not None]
        assert ended, "the week's ended spans are listed"
        live = [r for r in flag_list.rows if r.ended is None]
        await pilot.press("f")
        for _ in range(len(live)):
            await pilot.press("down")
        target = flag_list.rows[flag_list.cursor]
        assert target.ended is not None
        await pilot.press("a")
        await settle(pilot, lambda: target not in flag_list.rows)
        await app.workers.wait_for_complete()
    log = FlagLog(isolated_dirs / "data" / "flags.sqlite3", source="demo", label="cascade-2026-01")
    assert target.flag.since is not None
    assert (target.flag.id.value, target.flag.since.isoformat().replace("+00:00", "Z")) in log.acknowledged()
    assert log.spans(), "the spans the screen saw are kept in the data folder"

    again = make_app(lambda: simulator(WEEKEND))  # a restart: the acknowledgement comes back from the log
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: story_told(again))
        rows = cockpit(again).query_one(FlagList).rows
        assert cockpit(again).acknowledged, "the log's acknowledgements reach the new session"
        assert not [r for r in rows if r.ended is not None and (r.flag.id, r.flag.since) == (target.flag.id,
                                                                                             target.flag.since)]


async def test_m_opens_the_cause_map_and_the_header_says_thin_on_a_crypto_weekend() -> None:
    app = make_app(lambda: simulator(WEEKEND))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: story_told(app))
        header = str(cockpit(app).query_one(CockpitHeader).visual)
        assert "THIN" in header and "crypto weekend" in header
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, CauseMapScreen)
        body = str(app.screen.query_one("#cause-map-body").visual)
        assert "episode since" in body and "crypto deleverages" in body
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CauseMapScreen)


def test_a_span_is_news_once_however_often_it_is_seen_again() -> None:
    t0 = datetime(2026, 1, 30, 10, tzinfo=UTC)
    held = Flag(FlagId.VOL_SPIKE, Severity.WARNING, "vol", since=t0)
    seen: dict[FlagId, datetime] = {}
    announced = []
    for hour in range(7):  # the same span evaluated seven times, as VOL_SPIKE was re-alerted 3 times in 7 h
        seen, new = track_first_seen(seen, (held,), t0 + timedelta(hours=hour))
        announced += new
    assert announced == [held]
    later = Flag(FlagId.VOL_SPIKE, Severity.WARNING, "vol", since=t0 + timedelta(hours=9))
    seen, new = track_first_seen(seen, (later,), t0 + timedelta(hours=9))
    assert new == (later,)  # a new span is news again


async def test_a_flag_older_than_the_span_window_shows_its_true_age_once_the_week_is_told(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from cockpit import feed_story

    monkeypatch.setattr(feed_story, "STORY_BUDGET", 24 * 7)  # the whole week in the first story: one poll here
    app = make_app(lambda: simulator(timedelta(hours=112)))  # VOL_SPIKE has been up since Friday evening
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: story_told(app) and cockpit(app).story is not None
                     and cockpit(app).story.spans[0].since < cockpit(app).snapshot.as_of - timedelta(hours=60))
        screen = cockpit(app)
        assert screen.snapshot is not None and screen.story is not None
        window_start = screen.snapshot.as_of - timedelta(hours=48)
        active = {s.id: s.since for s in screen.story.spans if s.until is None}
        old = [fid for fid, since in active.items() if since < window_start and fid in screen.first_seen]
        assert old, "a span began before the window"
        assert all(screen.first_seen[fid] == active[fid] for fid in old)
