"""The ccxt.pro liquidation stream in its own thread and event loop, feeding the hourly store.

Each watched perp has a loop: wait for new liquidations (a quiet minute counts as connected), store them,
mark the hour observed; on a fault, back off with full jitter and reconnect. Nothing here touches the UI;
`health(now)` reports connected, reconnecting, or n/a for a venue without the stream.
"""

from __future__ import annotations

import asyncio
import atexit
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cockpit.models import SourceHealth
from cockpit.sources.live.faults import FaultKind, PollGuard, classify
from cockpit.sources.live.health import describe, in_words, unsupported_health
from cockpit.sources.live.liquidations import LiquidationStore, to_event
from cockpit.sources.live.venues import VenueSpec, make_exchange, supported

QUIET_S = 60.0
CONNECTED_WITHIN_S = 150.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


def connection_up(exchange: Any) -> bool:
    """Whether the ccxt.pro client holds an open websocket (only then does a quiet minute count as observed)."""
    clients = getattr(exchange, "clients", None)
    if not isinstance(clients, dict):
        return False
    for client in clients.values():
        connected, closed = getattr(client, "connected", None), getattr(client, "closed", None)
        try:
            if connected is not None and connected.done() and connected.exception() is None \
                    and callable(closed) and not closed():
                return True
        except (asyncio.CancelledError, Exception):  # a cancelled or odd future: not connected
            continue
    return False


class LiquidationStream:
    """Streams public liquidations of `symbols` on one venue into a LiquidationStore."""

    def __init__(
        self,
        spec: VenueSpec,
        symbols: tuple[str, ...],
        store: LiquidationStore,
        *,
        timeout_s: float = 8.0,
        exchange_factory: Callable[[], Any] | None = None,
        now: Callable[[], datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        quiet_s: float = QUIET_S,
        backoff_base_s: float = 1.0,
    ) -> None:
        self.spec = spec
        self.symbols = symbols
        self.store = store
        self.name = f"{spec.name} liquidations"
        self._factory = exchange_factory or (lambda: make_exchange(spec, timeout_s=timeout_s, pro=True))
        self._now = now
        self._monotonic = monotonic
        self.guard = PollGuard(0.0, monotonic=monotonic, rng=rng, base_s=backoff_base_s, cap_s=120.0)
        self._quiet_s = quiet_s
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._watching: asyncio.Future[Any] | None = None
        self._last_ok: float | None = None
        self._started: float | None = None
        self.unsupported: str | None = None
        self.events_stored = 0

    def start(self) -> None:
        """Start the stream thread once (a daemon: it never holds the app open)."""
        if self._thread is not None:
            return
        self._started = self._monotonic()
        self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
        self._thread.start()
        atexit.register(self.close, 1.0)  # a one-shot command exits without closing its source

    def close(self, timeout_s: float = 2.0) -> None:
        """Stop the loop (cancelling any pending watch) and wait briefly for the thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._halt)
            except RuntimeError:  # the loop closed meanwhile
                pass
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _halt(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._watching is not None:
            self._watching.cancel()

    def health(self, now: datetime) -> SourceHealth:
        """Connected (ok), reconnecting (down, with the error and retry), or unsupported (n/a)."""
        if self.unsupported is not None:
            return unsupported_health(self.name, self.unsupported)
        tick = self._monotonic()
        age = None if self._last_ok is None else max(0.0, tick - self._last_ok)
        fault = self.guard.disabled or self.guard.last_fault
        error = describe(fault, self.guard.retry_in_s()) if fault is not None else None
        if self.guard.disabled is not None:
            return SourceHealth(self.name, age, True, error, "disabled", CONNECTED_WITHIN_S, None)
        if age is not None and age <= CONNECTED_WITHIN_S and fault is None:
            return SourceHealth(self.name, age, False, None, "ok", CONNECTED_WITHIN_S, None)
        if self._thread is None:
            return SourceHealth(self.name, None, False, "not started", "down", CONNECTED_WITHIN_S, None)
        waited = tick - (self._started if self._started is not None else tick)
        silent = (age if age is not None else waited) > CONNECTED_WITHIN_S
        if error is None:
            error = "connecting" if not silent else (
                f"nothing received since the stream started {in_words(waited)} ago" if age is None
                else f"nothing received for {in_words(age)}")
        return SourceHealth(self.name, age, fault is not None or silent, error, "down", CONNECTED_WITHIN_S,
                            self.guard.retry_in_s())

    # --- the thread --------------------------------------------------------------------------------

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self.run())
        except Exception as exc:  # the stream must never take the app down; say what stopped it
            self.guard.record_fault(classify(exc, self.spec.name, self._now()))
        finally:
            loop.close()

    async def run(self) -> None:
        """Watch every symbol until stopped (also usable directly from a test's event loop)."""
        self._stop = asyncio.Event()
        try:
            exchange = self._factory()
        except Exception as exc:  # a client that cannot be built is a fault like any other
            self.guard.record_fault(classify(exc, self.spec.name, self._now()))
            return
        try:
            if not (supported(exchange, "watchLiquidations") or supported(exchange, "watchLiquidationsForSymbols")):
                self.unsupported = f"liquidations n/a on {self.spec.name} (no public stream)"
                return
            self._watching = asyncio.gather(*(self._watch(exchange, symbol) for symbol in self.symbols))
            try:
                await self._watching
            except asyncio.CancelledError:
                pass
        finally:
            closer = getattr(exchange, "close", None)
            if closer is not None:
                try:
                    await closer()
                except Exception:  # closing a dead connection may fail; nothing to do about it
                    pass

    async def _watch(self, exchange: Any, symbol: str) -> None:
        stop = self._stop
        assert stop is not None
        while not stop.is_set() and self.guard.disabled is None:
            try:
                batch = await asyncio.wait_for(self._watch_once(exchange, symbol), self._quiet_s)
            except TimeoutError:
                if not connection_up(exchange):
                    continue  # silence without an open socket is not a quiet market
                batch = []
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                fault = classify(exc, self.spec.name, self._now())
                if fault.kind == FaultKind.UNSUPPORTED:
                    self.unsupported = f"liquidations n/a on {self.spec.name}"
                    return
                wait = self.guard.record_fault(fault, self._now())
                if wait is None:
                    return
                try:
                    await asyncio.wait_for(stop.wait(), max(wait, 0.01))
                except TimeoutError:
                    pass
                continue
            self._accept(symbol, batch, exchange)

    async def _watch_once(self, exchange: Any, symbol: str) -> list[Any]:
        if supported(exchange, "watchLiquidations"):
            result = await exchange.watch_liquidations(symbol)
        else:
            result = await exchange.watch_liquidations_for_symbols([symbol])
        return list(result or [])

    def _accept(self, symbol: str, batch: list[Any], exchange: Any) -> None:
        now = self._now()
        markets = getattr(exchange, "markets", None) or {}
        sizes = {name: market.get("contractSize") for name, market in markets.items() if isinstance(market, dict)}
        events = [e for e in (to_event(item, self.spec, now, sizes) for item in batch if isinstance(item, dict)) if e]
        self.store.cover(self.spec.name, (symbol,), now)
        self.events_stored += self.store.add(self.spec.name, events)
        self._last_ok = self._monotonic()
        self.guard.record_success()
