"""Yahoo source (yfinance): macro, equities, the index and the fed funds strip, batched and incremental.

One `yf.download` per poll covers every symbol whose history is held (bars after the last one held);
symbols seen for the first time get one backfill call. yfinance never raises per ticker and swallows
transport errors into "possibly delisted" empty frames, so the HTTP traffic itself (observed on the
session) decides the fault, and an empty frame while markets trade is an error, never "no change".
"""

from __future__ import annotations

import logging
import random
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cockpit.errors import SourceError
from cockpit.models import DataQuality, MarketState, SourceKind
from cockpit.sources.live.cache import CachedBars
from cockpit.sources.live.faults import Fault, FaultKind, PollGuard, classify, classify_status
from cockpit.sources.live.health import Freshness, source_health
from cockpit.sources.live.traffic import Exchange, Traffic, observe
from cockpit.universe import Universe, floor_hour, market_open

INTRADAY_LIMIT = timedelta(days=729)  # yfinance looks back at most 730 days for 1h bars
EMPTY_SYMBOL_RETRY = timedelta(hours=6)
CLOSED_POLL_S = 900.0


def utc_now() -> datetime:
    """The wall clock in UTC (injected in tests)."""
    return datetime.now(UTC)


def default_session() -> Any:
    """yfinance's preferred session: curl_cffi impersonating a browser, else plain requests."""
    try:
        from curl_cffi import requests as curl_requests

        return curl_requests.Session(impersonate="chrome")
    except ImportError:
        import requests

        return requests.Session()


def quiet_yfinance() -> None:
    """Keep yfinance's pandas deprecation warnings off the terminal (they would garble the screen)."""
    warnings.filterwarnings("ignore", module=r"yfinance(\..*)?$")


class _Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().strip())


def traffic_fault(records: list[Exchange], source: str, now: datetime) -> Fault | None:
    """The fault one call's chart requests show (a rate limit always; others only if every chart failed)."""
    charts = [r for r in records if "/chart/" in r.url or "getcrumb" in r.url]
    succeeded = any(r.status == 200 and "/chart/" in r.url for r in charts)
    faults = []
    for record in charts:
        if record.status is not None:
            fault = classify_status(record.status, record.body_head, record.headers, source, now)
            if fault is not None and not (fault.status == 404 and "/chart/" in record.url):
                faults.append(fault)
        elif record.error:
            timed_out = "timeout" in record.error.lower()
            text = f"{source} timed out" if timed_out else f"cannot reach {source} (offline?)"
            faults.append(Fault(FaultKind.TRANSIENT, text))
    order: tuple[FaultKind, ...] = (FaultKind.GEO_BLOCKED, FaultKind.PERMANENT, FaultKind.RATE_LIMIT,
                                    FaultKind.MAINTENANCE, FaultKind.REJECTED, FaultKind.TRANSIENT)
    if succeeded:
        order = (FaultKind.RATE_LIMIT,)
    for kind in order:
        for fault in faults:
            if fault.kind == kind:
                return fault
    return None


def unreachable(fault: Fault | None) -> bool:
    """A transport failure (no HTTP answer at all: offline, DNS, refused, timed out)."""
    return fault is not None and fault.kind == FaultKind.TRANSIENT and fault.status is None


