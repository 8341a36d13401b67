"""The story of a stress episode (SPEC §13): thin windows, flag spans, the cause map, the driver, the log."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.causes import HourView, cause_map, flag_spans
from cockpit.journal.flaglog import FlagLog
from cockpit.liquidity import easter, holiday_name, thin_window
from cockpit.models import Flag, FlagId, Regime, Severity
from cockpit.story import story, story_json

T0 = datetime(2026, 1, 26, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(("at", "window"), [
    (datetime(2026, 1, 30, 19, 0, tzinfo=UTC), None),  # Friday 14:00 New York: the session is liquid
    (datetime(2026, 1, 30, 21, 0, tzinfo=UTC), "crypto_weekend"),
    (datetime(2026, 2, 1, 22, 59, tzinfo=UTC), "crypto_weekend"),
    (datetime(2026, 2, 1, 23, 0, tzinfo=UTC), None),  # Sunday 23:00 UTC: CME is open again
    (datetime(2026, 1, 27, 20, 30, tzinfo=UTC), "late_session"),  # 15:30 New York in winter (EST)
    (datetime(2026, 7, 7, 19, 30, tzinfo=UTC), "late_session"),  # 15:30 New York in summer (EDT)
    (datetime(2026, 7, 7, 20, 30, tzinfo=UTC), None),  # 16:30 EDT: the cash session is closed
    (datetime(2026, 1, 19, 15, 0, tzinfo=UTC), "us_holiday"),  # Martin Luther King Jr. Day 2026
    (datetime(2026, 4, 3, 15, 0, tzinfo=UTC), "us_holiday"),  # Good Friday 2026
])
def test_thin_windows(at: datetime, window: str | None) -> None:
    found = thin_window(at)
    assert (found.id if found else None) == window
    if found:
        assert found.start <= at < found.end


def test_holiday_calendar_matches_the_exchange() -> None:
    assert easter(2026) == date(2026, 4, 5) and easter(2024) == date(2024, 3, 31)
    assert holiday_name(date(2026, 7, 3)) == "Independence Day"  # July 4th 2026 is a Saturday
    assert holiday_name(date(2026, 11, 26)) == "Thanksgiving"
    assert holiday_name(date(2021, 6, 18)) is None  # Juneteenth was first observed by the market in 2022
    assert holiday_name(date(2026, 1, 27)) is None


def flag(flag_id: FlagId, severity: Severity = Severity.WARNING, message: str = "") -> Flag:
    return Flag(flag_id, severity, message or flag_id.value, {"x": 1.0})


def hours(script: list[tuple[Regime, tuple[Flag, ...]]], **fields: object) -> list[HourView]:
    return [HourView(T0 + timedelta(hours=i), regime, flags, **fields) for i, (regime, flags) in enumerate(script)]


CALM: tuple[Regime, tuple[Flag, ...]] = (Regime.CALM, ())


def test_calm_has_no_episode_and_no_driver() -> None:
    cmap = cause_map(hours([CALM] * 48), hold_h=12)
    assert cmap.episode_start is None and cmap.driver is None
    assert all(stage.reached_at is None for stage in cmap.stages)


def test_stages_are_timed_in_order_and_the_driver_moves_to_the_cascade() -> None:
    rates = flag(FlagId.RISK_BUDGET_SHRINKING)
    lead = flag(FlagId.LEADERSHIP_BREAK)
    vol = flag(FlagId.VOL_SPIKE)
    cascade = flag(FlagId.LIQUIDATION_CASCADE, Severity.CRITICAL)
    script = [CALM] * 10 + [(Regime.TREND_BREAK, (rates,))] * 5 + [(Regime.TREND_BREAK, (rates, lead))] * 5
    script += [(Regime.VOLATILITY_EVENT, (rates, lead, vol))] * 5
    before_cascade = cause_map(hours(script), hold_h=12)
    assert before_cascade.driver == "rates_shock"
    assert before_cascade.episode_start == T0 + timedelta(hours=10)
    # Saturday 02:00 UTC onwards is the crypto weekend: the flush there is marked thin
    gap = int((datetime(2026, 1, 31, 2, tzinfo=UTC) - T0).total_seconds() // 3600) - len(script)
    script += [(Regime.VOLATILITY_EVENT, (vol,))] * gap + [(Regime.LIQUIDITY_SHOCK, (cascade, vol))] * 3
    cmap = cause_map(hours(script), hold_h=12)
    order = [s.id for s in cmap.reached()]
    assert order == ["rates_dollar", "equities_gap", "vol_rises", "crypto_deleverages", "thin_liquidity"]
    assert cmap.driver == "liquidation_cascade"
    assert cmap.thin and "crypto weekend" in cmap.thin[0]


def test_an_episode_ends_after_the_hold_of_calm() -> None:
    rates = flag(FlagId.RISK_BUDGET_SHRINKING)
    script = [(Regime.TREND_BREAK, (rates,))] * 5 + [CALM] * 11
    assert cause_map(hours(script), hold_h=12).episode_start == T0
    assert cause_map(hours(script + [CALM]), hold_h=12).episode_start is None


def test_spans_keep_the_peak_and_end_when_the_flag_goes() -> None:
    warn, crit = flag(FlagId.SINGLE_RISK_BOOK), flag(FlagId.SINGLE_RISK_BOOK, Severity.CRITICAL, "peak")
    views = hours([(Regime.VOLATILITY_EVENT, (warn,)), (Regime.VOLATILITY_EVENT, (crit,)),
                   (Regime.VOLATILITY_EVENT, (warn,)), CALM, (Regime.VOLATILITY_EVENT, (warn,))])
    spans = flag_spans(views)
    assert [(s.since, s.until, s.severity, s.message) for s in spans] == [
        (T0, T0 + timedelta(hours=3), Severity.CRITICAL, "peak"),
        (T0 + timedelta(hours=4), None, Severity.WARNING, "SINGLE_RISK_BOOK"),
    ]


def test_a_flag_with_its_own_since_keeps_it() -> None:
    held = Flag(FlagId.VOL_SPIKE, Severity.WARNING, "vol", since=T0 - timedelta(hours=5))
    assert flag_spans(hours([(Regime.VOLATILITY_EVENT, (held,))]))[0].since == T0 - timedelta(hours=5)


def test_the_flag_log_survives_a_restart_and_keeps_acknowledgements(tmp_path: Path) -> None:
    views = hours([(Regime.VOLATILITY_EVENT, (flag(FlagId.VOL_SPIKE),))] * 3 + [CALM])
    st = story(views, hold_h=12)
    log = FlagLog(tmp_path / "flags.sqlite3", source="demo", label="cascade")
    assert log.write(st.spans) == 1
    assert log.acknowledge("VOL_SPIKE", T0)
    log.close()
    again = FlagLog(tmp_path / "flags.sqlite3", source="demo", label="cascade")
    (span,) = again.spans()
    assert span.until == T0 + timedelta(hours=3)
    payload = story_json(st, again.acknowledged())
    assert payload["flag_log"] == [json.loads(json.dumps(payload["flag_log"][0]))]
    assert payload["flag_log"][0]["acknowledged"] is True  # type: ignore[index]
    assert FlagLog(tmp_path / "flags.sqlite3", source="live").spans() == []  # another source's log is its own


def test_escalation_in_the_log_keeps_the_peak(tmp_path: Path) -> None:
    log = FlagLog(tmp_path / "flags.sqlite3", source="demo")
    first = flag_spans(hours([(Regime.VOLATILITY_EVENT, (flag(FlagId.SINGLE_RISK_BOOK, Severity.CRITICAL),))]))
    later = flag_spans(hours([(Regime.VOLATILITY_EVENT, (flag(FlagId.SINGLE_RISK_BOOK),))]))
    log.write(first)
    log.write(later)
    assert log.spans()[0].severity == Severity.CRITICAL


def test_rates_and_leaders_in_the_same_hour_follow_the_shock_s_first_mover() -> None:
    rates, lead = flag(FlagId.RISK_BUDGET_SHRINKING), flag(FlagId.LEADERSHIP_BREAK)
    script = [CALM] * 5 + [(Regime.TREND_BREAK, (rates, lead))] * 3
    views = hours(script)
    shocked = [HourView(v.as_of, v.regime, v.flags, shocks=("US10Y 1h +4.0 bp (3.5x its vol)",) if i == 5 else ())
               for i, v in enumerate(views)]
    assert cause_map(shocked, hold_h=12).driver == "rates_shock"
    assert cause_map(views, hold_h=12).driver == "mixed"  # no shock names a first mover


def test_a_long_span_dated_from_each_window_s_first_hour_stays_one_span() -> None:
    """Each hour's spans are judged on the window before it, so a flag older than the window reads as starting
    at that window's first hour, later every hour: still one span, not one per hour."""
    def rates(i: int) -> Flag:
        return Flag(FlagId.RISK_BUDGET_SHRINKING, Severity.WARNING, "rates", since=T0 + timedelta(hours=max(0, i - 47)))

    views = [HourView(T0 + timedelta(hours=i), Regime.TREND_BREAK, (rates(i),)) for i in range(80)]
    spans = flag_spans(views)
    assert len(spans) == 1 and spans[0].since == T0 and spans[0].until is None


