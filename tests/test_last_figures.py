"""A live screen keeps its last judged figures; the next start draws them at once, with their true ages.

The kept file is the snapshot's JSON form (`to_plain`) read back through the records' own types
(`from_plain`); drawn again it is a preview at the new moment: every age older by the time since, each
source STALE once past its limit, STALE_DATA judged again from that health, the regime, flags and outlook
left to the span window's judgement that follows.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_app_helpers import AT, FrozenClock, ScriptedSource, cockpit, make_app, settle, settle_ui, simulator

from cockpit.config import load_config
from cockpit.kinds import FlagId, ProfileName, Regime, SourceKind
from cockpit.models import Snapshot, SourceHealth, from_plain, to_plain
from cockpit.snapshot import build_snapshot, last_figures
from cockpit.sources.live.screen_cache import NOTE, figures_path, keep_figures, read_figures
from cockpit.universe import Universe
from cockpit.widgets.footer import CockpitFooter

CONFIG = load_config(Path("/nonexistent/config.toml"))
PROFILE = CONFIG.profile(ProfileName.SWING)
HOUR = timedelta(hours=1)


def live_state(offset: timedelta = AT, health: tuple[SourceHealth, ...] | None = None) -> Any:
    """The simulated market at `offset` as a live source would deliver it (fresh Yahoo and venue health)."""
    state = simulator(offset).poll()
    fresh = (SourceHealth("yahoo", 120.0, False, None, "ok", limit_s=3600.0),
             SourceHealth("bybit", 30.0, False, None, "ok", limit_s=600.0))
    return replace(state, kind=SourceKind.LIVE, health=fresh if health is None else health)


def judged(offset: timedelta = AT) -> Snapshot:
    return build_snapshot(live_state(offset), PROFILE, Universe())


@pytest.mark.parametrize("hours", [0, 46, 110])
def test_a_snapshot_reads_back_from_its_json_form(hours: int) -> None:
    snap = replace(judged(timedelta(hours=hours)), history=())
    back = from_plain(Snapshot, json.loads(json.dumps(to_plain(snap))))
    assert isinstance(back, Snapshot)
    assert to_plain(back) == to_plain(snap)
    assert back.regime.label is snap.regime.label and back.source is SourceKind.LIVE
    assert [f.id for f in back.flags] == [f.id for f in snap.flags]
    if snap.flags:
        assert dict(back.flags[0].evidence) == json.loads(json.dumps(to_plain(dict(snap.flags[0].evidence))))


def test_a_wrong_shape_is_an_error_not_a_record() -> None:
    plain = to_plain(replace(judged(), history=()))
    with pytest.raises((TypeError, ValueError)):
        from_plain(Snapshot, {**plain, "as_of": 12})
    with pytest.raises((TypeError, ValueError)):
        from_plain(Snapshot, {**plain, "regime": {**plain["regime"], "label": "not a regime"}})


def test_the_last_figures_are_as_old_as_they_are_and_stale_past_each_limit() -> None:
    snap = judged()
    later = snap.as_of + 2 * HOUR
    shown = last_figures(snap, PROFILE, later, NOTE)
    assert shown.as_of == later and not shown.judged
    # every age two hours older, computed here from the kept figures
    assert shown.readings.leadership.age_s == pytest.approx(snap.readings.leadership.age_s + 7200)
    assert shown.readings.crypto.btc.age_s == pytest.approx(snap.readings.crypto.btc.age_s + 7200)
    assert shown.readings.macro.dxy_age_s == pytest.approx(snap.readings.macro.dxy_age_s + 7200)
    yahoo, venue = shown.readings.health
    assert (yahoo.age_s, venue.age_s) == (7320.0, 7230.0)
    assert yahoo.stale and venue.stale and yahoo.state == "stale"
    assert NOTE in (yahoo.error or "")
    # STALE_DATA from that health alone, since the first source crossed its limit: the venue, 30 s old at the
    # kept moment, 570 s before its 600 s limit
    assert [f.id for f in shown.flags] == [FlagId.STALE_DATA]
    assert shown.flags[0].since == snap.as_of + timedelta(seconds=570)
    assert shown.regime.label is Regime.UNKNOWN and shown.outlook.label is None
    assert NOTE in shown.regime.evidence[0]


def test_figures_within_their_limits_are_not_stale() -> None:
    snap = judged()
    shown = last_figures(snap, PROFILE, snap.as_of + timedelta(seconds=60), NOTE)
    assert not any(h.stale for h in shown.readings.health)
    assert not shown.flags


def test_kept_figures_read_back_only_for_their_profile_universe_and_schema(tmp_path: Path) -> None:
    snap = judged()
    path = keep_figures(tmp_path, snap, Universe())
    assert path == figures_path(tmp_path, ProfileName.SWING)
    assert not list(tmp_path.glob("*.tmp"))
    back = read_figures(tmp_path, PROFILE, Universe())
    assert back is not None and to_plain(back) == to_plain(replace(snap, history=()))
    assert read_figures(tmp_path, CONFIG.profile(ProfileName.SHORT), Universe()) is None
    assert read_figures(tmp_path, PROFILE, Universe(leaders=("NVDA",))) is None
    payload = json.loads(path.read_text())
    path.write_text(json.dumps({**payload, "schema": payload["schema"] + 1}))
    assert read_figures(tmp_path, PROFILE, Universe()) is None
    path.write_text(json.dumps(payload)[:-40])  # cut short
    assert read_figures(tmp_path, PROFILE, Universe()) is None
    path.write_text(json.dumps({**payload, "snapshot": {**payload["snapshot"], "source": "demo"}}))
    assert read_figures(tmp_path, PROFILE, Universe()) is None


async def test_a_live_screen_keeps_its_judged_figures_and_a_clocked_one_does_not(tmp_path: Path) -> None:
    live = ScriptedSource([live_state()])
    app = make_app(lambda: live)
    app.figures_cache = tmp_path / "live"
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
    kept = read_figures(tmp_path / "live", PROFILE, CONFIG.universe)
    assert kept is not None and kept.judged and kept.as_of == live_state().as_of

    app = make_app(lambda: simulator())
    app.figures_cache = tmp_path / "demo"
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
    assert not (tmp_path / "demo").exists()


async def test_the_next_start_draws_the_kept_figures_before_the_source_answers(tmp_path: Path) -> None:
    kept = judged()
    keep_figures(tmp_path, kept, CONFIG.universe)
    source = ScriptedSource([live_state(AT + 2 * HOUR)])
    source.gate = threading.Event()  # the source does not answer while we look
    now = kept.as_of + 2 * HOUR
    app = make_app(lambda: source)
    app.figures_cache, app.wall_clock = tmp_path, lambda: now
    async with app.run_test(size=(160, 45)) as pilot:
        screen = cockpit(app)
        await settle_ui(pilot, lambda: screen.snapshot is not None)
        shown = screen.snapshot
        assert shown is not None and not shown.judged and shown.as_of == now
        assert shown.readings.crypto.btc.age_s == pytest.approx(kept.readings.crypto.btc.age_s + 7200)
        assert any("STALE" in str(p.border_subtitle) for p in screen.panes())
        assert "JUDGING" in str(screen.query_one("#header").render()).upper()
        assert "last session's figures" in " ".join(str(p.border_subtitle) for p in screen.panes())
        footer = screen.query_one(CockpitFooter).text
        assert "Profile" in footer and "Start demo" not in footer  # the live feed is there, only not yet built
        source.gate.set()
        await settle(pilot)
        shown = screen.snapshot
        assert shown is not None and shown.judged and shown.as_of == source.script[0].as_of


async def test_unreadable_kept_figures_leave_the_start_as_it_was(tmp_path: Path) -> None:
    figures_path(tmp_path, ProfileName.SWING).write_text("{not json", encoding="utf-8")
    source = ScriptedSource([live_state()])
    app = make_app(lambda: source)
    app.figures_cache = tmp_path
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert cockpit(app).snapshot is not None and cockpit(app).snapshot.judged
    assert read_figures(tmp_path, PROFILE, CONFIG.universe) is not None  # written again by this session


async def test_kept_figures_stay_and_age_when_the_source_cannot_be_built(tmp_path: Path) -> None:
    kept = judged()
    keep_figures(tmp_path, kept, CONFIG.universe)
    clock = FrozenClock()

    def unbuildable() -> Any:
        raise OSError("no route to the venue")

    app = make_app(unbuildable, clock=clock)
    app.figures_cache, app.wall_clock = tmp_path, lambda: kept.as_of + HOUR
    async with app.run_test(size=(160, 45)) as pilot:
        screen = cockpit(app)
        await settle_ui(pilot, lambda: screen.notice is not None and "unavailable" in screen.notice)
        assert screen.snapshot is not None and not screen.snapshot.judged  # the kept figures, still shown
        before = screen.header_info(screen.context()).oldest
        clock.advance(600.0)
        after = screen.header_info(screen.context()).oldest
        assert before is not None and after is not None and after.age_s == pytest.approx(before.age_s + 600.0)
        assert screen._ticker_started
