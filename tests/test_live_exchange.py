"""Exchange source: recorded payloads through ccxt's own parsers, up to the snapshot; faults at the HTTP seam."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ccxt
import polars as pl
import pytest
from live_fakes import NOW, BybitSession, FakeClock, bybit_client, bybit_fixture

from cockpit.config import load_config
from cockpit.snapshot import build_snapshot
from cockpit.sources.live.exchange import ExchangeSource
from cockpit.sources.live.liquidations import LiquidationEvent, LiquidationStore
from cockpit.sources.live.venues import (
    VENUES,
    funding_interval_hours,
    funding_value,
    ohlcv_rows,
    open_interest_coins,
    open_interest_usd,
)
from cockpit.universe import Universe

HOUR = timedelta(hours=1)
BTC = "BTC/USDT:USDT"


def make(tmp_path: Path, session: BybitSession, clock: FakeClock, **extra: Any) -> ExchangeSource:
    return ExchangeSource(VENUES["bybit"], Universe(), cache_dir=tmp_path / "cache",
                          exchange_factory=lambda: bybit_client(session), now=clock.now, monotonic=clock.monotonic,
                          **extra)


def kline_close(symbol: str, at: datetime) -> float:
    rows = bybit_fixture(f"kline-{symbol}.json")["result"]["list"]
    return float(next(r[4] for r in rows if int(r[0]) == int(at.timestamp() * 1000)))


# --- contract: the shared recorded payloads through ccxt's parsers and our validators -------------------


def shared_entries(shared: Path, venue: str, method: str) -> list[dict[str, Any]]:
    path = shared / "fixtures" / "ccxt" / venue / f"{method}.json"
    return list(json.loads(path.read_text())["methods"][method])


def offline(venue: str, shared: Path, entry: dict[str, Any]) -> Any:
    exchange = getattr(ccxt, venue)({"enableRateLimit": False})
    exchange.set_markets(json.loads((shared / "fixtures" / "ccxt" / venue / "markets.json").read_text()))
    exchange.fetch = lambda url, method="GET", headers=None, body=None: entry["httpResponse"]
    return exchange


def test_shared_bybit_ohlcv_funding_and_oi_parse_into_our_figures(shared_dir: Path) -> None:
    recorded_now = datetime(2025, 3, 1, tzinfo=UTC)
    for entry in shared_entries(shared_dir, "bybit", "fetchOHLCV"):
        parsed = offline("bybit", shared_dir, entry).fetch_ohlcv(*entry["input"])
        assert parsed == entry["parsedResponse"]
        rows, rejected = ohlcv_rows(parsed, recorded_now)
        assert rejected == 0 and [list(r[:5]) for r in rows] == [r[:5] for r in entry["parsedResponse"]]
    for method, call in (("fetchFundingRate", "fetch_funding_rate"), ("fetchFundingRates", "fetch_funding_rates")):
        for entry in shared_entries(shared_dir, "bybit", method):
            parsed = getattr(offline("bybit", shared_dir, entry), call)(*entry["input"])
            expected = entry["parsedResponse"]
            if method == "fetchFundingRates":
                parsed, expected = parsed[BTC], expected[BTC]
            assert parsed["fundingRate"] == expected["fundingRate"]
            assert funding_value(parsed) == pytest.approx(float(expected["fundingRate"]))
    entry = shared_entries(shared_dir, "bybit", "fetchOpenInterest")[0]
    parsed = offline("bybit", shared_dir, entry).fetch_open_interest(*entry["input"])
    assert parsed["openInterestAmount"] == entry["parsedResponse"]["openInterestAmount"]
    assert open_interest_usd(parsed, 100.0, 1.0) == pytest.approx(entry["parsedResponse"]["openInterestAmount"] * 100)


def test_shared_okx_open_interest_uses_the_usd_value(shared_dir: Path) -> None:
    entry = shared_entries(shared_dir, "okx", "fetchOpenInterest")[0]
    parsed = offline("okx", shared_dir, entry).fetch_open_interest(*entry["input"])
    assert open_interest_usd(parsed, 1.0, 0.01) == pytest.approx(float(parsed["openInterestValue"]))


@pytest.mark.parametrize(("item", "market", "hours"), [
    ({"interval": "1h"}, None, 1.0), ({"interval": "8h"}, None, 8.0),
    ({"interval": None}, {"info": {"fundingInterval": 240}}, 4.0),
    ({}, {"info": {}}, None), ({"interval": "soon"}, None, None), ({"interval": "0h"}, None, None),
])
def test_funding_interval_comes_from_the_venue(item: dict[str, Any], market: Any, hours: float | None) -> None:
    assert funding_interval_hours(item, market) == hours


@pytest.mark.parametrize(("item", "price", "size", "coins"), [
    ({"openInterestAmount": 1500.0}, 90_000.0, 0.01, 15.0),  # contracts x contract size
    ({"baseVolume": 42.0, "openInterestAmount": 4200.0}, 90_000.0, 0.01, 42.0),
    ({"openInterestValue": 9e9}, 90_000.0, None, 100_000.0),
    ({"openInterestValue": 9e9}, None, None, None), ({}, 1.0, 1.0, None), (None, 1.0, 1.0, None),
])
def test_open_interest_in_coins(item: Any, price: float | None, size: float | None, coins: float | None) -> None:
    result = open_interest_coins(item, price, size)
    assert result == (pytest.approx(coins) if coins is not None else None)


# --- our own recorded-shape payloads through ccxt's HTTP stack -------------------------------------------


def test_poll_builds_perp_bars_with_funding_and_open_interest(tmp_path: Path) -> None:
    state = make(tmp_path, BybitSession(), FakeClock()).poll()
    assert state.health[0].state == "ok" and state.health[0].error is None
    bars = state.bars
    btc = bars.filter(pl.col("symbol") == BTC).sort("ts")
    assert btc.height == 48 and btc["ts"].max() == NOW.replace(minute=0)
    assert btc["close"][-1] == pytest.approx(kline_close("BTCUSDT", NOW.replace(minute=0)))
    last_done = NOW.replace(minute=0) - HOUR
    row = btc.filter(pl.col("ts") == last_done)
    assert row["funding_rate"][0] == pytest.approx(0.000125)
    oi_point = next(p for p in bybit_fixture("open-interest-BTCUSDT.json")["result"]["list"]
                    if int(p["timestamp"]) == int(NOW.replace(minute=0).timestamp() * 1000))
    assert row["open_interest_usd"][0] == pytest.approx(float(oi_point["openInterest"]) * row["close"][0])
    assert row["open_interest"][0] == pytest.approx(float(oi_point["openInterest"]))  # coins, as the venue counts
    assert row["funding_interval_h"][0] == pytest.approx(8.0)  # the market's fundingInterval of 480 minutes
    eth = bars.filter((pl.col("symbol") == "ETH/USDT:USDT") & (pl.col("ts") == last_done))
    assert eth["funding_rate"][0] == pytest.approx(-0.00004)


def test_up_to_the_snapshot_with_liquidations_from_the_store(tmp_path: Path) -> None:
    store = LiquidationStore(tmp_path / "liq.sqlite3")
    start = NOW.replace(minute=0) - timedelta(hours=30)
    for h in range(31):
        store.cover("bybit", [BTC], start + h * HOUR)
    store.add("bybit", [LiquidationEvent(BTC, NOW.replace(minute=0) - HOUR, "long", 2_500_000.0),
                        LiquidationEvent(BTC, NOW.replace(minute=0) - 3 * HOUR, "long", 40_000.0)])
    state = make(tmp_path, BybitSession(), FakeClock(), liquidation_store=store).poll()
    config = load_config()
    snap = build_snapshot(state, config.profile("swing"), config.universe)
    btc = snap.readings.crypto.btc
    assert btc.funding_rate == pytest.approx(0.000125)
    assert btc.long_liq_usd_1h == pytest.approx(2_500_000.0)
    assert btc.liq_baseline_h >= 24 and btc.liq_zscore_1h is not None and btc.liq_zscore_1h > 3
    assert btc.open_interest_usd is not None and btc.open_interest_usd > 1e9


def test_second_poll_is_incremental(tmp_path: Path) -> None:
    clock, session = FakeClock(), BybitSession()
    source = make(tmp_path, session, clock)
    source.poll()
    before = len(session.calls)
    clock.advance(60)
    source.poll()
    calls = session.calls[before:]
    klines = [c for c in calls if "/kline" in c]
    assert len(klines) == 2 and all(f"start={int(NOW.replace(minute=0).timestamp() * 1000)}" in c for c in klines)
    assert not any("/open-interest" in c for c in calls)  # the newest hourly point is already held
    assert not any("instruments-info" in c for c in calls)  # markets loaded once per client
    assert not any("/tickers" in c for c in calls)  # funding is refreshed every 5 minutes, not every poll
    before = len(session.calls)
    clock.advance(300)
    source.poll()
    tickers = [c for c in session.calls[before:] if "/tickers" in c]
    assert len(tickers) == 2 and all("symbol=" in c for c in tickers)  # two small calls, not all ~500 perps


def test_funding_in_one_call_where_that_is_the_only_way(tmp_path: Path) -> None:
    session = BybitSession()

    def factory() -> Any:
        exchange = bybit_client(session)
        exchange.has = {**exchange.has, "fetchFundingRate": False}
        return exchange

    state = ExchangeSource(VENUES["bybit"], Universe(), exchange_factory=factory, now=FakeClock().now).poll()
    tickers = [c for c in session.calls if "/tickers" in c]
    assert len(tickers) == 1 and "symbol=" not in tickers[0]
    assert state.bars.filter(pl.col("symbol") == BTC)["funding_rate"].drop_nulls()[-1] == pytest.approx(0.000125)


def test_restart_opens_with_cached_bars(tmp_path: Path) -> None:
    clock = FakeClock()
    make(tmp_path, BybitSession(), clock).poll()
    down = BybitSession()
    down.fault = ccxt.NetworkError("offline")
    clock.advance(30)
    state = make(tmp_path, down, clock).poll()
    assert state.bars.filter(pl.col("symbol") == BTC).height == 48
    assert state.health[0].error is not None and "cannot reach bybit" in state.health[0].error


def test_unsupported_funding_is_na_never_zero(tmp_path: Path) -> None:
    session = BybitSession()

    def factory() -> Any:
        exchange = bybit_client(session)
        exchange.has = {**exchange.has, "fetchFundingRates": False, "fetchFundingRate": False}
        return exchange

    source = ExchangeSource(VENUES["bybit"], Universe(), exchange_factory=factory, now=FakeClock().now)
    state = source.poll()
    assert state.bars["funding_rate"].null_count() == state.bars.height
    assert state.health[0].error is not None and "funding n/a on bybit" in state.health[0].error
    assert not any("/tickers" in c for c in session.calls)


def test_bad_funding_keeps_the_last_good_value(tmp_path: Path) -> None:
    clock, session = FakeClock(), BybitSession()
    source = make(tmp_path, session, clock)
    source.poll()
    tickers = bybit_fixture("tickers-linear.json")
    for item in tickers["result"]["list"]:
        item["fundingRate"] = ""
    session.overrides["/tickers"] = tickers
    clock.advance(3600)
    state = source.poll()
    config = load_config()
    btc = build_snapshot(state, config.profile("swing"), config.universe).readings.crypto.btc
    assert btc.funding_rate == pytest.approx(0.000125)  # last good, not None and not zero
    assert state.health[0].error is not None and "bad payload" in state.health[0].error


@pytest.mark.parametrize(("body", "words"), [
    ("<html><body>Bad gateway</body></html>", "empty or HTML"),
    ("", "empty or HTML"),
    (None, "no candles"),
])
def test_bad_candles_keep_last_good_bars(tmp_path: Path, body: str | None, words: str) -> None:
    clock, session = FakeClock(), BybitSession()
    source = make(tmp_path, session, clock)
    good = source.poll()
    if body is None:  # seconds where milliseconds belong
        kline = bybit_fixture("kline-BTCUSDT.json")
        for row in kline["result"]["list"]:
            row[0] = str(int(row[0]) // 1000)
        session.overrides["/kline"] = kline
    else:
        session.overrides["/kline"] = body
    clock.advance(60)
    state = source.poll()
    assert state.bars.select("ts", "symbol", "close").equals(good.bars.select("ts", "symbol", "close"))
    assert state.health[0].error is not None and words in state.health[0].error


def test_geo_block_disables_the_source_for_good(tmp_path: Path) -> None:
    clock, session = FakeClock(), BybitSession()
    session.fault = (451, "<html>Unavailable For Legal Reasons</html>", {})
    source = make(tmp_path, session, clock)
    health = source.poll().health[0]
    assert health.state == "disabled" and health.error is not None and "HTTP 451" in health.error
    calls = len(session.calls)
    for _ in range(48):
        clock.advance(1800)
        source.poll()
    assert len(session.calls) == calls


def test_rate_limit_honours_retry_after(tmp_path: Path) -> None:
    clock, session = FakeClock(), BybitSession()
    session.fault = (429, '{"retCode":10006,"retMsg":"Too many visits!"}', {"Retry-After": "600"})
    source = make(tmp_path, session, clock)
    health = source.poll().health[0]
    assert health.error is not None and "rate-limited" in health.error and (health.retry_in_s or 0) >= 600
    session.fault = None
    calls = len(session.calls)
    clock.advance(590)
    source.poll()
    assert len(session.calls) == calls
    clock.advance(20)
    assert source.poll().health[0].state == "ok"  # recovers by itself


def test_maintenance_says_so_with_the_eta(tmp_path: Path) -> None:
    clock, session = FakeClock(), BybitSession()
    session.fault = (503, "<html>System maintenance in progress</html>", {})
    session.fault_path = "/v5/market/kline"
    end = NOW + timedelta(minutes=80)
    session.overrides["/v5/system/status"] = {"retCode": 0, "retMsg": "OK", "result": {"list": [
        {"id": "x", "title": "upgrade", "state": "ongoing", "begin": str(int(NOW.timestamp() * 1000)),
         "end": str(int(end.timestamp() * 1000)), "href": "", "serviceTypes": [1], "product": [1],
         "uidSuffix": [], "maintainType": 1, "env": 1}]}, "retExtInfo": {}, "time": 1}
    source = make(tmp_path, session, clock)
    health = source.poll().health[0]
    assert health.error is not None and "maintenance" in health.error and "ETA 16:30 UTC" in health.error
    assert source.guard.retry_in_s() == pytest.approx(300.0)  # looks again every 5 minutes meanwhile


def test_unknown_symbol_stops_the_source_and_says_what_to_change(tmp_path: Path) -> None:
    clock, session = FakeClock(), BybitSession()
    source = ExchangeSource(VENUES["bybit"], Universe(btc="FOO/USDT:USDT"),
                            exchange_factory=lambda: bybit_client(session), now=clock.now, monotonic=clock.monotonic)
    health = source.poll().health[0]
    assert health.state == "disabled"
    assert health.error is not None and "FOO/USDT:USDT" in health.error and "[symbols]" in health.error
    calls = len(session.calls)
    clock.advance(86400)
    source.poll()
    assert len(session.calls) == calls
