"""The canonical long-form bar frame: its schema, cleaning, slicing and per-symbol series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from cockpit.models import DataQuality

PRICE_COLUMNS = ("open", "high", "low", "close")
OHLC_TOLERANCE = 0.005
# open_interest is in coins (base units), open_interest_usd in USD; funding_interval_h is the venue's interval
PERP_COLUMNS = (
    "funding_rate", "funding_interval_h", "open_interest", "open_interest_usd", "long_liq_usd", "short_liq_usd",
)
REQUIRED_COLUMNS = ("ts", "symbol", *PRICE_COLUMNS)
TS_TYPE = pl.Datetime("us", "UTC")
SCHEMA: dict[str, pl.DataType] = {
    "ts": TS_TYPE,
    "symbol": pl.String(),
    "open": pl.Float64(),
    "high": pl.Float64(),
    "low": pl.Float64(),
    "close": pl.Float64(),
    "volume": pl.Float64(),
    **{name: pl.Float64() for name in PERP_COLUMNS},
}


def empty_bars() -> pl.DataFrame:
    """A bar frame with no rows and the canonical schema."""
    return pl.DataFrame(schema=SCHEMA)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Canonical columns and dtypes; optional columns missing from the input become nulls."""
    columns = []
    for name, dtype in SCHEMA.items():
        if name in frame.columns:
            columns.append(pl.col(name).cast(dtype, strict=False))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(columns)


def clean_bars(frame: pl.DataFrame) -> tuple[pl.DataFrame, DataQuality]:
    """Sort by (ts, symbol), keep the last of duplicate rows, drop NaN or non-positive prices; count all.

    Perp columns that are NaN become null (unknown), never zero.
    """
    rows_in = frame.height
    indexed = conform(frame).with_row_index("_row")
    prices_ok = pl.all_horizontal(
        [pl.col(c).is_not_null() & pl.col(c).is_finite() & (pl.col(c) > 0) for c in PRICE_COLUMNS]
    ) & (pl.col("high") >= pl.col("low")) & (
        # vendors round: a close a hair outside the bar's range is kept, one clearly outside is corrupt
        pl.max_horizontal("open", "close") <= pl.col("high") * (1 + OHLC_TOLERANCE)
    ) & (pl.min_horizontal("open", "close") >= pl.col("low") * (1 - OHLC_TOLERANCE))
    good = indexed.filter(prices_ok & pl.col("ts").is_not_null() & pl.col("symbol").is_not_null())
    bad_prices = rows_in - good.height
    was_unsorted = bool(good.height) and bool(
        good.select((pl.col("ts").diff().over("symbol") < timedelta(0)).any()).item()
    )
    deduped = good.sort(["ts", "symbol", "_row"]).unique(subset=["ts", "symbol"], keep="last", maintain_order=True)
    duplicates = good.height - deduped.height
    # An impossible perp figure (NaN, infinite, negative OI or liquidations) is unknown, never a number.
    cleaned = deduped.drop("_row").with_columns(
        pl.when(pl.col("volume").is_finite() & (pl.col("volume") >= 0)).then(pl.col("volume")).alias("volume"),
        pl.when(pl.col("funding_rate").is_finite() & (pl.col("funding_rate").abs() < 0.05))
        .then(pl.col("funding_rate")).alias("funding_rate"),
        *[pl.when(pl.col(c).is_finite() & (pl.col(c) >= 0)).then(pl.col(c)).alias(c)
          for c in ("open_interest", "open_interest_usd", "long_liq_usd", "short_liq_usd")],
        pl.when(pl.col("funding_interval_h").is_finite() & (pl.col("funding_interval_h") > 0))
        .then(pl.col("funding_interval_h")).alias("funding_interval_h"),
    )
    quality = DataQuality(
        rows_in=rows_in,
        rows_used=cleaned.height,
        duplicates_dropped=duplicates,
        bad_prices_dropped=bad_prices,
        was_unsorted=bool(was_unsorted),
    )
    return cleaned, quality


def completed_by(frame: pl.DataFrame, as_of: datetime) -> pl.DataFrame:
    """Bars whose hour has closed by `as_of` (a bar stamped 13:00 is complete at 14:00)."""
    return frame.filter(pl.col("ts") <= as_of - timedelta(hours=1))


def trim_history(frame: pl.DataFrame, as_of: datetime, hours: int) -> pl.DataFrame:
    """Only the bars that a profile's windows can reach, so evaluation cost does not grow with history."""
    return frame.filter(pl.col("ts") > as_of - timedelta(hours=hours))


def split_symbols(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """One frame per symbol, each sorted by ts."""
    if frame.is_empty():
        return {}
    return {
        str(key[0]): part.sort("ts")
        for key, part in frame.partition_by("symbol", as_dict=True, maintain_order=True).items()
    }


def closes(series: pl.DataFrame | None) -> pl.DataFrame:
    """The (ts, close) columns of one symbol's bars (empty when the symbol is missing)."""
    if series is None:
        return pl.DataFrame(schema={"ts": TS_TYPE, "close": pl.Float64()})
    return series.select("ts", "close")


def value_at(series: pl.DataFrame, column: str, at: datetime) -> float | None:
    """The last non-null `column` value stamped at or before `at` (None when there is none)."""
    stamps = series.get_column("ts").to_numpy()  # datetime64[us] in UTC: a binary search without polars overhead
    count = int(np.searchsorted(stamps, np.datetime64(at.astimezone(UTC).replace(tzinfo=None), "us"), side="right"))
    if count == 0:
        return None
    values = series.get_column(column)
    if values.null_count() == 0:
        return float(values[count - 1])
    head = floats(values.slice(0, count))
    known = np.flatnonzero(~np.isnan(head))
    return None if len(known) == 0 else float(head[known[-1]])


def last_value(series: pl.DataFrame | None, column: str) -> tuple[float | None, datetime | None]:
    """The newest non-null value of `column` and its bar timestamp."""
    if series is None or series.is_empty():
        return None, None
    values = series.get_column(column)
    nulls = values.null_count()
    if nulls == 0:
        return float(values[-1]), series.get_column("ts")[-1]
    if nulls == values.len():
        return None, None
    known = np.flatnonzero(~np.isnan(floats(values)))
    return float(values[int(known[-1])]), series.get_column("ts")[int(known[-1])]


def floats(values: pl.Series) -> np.ndarray:
    """A numeric column as float64 with NaN where it is null (cleaned bars hold no NaN of their own).

    Plain numpy: polars' own null handling on a Series (drop_nulls, fill_null, is_not_null) runs a query per
    call, which dominated an hour's evaluation.
    """
    out: np.ndarray = values.to_numpy().astype(np.float64, copy=False)
    return out


def age_seconds(as_of: datetime, bar_ts: datetime | None) -> float | None:
    """Seconds since the bar stamped `bar_ts` closed (its close is at ts + 1h)."""
    if bar_ts is None:
        return None
    return max(0.0, (as_of - (bar_ts + timedelta(hours=1))).total_seconds())
