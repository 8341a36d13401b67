"""Tables for every analytic: returns, resampling, vol, trend, z-scores, macro, leadership, crypto, cleaning."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from cockpit.analytics.bars import age_seconds, clean_bars, value_at
from cockpit.analytics.leadership import leadership_reading, verdict
from cockpit.analytics.macro import change_over, risk_budget
from cockpit.analytics.series import (
    ewm_vol,
    hourly_returns,
    log_returns,
    moving_average_trend,
    pct_change,
    realized_vol,
    resample_closes,
    vol_windows,
    zscore,
)

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def series(closes: list[float], start: datetime = T0, step_h: int = 1, **extra: list[float | None]) -> pl.DataFrame:
    stamps = [start + timedelta(hours=step_h * i) for i in range(len(closes))]
    return pl.DataFrame({"ts": stamps, "close": closes, **extra}).with_columns(
        pl.col("ts").cast(pl.Datetime("us", "UTC"))
    )


def test_log_returns() -> None:
    returns = log_returns(series([100.0, 110.0, 99.0])).to_list()
    assert returns == pytest.approx([math.log(1.1), math.log(0.9)])


def test_resample_4h_buckets_from_midnight_take_last_close() -> None:
    frame = series([float(i) for i in range(1, 11)], start=T0 + timedelta(hours=2))  # 02:00 .. 11:00
    out = resample_closes(frame, "4h")
    assert [ts.hour for ts in out["ts"].to_list()] == [0, 4, 8]
    assert out["close"].to_list() == [2.0, 6.0, 10.0]


@pytest.mark.parametrize(
    ("new", "old", "expected"), [(110.0, 100.0, 10.0), (90.0, 100.0, -10.0), (None, 100.0, None), (5.0, 0.0, None)]
)
def test_pct_change(new: float | None, old: float | None, expected: float | None) -> None:
    result = pct_change(new, old)
    assert result == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("value", "baseline", "expected"),
    [(4.0, [1.0, 2.0, 3.0], 2.0), (2.0, [2.0, 2.0, 2.0], None), (None, [1.0, 2.0], None), (1.0, [1.0], None)],
)
def test_zscore(value: float | None, baseline: list[float], expected: float | None) -> None:
    result = zscore(value, baseline)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_realized_vol_is_root_mean_square_not_demeaned() -> None:
    values = [0.01, -0.02, 0.03, 0.0]
    assert realized_vol(values) == pytest.approx(math.sqrt(sum(v * v for v in values) / 4))
    assert realized_vol([-0.01] * 5) == pytest.approx(0.01)  # a steady fall is volatile, not zero
    assert realized_vol([]) is None


def test_weekend_gap_is_not_an_hourly_return() -> None:
    friday = series([100.0, 101.0], start=datetime(2026, 1, 9, 20, tzinfo=UTC))
    monday = series([110.0, 111.0], start=datetime(2026, 1, 12, 0, tzinfo=UTC))
    returns = hourly_returns(pl.concat([friday, monday]))
    assert returns == pytest.approx([math.log(1.01), math.log(111 / 110)])


def test_vol_windows_recent_against_prior() -> None:
    rng = np.random.default_rng(3)
    calm = rng.normal(0, 0.001, 200)
    wild = rng.normal(0, 0.004, 24)
    frame = series(list(100 * np.exp(np.cumsum(np.concatenate([calm, wild])))))
    vol = vol_windows(frame, 24, 168)
    assert vol.ratio is not None and vol.ratio > 2.5
    assert vol.rising
    short = vol_windows(frame.head(50), 24, 168)
    assert short.prior is None and short.ratio is None


def test_ewm_vol_matches_pandas() -> None:
    pd = pytest.importorskip("pandas")
    closes = list(100 * np.exp(np.cumsum(np.random.default_rng(9).normal(0, 0.01, 80))))
    expected = pd.Series(np.diff(np.log(closes))).ewm(span=20, adjust=True, min_periods=5).std().iloc[-1]
    assert ewm_vol(series(closes), 20) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(
    ("closes", "expected"),
    [([100.0 + i for i in range(30)], "up"), ([130.0 - i for i in range(30)], "down"), ([100.0] * 5, None)],
)
def test_trend_on_moving_average(closes: list[float], expected: str | None) -> None:
    assert moving_average_trend(series(closes), "1h", 20) == expected


@pytest.mark.parametrize(
    ("bp", "pct", "expected"),
    [(5.0, 0.30, "shrinking"), (4.9, 0.5, "stable"), (8.0, 0.29, "stable"), (-6.0, -0.4, "expanding"),
     (None, 0.5, None)],
)
def test_risk_budget(bp: float | None, pct: float | None, expected: str | None) -> None:
    assert risk_budget(bp, pct, 5.0, 0.30) == expected


def test_change_over_lookback_uses_bar_closes() -> None:
    frame = series([4.0 + 0.01 * i for i in range(30)])
    as_of = T0 + timedelta(hours=30)  # last complete bar is stamped 29:00
    assert as_of > frame["ts"][-1]
    now, then = change_over(frame, 24)
    assert now == pytest.approx(4.29)
    assert then == pytest.approx(4.05)


@pytest.mark.parametrize(
    ("below", "new_low", "above", "lows", "expected"),
    [(False, False, 0.8, 0.0, "leading"), (True, False, 0.6, 0.1, "neutral"), (False, True, 0.7, 0.0, "neutral"),
     (True, True, 0.4, 0.1, "breaking"), (True, True, 0.6, 0.3, "breaking"), (True, False, 0.4, 0.0, "breaking"),
     (True, True, 0.2, 0.6, "broken"), (False, False, 0.4, 0.0, "neutral")],
)
def test_leadership_verdict(below: bool, new_low: bool, above: float, lows: float, expected: str) -> None:
    assert verdict(below, new_low, above, lows) == expected


def test_leadership_reading_reports_missing_members_and_breaks() -> None:
    n = 120
    index = series([100.0 + 0.05 * i for i in range(n)])
    leaders = {
        "AAA": series([100.0 + 0.05 * i for i in range(n - 4)] + [90.0, 88.0, 86.0, 84.0]),
        "BBB": series([50.0 + 0.02 * i for i in range(n - 4)] + [45.0, 44.0, 43.0, 42.0]),
        "CCC": None,
    }
    reading = leadership_reading(leaders, index, T0 + timedelta(hours=n), "1h", 20)
    assert reading.missing == ("CCC",)
    assert reading.members == ("AAA", "BBB")
    assert reading.rs_new_low is True
    assert reading.index_above_ma is True
    assert reading.breadth_new_lows == 1.0
    assert reading.relative_strength_pct is not None and reading.relative_strength_pct < 0
    assert reading.verdict in {"breaking", "broken"}  # a real break: the basket falls far beyond its own noise
    assert reading.relative_move_sigma is None or reading.relative_move_sigma < -2


def test_leadership_without_index_is_empty_not_invented() -> None:
    reading = leadership_reading({"AAA": series([1.0] * 50)}, None, T0, "1h", 20)
    assert reading.verdict is None and reading.relative_strength_pct is None


def test_value_at_and_age() -> None:
    frame = series([1.0, 2.0, 3.0])
    assert value_at(frame, "close", T0 + timedelta(hours=1, minutes=30)) == 2.0
    assert value_at(frame, "close", T0 - timedelta(hours=1)) is None
    assert age_seconds(T0 + timedelta(hours=3, minutes=10), T0 + timedelta(hours=2)) == 600.0
    assert age_seconds(T0, None) is None


def test_clean_bars_counts_what_it_drops() -> None:
    raw = pl.DataFrame({
        "ts": [T0 + timedelta(hours=h) for h in (2, 0, 1, 1, 3, 4)],
        "symbol": ["X"] * 6,
        "open": [1.0] * 6, "high": [4.0] * 6, "low": [0.5] * 6,
        "close": [3.0, 1.0, 2.0, 2.5, float("nan"), -1.0],
        "volume": [1.0] * 6,
    })
    clean, quality = clean_bars(raw)
    assert clean["close"].to_list() == [1.0, 2.5, 3.0]
    assert quality.rows_in == 6 and quality.rows_used == 3
    assert quality.duplicates_dropped == 1 and quality.bad_prices_dropped == 2
    assert quality.was_unsorted


def test_clean_bars_rejects_infinite_and_impossible_bars() -> None:
    stamps = [T0 + timedelta(hours=h) for h in range(5)]
    raw = pl.DataFrame({
        "ts": stamps, "symbol": ["X"] * 5,
        "open": [1.0, 1.0, 1.0, 1.0, 1.0],
        "high": [1.2, float("inf"), 0.5, 1.2, 1.2],  # infinite high; high below low
        "low": [0.9, 0.9, 0.9, 1.1, 0.9],  # a low above the open
        "close": [1.1, 1.1, 1.1, 1.1, 1.1],
        "volume": [1.0] * 5,
        "open_interest_usd": [5.0, 5.0, 5.0, 5.0, -5.0],
        "funding_rate": [0.0001, 0.0001, 0.0001, 0.0001, float("inf")],
    })
    clean, quality = clean_bars(raw)
    assert clean["ts"].to_list() == [stamps[0], stamps[4]]
    assert quality.bad_prices_dropped == 3
    assert clean["open_interest_usd"].to_list() == [5.0, None]
    assert clean["funding_rate"].to_list() == [0.0001, None]


def test_funding_settled_is_the_rate_in_force_before_the_last_settlement() -> None:
    from cockpit.analytics.crypto import CryptoOptions, asset_reading

    rates = [0.0001 * (i + 1) for i in range(30)]  # 00:00 .. 05:00 next day, one rate per hour
    frame = series([100.0] * 30, funding_rate=rates, open_interest_usd=[1e9] * 30, long_liq_usd=[1e6] * 30,
                   short_liq_usd=[1e6] * 30)
    as_of = T0 + timedelta(hours=30)  # 06:00 on day two: last settlement at 00:00, rate of the 23:00 bar
    asset = asset_reading("BTC", frame, as_of, CryptoOptions(trend_timeframe="1h"))
    assert asset.funding_rate == pytest.approx(rates[-1])
    assert asset.funding_settled_rate == pytest.approx(rates[23])
