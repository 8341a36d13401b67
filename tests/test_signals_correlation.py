"""SPEC §3 v2, as a trader would check it: kept return pairs, completed buckets, trading days, RMS vol, the gap."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.analytics.calendar import BARS_PER_YEAR, bucket_keys, session_gap_pct, timeframe_bars
from cockpit.analytics.series import correlation, trend_gap_atr, vol_windows
from tests.signal_fixtures import BTC, ES, bars, cme_hours, hours, snapshot_at, walk

SATURDAY = datetime(2026, 1, 10, tzinfo=UTC)  # after Friday's last 4h bucket has closed for both
SUNDAY_EVENING = datetime(2026, 1, 11, 20, tzinfo=UTC)
SUNDAY_OPEN = datetime(2026, 1, 11, 23, tzinfo=UTC)


def weekend_market(weekend_move: bool, seed: int = 4) -> list[pl.DataFrame]:
    """ES and BTC independent all week; with `weekend_move`, BTC falls 6 % over the weekend and ES gaps -5 %."""
    rng = np.random.default_rng(seed)
    start, end = datetime(2025, 12, 22, tzinfo=UTC), datetime(2026, 1, 13, tzinfo=UTC)
    es_stamps, btc_stamps = cme_hours(start, end), hours(start, end)
    es = walk(rng, len(es_stamps), 0.002, 5000.0)
    es_opens = np.concatenate((es[:1], es[:-1]))
    btc_returns = rng.normal(0, 0.004, len(btc_stamps))
    if weekend_move:
        weekend = np.array([SATURDAY <= ts < SUNDAY_EVENING for ts in btc_stamps])
        btc_returns[weekend] += math.log(0.94) / weekend.sum()
        after = np.array([ts >= SUNDAY_OPEN for ts in es_stamps])
        es[after] *= 0.95
        es_opens[after] *= 0.95  # Globex reopens 5 % lower
    return [bars(ES, es_stamps, es, es_opens), bars(BTC, btc_stamps, 90000.0 * np.exp(np.cumsum(btc_returns)))]


@pytest.mark.parametrize("as_of", [datetime(2026, 1, 12, 2, tzinfo=UTC), datetime(2026, 1, 12, 9, tzinfo=UTC)])
def test_a_weekend_does_not_make_es_and_btc_one_risk_book(as_of: datetime) -> None:
    """Symptom: the 1h correlation jumped from -0.11 on Friday to 0.70 on Monday with no weekend move at all."""
    moved = snapshot_at(weekend_market(True), as_of)["correlation"]
    still = snapshot_at(weekend_market(False), as_of)["correlation"]
    for timeframe in ("1h", "4h"):
        assert moved[timeframe]["value"] == pytest.approx(still[timeframe]["value"], abs=1e-9)
        assert moved[timeframe]["gap_pairs_dropped"] >= 1
    assert abs(moved["1h"]["value"]) < 0.5
    assert moved["gap_pct"] == pytest.approx(-5.0, abs=0.6)  # the gap is its own figure
    assert still["gap_pct"] == pytest.approx(0.0, abs=0.6)


def test_a_monday_gap_does_not_reach_es_vol_but_is_reported() -> None:
    """SPEC: pairs spanning a session gap are dropped from vol windows; the opening gap is `gap_pct`."""
    as_of = datetime(2026, 1, 12, 6, tzinfo=UTC)
    moved = snapshot_at(weekend_market(True), as_of)["correlation"]
    still = snapshot_at(weekend_market(False), as_of)["correlation"]
    assert moved["vol"]["index"]["recent"] == pytest.approx(still["vol"]["index"]["recent"], rel=1e-9)
    assert moved["gap_pct"] < -4.0


def test_the_forming_4h_bucket_is_left_out() -> None:
    frames = weekend_market(False)
    rng = np.random.default_rng(1)
    shock = {ts: float(rng.normal(0, 0.03)) for ts in hours(datetime(2026, 1, 12, 8, tzinfo=UTC),
                                                            datetime(2026, 1, 12, 10, tzinfo=UTC))}
    shocked = [f.with_columns(pl.col("close") * pl.col("ts").map_elements(
        lambda ts: math.exp(shock.get(ts, 0.0)), return_dtype=pl.Float64)) for f in frames]
    before = snapshot_at(frames, datetime(2026, 1, 12, 8, tzinfo=UTC))["correlation"]["4h"]
    forming = snapshot_at(shocked, datetime(2026, 1, 12, 10, tzinfo=UTC))["correlation"]["4h"]
    assert forming["value"] == pytest.approx(before["value"], abs=1e-12)


def test_gap_pairs_are_counted_within_the_window_span() -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    stamps = hours(start, start + timedelta(hours=60))
    holes = {stamps[30], stamps[45]}  # BTC missing two bars: two pairs span two hours
    rng = np.random.default_rng(2)
    a = bars(ES, stamps, walk(rng, len(stamps), 0.01, 100.0))
    b_stamps = [ts for ts in stamps if ts not in holes]
    b = bars(BTC, b_stamps, walk(rng, len(b_stamps), 0.01, 100.0))
    value = correlation(a, b, 24)
    assert value.n == 24 and value.gap_pairs_dropped == 1  # only the hole at bar 45 lies inside the last 24
    assert correlation(a, b, 40).gap_pairs_dropped == 2


@pytest.mark.parametrize(("utc", "kind", "trading_date"), [
    (datetime(2026, 3, 6, 22, tzinfo=UTC), "futures", "2026-03-06"),  # CST: 16:00 Chicago, before the roll
    (datetime(2026, 3, 6, 23, tzinfo=UTC), "futures", "2026-03-07"),  # 17:00 CST: next trading day
    (datetime(2026, 3, 9, 22, tzinfo=UTC), "futures", "2026-03-10"),  # CDT after the change: 17:00 Chicago
    (datetime(2026, 3, 9, 21, tzinfo=UTC), "futures", "2026-03-09"),
    (datetime(2026, 1, 5, 3, tzinfo=UTC), "equity", "2026-01-04"),  # 22:00 New York the evening before
    (datetime(2026, 7, 6, 3, tzinfo=UTC), "equity", "2026-07-05"),
    (datetime(2026, 1, 5, 3, tzinfo=UTC), "crypto", "2026-01-05"),
    (datetime(2026, 10, 30, 22, tzinfo=UTC), "futures", "2026-10-31"),  # 17:00 CDT before the fall change
    (datetime(2026, 11, 2, 22, tzinfo=UTC), "futures", "2026-11-02"),  # 16:00 CST after it
    (datetime(2026, 11, 2, 23, tzinfo=UTC), "futures", "2026-11-03"),
    (datetime(2018, 2, 4, 23, tzinfo=UTC), "futures", "2018-02-05"),  # Sunday evening opens Monday
    (datetime(2017, 12, 31, 23, tzinfo=UTC), "futures", "2018-01-01"),
])
def test_trading_day_of_a_bar(utc: datetime, kind: str, trading_date: str) -> None:
    keys = bucket_keys(np.array([int(utc.timestamp() * 1_000_000)]), "1d", kind)
    assert datetime.fromtimestamp(int(keys[0]) // 1_000_000, UTC).date().isoformat() == trading_date


def test_trading_days_across_years_in_one_array() -> None:
    stamps = [datetime(2025, 12, 31, 22, tzinfo=UTC), datetime(2026, 3, 9, 22, tzinfo=UTC),
              datetime(2027, 3, 15, 22, tzinfo=UTC)]
    keys = bucket_keys(np.array([int(ts.timestamp() * 1_000_000) for ts in stamps]), "1d", "futures")
    days = [datetime.fromtimestamp(int(k) // 1_000_000, UTC).date().isoformat() for k in keys]
    assert days == ["2025-12-31", "2026-03-10", "2027-03-16"]  # CST 16:00; CDT 17:00; CDT 17:00


def test_weekly_bars_are_trading_weeks() -> None:
    stamps = cme_hours(datetime(2026, 1, 4, tzinfo=UTC), datetime(2026, 1, 17, tzinfo=UTC))
    weekly = timeframe_bars(bars(ES, stamps, np.arange(1.0, len(stamps) + 1)), "1w", "futures")
    assert [ts.date().isoformat() for ts in weekly["ts"].to_list()] == ["2026-01-05", "2026-01-12"]


def holiday_es(end: datetime) -> pl.DataFrame:
    """ES from December 2017 with Christmas, New Year and MLK closed; rising gently, then -6 % on 2 Feb 2018."""
    closed = {date(2017, 12, 25), date(2018, 1, 1), date(2018, 1, 15)}
    stamps = [ts for ts in cme_hours(datetime(2017, 12, 1, tzinfo=UTC), end)
              if (ts + timedelta(hours=1)).date() not in closed]
    closes = 2600.0 * np.exp(np.linspace(0, 0.05, len(stamps)))
    friday = np.array([ts >= datetime(2018, 2, 2, tzinfo=UTC) for ts in stamps])  # and what follows it
    closes[friday] *= 0.94
    return bars(ES, stamps, closes)


@pytest.mark.parametrize("as_of", [
    datetime(2018, 2, 4, 23, 30, tzinfo=UTC),  # Sunday evening: Globex just reopened
    datetime(2018, 2, 5, 0, tzinfo=UTC),  # Monday 00:00 UTC (the Volmageddon day)
    datetime(2018, 1, 16, 1, tzinfo=UTC),  # the night after a holiday
    datetime(2018, 1, 2, 0, tzinfo=UTC),
])
def test_the_daily_trend_exists_on_sundays_mondays_and_after_holidays(as_of: datetime) -> None:
    """Symptom: on 5 Feb 2018 the ES daily trend was missing, so nothing could read the selloff."""
    payload = snapshot_at([holiday_es(as_of)], as_of)
    assert payload["correlation"]["trend"]["index"] in {"up", "down"}
    assert payload["correlation"]["index_trend_gap_atr"] is not None
    if as_of.month == 2:
        assert payload["correlation"]["trend"]["index"] == "down"


def test_a_steady_fall_is_a_vol_spike_by_rms() -> None:
    """Symptom: a steady -10.9 % BTC day gave a std ratio of 1.49; root-mean-square gives about 2.7."""
    rng = np.random.default_rng(2)  # a -11.0 % day
    prior = rng.normal(0, 0.0021, 168)
    recent = rng.normal(math.log(0.891) / 24, 0.0031, 24)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    stamps = hours(start, start + timedelta(hours=193))
    frame = bars(BTC, stamps, 90000.0 * np.exp(np.concatenate(([0.0], np.cumsum(np.concatenate((prior, recent)))))))
    vol = vol_windows(frame, 24, 168, BARS_PER_YEAR["crypto"])
    assert recent.std(ddof=1) / prior.std(ddof=1) == pytest.approx(1.5, abs=0.01)  # what the demeaned std saw
    assert vol.ratio is not None and vol.ratio == pytest.approx(2.84, abs=0.01)
    assert vol.recent == pytest.approx(math.sqrt(float(np.mean(recent**2))))
    assert vol.annualised_pct == pytest.approx(vol.recent * math.sqrt(8760) * 100)


def test_vol_is_annualised_with_the_instruments_bars_per_year() -> None:
    stamps = cme_hours(datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 20, tzinfo=UTC))
    closes = 5000.0 * np.exp(np.cumsum(np.where(np.arange(len(stamps)) % 2, 0.001, -0.001)))
    snapshot = snapshot_at([bars(ES, stamps, closes)], datetime(2026, 1, 20, tzinfo=UTC))
    assert snapshot["correlation"]["vol"]["index"]["annualised_pct"] == pytest.approx(
        0.001 * math.sqrt(23 * 252) * 100, abs=1e-3)


def test_trend_gap_in_average_true_ranges() -> None:
    stamps = hours(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 31, tzinfo=UTC))
    closes = np.array([100.0 + (ts - stamps[0]).days for ts in stamps])  # daily closes 100, 101, ...
    frame = bars(BTC, stamps, closes)
    # true range of each day: high - low inside it is 0, the step from yesterday's close is 1
    expected = (129.0 - np.mean(np.arange(110.0, 130.0))) / 1.0
    assert trend_gap_atr(frame, "1d", 20) == pytest.approx(expected)


def test_session_gap_pct_is_first_open_against_previous_last_close() -> None:
    stamps = cme_hours(datetime(2026, 1, 8, tzinfo=UTC), datetime(2026, 1, 12, 3, tzinfo=UTC))
    closes = np.full(len(stamps), 5000.0)
    opens = closes.copy()
    sunday = [i for i, ts in enumerate(stamps) if ts >= SUNDAY_OPEN]
    opens[sunday[0]] = 4850.0
    closes[sunday] = 4850.0
    frame = bars(ES, stamps, closes, opens)
    assert session_gap_pct(frame, "futures") == pytest.approx(-3.0)
    assert session_gap_pct(frame, "crypto") is None


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=10, max_value=80),
       st.floats(min_value=0.5, max_value=2.0))
def test_a_jump_across_a_gap_never_moves_the_kept_pair_correlation(seed: int, gap_at: int, jump: float) -> None:
    """Property: whatever happens while one market is shut, the kept-pair correlation is unchanged."""
    rng = np.random.default_rng(seed)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    stamps = hours(start, start + timedelta(hours=120))
    a_stamps = [ts for i, ts in enumerate(stamps) if i not in (gap_at, gap_at + 1)]  # a two-hour halt
    a_closes = walk(rng, len(a_stamps), 0.01, 100.0)
    b = bars(BTC, stamps, walk(rng, len(stamps), 0.01, 100.0))
    after = np.array([ts > stamps[gap_at] for ts in a_stamps])
    shifted = np.where(after, a_closes * jump, a_closes)
    for timeframe, window in (("1h", 24), ("4h", 8)):
        as_of = stamps[-1] + timedelta(hours=1)
        plain = correlation(bars(ES, a_stamps, a_closes), b, window, timeframe, as_of)
        jumped = correlation(bars(ES, a_stamps, shifted), b, window, timeframe, as_of)
        if timeframe == "1h":  # a halt inside a 4h bucket leaves that bucket's pair kept, jump and all
            assert plain.value == pytest.approx(jumped.value, abs=1e-9)
        assert -1.0 <= (jumped.value or 0.0) <= 1.0
