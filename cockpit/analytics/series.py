"""Pure series analytics (SPEC §3 v2): kept return pairs, correlation, RMS vol, trend and its ATR gap, z-scores.

Every function takes (ts, close)-style frames or plain sequences and returns values; none reads a clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from cockpit.analytics.calendar import BAR_LENGTH, bucket_closes, stamps_us, timeframe_bars, values_of
from cockpit.models import CorrelationValue, VolReading

TIMEFRAME_EVERY = {"1h": "1h", "4h": "4h", "1d": "1d", "1w": "1w"}
ATR_BARS = 14


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


RETURNS_SCHEMA = {"ts": pl.Datetime("us", "UTC"), "ra": pl.Float64(), "rb": pl.Float64(), "kept": pl.Boolean()}


def paired_returns(keys_a: np.ndarray, closes_a: np.ndarray, keys_b: np.ndarray, closes_b: np.ndarray,
                   bar_us: int) -> pl.DataFrame:
    """Log returns of two bar series on their common stamps (UTC us): columns ts, ra, rb, kept.

    A pair is kept only when both legs span exactly one bar (`bar_us`); a pair across a weekend, halt, holiday
    or missing bar has kept = False (it is counted, never used).
    """
    common, in_a, in_b = np.intersect1d(keys_a, keys_b, assume_unique=True, return_indices=True)
    if len(common) < 2:
        return pl.DataFrame(schema=RETURNS_SCHEMA)
    return pl.DataFrame({
        "ts": common[1:].astype("datetime64[us]"),
        "ra": np.diff(np.log(closes_a[in_a])),
        "rb": np.diff(np.log(closes_b[in_b])),
        "kept": np.diff(common) == bar_us,
    }, schema=RETURNS_SCHEMA)


def aligned_returns(left: pl.DataFrame, right: pl.DataFrame, bar: timedelta = BAR_LENGTH["1h"]) -> pl.DataFrame:
    """Log returns after an inner join on bar timestamps (SPEC §3 v2): columns ts, ra, rb, kept."""
    return paired_returns(stamps_us(left), values_of(left, "close"), stamps_us(right), values_of(right, "close"),
                          bar // timedelta(microseconds=1))


def resample_closes(frame: pl.DataFrame, timeframe: str, kind: str = "crypto",
                    as_of: datetime | None = None) -> pl.DataFrame:
    """(ts, close) bars of `timeframe`: UTC 4h buckets, trading-day 1d/1w buckets of the instrument's `kind`."""
    if frame.is_empty():
        return frame.select("ts", "close")
    return timeframe_bars(frame.select("ts", "close"), timeframe, kind, as_of)


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
    """Pearson correlation of the last `window` kept pairs; None with fewer.

    `gap_pairs_dropped` counts the pairs left out within the window's span (from its first kept pair on;
    all of them while the window is not yet full).
    """
    kept = returns.get_column("kept").to_numpy().astype(bool)
    n = int(kept.sum())
    if n < window or window < 2:
        return CorrelationValue(None, window, n, len(kept) - n)
    tail = np.flatnonzero(kept)[-window:]
    stamps = returns.get_column("ts").to_numpy()
    in_span = int((~kept & (stamps >= stamps[tail[0]])).sum())
    ra, rb = returns.get_column("ra").to_numpy()[tail], returns.get_column("rb").to_numpy()[tail]
    return CorrelationValue(pearson(ra, rb), window, window, in_span)


def history_from_returns(returns: pl.DataFrame, window: int, points: int) -> tuple[float, ...]:
    """Rolling correlation of kept pairs, the last `points` values (NaN windows left out)."""
    kept = returns.filter(pl.col("kept"))
    if kept.height < window:
        return ()
    rolled = kept.tail(window + points).select(pl.rolling_corr("ra", "rb", window_size=window).alias("c"))
    return tuple(float(v) for v in rolled["c"].tail(points).to_list() if v is not None and math.isfinite(v))


