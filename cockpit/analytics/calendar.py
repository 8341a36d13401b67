"""Trading days and timeframe bars (SPEC §3 v2 "Buckets"): each instrument's own calendar, never clock days.

CME futures roll their trading day at 17:00 America/Chicago (DST-aware), US stocks and ETFs take their New York
session date, crypto the UTC date. 4h buckets are UTC 00:00, 04:00, ...; a bucket's close is its last 1h close.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from cockpit.analytics.bars import TS_TYPE

CHICAGO, NEW_YORK = "America/Chicago", "America/New_York"
CME_ROLL_H = 17  # a bar starting at or after 17:00 Chicago belongs to the next trading day
BARS_PER_YEAR = {"crypto": 8760.0, "futures": 23.0 * 252.0, "equity": 7.0 * 252.0}
BAR_LENGTH = {"1h": timedelta(hours=1), "4h": timedelta(hours=4)}


def trading_day(kind: str) -> pl.Expr:
    """The trading date of each bar's `ts` for an instrument of `kind` ('crypto', 'futures' or 'equity')."""
    ts = pl.col("ts")
    if kind == "futures":
        local = ts.dt.convert_time_zone(CHICAGO).dt.replace_time_zone(None)
        return (local + pl.duration(hours=24 - CME_ROLL_H)).dt.date()
    if kind == "equity":
        return ts.dt.convert_time_zone(NEW_YORK).dt.date()
    return ts.dt.date()


def _bucket_key(timeframe: str, kind: str) -> pl.Expr:
    if timeframe == "4h":
        return pl.col("ts").dt.truncate("4h")
    day = trading_day(kind)
    if timeframe == "1w":
        day = day.dt.truncate("1w")  # the Monday of the trading week
    return day.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def timeframe_bars(frame: pl.DataFrame, timeframe: str, kind: str = "crypto",
                   as_of: datetime | None = None) -> pl.DataFrame:
    """OHLC bars of `timeframe` from 1h bars, labelled by bucket start (daily/weekly: the trading date).

    With `as_of`, 4h buckets that have not closed by then are left out (only completed buckets count).
    Columns absent from the input (open, high, low) are left out of the output.
    """
    if frame.is_empty() or timeframe == "1h":
        return frame.select([c for c in ("ts", "open", "high", "low", "close") if c in frame.columns])
    aggregations = [pl.col("close").last()]
    if "open" in frame.columns:
        aggregations.insert(0, pl.col("open").first())
    if "high" in frame.columns:
        aggregations.append(pl.col("high").max())
    if "low" in frame.columns:
        aggregations.append(pl.col("low").min())
    bars = (
        frame.lazy().sort("ts").with_columns(_bucket_key(timeframe, kind).alias("_bucket"))
        .group_by("_bucket", maintain_order=True).agg(aggregations)
        .rename({"_bucket": "ts"}).with_columns(pl.col("ts").cast(TS_TYPE))
        .collect()
    )
    if as_of is not None and timeframe == "4h":
        bars = bars.filter(pl.col("ts") + BAR_LENGTH["4h"] <= as_of)
    return bars


def session_gap_pct(frame: pl.DataFrame | None, kind: str) -> float | None:
    """The latest session's opening gap: its first bar's open vs the previous session's last close, in %.

    Sessions are trading days of `kind`; crypto has no sessions (None), nor does a frame without opens.
    """
    if frame is None or kind == "crypto" or frame.height < 2 or "open" not in frame.columns:
        return None
    days = frame.select(trading_day(kind).alias("day"), "open", "close")
    last_day = days["day"][-1]
    current = days.filter(pl.col("day") == last_day)
    previous = days.filter(pl.col("day") < last_day)
    if previous.is_empty() or current.is_empty():
        return None
    first_open, last_close = current["open"][0], previous["close"][-1]
    if first_open is None or last_close is None or last_close <= 0:
        return None
    return (float(first_open) / float(last_close) - 1.0) * 100.0
