"""Pure series analytics (SPEC §3): alignment, log returns, resampling, correlation, vol, trend, z-scores.

Every function takes (ts, close)-style frames or plain sequences and returns values; none reads a clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import polars as pl

from cockpit.models import CorrelationValue, VolReading

TIMEFRAME_EVERY = {"1h": "1h", "4h": "4h", "1d": "1d", "1w": "1w"}


def log_returns(frame: pl.DataFrame, column: str = "close") -> pl.Series:
    """Log returns of consecutive rows of `column` (one fewer than rows)."""
    return frame.get_column(column).log().diff().slice(1)


def align(left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
    """Inner join of two (ts, close) frames on bar timestamps: columns ts, a, b. Never invents a bar."""
    return (
        left.select("ts", pl.col("close").alias("a"))
        .join(right.select("ts", pl.col("close").alias("b")), on="ts", how="inner")
        .sort("ts")
    )


def aligned_returns(left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
    """Log returns taken after alignment (SPEC §3): columns ts, ra, rb."""
    joined = align(left, right)
    return joined.select(
        "ts",
        pl.col("a").log().diff().alias("ra"),
        pl.col("b").log().diff().alias("rb"),
    ).slice(1)


def resample_closes(frame: pl.DataFrame, timeframe: str) -> pl.DataFrame:
    """Bars of `timeframe` from 1h closes, UTC buckets from 00:00; a bucket's close is its last 1h close."""
    if timeframe == "1h" or frame.is_empty():
        return frame.select("ts", "close")
    return (
        frame.sort("ts")
        .group_by_dynamic("ts", every=TIMEFRAME_EVERY[timeframe], closed="left", label="left")
        .agg(pl.col("close").last())
    )


def pearson(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson correlation of two equal-length arrays; None when either has zero variance."""
    if len(a) < 2:
        return None
    da, db = a - a.mean(), b - b.mean()
    denom = math.sqrt(float(np.dot(da, da)) * float(np.dot(db, db)))
    if denom == 0.0 or not math.isfinite(denom):
        return None
    return max(-1.0, min(1.0, float(np.dot(da, db)) / denom))


def correlation_from_returns(returns: pl.DataFrame, window: int) -> CorrelationValue:
    """Pearson correlation of the last `window` aligned returns (ra, rb); None with fewer."""
    n = returns.height
    if n < window or window < 2:
        return CorrelationValue(None, window, n)
    tail = returns.tail(window)
    return CorrelationValue(pearson(tail["ra"].to_numpy(), tail["rb"].to_numpy()), window, window)


def history_from_returns(returns: pl.DataFrame, window: int, points: int) -> tuple[float, ...]:
    """Rolling correlation of aligned returns, the last `points` values (NaN windows left out)."""
    if returns.height < window:
        return ()
    rolled = returns.tail(window + points).select(pl.rolling_corr("ra", "rb", window_size=window).alias("c"))
    return tuple(float(v) for v in rolled["c"].tail(points).to_list() if v is not None and math.isfinite(v))


def timeframe_returns(left: pl.DataFrame, right: pl.DataFrame, timeframe: str) -> pl.DataFrame:
    """Aligned log returns of two series on `timeframe` bars (SPEC §3: resample, inner join, then returns)."""
    return aligned_returns(resample_closes(left, timeframe), resample_closes(right, timeframe))


def correlation(left: pl.DataFrame, right: pl.DataFrame, window: int, timeframe: str = "1h") -> CorrelationValue:
    """Correlation of aligned returns over the last `window` returns; None with fewer than `window`."""
    return correlation_from_returns(timeframe_returns(left, right, timeframe), window)


def correlation_history(
    left: pl.DataFrame, right: pl.DataFrame, window: int, timeframe: str = "1h", points: int = 120
) -> tuple[float, ...]:
    """Rolling correlation of aligned returns, the last `points` values (NaN windows left out)."""
    return history_from_returns(timeframe_returns(left, right, timeframe), window, points)


def realized_vol(returns: Sequence[float] | np.ndarray) -> float | None:
    """Sample standard deviation of returns (ddof=1); None with fewer than two."""
    values = np.asarray(returns, dtype=float)
    if len(values) < 2:
        return None
    return float(values.std(ddof=1))


def hourly_returns(frame: pl.DataFrame) -> np.ndarray:
    """Log returns between bars exactly one hour apart: a weekend or session gap is not a 1h return."""
    if frame.height < 2:
        return np.empty(0)
    returns = frame.select(
        pl.col("close").log().diff().alias("r"),
        (pl.col("ts").diff() == timedelta(hours=1)).alias("hourly"),
    ).filter(pl.col("hourly"))
    return returns["r"].to_numpy()


def vol_windows(frame: pl.DataFrame, recent_n: int, prior_n: int) -> VolReading:
    """Realized vol of the last `recent_n` 1h returns against the `prior_n` returns before them."""
    returns = hourly_returns(frame)
    if len(returns) < recent_n + prior_n:
        recent = realized_vol(returns[-recent_n:]) if len(returns) >= recent_n else None
        return VolReading(recent, None)
    return VolReading(realized_vol(returns[-recent_n:]), realized_vol(returns[-(recent_n + prior_n) : -recent_n]))


def ewm_vol(frame: pl.DataFrame, span: int = 20) -> float | None:
    """Exponentially weighted vol of 1h log returns (pandas ewm(span, adjust=True).std() semantics)."""
    if frame.height < 6:
        return None
    value = log_returns(frame).ewm_std(span=span, adjust=True, bias=False, min_samples=5).tail(1).item()
    return None if value is None or not math.isfinite(value) else float(value)


def moving_average_trend(frame: pl.DataFrame, timeframe: str, bars: int) -> str | None:
    """'up' when the last close of `timeframe` bars is above its `bars`-bar average, 'down' below."""
    resampled = resample_closes(frame, timeframe)
    if resampled.height < bars:
        return None
    tail = resampled["close"].tail(bars)
    last, average = float(tail[-1]), float(tail.mean())  # type: ignore[arg-type]
    return "up" if last >= average else "down"


def pct_change(new: float | None, old: float | None) -> float | None:
    """Percent change from `old` to `new`; None when either is missing or old is zero."""
    if new is None or old is None or old == 0:
        return None
    return (new / old - 1.0) * 100.0


def zscore(value: float | None, baseline: Sequence[float] | np.ndarray) -> float | None:
    """(value - mean) / sample std of the baseline; None without a value, two points or spread."""
    values = np.asarray(baseline, dtype=float)
    values = values[np.isfinite(values)]
    if value is None or len(values) < 2:
        return None
    spread = float(values.std(ddof=1))
    if spread == 0.0:
        return None
    return (value - float(values.mean())) / spread