def timeframe_returns(left: pl.DataFrame, right: pl.DataFrame, timeframe: str,
                      as_of: datetime | None = None) -> pl.DataFrame:
    """Aligned log returns of two series on `timeframe` bars: completed buckets, inner join, kept flags."""
    keys_a, closes_a = bucket_closes(left, timeframe, as_of=as_of)
    keys_b, closes_b = bucket_closes(right, timeframe, as_of=as_of)
    return paired_returns(keys_a, closes_a, keys_b, closes_b, BAR_LENGTH[timeframe] // timedelta(microseconds=1))


def correlation(left: pl.DataFrame, right: pl.DataFrame, window: int, timeframe: str = "1h",
                as_of: datetime | None = None) -> CorrelationValue:
    """Correlation of kept aligned returns over the last `window` pairs; None with fewer than `window`."""
    return correlation_from_returns(timeframe_returns(left, right, timeframe, as_of), window)


def correlation_history(
    left: pl.DataFrame, right: pl.DataFrame, window: int, timeframe: str = "1h", points: int = 120,
    as_of: datetime | None = None,
) -> tuple[float, ...]:
    """Rolling correlation of kept aligned returns, the last `points` values (NaN windows left out)."""
    return history_from_returns(timeframe_returns(left, right, timeframe, as_of), window, points)


def realized_vol(returns: Sequence[float] | np.ndarray) -> float | None:
    """Root mean square of returns (no demeaning, SPEC §3 v2); None without any."""
    values = np.asarray(returns, dtype=float)
    if len(values) < 1:
        return None
    return float(math.sqrt(float(np.dot(values, values)) / len(values)))


def hourly_returns(frame: pl.DataFrame) -> np.ndarray:
    """Log returns between bars exactly one hour apart: a weekend or session gap is not a 1h return."""
    if frame.height < 2:
        return np.empty(0)
    closes = values_of(frame, "close")
    consecutive = np.diff(stamps_us(frame)) == BAR_LENGTH["1h"] // timedelta(microseconds=1)
    returns: np.ndarray = np.diff(np.log(closes))[consecutive]
    return returns


def vol_windows(frame: pl.DataFrame, recent_n: int, prior_n: int, bars_per_year: float = 8760.0) -> VolReading:
    """RMS vol of the last `recent_n` consecutive 1h returns against the `prior_n` before them, and its level."""
    returns = hourly_returns(frame)
    recent = realized_vol(returns[-recent_n:]) if len(returns) >= recent_n else None
    annualised = None if recent is None else recent * math.sqrt(bars_per_year) * 100.0
    if len(returns) < recent_n + prior_n:
        return VolReading(recent, None, annualised)
    prior = realized_vol(returns[-(recent_n + prior_n) : -recent_n])
    return VolReading(recent, prior, annualised)


def ewm_vol(frame: pl.DataFrame, span: int = 20) -> float | None:
    """Exponentially weighted vol of 1h log returns (pandas ewm(span, adjust=True).std() semantics)."""
    if frame.height < 6:
        return None
    value = log_returns(frame).ewm_std(span=span, adjust=True, bias=False, min_samples=5).tail(1).item()
    return None if value is None or not math.isfinite(value) else float(value)


def moving_average_trend(frame: pl.DataFrame, timeframe: str, bars: int, kind: str = "crypto") -> str | None:
    """'up' when the last close of `timeframe` bars is at or above its `bars`-bar average, 'down' below.

    Daily and weekly bars are the instrument's trading days; the forming bar's close is the latest price.
    """
    _, closes = bucket_closes(frame, timeframe, kind)
    if len(closes) < bars:
        return None
    tail = closes[-bars:]
    return "up" if float(tail[-1]) >= float(tail.mean()) else "down"


def trend_gap_atr(frame: pl.DataFrame, timeframe: str, ma_bars: int, kind: str = "crypto",
                  atr_bars: int = ATR_BARS) -> float | None:
    """(last close - its `ma_bars` moving average) / the `atr_bars` average true range, on `timeframe` bars."""
    bars = timeframe_bars(frame, timeframe, kind)
    if bars.height < max(ma_bars, atr_bars + 1):
        return None
    close = bars["close"].to_numpy()
    high = bars["high"].to_numpy() if "high" in bars.columns else close
    low = bars["low"].to_numpy() if "low" in bars.columns else close
    previous = close[-atr_bars - 1 : -1]
    true_range = np.maximum.reduce([
        high[-atr_bars:] - low[-atr_bars:], np.abs(high[-atr_bars:] - previous), np.abs(low[-atr_bars:] - previous),
    ])
    atr = float(true_range.mean())
    if atr <= 0 or not math.isfinite(atr):
        return None
    return (float(close[-1]) - float(close[-ma_bars:].mean())) / atr


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
