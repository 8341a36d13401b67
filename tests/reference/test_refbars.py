"""The fixture builder itself: sessions, holidays, DST, missing bars, files and the real-history mapping."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl
import refmarkets as rm
from refbars import BTC, ES, HYG, NEW_YORK, VIX, arch_daily, cme_trading_day, utc, write_both


def _hours(frame: pl.DataFrame, symbol: str, day_start: datetime, day_end: datetime) -> list[int]:
    rows = frame.filter((pl.col("symbol") == symbol) & (pl.col("ts") >= day_start) & (pl.col("ts") < day_end))
    return [t.hour for t in rows["ts"].to_list()]


def test_cme_session_halt_weekend_and_dst(main_market):  # type: ignore[no-untyped-def]
    f = main_market.frame
    # Sunday reopen 17:00 Chicago: 23:00 UTC in standard time, 22:00 UTC once DST began (8 March 2026)
    assert _hours(f, ES, utc(2026, 3, 1), utc(2026, 3, 2)) == [23]
    assert _hours(f, ES, utc(2026, 3, 8), utc(2026, 3, 9)) == [22, 23]
    # the daily 16:00-17:00 Chicago halt: 22:00 UTC in February, 21:00 UTC after the change
    assert 22 not in _hours(f, ES, utc(2026, 2, 12), utc(2026, 2, 13))
    assert 21 not in _hours(f, ES, utc(2026, 3, 9), utc(2026, 3, 10))
    assert 22 in _hours(f, ES, utc(2026, 3, 9), utc(2026, 3, 10))
    # Friday close 16:00 Chicago, nothing on Saturday
    assert max(_hours(f, ES, utc(2026, 2, 13), utc(2026, 2, 14))) == 21
    assert _hours(f, ES, utc(2026, 2, 14), utc(2026, 2, 15)) == []
    assert cme_trading_day(utc(2026, 3, 8, 22)).isoformat() == "2026-03-09"


def test_holiday_sessions(main_market):  # type: ignore[no-untyped-def]
    f = main_market.frame
    assert _hours(f, HYG, utc(2026, 2, 16), utc(2026, 2, 17)) == []
    es = _hours(f, ES, utc(2026, 2, 16), utc(2026, 2, 17))
    assert not set(es) & {18, 19, 20, 21, 22} and 17 in es and 23 in es  # halted 12:00-17:00 Chicago


def test_stock_session_follows_new_york(main_market):  # type: ignore[no-untyped-def]
    f = main_market.frame
    assert _hours(f, HYG, utc(2026, 2, 17), utc(2026, 2, 18)) == [14, 15, 16, 17, 18, 19, 20]
    assert _hours(f, HYG, utc(2026, 3, 10), utc(2026, 3, 11)) == [13, 14, 15, 16, 17, 18, 19]


def test_missing_bars_and_crypto_around_the_clock(main_market):  # type: ignore[no-untyped-def]
    f = main_market.frame
    assert 15 not in _hours(f, ES, utc(2026, 2, 11), utc(2026, 2, 12))
    assert 3 not in _hours(f, BTC, utc(2026, 2, 12), utc(2026, 2, 13))
    assert len(_hours(f, BTC, utc(2026, 2, 14), utc(2026, 2, 15))) == 24


def test_parquet_and_csv_hold_the_same_bars(main_market, tmp_path):  # type: ignore[no-untyped-def]
    paths = write_both(main_market.frame, tmp_path, "roundtrip")
    parquet = pl.read_parquet(paths["parquet"])
    csv = pl.read_csv(paths["csv"]).with_columns(pl.col("ts").str.to_datetime(time_zone="UTC", time_unit="us"))
    assert parquet.equals(csv.select(parquet.columns).cast(dict(parquet.schema)))


def test_real_history_closes_are_the_sp500_closes(market_factory):  # type: ignore[no-untyped-def]
    """Each CME trading day's last ES bar closes at that day's S&P 500 close; VIX's last bar at its close."""
    market = market_factory("feb2018", rm.feb_2018, {})
    spx = arch_daily("sp500", "2018-01-02", "2018-02-08")
    vix = arch_daily("vix", "2018-01-02", "2018-02-08")
    es = market.frame.filter(pl.col("symbol") == ES)
    last_by_day: dict[object, float] = {}
    for ts, close in zip(es["ts"].to_list(), es["close"].to_list(), strict=True):
        last_by_day[cme_trading_day(ts)] = close
    for day, row in spx.items():
        assert np.isclose(last_by_day[day], row[3], rtol=1e-12), day
    v = market.frame.filter(pl.col("symbol") == VIX)
    vix_last: dict[object, float] = {}
    for ts, close in zip(v["ts"].to_list(), v["close"].to_list(), strict=True):
        vix_last[ts.astimezone(NEW_YORK).date()] = close
    for day, row in vix.items():
        if day not in spx:  # the VIX history carries a row on MLK Day 2018; the Book has no session then
            continue
        assert np.isclose(vix_last[day], row[3], rtol=1e-12), day