def test_the_log_keeps_one_row_when_a_span_is_later_seen_from_further_back(tmp_path: Path) -> None:
    log = FlagLog(tmp_path / "flags.sqlite3", source="demo")
    late = flag_spans(hours([(Regime.VOLATILITY_EVENT, (flag(FlagId.VOL_SPIKE),))] * 2))
    log.write([type(late[0])(s.id, s.since + timedelta(hours=5), None, s.severity, s.message) for s in late])
    log.write(late)  # the same span, dated from five hours earlier once more history was evaluated
    assert [(s.since, s.until) for s in log.spans()] == [(T0, None)]


def test_the_same_week_told_again_writes_only_the_spans_that_moved(tmp_path: Path) -> None:
    """Each poll tells the whole week: rewriting a dozen unchanged rows cost a live session 25 ms a poll."""
    log = FlagLog(tmp_path / "flags.sqlite3", source="demo")
    vol, book = flag(FlagId.VOL_SPIKE), flag(FlagId.SINGLE_RISK_BOOK)
    week = flag_spans(hours([(Regime.VOLATILITY_EVENT, (vol, book))] * 3))
    assert log.write(week) == 2
    assert log.write(week) == 0  # the same week again: the file already holds it
    ended = flag_spans(hours([(Regime.VOLATILITY_EVENT, (vol, book))] * 3 + [(Regime.VOLATILITY_EVENT, (vol,))]))
    assert log.write(ended) == 1  # the book flag ended; the vol span is as written
    again = FlagLog(tmp_path / "flags.sqlite3", source="demo")
    assert {(s.id, s.until) for s in again.spans()} == {(FlagId.VOL_SPIKE, None),
                                                        (FlagId.SINGLE_RISK_BOOK, T0 + timedelta(hours=3))}


