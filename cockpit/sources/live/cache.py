"""A live source's local bar cache: Parquet in the data folder, written atomically, so a restart has history."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from cockpit.analytics.bars import conform, empty_bars

if TYPE_CHECKING:
    from collections.abc import Callable

    from cockpit.models import MarketState
    from cockpit.sources.live.health import Freshness

FETCHED_AT_KEY = "cockpit.fetched_at"


class BarCache:
    """Bars a source already holds, kept on disk between runs and trimmed to `keep_h` hours."""

    def __init__(self, path: Path | None, keep_h: int) -> None:
        self.path = path
        self.keep_h = keep_h

    def load(self) -> pl.DataFrame:
        """The cached bars (empty when there is no cache or it is unreadable)."""
        if self.path is None or not self.path.exists():
            return empty_bars()
        try:
            return conform(pl.read_parquet(self.path)).sort(["ts", "symbol"])
        except (pl.exceptions.PolarsError, OSError, ValueError):
            return empty_bars()

    def saved_at(self) -> datetime | None:
        """When the cached data was fetched (its data is no newer than that); None without a cache file.

        The fetch time is kept in the file's metadata; a file without it counts from its last write.
        """
        if self.path is None:
            return None
        try:
            stamp = pl.read_parquet_metadata(self.path).get(FETCHED_AT_KEY)
            if stamp:
                return datetime.fromisoformat(stamp).astimezone(UTC)
            return datetime.fromtimestamp(self.path.stat().st_mtime, UTC)
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None

    def trim(self, bars: pl.DataFrame, now: datetime) -> pl.DataFrame:
        """Only the last `keep_h` hours."""
        return bars.filter(pl.col("ts") > now - timedelta(hours=self.keep_h))

    def save(self, bars: pl.DataFrame, fetched_at: datetime | None = None) -> None:
        """Write atomically (temp file then rename); a failed write leaves the old cache intact."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
        os.close(handle)
        try:
            metadata = {FETCHED_AT_KEY: fetched_at.isoformat()} if fetched_at is not None else None
            bars.write_parquet(temp, metadata=metadata)
            os.replace(temp, self.path)
        except (OSError, pl.exceptions.PolarsError):
            Path(temp).unlink(missing_ok=True)


class CachedBars:
    """A live source whose bars come from its cache first: what it can show before asking anyone."""

    cache: BarCache
    _bars: pl.DataFrame | None
    _freshness: Freshness
    _now: Callable[[], datetime]

    def state(self, now: datetime) -> MarketState:
        """The bars held and the source's health at `now`."""
        raise NotImplementedError

    def cached_state(self) -> MarketState:
        """The bars of the local cache with their true age, without a client or a call (an answer at once)."""
        self._load_cache()
        return self.state(self._now())

    def _load_cache(self) -> None:
        """Read the cache once; its data is no newer than its last fetch, nor than its newest bar's end."""
        from cockpit.sources.live.health import cached_freshness

        if self._bars is None:
            self._bars = self.cache.load()
            self._freshness = cached_freshness(newest_ts(self._bars), self.cache.saved_at())


def last_ts_by_symbol(bars: pl.DataFrame) -> dict[str, datetime]:
    """The newest bar timestamp of each symbol."""
    if bars.is_empty():
        return {}
    rows = bars.group_by("symbol").agg(pl.col("ts").max()).iter_rows()
    return {str(symbol): ts for symbol, ts in rows}


def newest_ts(bars: pl.DataFrame, symbol: str | None = None) -> datetime | None:
    """The newest bar timestamp overall (or of one symbol); None when there is none."""
    if symbol is not None:
        bars = bars.filter(pl.col("symbol") == symbol)
    if bars.is_empty():
        return None
    value = bars["ts"].max()
    return value if isinstance(value, datetime) else None
