"""Liquidations from the venue's websocket (ccxt.pro), aggregated to hourly long/short USD and persisted.

REST has no public liquidations on binance, bybit or okx, so a stream runs in its own thread and event
loop. Every hour the stream was connected gets a row (zero when nothing was liquidated), so the 7-day
z-score baseline counts only hours that were really observed and survives restarts (SQLite in the data
folder). A venue without the stream shows n/a, never a zero.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cockpit.sources.live.venues import VenueSpec, finite, plausible_ms

BASELINE_H = 168
KEEP_DAYS = 30
SCHEMA = """
CREATE TABLE IF NOT EXISTS liq_hourly (
    venue TEXT NOT NULL,
    symbol TEXT NOT NULL,
    hour INTEGER NOT NULL,
    long_usd REAL NOT NULL DEFAULT 0 CHECK (long_usd >= 0),
    short_usd REAL NOT NULL DEFAULT 0 CHECK (short_usd >= 0),
    PRIMARY KEY (venue, symbol, hour)
)
"""


@dataclass(frozen=True, slots=True)
class LiquidationEvent:
    """One forced close: which perp, the hour it fell in, whether a long or a short, and its USD size."""

    symbol: str
    hour: datetime
    side: str
    usd: float


def to_event(liquidation: Mapping[str, Any], spec: VenueSpec, now: datetime,
             contract_sizes: Mapping[str, Any] | None = None) -> LiquidationEvent | None:
    """A validated event from a ccxt Liquidation structure, or None for a bad one (missing, NaN, bad time).

    ccxt.pro's websocket parsers drop the market's contract size (okx: 0.01 BTC per contract), so the
    size comes from the loaded markets when the structure lacks it; an unknown size is a bad event.
    """
    symbol = liquidation.get("symbol")
    ts = plausible_ms(liquidation.get("timestamp"), now)
    if not isinstance(symbol, str) or not symbol or ts is None:
        return None
    price = finite(liquidation.get("price"))
    usd = finite(liquidation.get("quoteValue"))
    if usd is None and price is not None:
        base = finite(liquidation.get("baseValue"))
        contracts = finite(liquidation.get("contracts"))
        size = finite(liquidation.get("contractSize")) or finite((contract_sizes or {}).get(symbol))
        if base is not None:
            usd = base * price
        elif contracts is not None and size is not None:
            usd = contracts * size * price
    if usd is None or usd <= 0:
        return None
    side = _liquidated_side(liquidation, spec)
    if side is None:
        return None
    hour = datetime.fromtimestamp(ts / 1000, UTC).replace(minute=0, second=0, microsecond=0)
    return LiquidationEvent(symbol, hour, side, usd)


def _liquidated_side(liquidation: Mapping[str, Any], spec: VenueSpec) -> str | None:
    info = liquidation.get("info")
    details = info.get("details") if isinstance(info, Mapping) else None
    if isinstance(details, list) and details and isinstance(details[0], Mapping):
        position = str(details[0].get("posSide") or "").lower()
        if position in ("long", "short"):
            return position
    side = str(liquidation.get("side") or "").lower()
    if side not in ("buy", "sell"):
        return None
    return "long" if side == spec.long_liquidation_side else "short"


class LiquidationStore:
    """Hourly long/short liquidation USD per venue and symbol, in SQLite (one row per observed hour)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._con: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._con is None:
            target = ":memory:" if self.path is None else str(self.path)
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(target, check_same_thread=False, timeout=5.0, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute(SCHEMA)
            self._con = con
        return self._con

    def add(self, venue: str, events: Iterable[LiquidationEvent]) -> int:
        """Add events to their hours (creating the hour rows); returns how many were stored."""
        rows = [(venue, e.symbol, int(e.hour.timestamp()), e.usd if e.side == "long" else 0.0,
                 e.usd if e.side == "short" else 0.0) for e in events]
        if not rows:
            return 0
        with self._lock:
            con = self._connect()
            con.execute("BEGIN")
            con.executemany(
                "INSERT INTO liq_hourly (venue, symbol, hour, long_usd, short_usd) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (venue, symbol, hour) DO UPDATE SET long_usd = long_usd + excluded.long_usd, "
                "short_usd = short_usd + excluded.short_usd", rows)
            con.execute("COMMIT")
        return len(rows)

    def cover(self, venue: str, symbols: Iterable[str], at: datetime) -> None:
        """Mark the hour of `at` as observed for `symbols` (zero liquidations unless events arrive)."""
        hour = int(at.replace(minute=0, second=0, microsecond=0).timestamp())
        with self._lock:
            self._connect().executemany(
                "INSERT OR IGNORE INTO liq_hourly (venue, symbol, hour) VALUES (?, ?, ?)",
                [(venue, symbol, hour) for symbol in symbols])

    def hourly(self, venue: str, symbols: Iterable[str], since: datetime) -> list[tuple[str, datetime, float, float]]:
        """(symbol, hour, long_usd, short_usd) for observed hours at or after `since`, oldest first."""
        names = list(symbols)
        if not names:
            return []
        marks = ",".join("?" * len(names))
        with self._lock:
            rows = self._connect().execute(
                f"SELECT symbol, hour, long_usd, short_usd FROM liq_hourly WHERE venue = ? AND symbol IN ({marks}) "
                "AND hour >= ? ORDER BY hour", [venue, *names, int(since.timestamp())]).fetchall()
        return [(str(s), datetime.fromtimestamp(h, UTC), float(lo), float(sh)) for s, h, lo, sh in rows]

    def baseline_hours(self, venue: str, symbol: str, now: datetime) -> int:
        """How many complete hours of the last 7 days were observed (the z-score's baseline)."""
        current = int(now.replace(minute=0, second=0, microsecond=0).timestamp())
        with self._lock:
            row = self._connect().execute(
                "SELECT COUNT(*) FROM liq_hourly WHERE venue = ? AND symbol = ? AND hour >= ? AND hour < ?",
                (venue, symbol, current - BASELINE_H * 3600, current)).fetchone()
        return int(row[0])

    def prune(self, now: datetime) -> None:
        """Drop hours older than KEEP_DAYS."""
        cutoff = int((now - timedelta(days=KEEP_DAYS)).timestamp())
        with self._lock:
            self._connect().execute("DELETE FROM liq_hourly WHERE hour < ?", (cutoff,))

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