def test_the_cause_map_says_when_it_cannot_see_the_episode_s_start_yet() -> None:
    """A screen opened mid-episode fills its week over a few polls: until then the map says so."""
    from cockpit.screens.cause_map import cause_map_markup

    rates = flag(FlagId.RISK_BUDGET_SHRINKING)
    partial = cause_map(hours([(Regime.TREND_BREAK, (rates,))] * 5), hold_h=12)
    assert partial.episode_start == partial.looked_from
    assert "still being evaluated" in cause_map_markup(partial)
    whole = cause_map(hours([CALM] * 3 + [(Regime.TREND_BREAK, (rates,))] * 5), hold_h=12)
    assert "still being evaluated" not in cause_map_markup(whole)


def test_the_story_s_moment_from_the_judged_snapshot_is_the_moment_it_would_judge() -> None:
    """The feed hands the story the snapshot it just judged; the week's views are the same as when the story
    judges the moment itself (on the hour and mid-hour)."""
    from cockpit.config import load_config
    from cockpit.snapshot import build_snapshot
    from cockpit.sources.simulator import SimulatorSource
    from cockpit.story import timeline

    config = load_config()
    profile = config.profile("swing")
    sim = SimulatorSource("cascade-2026-01", 3)
    for offset in (timedelta(hours=62), timedelta(hours=62, minutes=25)):
        state = sim.state_at(sim.scenario.start + offset)
        moment = build_snapshot(state, profile, config.universe)
        told = timeline(state, profile, config.universe, 24, {}, moment=moment)
        judged = timeline(state, profile, config.universe, 24, {})
        assert told == judged and told[-1].as_of == state.as_of
        other = build_snapshot(state, config.profile("short"), config.universe)  # another profile's is not used
        assert timeline(state, profile, config.universe, 24, {}, moment=other) == judged
