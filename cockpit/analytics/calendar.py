"""Trading days and timeframe bars (SPEC §3 v2 "Buckets"): each instrument's own calendar, never clock days.

CME futures roll their trading day at 17:00 America/Chicago (DST-aware), US stocks and ETFs take their New York
session date, crypto the UTC date. 4h buckets are UTC 00:00, 04:00, ...; a bucket's close is its last 1h close.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from cockpit.analytics.bars import TS_TYPE

CHICAGO, NEW_YORK = "America/Chicago", "America/New_York"
CME_ROLL_H = 17  # a bar starting at or after 17:00 Chicago belongs to the next trading day
BARS_PER_YEAR = {"crypto": 8760.0, "futures": 23.0 * 252.0, "equity": 7.0 * 252.0}
BAR_LENGTH = {"1h": timedelta(hours=1), "4h": timedelta(hours=4)}


DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000


@lru_cache(maxsize=64)
def _offset_changes(zone: str, year: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(instants, offsets) in UTC microseconds: `zone`'s UTC offset from each instant on, through `year`."""
    tz = ZoneInfo(zone)
    instant = datetime(year, 1, 1, tzinfo=UTC)

    def offset(at: datetime) -> int:
        delta = at.astimezone(tz).utcoffset()
        return int((delta or timedelta(0)) / timedelta(microseconds=1))

    instants, offsets = [int(instant.timestamp()) * 1_000_000], [offset(instant)]
    day = timedelta(days=1)
    while instant.year == year:
        nxt = instant + day
        if offset(nxt) != offsets[-1]:
            hour = instant
            while offset(hour) == offsets[-1]:
                hour += timedelta(hours=1)
            instants.append(int(hour.timestamp()) * 1_000_000)
            offsets.append(offset(hour))
        instant = nxt
    return tuple(instants), tuple(offsets)


def local_us(utc_us: np.ndarray, zone: str) -> np.ndarray:
    """UTC microsecond stamps as `zone` wall-clock microseconds (DST-aware, from the zone database)."""
    if len(utc_us) == 0:
        return utc_us
    first, last = (datetime.fromtimestamp(int(v) // 1_000_000, UTC).year for v in (utc_us[0], utc_us[-1]))
    instants: list[int] = []
    offsets: list[int] = []
    for year in range(first, last + 1):
        year_instants, year_offsets = _offset_changes(zone, year)
        instants += year_instants
        offsets += year_offsets
    index = np.searchsorted(np.asarray(instants), utc_us, side="right") - 1
    shifted: np.ndarray = utc_us + np.asarray(offsets)[np.maximum(index, 0)]
    return shifted


def bucket_keys(utc_us: np.ndarray, timeframe: str, kind: str) -> np.ndarray:
    """Each bar's bucket start in UTC microseconds: 4h UTC buckets, or the midnight of its trading date (1d) or of
    its trading week's Monday (1w)."""
    if timeframe == "1h":
        return utc_us
    if timeframe == "4h":
        four: np.ndarray = utc_us - utc_us % (4 * HOUR_US)
        return four
    if kind == "futures":
        local = local_us(utc_us, CHICAGO) + (24 - CME_ROLL_H) * HOUR_US
    elif kind == "equity":
        local = local_us(utc_us, NEW_YORK)
    else:
        local = utc_us
    days = local // DAY_US
    if timeframe == "1w":
        days = days - (days + 3) % 7  # day 0 (1970-01-01) was a Thursday: back to the week's Monday
    keys: np.ndarray = days * DAY_US
    return keys


def stamps_us(frame: pl.DataFrame) -> np.ndarray:
    """The frame's `ts` as UTC microseconds since the epoch."""
    stamps: np.ndarray = frame.get_column("ts").to_numpy().astype("datetime64[us]").astype(np.int64)
    return stamps


def values_of(frame: pl.DataFrame, column: str) -> np.ndarray:
    """A float column as a numpy array, NaN where null."""
    values: np.ndarray = frame.get_column(column).to_numpy()  # a null float is NaN there
    return values.astype(float, copy=False)


def in_time_order(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame sorted by ts (a no-op for the sorted frames the engine passes)."""
    return frame if frame.get_column("ts").is_sorted() else frame.sort("ts")


def bucket_bounds(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of each bucket's first and last bar, for sorted bucket keys."""
    last = np.append(np.flatnonzero(np.diff(keys)), len(keys) - 1)
    first = np.concatenate(([0], last[:-1] + 1))
    return first, last


def bucket_closes(frame: pl.DataFrame, timeframe: str, kind: str = "crypto",
                  as_of: datetime | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(bucket start in UTC us, close) of `timeframe` bars; with `as_of` only completed 4h buckets."""
    if frame.is_empty():
        return np.empty(0, dtype=np.int64), np.empty(0)
    frame = in_time_order(frame)
    stamps, closes = stamps_us(frame), values_of(frame, "close")
    keys = bucket_keys(stamps, timeframe, kind)
    _, last = bucket_bounds(keys)
    keys, closes = keys[last], closes[last]
    if as_of is not None and timeframe == "4h":
        done = keys + 4 * HOUR_US <= int(as_of.timestamp() * 1_000_000)
        keys, closes = keys[done], closes[done]
    return keys, closes


def timeframe_bars(frame: pl.DataFrame, timeframe: str, kind: str = "crypto",
                   as_of: datetime | None = None) -> pl.DataFrame:
    """OHLC bars of `timeframe` from 1h bars, labelled by bucket start (daily/weekly: the trading date).

    With `as_of`, 4h buckets that have not closed by then are left out (only completed buckets count).
    Columns absent from the input (open, high, low) are left out of the output.
    """
    columns = [c for c in ("ts", "open", "high", "low", "close") if c in frame.columns]
    if frame.is_empty() or timeframe == "1h":
        return frame.select(columns)
    frame = in_time_order(frame)
    keys = bucket_keys(stamps_us(frame), timeframe, kind)
    first, last = bucket_bounds(keys)
    out: dict[str, np.ndarray] = {"ts": keys[first].astype("datetime64[us]")}
    for name in columns[1:]:
        values = values_of(frame, name)
        if name == "open":
            out[name] = values[first]
        elif name == "high":
            out[name] = np.fmax.reduceat(values, first)
        elif name == "low":
            out[name] = np.fmin.reduceat(values, first)
        else:
            out[name] = values[last]
    bars = pl.DataFrame(out, schema={c: TS_TYPE if c == "ts" else pl.Float64 for c in columns}, nan_to_null=True)
    if as_of is not None and timeframe == "4h":
        bars = bars.filter(pl.col("ts") + BAR_LENGTH["4h"] <= as_of)
    return bars


def session_gap_pct(frame: pl.DataFrame | None, kind: str) -> float | None:
    """The latest session's opening gap: its first bar's open vs the previous session's last close, in %.

    Sessions are trading days of `kind`; crypto has no sessions (None), nor does a frame without opens.
    """
    if frame is None or kind == "crypto" or frame.height < 2 or "open" not in frame.columns:
        return None
    frame = in_time_order(frame)
    keys = bucket_keys(stamps_us(frame), "1d", kind)
    first, _ = bucket_bounds(keys)
    if len(first) < 2:
        return None
    first_open = float(values_of(frame, "open")[first[-1]])
    last_close = float(values_of(frame, "close")[first[-1] - 1])
    if not (np.isfinite(first_open) and np.isfinite(last_close)) or last_close <= 0:
        return None
    return (first_open / last_close - 1.0) * 100.0
