"""Liquidations: websocket payloads through ccxt.pro's own handlers, hourly store, the stream thread."""

from __future__ import annotations

import asyncio
import json
import math
import random
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import ccxt
import ccxt.pro
import pytest
from live_fakes import FIXTURES, NOW, BybitSession, OpenSocket, bybit_client

from cockpit.sources.live.liquidation_stream import LiquidationStream
from cockpit.sources.live.liquidations import LiquidationEvent, LiquidationStore, to_event
from cockpit.sources.live.venues import VENUES

BTC = "BTC/USDT:USDT"
HOUR = timedelta(hours=1)


class FakeClient:
    """What ccxt.pro's handlers resolve into."""

    def __init__(self) -> None:
        self.resolved: list[tuple[Any, str]] = []

    def resolve(self, result: Any, message_hash: str) -> None:
        self.resolved.append((result, message_hash))


def swap_market(market_id: str, contract_size: float) -> dict[str, Any]:
    return {"id": market_id, "lowercaseId": market_id.lower(), "symbol": BTC, "base": "BTC", "quote": "USDT",
            "settle": "USDT", "baseId": "BTC", "quoteId": "USDT", "settleId": "USDT", "type": "swap", "spot": False,
            "margin": False, "swap": True, "future": False, "option": False, "contract": True, "linear": True,
            "inverse": False, "contractSize": contract_size, "active": True, "precision": {"amount": 0.001,
            "price": 0.1}, "limits": {"amount": {"min": 0.001, "max": None}, "price": {"min": None, "max": None},
            "cost": {"min": None, "max": None}, "leverage": {"min": None, "max": None}}, "info": {}}


def pro_parsed(venue: str, messages: list[dict[str, Any]], markets: list[dict[str, Any]]) -> list[Any]:
    """The messages through ccxt.pro's own handler, then through our validation (with the market sizes)."""
    exchange = getattr(ccxt.pro, venue)()
    exchange.set_markets(markets)
    client = FakeClient()
    for message in messages:
        exchange.handle_liquidation(client, message)
    parsed = [item for result, hash_ in client.resolved if hash_ == "liquidations" for item in result]
    sizes = {symbol: market["contractSize"] for symbol, market in exchange.markets.items()}
    return [to_event(item, VENUES[venue], NOW, sizes) for item in parsed]


def test_bybit_all_liquidation_stream_buy_means_a_long_was_closed() -> None:
    sync = bybit_client(BybitSession())
    sync.load_markets()
    messages = json.loads((FIXTURES / "bybit" / "ws-allLiquidation-BTCUSDT.json").read_text())
    events = pro_parsed("bybit", messages, list(sync.markets.values()))
    assert [e.side for e in events if e] == ["long", "long", "short"]
    assert events[0] is not None and events[0].symbol == BTC
    assert events[0].usd == pytest.approx(1.5 * 88400.0)
    assert events[0].hour == NOW.replace(minute=0)


def test_binance_force_order_sell_means_a_long_was_closed() -> None:
    messages = json.loads((FIXTURES / "binanceusdm" / "ws-forceOrder.json").read_text())
    events = pro_parsed("binanceusdm", messages, [swap_market("BTCUSDT", 1.0)])
    assert [(e.side, round(e.usd, 2)) for e in events if e] == [("long", round(0.4 * 88100.10, 2)),
                                                                ("short", round(0.1 * 88700.0, 2))]


def test_okx_liquidation_orders_use_position_side_and_contract_size() -> None:
    message = json.loads((FIXTURES / "okx" / "ws-liquidation-orders.json").read_text())
    events = pro_parsed("okx", [message], [swap_market("BTC-USDT-SWAP", 0.01)])
    assert len(events) == 1 and events[0] is not None  # 30 contracts of 0.01 BTC, not 30 BTC
    assert events[0].side == "long" and events[0].usd == pytest.approx(30 * 0.01 * 88050.2)


@pytest.mark.parametrize("field,value", [("timestamp", None), ("timestamp", int(NOW.timestamp())),
                                         ("price", ""), ("price", math.nan), ("contracts", None), ("side", None),
                                         ("symbol", ""), ("contractSize", None)])
def test_bad_liquidation_fields_are_dropped(field: str, value: Any) -> None:
    good = {"symbol": BTC, "timestamp": int(NOW.timestamp() * 1000), "price": 88000.0, "contracts": 1.0,
            "contractSize": 1.0, "side": "buy", "baseValue": None, "quoteValue": None, "info": {}}
    assert to_event(good, VENUES["bybit"], NOW) is not None
    assert to_event({**good, field: value}, VENUES["bybit"], NOW) is None


def test_store_sums_hours_counts_observed_hours_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "liq.sqlite3"
    store = LiquidationStore(path)
    hour = NOW.replace(minute=0)
    for h in range(1, 41):
        store.cover("bybit", [BTC], hour - h * HOUR)
    store.add("bybit", [LiquidationEvent(BTC, hour - HOUR, "long", 100.0),
                        LiquidationEvent(BTC, hour - HOUR, "long", 50.0),
                        LiquidationEvent(BTC, hour - HOUR, "short", 7.0)])
    store.close()
    reopened = LiquidationStore(path)
    assert reopened.baseline_hours("bybit", BTC, NOW) == 40
    rows = reopened.hourly("bybit", [BTC], hour - 2 * HOUR)
    assert rows == [(BTC, hour - 2 * HOUR, 0.0, 0.0), (BTC, hour - HOUR, 150.0, 7.0)]
    reopened.prune(NOW + timedelta(days=31))
    assert reopened.baseline_hours("bybit", BTC, NOW) == 0


