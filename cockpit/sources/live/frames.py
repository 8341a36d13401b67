"""Merging newly fetched bars into the bars a live source holds, row-wise or one column at a time."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from cockpit.analytics.bars import PERP_COLUMNS, conform

KEYS = ["ts", "symbol"]


def merge_bars(held: pl.DataFrame, fresh: pl.DataFrame) -> pl.DataFrame:
    """`held` updated with `fresh`: a (ts, symbol) present in both takes the fresh row."""
    if held.is_empty():
        return fresh.sort(["ts", "symbol"])
    if fresh.is_empty():
        return held
    kept = held.join(fresh.select("ts", "symbol"), on=["ts", "symbol"], how="anti")
    return pl.concat([kept, conform(fresh)], how="vertical").sort(["ts", "symbol"])


def set_column(bars: pl.DataFrame, updates: list[tuple[datetime, str, float]], column: str) -> pl.DataFrame:
    """`bars` with `column` set from (ts, symbol, value) where that bar exists (other rows untouched)."""
    if not updates or bars.is_empty():
        return bars
    frame = pl.DataFrame(updates, schema={"ts": bars.schema["ts"], "symbol": pl.String(), "_new": pl.Float64()},
                         orient="row").unique(subset=KEYS, keep="last")
    joined = bars.join(frame, on=KEYS, how="left")
    return joined.with_columns(pl.coalesce("_new", column).alias(column)).drop("_new")


def merge_prices(bars: pl.DataFrame, prices: pl.DataFrame) -> pl.DataFrame:
    """New OHLCV rows replace old prices for the same hour but keep that hour's perp figures."""
    if prices.is_empty():
        return bars
    if bars.is_empty():
        return conform(prices).sort(KEYS)
    perp = bars.select(*KEYS, *PERP_COLUMNS)
    kept = bars.join(prices.select(KEYS), on=KEYS, how="anti")
    updated = conform(prices.select(*KEYS, "open", "high", "low", "close", "volume").join(perp, on=KEYS, how="left"))
    return pl.concat([kept, updated], how="vertical").sort(KEYS)
