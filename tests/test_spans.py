"""Flag spans, holds and the regime's hysteresis over sequences of hours; determinism and the memo."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rule_fixtures import AS_OF, readings, vol, with_btc, with_corr

from cockpit.config import Profile, load_config
from cockpit.models import (
    FlagId,
    ImpliedVolReading,
    LeadershipReading,
    MacroReading,
    ProfileName,
    Readings,
    Regime,
    SourceHealth,
)
from cockpit.rules.market import market_flags
from cockpit.rules.spans import HourView, active_flags, clear_memo, held_regime
from cockpit.snapshot import build_snapshot, snapshot_json
from cockpit.sources.simulator import SimulatorSource

HOUR = timedelta(hours=1)
START = AS_OF - 40 * HOUR
CASCADE = {"liq_zscore_1h": 4.0, "liq_oi_pct_1h": 0.2, "price_change_pct": -3.0, "long_liq_usd_1h": 6e8}


@pytest.fixture
def swing() -> Profile:
    return load_config().profile(ProfileName.SWING)


def views(hours: list[Readings], profile: Profile) -> list[HourView]:
    """One view per hour from START, raw flags from the rules, as the engine builds them."""
    return [HourView(START + HOUR * i, replace(r, as_of=START + HOUR * i), tuple(market_flags(r, profile)))
            for i, r in enumerate(hours)]


def active_ids(sequence: list[HourView], profile: Profile) -> list[set[FlagId]]:
    return [set(active) for active in active_flags(sequence, profile)]


def test_liquidation_cascade_is_held_two_hours_after_its_last_qualifying_hour(swing: Profile) -> None:
    hours = [readings()] * 3 + [with_btc(**CASCADE)] * 2 + [readings()] * 5
    seq = views(hours, swing)
    actives = active_flags(seq, swing)
    on = [FlagId.LIQUIDATION_CASCADE in a for a in actives]
    assert on == [False, False, False, True, True, True, True, False, False, False]
    held = actives[6][FlagId.LIQUIDATION_CASCADE]
    assert held.since == START + 3 * HOUR
    assert "held: last qualified" in held.message and held.evidence["held"] is True


def test_a_flag_does_not_vanish_an_hour_after_it_fired_and_keeps_its_start(swing: Profile) -> None:
    """Flags vanished when the hour that fired them passed; a span keeps its `since`."""
    shrinking = readings(macro=replace(readings().macro, us10y_change_bp=6.0, dxy_change_pct=0.4))
    seq = views([readings(), shrinking, shrinking, shrinking, readings()], swing)
    actives = active_flags(seq, swing)
    assert [FlagId.RISK_BUDGET_SHRINKING in a for a in actives] == [False, True, True, True, False]
    assert {a[FlagId.RISK_BUDGET_SHRINKING].since for a in actives[1:4]} == {START + HOUR}


def test_vol_spike_is_held_twelve_hours_and_until_the_ratio_is_below_one_and_a_half(swing: Profile) -> None:
    spike = with_corr(vol_btc=vol(2.3, 80))
    elevated = with_corr(vol_btc=vol(1.6, 60))
    calmer = with_corr(vol_btc=vol(1.2, 45))
    seq = views([spike] + [calmer] * 13, swing)
    assert [FlagId.VOL_SPIKE in a for a in active_ids(seq, swing)] == [True] * 12 + [False] * 2
    seq = views([spike] + [elevated] * 15 + [calmer], swing)
    on = [FlagId.VOL_SPIKE in a for a in active_ids(seq, swing)]
    assert all(on[:16]) and not on[16]


def test_leadership_break_stays_until_relative_strength_regains_its_average(swing: Profile) -> None:
    lead = readings().leadership
    breaking = readings(leadership=replace(lead, rs_new_low=True, index_above_ma=True, rs_below_ma=True))
    below = readings(leadership=replace(lead, rs_new_low=False, rs_below_ma=True))
    regained = readings(leadership=replace(lead, rs_new_low=False, rs_below_ma=False))
    seq = views([breaking, below, below, below, regained, below], swing)
    assert [FlagId.LEADERSHIP_BREAK in a for a in active_ids(seq, swing)] == [True] * 4 + [False, False]


def regime_of(hours: list[Readings], profile: Profile) -> Any:
    seq = views(hours, profile)
    call, _labels, _held = held_regime(seq, active_flags(seq, profile), profile)
    return call


def test_regime_escalates_at_once_and_steps_down_one_rung_per_hold(swing: Profile) -> None:
    shock = with_btc(**CASCADE)
    quiet = readings()
    # the cascade is active for hours 1-3 (2 h hold); each rung then needs 12 h without its evidence
    for hours_after, expected in ((0, Regime.LIQUIDITY_SHOCK), (2, Regime.LIQUIDITY_SHOCK),
                                  (13, Regime.LIQUIDITY_SHOCK), (14, Regime.VOLATILITY_EVENT),
                                  (25, Regime.VOLATILITY_EVENT), (26, Regime.TREND_BREAK), (38, Regime.CALM)):
        call = regime_of([quiet, shock] + [quiet] * hours_after, swing)
        assert call.label == expected, hours_after
    held = regime_of([quiet, shock] + [quiet] * 20, swing)
    assert held.label == Regime.VOLATILITY_EVENT and held.multiplier == 0.5
    assert held.since == START + 15 * HOUR  # stepped down 12 h after the cascade's hold ended
    assert held.held_from == START + 3 * HOUR  # the last hour the cascade was active
    assert "hysteresis" in held.evidence[0]
    assert regime_of([quiet] * 3, swing).held_from is None


def test_the_day_after_a_vix_33_selloff_is_not_sized_larger(swing: Profile) -> None:
    """8 Feb 2018: the regime dropped to trend_break x0.75, a larger size than the quieter days around it."""
    selloff = readings(macro=replace(readings().macro, vix=ImpliedVolReading(33.0, 25.0)))
    next_morning = with_corr(trend_index="down", index_trend_gap_atr=-1.5)
    call = regime_of([selloff] * 6 + [next_morning] * 8, swing)
    assert call.label == Regime.VOLATILITY_EVENT and call.multiplier == 0.5


def test_a_gap_in_the_data_shows_unknown_and_is_never_held(swing: Profile) -> None:
    no_trend = with_corr(trend_index=None)
    call = regime_of([readings()] * 2 + [no_trend] * 3, swing)
    assert call.label == Regime.UNKNOWN and call.since == START + 2 * HOUR
    assert regime_of([readings()] * 2 + [no_trend] * 3 + [readings()], swing).label == Regime.CALM


def test_a_sunday_without_an_es_trend_after_two_down_days_is_not_calm(swing: Profile) -> None:
    """Sunday 14 Oct 2018 after -3.3 % and -2.1 % days fell through to calm x1.0."""
    down = with_corr(trend_index="down", index_trend_gap_atr=-1.8, vol_index=replace(vol(1.5, 32)))
    sunday = with_corr(trend_index=None)
    call = regime_of([down] * 8 + [sunday] * 4, swing)
    assert call.label == Regime.UNKNOWN and call.multiplier == 0.25


# --- through build_snapshot: JSON keys, determinism, the memo ----------------------------------------------


@functools.cache
def _cascade_source() -> SimulatorSource:
    return SimulatorSource("cascade-2026-01", 7)  # generated once: its states share its immutable bars


def _cascade_state(hours_in: int) -> Any:
    source = _cascade_source()
    return source.state_at(source.scenario.start + timedelta(hours=hours_in))


def test_an_evaluation_equals_the_one_reached_by_stepping_hour_by_hour(swing: Profile) -> None:
    config = load_config()
    clear_memo()
    cold = snapshot_json(build_snapshot(_cascade_state(70), swing, config.universe))
    clear_memo()
    stepped = None
    for hours_in in range(40, 71):
        stepped = snapshot_json(build_snapshot(_cascade_state(hours_in), swing, config.universe))
    assert json.dumps(cold, sort_keys=True) == json.dumps(stepped, sort_keys=True)
    assert all(f["since"] is not None for f in cold["flags"])
    assert cold["regime"]["since"] is not None


def test_a_warm_evaluation_computes_only_the_new_hour(swing: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    import cockpit.analytics.readings as analytics

    config = load_config()
    build_snapshot(_cascade_state(50), swing, config.universe)
    calls: list[datetime] = []
    original = analytics.readings_of

    def counting(by_symbol: Any, state: Any, *args: Any, **kwargs: Any) -> Readings:
        calls.append(state.as_of)
        return original(by_symbol, state, *args, **kwargs)

    monkeypatch.setattr(analytics, "readings_of", counting)
    build_snapshot(_cascade_state(51), swing, config.universe)
    assert len(calls) == 1  # the moment itself; every earlier hour came from the memo


@pytest.mark.parametrize("scenario", ["calm", "cascade-2026-01"])
@pytest.mark.parametrize("profile_name", ["short", "swing", "long"])
def test_the_moments_figures_read_from_its_timelines_index_equal_its_own_evaluation(
        scenario: str, profile_name: str) -> None:
    """build_snapshot reads the moment's bars from the index its timeline reads (split by symbol once); the
    figures equal those of `compute_readings` on the state alone, between hours and on them, and with the
    index and equity bars stamped at :30 (as Yahoo stamps the cash session's hours)."""
    from cockpit.analytics.readings import compute_readings, readings_of
    from cockpit.rules.spans import moment_bars

    config = load_config()
    profile = config.profile(profile_name)
    source = SimulatorSource(scenario, 7, speed=0.0)
    charted = 0
    for hours, minutes in ((30, 0), (57, 41), (101, 15), (140, 59)):
        state = source.state_at(source.scenario.start + timedelta(hours=hours, minutes=minutes))
        equities = pl.col("symbol").is_in([config.universe.index, *config.universe.leaders])
        half_past = replace(state, bars=state.bars.with_columns(
            pl.when(equities).then(pl.col("ts") + timedelta(minutes=30)).otherwise(pl.col("ts")).alias("ts"))
            .filter(pl.col("ts") <= state.as_of - HOUR).sort("ts", maintain_order=True))
        for case in (state, half_past):
            expected = compute_readings(case, profile, config.universe)
            got = readings_of(moment_bars(case, profile).split_until(case.as_of), case, profile, config.universe)
            assert got == expected
            assert expected.crypto.btc.price is not None and expected.leadership.relative_strength_pct is not None
            charted += bool(expected.correlation.history_1h)
    assert charted >= 4  # the correlation chart's history was compared too, not only empty ones


def test_snapshot_json_carries_spans_regime_since_and_outlook_reason(swing: Profile) -> None:
    config = load_config()
    source = SimulatorSource("calm", 3)
    payload = snapshot_json(build_snapshot(source.state_at(source.scenario.start + timedelta(hours=30)),
                                           swing, config.universe))
    assert "since" in payload["regime"]
    assert payload["outlook"]["label"] is None and "no stress" in payload["outlook"]["reason"]
    assert set(payload["outlook"]["unknown"]) == {"A_normalization", "B_liquidity_tightening", "C_reflation"}


def test_stale_data_since_is_when_the_source_crossed_its_limit(swing: Profile) -> None:
    from cockpit.rules.spans import stale_since

    stale = readings(health=(SourceHealth("yahoo", 4000.0, True, "timeout", "stale", limit_s=1000.0),))
    assert stale_since(stale) == AS_OF - timedelta(seconds=3000)


def test_leadership_field_default_keeps_old_readings_valid() -> None:
    assert LeadershipReading().rs_below_ma is None
    assert MacroReading().vix is None


RUNGS = [Regime.CALM, Regime.TREND_BREAK, Regime.VOLATILITY_EVENT, Regime.LIQUIDITY_SHOCK, Regime.UNKNOWN]


@given(st.lists(st.sampled_from(RUNGS), min_size=1, max_size=60), st.integers(min_value=1, max_value=24))
def test_hysteresis_never_sizes_larger_than_the_hours_own_evidence(labels: list[Regime], hold_h: int) -> None:
    from cockpit.rules.regime import severity_rank
    from cockpit.rules.spans import _Hysteresis

    machine = _Hysteresis(timedelta(hours=hold_h))
    previous: Regime | None = None
    for i, raw in enumerate(labels):
        machine.step(START + HOUR * i, raw)
        if raw is not Regime.UNKNOWN:
            assert machine.label is not None and severity_rank(machine.label) >= severity_rank(raw)
        if previous is not None and machine.label is not None:
            assert severity_rank(previous) - severity_rank(machine.label) <= 1  # one rung at a time
        previous = machine.label


def test_a_moment_between_hours_judges_as_its_hour(swing: Profile) -> None:
    """A live moment (10:37) reads the bars complete at 10:00: same flags, spans and regime."""
    config = load_config()
    on_the_hour = _cascade_state(60)
    between = replace(on_the_hour, as_of=on_the_hour.as_of + timedelta(minutes=37))
    a = build_snapshot(on_the_hour, swing, config.universe)
    b = build_snapshot(between, swing, config.universe)
    assert [(f.id, f.message, f.since) for f in a.flags] == [(f.id, f.message, f.since) for f in b.flags]
    assert (a.regime.label, a.regime.since, a.regime.held_from) == (b.regime.label, b.regime.since,
                                                                    b.regime.held_from)


def test_a_timeline_line_equals_the_one_shot_snapshot_at_that_moment(capsys: pytest.CaptureFixture[str]) -> None:
    """`snapshot --every` (warm, hour after hour) and `snapshot --at` (cold) agree on spans and the regime."""
    from cockpit.cli import main

    clear_memo()
    assert main(["snapshot", "--demo", "--every", "1h"]) == 0
    timeline = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    at_60h = next(row for row in timeline if row["as_of"] == "2026-01-31T12:00:00Z")
    clear_memo()
    assert main(["snapshot", "--demo", "--at", "60h", "--json"]) == 0
    one_shot = json.loads(capsys.readouterr().out)
    for key in ("flags", "regime", "outlook"):
        assert one_shot[key] == at_60h[key]


@pytest.mark.parametrize("hours_back", [1, 5, 30])
def test_a_past_hour_judged_from_the_memo_equals_its_full_evaluation(hours_back: int) -> None:
    """A timeline's past hour (`past_hour=True`: readings without chart histories, from the hour memo) is
    judged as a one-shot snapshot of that hour judges it, cold: flags, regime, outlook and every reading the
    rules read. Hours 1, 5 and 30 before 100 h into the cascade carry the cascade, vol and leadership flags."""
    from cockpit.rules.spans import slim

    config = load_config()
    profile = config.profile("swing")
    state = SimulatorSource("cascade-2026-01", 7, start_offset=timedelta(hours=100), speed=0.0).poll()
    end = state.as_of.replace(minute=0, second=0, microsecond=0)
    past = replace(state, as_of=end - timedelta(hours=hours_back), health=())
    clear_memo()
    full = build_snapshot(past, profile, config.universe)
    clear_memo()
    build_snapshot(replace(past, as_of=past.as_of + timedelta(hours=1)), profile, config.universe)  # fills the memo
    fast = build_snapshot(past, profile, config.universe, past_hour=True)
    assert full.flags and fast.flags == full.flags
    assert (fast.regime, fast.outlook) == (full.regime, full.outlook)
    assert fast.readings == slim(full.readings)


def test_a_state_off_the_hour_is_judged_in_full_even_as_a_past_hour() -> None:
    config = load_config()
    profile = config.profile("swing")
    state = SimulatorSource("cascade-2026-01", 7, start_offset=timedelta(hours=100), speed=0.0).poll()
    off = replace(state, as_of=state.as_of.replace(minute=30, second=0, microsecond=0), health=())
    judged = build_snapshot(off, profile, config.universe)
    assert build_snapshot(off, profile, config.universe, past_hour=True) == judged


def test_the_hour_memo_drops_hours_beyond_its_horizon_as_the_newest_hour_moves_on() -> None:
    """A screen left open for weeks keeps a constant memo: each new newest hour drops that context's hours
    more than the horizon before it (other contexts keep theirs); a walk back in time keeps what it puts."""
    from cockpit.rules.memo import HourMemo

    memo: HourMemo[object] = HourMemo(10_000)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    view = object()
    for k in range(1000):
        memo.put(("swing", "u", start + timedelta(hours=k), 0), view, 360)
        memo.put(("long", "u", start + timedelta(hours=k // 10), 0), view, 360)
    assert len([1 for k in range(1000) if memo.get(("swing", "u", start + timedelta(hours=k), 0))]) == 361
    assert memo.get(("swing", "u", start + timedelta(hours=999 - 360), 0)) is not None
    assert memo.get(("swing", "u", start + timedelta(hours=999 - 361), 0)) is None
    assert all(memo.get(("long", "u", start + timedelta(hours=k), 0)) for k in range(100))  # its own horizon
    for k in range(10):  # a seek back: kept until the newest hour moves on again
        memo.put(("swing", "u", start + timedelta(hours=k), 0), view, 360)
    assert memo.get(("swing", "u", start, 0)) is not None
    memo.put(("swing", "u", start + timedelta(hours=1000), 0), view, 360)
    assert memo.get(("swing", "u", start, 0)) is None