class FakePro:
    """A ccxt.pro stand-in: hands out queued batches (or raises), then stays quiet."""

    def __init__(self, batches: list[Any], has: dict[str, Any] | None = None) -> None:
        self.batches = list(batches)
        self.has = has if has is not None else {"watchLiquidations": True}
        self.drained = threading.Event()
        self.closed = False
        self.clients = {"wss://stream": OpenSocket()}

    async def watch_liquidations(self, symbol: str) -> list[dict[str, Any]]:
        if self.batches:
            item = self.batches.pop(0)
            if isinstance(item, BaseException):
                raise item
            return list(item)
        self.drained.set()
        await asyncio.Event().wait()  # a quiet stream: nothing more arrives
        return []

    async def close(self) -> None:
        self.closed = True


def liquidation(minute: int, side: str, size: float) -> dict[str, Any]:
    ts = int((NOW + timedelta(minutes=minute)).timestamp() * 1000)
    return {"symbol": BTC, "timestamp": ts, "price": 88000.0, "contracts": size, "contractSize": 1.0,
            "side": side, "baseValue": None, "quoteValue": None, "info": {}}


def test_stream_thread_stores_events_and_reconnects_after_a_drop(tmp_path: Path) -> None:
    store = LiquidationStore(tmp_path / "liq.sqlite3")
    fake = FakePro([[liquidation(1, "buy", 1.0)], ccxt.NetworkError("connection lost"),
                    [liquidation(2, "buy", 2.0), liquidation(3, "sell", 0.5)]])
    stream = LiquidationStream(VENUES["bybit"], (BTC,), store, exchange_factory=lambda: fake, now=lambda: NOW,
                               rng=random.Random(0), backoff_base_s=0.001, quiet_s=30.0)
    stream.start()
    assert fake.drained.wait(5.0)
    stream.close()
    assert fake.closed
    hour = NOW.replace(minute=0)
    assert store.hourly("bybit", [BTC], hour) == [(BTC, hour, 3.0 * 88000.0, 0.5 * 88000.0)]
    assert stream.guard.failures == 0  # reconnected without anyone's help
    assert stream.health(NOW).state == "ok"


def test_venue_without_a_stream_shows_na() -> None:
    stream = LiquidationStream(VENUES["okx"], (BTC,), LiquidationStore(None),
                               exchange_factory=lambda: FakePro([], has={}))
    asyncio.run(stream.run())
    health = stream.health(NOW)
    assert health.state == "unsupported" and not health.stale
    assert health.error is not None and "n/a" in health.error


class CountingStore(LiquidationStore):
    """Signals after a number of observed-hour marks."""

    def __init__(self, marks: int) -> None:
        super().__init__(None)
        self.left = marks
        self.enough = threading.Event()

    def cover(self, venue: str, symbols: Any, at: datetime) -> None:
        super().cover(venue, symbols, at)
        self.left -= 1
        if self.left <= 0:
            self.enough.set()


def test_quiet_minutes_still_count_as_observed_hours() -> None:
    store = CountingStore(marks=3)
    clock = {"now": NOW}
    stream = LiquidationStream(VENUES["bybit"], (BTC,), store, exchange_factory=lambda: FakePro([]),
                               now=lambda: clock["now"], quiet_s=0.01)
    stream.start()
    assert store.enough.wait(5.0)  # three quiet minutes passed without a message, connection up
    clock["now"] = NOW + HOUR
    store.enough.clear()
    store.left = 1
    assert store.enough.wait(5.0)
    stream.close()
    assert store.baseline_hours("bybit", BTC, NOW + 2 * HOUR) == 2


def test_the_stream_clients_rate_limiter_waits_without_spinning(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reconnect queues the markets' requests behind ccxt's rate limiter. With its default look-again delay
    (a millisecond) the limiter woke the stream thread's loop hundreds of times per reconnect while the network
    was down; the stream's client looks again every STREAM_THROTTLE_CHECK_S and still spaces its requests."""
    import importlib

    from cockpit.sources.live.venues import STREAM_THROTTLE_CHECK_S, make_exchange, venue_spec

    throttler_module = importlib.import_module("ccxt.async_support.base.throttler")
    sleeps: list[float] = []
    real_sleep = asyncio.sleep

    class CountingAsyncio:
        def __getattr__(self, name: str) -> Any:
            return getattr(asyncio, name)

        @staticmethod
        async def sleep(delay: float) -> None:
            if delay > 0:
                sleeps.append(delay)
            await real_sleep(delay)

    monkeypatch.setattr(throttler_module, "asyncio", CountingAsyncio())

    async def four_requests(exchange: Any) -> float:
        loop = asyncio.get_running_loop()
        begun = loop.time()
        await asyncio.gather(*(exchange.throttler(1) for _ in range(4)))
        elapsed = loop.time() - begun
        await exchange.close()
        return elapsed

    spec = venue_spec("bybit")
    default_elapsed = asyncio.run(four_requests(getattr(ccxt.pro, spec.ccxt_id)({"enableRateLimit": True})))
    default_looks = len(sleeps)
    sleeps.clear()
    stream_elapsed = asyncio.run(four_requests(make_exchange(spec, timeout_s=8.0, pro=True)))
    rate_limit_s = getattr(ccxt, spec.ccxt_id)().rateLimit / 1000
    assert default_looks > 30  # ccxt's default: a look every millisecond while three requests wait their turn
    assert len(sleeps) <= 10 and STREAM_THROTTLE_CHECK_S >= rate_limit_s  # a look or two per request held back
    assert stream_elapsed >= 3 * rate_limit_s * 0.9 and default_elapsed >= 3 * rate_limit_s * 0.9  # still spaced
