"""Exchange source (ccxt): perp OHLCV, funding, open interest and streamed liquidations on one venue.

Incremental: OHLCV from the last bar held, open-interest history only when a new hourly point is due,
funding for all perps in one call where the venue allows. A figure the venue does not offer stays null
(n/a); a bad value is skipped so the last good one stays on screen with its age.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cockpit.analytics.bars import empty_bars
from cockpit.errors import SourceError
from cockpit.models import DataQuality, MarketState, SourceKind
from cockpit.sources.live.cache import BarCache, CachedBars, newest_ts
from cockpit.sources.live.faults import Fault, FaultKind, PollGuard, classify_call
from cockpit.sources.live.frames import merge_prices, set_column
from cockpit.sources.live.health import Freshness, source_health
from cockpit.sources.live.traffic import Traffic, observe
from cockpit.sources.live.venues import (
    VenueSpec,
    funding_interval_hours,
    funding_value,
    make_exchange,
    ohlcv_rows,
    open_interest_coins,
    open_interest_usd,
    plausible_ms,
    supported,
)
from cockpit.universe import Universe, floor_hour

if TYPE_CHECKING:
    from cockpit.sources.live.liquidations import LiquidationStore

HOUR = timedelta(hours=1)
FUNDING_REFRESH_S = 300.0  # funding settles every 8 h; the predicted rate is refreshed every 5 minutes
BATCH_FROM = 6  # the all-perps funding call returns every listed perp (~500 on bybit): worth it from 6 perps on


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ExchangeSource(CachedBars):
    """Live perp data from one ccxt venue; `poll()` makes a few bounded calls and never raises for faults."""

    kind = SourceKind.LIVE

    def __init__(
        self,
        spec: VenueSpec,
        universe: Universe,
        *,
        poll_interval_s: float = 30.0,
        stale_s: float = 300.0,
        timeout_s: float = 6.0,
        backfill_h: int = 24 * 40,
        cache_dir: Path | None = None,
        exchange_factory: Callable[[], Any] | None = None,
        liquidations: Any = None,
        liquidation_store: LiquidationStore | None = None,
        now: Callable[[], datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.universe = universe
        self.symbols = universe.perp_symbols()
        self.poll_interval_s = poll_interval_s
        self.stale_s = stale_s
        self.backfill_h = backfill_h
        self.cache = BarCache(cache_dir / f"{spec.name}-1h.parquet" if cache_dir else None, backfill_h + 48)
        self.guard = PollGuard(poll_interval_s, monotonic=monotonic, rng=rng)
        self._monotonic = monotonic
        self._funding_at: float | None = None
        self.traffic = Traffic()
        self.liquidations = liquidations
        self.liquidation_store = liquidation_store
        self._factory = exchange_factory or (lambda: make_exchange(spec, timeout_s=timeout_s))
        self._exchange: Any = None
        self._now = now
        self._bars: pl.DataFrame | None = None
        self._freshness = Freshness()
        self._notes: dict[str, str] = {}
        self.rows_rejected = 0

    # --- the Source protocol -----------------------------------------------------------------------

    def poll(self) -> MarketState:
        """Fetch what is due and return the bars held with liquidations joined in."""
        now = self._now()
        self._load_cache()
        if self.liquidations is not None:
            self.liquidations.start()
        if self.guard.due():
            mark = self.traffic.mark()
            try:
                self._fetch(now)
                self.guard.record_success()
            except Exception as exc:  # classified once, here
                fault = self._classify(exc, now, mark)
                if fault.kind == FaultKind.MAINTENANCE:
                    fault = self._with_eta(fault, now)
                self.guard.record_fault(fault, now)
        return self.state(now)

    def _classify(self, exc: BaseException, now: datetime, mark: int) -> Fault:
        """The fault, with the HTTP status of the failed request when the session saw one."""
        failed = [r for r in self.traffic.since(mark) if r.status is not None and r.status >= 400]
        last = failed[-1] if failed else None
        if last is None:
            return classify_call(exc, self.name, now)
        return classify_call(exc, self.name, now, last.status, last.body_head, last.headers)

    def close(self) -> None:
        """Stop the liquidation stream."""
        if self.liquidations is not None:
            self.liquidations.close()

    # --- state -------------------------------------------------------------------------------------

    def state(self, now: datetime) -> MarketState:
        """Bars held (with hourly liquidations where observed) and the venue's health entries."""
        bars = self._bars if self._bars is not None else empty_bars()
        bars = self._join_liquidations(bars, now)
        health = [source_health(self.name, now=now, freshness=self._freshness, guard=self.guard,
                                limit_s=self.stale_s, notes=tuple(self._notes.values()))]
        if self.liquidations is not None:
            health.append(self.liquidations.health(now))
        quality = DataQuality(rows_in=bars.height + self.rows_rejected, rows_used=bars.height,
                              bad_prices_dropped=self.rows_rejected)
        return MarketState(SourceKind.LIVE, now, bars, tuple(health), quality, label=self.name)

    def _join_liquidations(self, bars: pl.DataFrame, now: datetime) -> pl.DataFrame:
        if self.liquidation_store is None or bars.is_empty():
            return bars
        since = now - timedelta(hours=self.backfill_h)
        rows = self.liquidation_store.hourly(self.name, self.symbols, since)
        bars = set_column(bars, [(hour, symbol, long_usd) for symbol, hour, long_usd, _ in rows], "long_liq_usd")
        return set_column(bars, [(hour, symbol, short_usd) for symbol, hour, _, short_usd in rows], "short_liq_usd")

    # --- fetching ----------------------------------------------------------------------------------

    def client(self) -> Any:
        """The one ccxt instance of this source (its rate limiter is per instance)."""
        if self._exchange is None:
            self._exchange = self._factory()
            if getattr(self._exchange, "session", None) is not None:
                observe(self._exchange.session, self.traffic)
        return self._exchange

    def _fetch(self, now: datetime) -> None:
        exchange = self.client()
        if not exchange.markets:
            exchange.load_markets()
        assert self._bars is not None
        for symbol in self.symbols:
            self._bars = merge_prices(self._bars, self._ohlcv(exchange, symbol, now))
        self._funding(exchange, now)
        self._open_interest(exchange, now)
        self._bars = self.cache.trim(self._bars, now)
        self.cache.save(self._bars, now)
        self._freshness = Freshness(now, newest_ts(self._bars), self.guard.clock())

    def _ohlcv(self, exchange: Any, symbol: str, now: datetime) -> pl.DataFrame:
        assert self._bars is not None
        # never ask for more than one page: the page must reach the present, older gaps stay gaps
        earliest = floor_hour(now) - timedelta(hours=min(self.backfill_h, self.spec.ohlcv_limit - 1))
        last = newest_ts(self._bars, symbol)
        start = earliest if last is None else max(last, earliest)
        since = int(start.timestamp() * 1000)
        limit = min(self.spec.ohlcv_limit, int((now - start) / HOUR) + 2)
        raw = exchange.fetch_ohlcv(symbol, "1h", since=since, limit=limit)
        if not raw:  # the range always holds at least the bar in progress: empty means HTML, empty or bad times
            raise SourceError(f"{self.name} sent no candles for {symbol} (empty or HTML response)",
                              kind=FaultKind.BAD_DATA.value)
        rows, rejected = ohlcv_rows(raw, now)
        self.rows_rejected += rejected
        if raw and not rows:
            raise SourceError(f"{self.name} candles for {symbol} failed validation (bad timestamps or prices)",
                              kind=FaultKind.BAD_DATA.value)
        return pl.DataFrame(
            {"ts": [datetime.fromtimestamp(r[0] / 1000, UTC) for r in rows], "symbol": [symbol] * len(rows),
             "open": [r[1] for r in rows], "high": [r[2] for r in rows], "low": [r[3] for r in rows],
             "close": [r[4] for r in rows], "volume": [r[5] for r in rows]},
            schema={"ts": pl.Datetime("us", "UTC"), "symbol": pl.String(), "open": pl.Float64(),
                    "high": pl.Float64(), "low": pl.Float64(), "close": pl.Float64(), "volume": pl.Float64()},
        ).with_columns(pl.col("ts").dt.truncate("1h"))

    def _stamp(self, now: datetime) -> list[datetime]:
        """A value measured now belongs to the last completed bar and to the one in progress."""
        current = floor_hour(now)
        return [current - HOUR, current]

    def _funding_due(self, now: datetime) -> bool:
        """Every FUNDING_REFRESH_S, and whenever the last completed bar has no funding yet."""
        assert self._bars is not None
        if self._funding_at is None or self._monotonic() - self._funding_at >= FUNDING_REFRESH_S:
            return True
        done = self._bars.filter((pl.col("ts") == floor_hour(now) - HOUR) & pl.col("funding_rate").is_not_null())
        return done.height < len(self.symbols)

    def _funding(self, exchange: Any, now: datetime) -> None:
        """One call for every perp where that is the cheaper way (many perps), else one small call each."""
        if not self._funding_due(now):
            return
        one_call = supported(exchange, "fetchFundingRates")
        per_symbol = supported(exchange, "fetchFundingRate")
        if one_call and (len(self.symbols) >= BATCH_FROM or not per_symbol):
            rates = exchange.fetch_funding_rates(list(self.symbols)) or {}
        elif per_symbol:
            rates = {s: exchange.fetch_funding_rate(s) for s in self.symbols}
        else:
            self._notes["funding"] = f"funding n/a on {self.name}"
            return
        self._notes.pop("funding", None)
        self._funding_at = self._monotonic()
        updates, intervals, bad = [], [], []
        for symbol in self.symbols:
            item = rates.get(symbol) if isinstance(rates, dict) else None
            rate = funding_value(item)
            if rate is None:
                bad.append(symbol)
                continue
            updates += [(ts, symbol, rate) for ts in self._stamp(now)]
            hours = funding_interval_hours(item, (exchange.markets or {}).get(symbol))
            if hours is not None:  # unknown stays null; the analytics then take 8 h
                intervals += [(ts, symbol, hours) for ts in self._stamp(now)]
        if bad:
            self._notes["funding"] = f"funding: bad payload for {', '.join(bad)}, showing last good"
        assert self._bars is not None
        self._bars = set_column(self._bars, updates, "funding_rate")
        self._bars = set_column(self._bars, intervals, "funding_interval_h")

    def _contract_size(self, exchange: Any, symbol: str) -> float | None:
        market = (exchange.markets or {}).get(symbol) or {}
        size = market.get("contractSize")
        return float(size) if isinstance(size, (int, float)) else None

    def _close_at(self, symbol: str, ts: datetime) -> float | None:
        assert self._bars is not None
        rows = self._bars.filter((pl.col("symbol") == symbol) & (pl.col("ts") <= ts)).tail(1)
        return float(rows["close"][0]) if rows.height else None

    def _open_interest(self, exchange: Any, now: datetime) -> None:
        """Open interest per hour in USD and in coins (changes and resets are read in coins, SPEC §3 v2)."""
        assert self._bars is not None
        updates: list[tuple[datetime, str, float]] = []
        coins: list[tuple[datetime, str, float]] = []
        if supported(exchange, "fetchOpenInterestHistory"):
            for symbol in self.symbols:
                last = newest_ts(self._bars.filter(pl.col("open_interest_usd").is_not_null()), symbol)
                if last is not None and last >= floor_hour(now) - 2 * HOUR:
                    continue  # the newest hourly point is already held
                since = int((last + HOUR).timestamp() * 1000) if last is not None else None
                points = exchange.fetch_open_interest_history(symbol, "1h", since=since,
                                                              limit=self.spec.oi_history_limit) or []
                size = self._contract_size(exchange, symbol)
                for point in points:
                    ms = plausible_ms(point.get("timestamp") if isinstance(point, dict) else None, now)
                    if ms is None:
                        continue
                    bar_ts = datetime.fromtimestamp(ms / 1000, UTC).replace(minute=0, second=0, microsecond=0) - HOUR
                    close = self._close_at(symbol, bar_ts)
                    value = open_interest_usd(point, close, size)
                    if value is not None:
                        updates.append((bar_ts, symbol, value))
                    amount = open_interest_coins(point, close, size)
                    if amount is not None:
                        coins.append((bar_ts, symbol, amount))
        elif supported(exchange, "fetchOpenInterest"):
            for symbol in self.symbols:
                point, close = exchange.fetch_open_interest(symbol), self._close_at(symbol, now)
                size = self._contract_size(exchange, symbol)
                value = open_interest_usd(point, close, size)
                if value is not None:
                    updates += [(ts, symbol, value) for ts in self._stamp(now)]
                amount = open_interest_coins(point, close, size)
                if amount is not None:
                    coins += [(ts, symbol, amount) for ts in self._stamp(now)]
        else:
            self._notes["oi"] = f"open interest n/a on {self.name}"
        self._bars = set_column(self._bars, updates, "open_interest_usd")
        self._bars = set_column(self._bars, coins, "open_interest")

    def _with_eta(self, fault: Fault, now: datetime) -> Fault:
        """Ask the venue for its maintenance ETA (one call), so the health line can say when."""
        from dataclasses import replace

        try:
            status = self.client().fetch_status() if supported(self.client(), "fetchStatus") else None
        except Exception:  # the status call may fail too during maintenance
            return fault
        eta_ms = plausible_ms((status or {}).get("eta"), now) if isinstance(status, dict) else None
        if eta_ms is None:
            return fault
        return replace(fault, eta=datetime.fromtimestamp(eta_ms / 1000, UTC))
