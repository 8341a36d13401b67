"""No figure is shown fresher than it is: cached bars, a silent liquidation stream, a clock stepping back."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import ccxt
import polars as pl
import pytest
import requests
from live_fakes import NOW, BybitSession, FakeClock, YahooSession, bybit_client

from cockpit.analytics.bars import conform
from cockpit.sources.live.cache import BarCache
from cockpit.sources.live.exchange import ExchangeSource
from cockpit.sources.live.liquidation_stream import CONNECTED_WITHIN_S, LiquidationStream
from cockpit.sources.live.liquidations import LiquidationStore
from cockpit.sources.live.venues import VENUES
from cockpit.sources.live.yahoo import YahooSource
from cockpit.universe import Universe, floor_hour

HOUR = timedelta(hours=1)
BAR_OPEN = floor_hour(NOW)  # 15:00, the bar still forming at NOW
FETCHED = BAR_OPEN + timedelta(minutes=5)
LATER = BAR_OPEN + timedelta(minutes=55)  # the figures are 50 minutes old


def write_cache(path: Path, symbols: list[str], fetched_at: datetime | None) -> None:
    hours = [BAR_OPEN - HOUR * n for n in range(3, -1, -1)]
    rows = [{"ts": ts, "symbol": s, "open": 100.0, "high": 101.0, "low": 99.0, "close": 100.5, "volume": 1.0}
            for s in symbols for ts in hours]
    BarCache(path, 24 * 60).save(conform(pl.DataFrame(rows)), fetched_at)


def test_cached_exchange_bar_in_the_current_hour_is_as_old_as_its_fetch(tmp_path: Path) -> None:
    universe = Universe()
    write_cache(tmp_path / "cache" / "bybit-1h.parquet", list(universe.perp_symbols()), FETCHED)
    offline = BybitSession()
    offline.fault = requests.exceptions.ConnectionError("Name or service not known")
    clock = FakeClock(LATER)
    source = ExchangeSource(VENUES["bybit"], universe, cache_dir=tmp_path / "cache", stale_s=300.0,
                            exchange_factory=lambda: bybit_client(offline), now=clock.now, monotonic=clock.monotonic)
    health = source.poll().health[0]
    assert health.age_s == pytest.approx(50 * 60)  # not 0: the bar is stamped this hour, its data is not
    assert health.stale and health.state == "stale"


def test_cached_yahoo_bar_in_the_current_hour_is_as_old_as_its_fetch(tmp_path: Path) -> None:
    universe = Universe(leaders=("NVDA",))
    write_cache(tmp_path / "cache" / "yahoo-1h.parquet", list(universe.yahoo_symbols(NOW)), FETCHED)
    clock = FakeClock(LATER)
    offline = YahooSession(raise_exc=requests.exceptions.ConnectionError("Name or service not known"))
    source = YahooSource(universe, cache_dir=tmp_path / "cache", session_factory=lambda: offline, now=clock.now,
                         monotonic=clock.monotonic, stale_s=600.0)
    health = source.poll().health[0]
    assert health.age_s == pytest.approx(50 * 60)
    assert health.stale


def test_a_cache_without_its_fetch_time_counts_from_the_newest_bars_end(tmp_path: Path) -> None:
    write_cache(tmp_path / "c.parquet", ["BTC/USDT:USDT"], None)
    cache = BarCache(tmp_path / "c.parquet", 48)
    from cockpit.sources.live.health import cached_freshness

    saved = cache.saved_at()
    assert saved is not None  # the file's own write time stands in
    freshness = cached_freshness(BAR_OPEN - HOUR, datetime.max.replace(tzinfo=NOW.tzinfo))
    assert freshness.last_success == BAR_OPEN  # a completed bar is never fresher than its end


class SilentPro:
    """A ccxt.pro stand-in whose socket never opens: every watch just hangs."""

    has: dict[str, Any] = {"watchLiquidations": True}
    clients: dict[str, Any] = {}

    async def watch_liquidations(self, symbol: str) -> list[Any]:
        await asyncio.Event().wait()
        return []

    async def close(self) -> None:
        return None


def test_a_liquidation_stream_that_never_delivered_turns_stale() -> None:
    clock = FakeClock()
    store = LiquidationStore(None)
    stream = LiquidationStream(VENUES["bybit"], ("BTC/USDT:USDT",), store, exchange_factory=SilentPro,
                               now=clock.now, monotonic=clock.monotonic, quiet_s=0.01, rng=random.Random(0))
    stream.start()
    try:
        assert not stream.health(clock.now()).stale  # just started: connecting
        clock.advance(CONNECTED_WITHIN_S + 30)
        health = stream.health(clock.now())
        assert health.stale and health.state == "down"
        assert health.error is not None and "nothing received" in health.error
        assert store.baseline_hours("bybit", "BTC/USDT:USDT", NOW + HOUR) == 0  # silence is not a quiet hour
    finally:
        stream.close()


def test_a_clock_stepping_back_keeps_the_true_age(tmp_path: Path) -> None:
    clock = FakeClock()
    session = BybitSession()
    source = ExchangeSource(VENUES["bybit"], Universe(), cache_dir=tmp_path / "cache",
                            exchange_factory=lambda: bybit_client(session), now=clock.now, monotonic=clock.monotonic)
    source.poll()
    session.fault = ccxt.NetworkError("offline")
    clock.tick += 400  # 400 s really pass...
    clock.wall -= timedelta(hours=2)  # ...while the wall clock steps back two hours
    health = source.poll().health[0]
    assert health.age_s == pytest.approx(400)  # not clamped to 0
    assert health.stale and health.error is not None and "clock moved back" in health.error


def test_a_clock_stepping_back_behind_a_cache_says_the_age_is_unknown(tmp_path: Path) -> None:
    universe = Universe()
    write_cache(tmp_path / "cache" / "bybit-1h.parquet", list(universe.perp_symbols()), FETCHED)
    offline = BybitSession()
    offline.fault = ccxt.NetworkError("offline")
    clock = FakeClock(FETCHED - 2 * HOUR)
    source = ExchangeSource(VENUES["bybit"], universe, cache_dir=tmp_path / "cache",
                            exchange_factory=lambda: bybit_client(offline), now=clock.now, monotonic=clock.monotonic)
    health = source.poll().health[0]
    assert health.age_s is None and health.stale
    assert health.error is not None and "clock moved back" in health.error
