"""yfinance's pandas output to the canonical long-form 1h bar frame, in UTC, on the hour."""

from __future__ import annotations

from typing import Any

import polars as pl

from cockpit.analytics.bars import conform, empty_bars
from cockpit.universe import Universe, session_kind

EQUITY_TZ = "America/New_York"
EQUITY_OPEN_MIN, EQUITY_CLOSE_MIN = 9 * 60 + 30, 16 * 60
PRICE_FIELDS = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume"}


def _regular_session(index: Any) -> Any:
    """Mask of bars inside the US cash session (09:30-16:00 New York, weekdays), DST-correct."""
    local = index.tz_convert(EQUITY_TZ)
    minutes = local.hour * 60 + local.minute
    return (local.day_of_week < 5) & (minutes >= EQUITY_OPEN_MIN) & (minutes < EQUITY_CLOSE_MIN)


def _tickers(frame: Any) -> list[str]:
    columns = frame.columns
    if getattr(columns, "nlevels", 1) < 2:
        return []
    names = list(columns.names)
    level = names.index("Ticker") if "Ticker" in names else 1
    return [str(t) for t in dict.fromkeys(columns.get_level_values(level))]


def _one_ticker(frame: Any, ticker: str) -> Any:
    names = list(frame.columns.names)
    level = names.index("Ticker") if "Ticker" in names else 1
    return frame.xs(ticker, axis=1, level=level)


def yahoo_to_long(frame: Any, universe: Universe) -> pl.DataFrame:
    """Long-form bars from a `yf.download(..., group_by='column')` frame.

    Timestamps become UTC and are floored to the hour (US equities print at :30); cash equities keep only
    their regular session; rows without a close are dropped; two prints in one hour merge into one bar.
    """
    if frame is None or len(frame) == 0:
        return empty_bars()
    index = frame.index
    if getattr(index, "tz", None) is None:
        index = index.tz_localize("UTC")
    # daily bars (stamped at midnight of their exchange's day) have no session to keep them to
    intraday = not bool(((index.hour == 0) & (index.minute == 0)).all())
    parts = []
    for ticker in _tickers(frame):
        sub = _one_ticker(frame, ticker)
        missing = [name for name in ("Open", "High", "Low", "Close") if name not in sub.columns]
        if missing:
            raise ValueError(f"Yahoo data format changed for {ticker}: missing column {missing[0]!r}")
        keep = sub["Close"].notna().to_numpy()
        if session_kind(ticker, universe) == "equity" and intraday:
            keep = keep & _regular_session(index)
        if not keep.any():
            continue
        stamps = index[keep].tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[us]")
        columns = {"ts": stamps, "symbol": [ticker] * int(keep.sum())}
        for source, target in PRICE_FIELDS.items():
            if source in sub.columns:
                columns[target] = sub[source].to_numpy(dtype="float64", na_value=float("nan"))[keep]
        parts.append(pl.DataFrame(columns))
    if not parts:
        return empty_bars()
    combined = pl.concat(parts, how="diagonal_relaxed").with_columns(
        pl.col("ts").dt.replace_time_zone("UTC").dt.truncate("1h")
    )
    merged = combined.group_by(["symbol", "ts"], maintain_order=True).agg(
        pl.col("open").first(),
        pl.col("high").max(),
        pl.col("low").min(),
        pl.col("close").last(),
        pl.col("volume").sum() if "volume" in combined.columns else pl.lit(None, dtype=pl.Float64).alias("volume"),
    )
    return conform(merged).sort(["ts", "symbol"])