class YahooSource(CachedBars):
    """Live Yahoo bars for every Yahoo-sourced role; `poll()` is bounded by `timeout_s` per request."""

    kind = SourceKind.LIVE

    def __init__(
        self,
        universe: Universe,
        *,
        poll_interval_s: float = 60.0,
        stale_s: float = 900.0,
        timeout_s: float = 6.0,
        backfill_h: int = 24 * 60,
        cache_dir: Path | None = None,
        session_factory: Callable[[], Any] = default_session,
        now: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        name: str = "yahoo",
    ) -> None:
        from cockpit.sources.live.cache import BarCache

        self.name = name
        self.universe = universe
        self.poll_interval_s = poll_interval_s
        self.stale_s = stale_s
        self.timeout_s = timeout_s
        self.backfill = timedelta(hours=min(backfill_h, int(INTRADAY_LIMIT.total_seconds() // 3600)))
        self.cache_dir = cache_dir
        self.cache = BarCache(cache_dir / "yahoo-1h.parquet" if cache_dir else None, backfill_h + 48)
        self.guard = PollGuard(poll_interval_s, monotonic=monotonic, rng=rng)
        self.traffic = Traffic()
        self._session_factory = session_factory
        self._session: Any = None
        self._now = now
        self._bars: Any = None
        self._freshness = Freshness()
        self._skip_until: dict[str, datetime] = {}
        self._notes: tuple[str, ...] = ()
        self._unreachable = False  # the last fetch had no HTTP answer: the next one probes with one symbol

    # --- the Source protocol -----------------------------------------------------------------------

    def poll(self) -> MarketState:
        """Fetch what is due (never raises for a data fault) and return every bar held."""
        now = self._now()
        self._load_cache()
        if self.guard.due() and self._worth_asking(now):
            try:
                self._fetch(now)
                self.guard.record_success()
            except Exception as exc:  # every vendor fault ends here, classified
                fault = classify(exc, "Yahoo", now)
                if not isinstance(exc, SourceError):  # a SourceError comes from _fetch, which judged it already
                    self._unreachable = unreachable(fault)
                self.guard.record_fault(fault, now)
        return self.state(now)

    def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None and hasattr(self._session, "close"):
            self._session.close()
        self._session = None

    def _worth_asking(self, now: datetime) -> bool:
        """While every Yahoo market is shut (weekends), ask only every CLOSED_POLL_S."""
        last = self._freshness.last_success
        if self.market_open(now) or last is None or self.guard.last_fault is not None:
            return True
        return (now - last).total_seconds() >= CLOSED_POLL_S

    # --- state -------------------------------------------------------------------------------------

    def market_open(self, now: datetime) -> bool:
        """Whether any Yahoo-sourced market trades now (weekends: none, so figures say CLOSED)."""
        return any(market_open(s, self.universe, floor_hour(now)) for s in (self.universe.index, self.universe.us10y))

    def state(self, now: datetime) -> MarketState:
        """The bars held and this source's health at `now`."""
        from cockpit.analytics.bars import empty_bars

        bars = self._bars if self._bars is not None else empty_bars()
        health = source_health(self.name, now=now, freshness=self._freshness, guard=self.guard,
                               limit_s=self.stale_s, market_open=self.market_open(now), notes=self._notes)
        quality = DataQuality(rows_in=bars.height, rows_used=bars.height)
        return MarketState(SourceKind.LIVE, now, bars, (health,), quality, label="yahoo")

    # --- fetching ----------------------------------------------------------------------------------

    def _plan(self, now: datetime) -> list[tuple[datetime, tuple[str, ...]]]:
        from cockpit.sources.live.cache import last_ts_by_symbol

        wanted = [s for s in self.universe.yahoo_symbols(now) if self._skip_until.get(s, now) <= now]
        held = last_ts_by_symbol(self._bars)
        known = tuple(s for s in wanted if s in held)
        fresh = tuple(s for s in wanted if s not in held)
        oldest_allowed = now - INTRADAY_LIMIT
        plan = []
        if known:
            plan.append((max(oldest_allowed, min(held[s] for s in known)), known))
        if fresh:
            plan.append((max(oldest_allowed, floor_hour(now) - self.backfill), fresh))
        return plan

    def _fetch(self, now: datetime) -> None:
        """One batched call per plan entry; while Yahoo is unreachable, one symbol first to see if it still is.

        The cache is rewritten only when bars were merged: a failed poll leaves the file as it was.
        """
        from cockpit.sources.live.cache import last_ts_by_symbol, newest_ts
        from cockpit.sources.live.frames import merge_bars

        notes = []
        fault: Fault | None = None
        merged = False
        plan = self._plan(now)
        probing = self._unreachable and bool(plan) and len(plan[0][1]) > 1
        if probing:
            start, symbols = plan[0]
            plan = [(start, symbols[:1]), (start, symbols[1:]), *plan[1:]]
        for index, (start, symbols) in enumerate(plan):
            frame, call_fault = self._download(symbols, start, now)
            fault = fault or call_fault
            if not frame.is_empty():
                self._bars = merge_bars(self._bars, frame)
                merged = True
            if call_fault is None:
                held = last_ts_by_symbol(self._bars)
                for symbol in symbols:
                    if symbol not in held:
                        self._skip_until[symbol] = now + EMPTY_SYMBOL_RETRY
                        notes.append(f"no data for {symbol}")
            if index == 0 and probing and unreachable(call_fault):
                break  # still unreachable: the batch would only fail the same way, once per symbol
        self._notes = tuple(notes[:3]) + ((f"and {len(notes) - 3} more",) if len(notes) > 3 else ())
        self._unreachable = unreachable(fault)
        if merged:
            self._bars = self.cache.trim(self._bars, now)
            self.cache.save(self._bars, now if fault is None else self._freshness.last_success)
        if fault is not None:
            raise SourceError(fault.message, kind=fault.kind.value, retry_after_s=fault.retry_after_s)
        self._freshness = Freshness(now, newest_ts(self._bars), self.guard.clock())

    def _client(self) -> Any:
        import yfinance as yf

        if self._session is None:
            quiet_yfinance()
            if self.cache_dir is not None:
                (self.cache_dir / "yfinance").mkdir(parents=True, exist_ok=True)
                yf.set_tz_cache_location(str(self.cache_dir / "yfinance"))
            yf.config.debug.hide_exceptions = False
            self._session = self._session_factory()
            observe(self._session, self.traffic)
        return yf

    def _download(self, symbols: tuple[str, ...], start: datetime, now: datetime) -> tuple[Any, Fault | None]:
        """One batched call; returns (long bars, the fault the traffic showed, if any)."""
        from cockpit.sources.live.yahoo_frames import yahoo_to_long

        yf = self._client()
        mark = self.traffic.mark()
        captured = _Captured()
        logger = logging.getLogger("yfinance")
        logger.addHandler(captured)
        try:
            frame = yf.download(list(symbols), start=start, interval="1h", prepost=True, auto_adjust=False,
                                actions=False, threads=min(8, len(symbols)), progress=False,
                                timeout=self.timeout_s, session=self._session, group_by="column",
                                multi_level_index=True)
        finally:
            logger.removeHandler(captured)
        try:
            bars = yahoo_to_long(frame, self.universe)
        except ValueError as exc:
            raise SourceError(str(exc), kind=FaultKind.BAD_DATA.value) from None
        fault = traffic_fault(self.traffic.since(mark), "Yahoo", now)
        if bars.is_empty() and fault is None and self.market_open(now):
            reason = next((m for m in captured.messages if m and "Failed download" not in m), "")
            detail = f" ({reason[:100]})" if reason else ""
            fault = Fault(FaultKind.BAD_DATA, f"Yahoo returned an empty frame{detail}")
        return bars, fault
