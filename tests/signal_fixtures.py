"""Small market fixtures for the signal tests: hourly bars on each instrument's own session, as a trader sees them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from cockpit.analytics.bars import conform
from cockpit.config import load_config
from cockpit.models import MarketState, SourceKind
from cockpit.snapshot import build_snapshot, snapshot_json
from cockpit.universe import Universe, futures_open

UNIVERSE = Universe()
ES, BTC, ETH = UNIVERSE.index, UNIVERSE.btc, UNIVERSE.eth


def hours(start: datetime, end: datetime, keep: Callable[[datetime], bool] = lambda _: True) -> list[datetime]:
    """Hourly stamps from `start` up to (not including) `end` for which `keep` is true."""
    count = int((end - start) / timedelta(hours=1))
    return [ts for ts in (start + timedelta(hours=h) for h in range(count)) if keep(ts)]


def cme_hours(start: datetime, end: datetime) -> list[datetime]:
    """The hours CME Globex trades (ES, DXY, yields)."""
    return hours(start, end, futures_open)


def bars(symbol: str, stamps: Sequence[datetime], closes: Sequence[float] | np.ndarray,
         opens: Sequence[float] | np.ndarray | None = None, **columns: Sequence[float | None] | np.ndarray
         ) -> pl.DataFrame:
    """Long-form 1h bars of one symbol; open defaults to the previous close (the first bar opens at its close)."""
    closes = np.asarray(closes, dtype=float)
    if opens is None:
        opens = np.concatenate((closes[:1], closes[:-1]))
    opens = np.asarray(opens, dtype=float)
    frame = pl.DataFrame({
        "ts": list(stamps), "symbol": [symbol] * len(stamps), "open": opens, "close": closes,
        "high": np.maximum(opens, closes), "low": np.minimum(opens, closes), "volume": np.ones(len(stamps)),
        **{name: list(values) for name, values in columns.items()},
    })
    return conform(frame.with_columns(pl.col("ts").cast(pl.Datetime("us", "UTC"))))


def walk(rng: np.random.Generator, count: int, sigma: float, start: float, drift: float = 0.0) -> np.ndarray:
    """A geometric random walk of `count` closes."""
    return start * np.exp(np.cumsum(rng.normal(drift, sigma, count)))


def snapshot_at(frames: Sequence[pl.DataFrame], as_of: datetime, profile: str = "swing") -> dict[str, Any]:
    """The snapshot JSON of these bars at `as_of` (only bars complete by then are read)."""
    config = load_config()
    state = MarketState(SourceKind.FILE, as_of, pl.concat(list(frames)).sort(["ts", "symbol"]))
    return snapshot_json(build_snapshot(state, config.profile(profile), config.universe))


T0 = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
