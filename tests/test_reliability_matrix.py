"""Rows of the reliability matrix not covered elsewhere: fuzzed payloads (G), schema drift (H2), time zones
across a DST change (K2), a CDN geo-block through the whole source (D), tiny terminals (S)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from live_fakes import NOW, BybitSession, FakeClock, bybit_client
from test_app_helpers import cached_simulator, cockpit, make_app, settle  # noqa: F401

from cockpit.sources.live.exchange import ExchangeSource
from cockpit.sources.live.faults import FaultKind
from cockpit.sources.live.liquidations import to_event
from cockpit.sources.live.venues import (
    VENUES,
    funding_value,
    ohlcv_rows,
    open_interest_coins,
    open_interest_usd,
    plausible_ms,
)
from cockpit.sources.live.yahoo_frames import yahoo_to_long
from cockpit.universe import Universe

# --- G: whatever a venue sends, the normalisers return a finite value or nothing, never raise -------------

junk = st.one_of(st.none(), st.text(max_size=8), st.booleans(), st.integers(-(2**70), 2**70),
                 st.floats(allow_nan=True, allow_infinity=True), st.lists(st.integers(), max_size=3))
records = st.dictionaries(st.sampled_from(["fundingRate", "openInterestAmount", "openInterestValue", "timestamp",
                                           "price", "contracts", "side", "amount", "baseValue", "quoteValue",
                                           "symbol", "info", "contractSize"]), junk, max_size=8)


def finite_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and math.isfinite(value))


@settings(max_examples=150, deadline=None)
@given(item=st.one_of(junk, records), price=st.one_of(st.none(), st.floats()), size=st.one_of(st.none(), st.floats()))
@example(item={"openInterestAmount": 613446013}, price=2.930483036430324e299, size=None)  # overflowed to inf
def test_funding_and_open_interest_normalisers_never_raise(item: Any, price: float | None, size: float | None) -> None:
    assert finite_or_none(funding_value(item))
    assert finite_or_none(open_interest_usd(item, price, size))
    assert finite_or_none(open_interest_coins(item, price, size))
    assert plausible_ms(item, NOW) is None or isinstance(plausible_ms(item, NOW), int)


@settings(max_examples=150, deadline=None)
@given(rows=st.one_of(junk, st.lists(st.lists(junk, max_size=7), max_size=5)))
def test_candle_normaliser_never_raises_and_keeps_only_finite_prices(rows: Any) -> None:
    kept, rejected = ohlcv_rows(rows, NOW)
    assert rejected >= 0
    for row in kept:
        assert all(math.isfinite(v) and v > 0 for v in row[1:5])


@settings(max_examples=150, deadline=None)
@given(item=records)
def test_liquidation_normaliser_never_raises(item: dict[str, Any]) -> None:
    event = to_event(item, VENUES["bybit"], NOW, {})
    assert event is None or (math.isfinite(event.usd) and event.usd > 0)


# --- H2: schema drift in Yahoo's frame names the missing column ------------------------------------------


def yahoo_frame(index: pd.DatetimeIndex, fields: tuple[str, ...] = ("Open", "High", "Low", "Close", "Volume"),
                ticker: str = "ES=F") -> pd.DataFrame:
    columns = pd.MultiIndex.from_tuples([(f, ticker) for f in fields], names=["Price", "Ticker"])
    return pd.DataFrame([[100.0 + i] * len(fields) for i in range(len(index))], index=index, columns=columns)


def test_a_yahoo_frame_without_close_names_the_column() -> None:
    index = pd.date_range("2026-01-28 10:00", periods=3, freq="h", tz="UTC")
    with pytest.raises(ValueError, match="missing column 'Close'"):
        yahoo_to_long(yahoo_frame(index, ("Open", "High", "Low", "Volume")), Universe())


# --- K2: a New York index across the DST change keeps every bar, in UTC ---------------------------------


def test_bars_across_a_dst_change_keep_every_hour_in_utc() -> None:
    index = pd.date_range("2024-03-09 20:00", "2024-03-10 12:00", freq="h", tz="UTC").tz_convert("America/New_York")
    bars = yahoo_to_long(yahoo_frame(index), Universe())
    stamps = bars["ts"].to_list()
    assert len(stamps) == len(index)
    assert stamps[0] == datetime(2024, 3, 9, 20, tzinfo=UTC)
    assert all(b - a == timedelta(hours=1) for a, b in zip(stamps, stamps[1:], strict=False))


# --- D: a CDN geo-block (403) through the whole exchange source: disabled, advice, no calls for a day ----


def test_a_cdn_geo_block_disables_the_venue_with_change_venue_advice(tmp_path: Path) -> None:
    clock, session = FakeClock(), BybitSession()
    session.fault = (403, "<html>The Amazon CloudFront distribution is configured to block access from your "
                     "country.</html>", {})
    source = ExchangeSource(VENUES["bybit"], Universe(), cache_dir=tmp_path, now=clock.now,
                            monotonic=clock.monotonic, exchange_factory=lambda: bybit_client(session))
    health = source.poll().health[0]
    assert source.guard.disabled is not None and source.guard.disabled.kind == FaultKind.GEO_BLOCKED
    assert health.state == "disabled" and health.error is not None
    assert "country" in health.error and "[sources] venue" in health.error and "rate" not in health.error
    calls = len(session.calls)
    for _ in range(48):
        clock.advance(1800)
        source.poll()
    assert len(session.calls) == calls


# --- S: a terminal far too small, then large again --------------------------------------------------------


async def test_tiny_terminals_do_not_crash_and_the_screen_recovers() -> None:
    app = make_app()
    async with app.run_test(size=(10, 3)) as pilot:
        await settle(pilot)
        for size in ((1, 1), (3, 2), (200, 60)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
        assert app.is_running
        assert cockpit(app).query_one("#macro").region.width > 20
