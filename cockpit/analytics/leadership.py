"""Leadership pane analytics: the AI/semis/software basket against the index.

Relative strength is the equal-weight basket's cumulative log return minus the index's, on the profile's
signal timeframe, over bars where the index and the members all have a close (members without data are
left out and reported as missing).
"""

from __future__ import annotations

import math
from datetime import datetime

import polars as pl

from cockpit.analytics.bars import age_seconds, last_value
from cockpit.analytics.series import resample_closes
from cockpit.models import LeadershipReading

HISTORY_POINTS = 60


def relative_strength_series(members: dict[str, pl.DataFrame], index: pl.DataFrame, timeframe: str) -> pl.DataFrame:
    """(ts, rs): cumulative log relative strength of the equal-weight basket against the index."""
    joined = resample_closes(index, timeframe).select("ts", pl.col("close").alias("_index"))
    names: list[str] = []
    for series in members.values():
        name = f"m_{len(names)}"
        names.append(name)
        joined = joined.join(resample_closes(series, timeframe).select("ts", pl.col("close").alias(name)), on="ts")
    if not names or joined.height < 2:
        return pl.DataFrame(schema={"ts": joined.schema["ts"], "rs": pl.Float64()})
    joined = joined.sort("ts")
    basket = pl.mean_horizontal([pl.col(n).log().diff() for n in names])
    return joined.select(
        "ts", (basket - pl.col("_index").log().diff()).fill_null(0.0).cum_sum().alias("rs")
    )


def verdict(rs_below_ma: bool, rs_new_low: bool, breadth_above: float, breadth_lows: float) -> str:
    """leading / breaking / broken (SPEC §2)."""
    if rs_below_ma and breadth_above <= 0.25 and breadth_lows >= 0.5:
        return "broken"
    if rs_new_low or rs_below_ma or breadth_above < 0.5:
        return "breaking"
    return "leading"


def leadership_reading(
    members: dict[str, pl.DataFrame | None], index: pl.DataFrame | None, as_of: datetime, timeframe: str, bars: int
) -> LeadershipReading:
    """Breadth, relative strength, new lows and the verdict; None where history is too short."""
    present = {s: f for s, f in members.items() if f is not None and not f.is_empty()}
    missing = tuple(s for s in members if s not in present)
    base = LeadershipReading(members=tuple(present), missing=missing, timeframe=timeframe)
    if index is None or index.is_empty() or not present:
        return base
    rs = relative_strength_series(present, index, timeframe)
    index_closes = resample_closes(index, timeframe)["close"]
    if rs.height < bars + 1 or index_closes.len() < bars:
        return LeadershipReading(members=base.members, missing=missing, timeframe=timeframe)
    rs_values = rs["rs"]
    last_rs = float(rs_values[-1])
    prior = rs_values.slice(rs_values.len() - bars - 1, bars)
    rs_new_low = last_rs < float(prior.min())  # type: ignore[arg-type]
    rs_ma = float(rs_values.tail(bars).mean())  # type: ignore[arg-type]
    relative_pct = math.expm1(last_rs - float(rs_values[-bars - 1])) * 100.0

    above, lows, counted = 0, 0, 0
    for series in present.values():
        closes = resample_closes(series, timeframe)["close"]
        if closes.len() < bars + 1:
            continue
        counted += 1
        last = float(closes[-1])
        above += last > float(closes.tail(bars).mean())  # type: ignore[arg-type]
        lows += last <= float(closes.slice(closes.len() - bars - 1, bars).min())  # type: ignore[arg-type]
    breadth_above = above / counted if counted else None
    breadth_lows = lows / counted if counted else None
    index_above = float(index_closes[-1]) > float(index_closes.tail(bars).mean())  # type: ignore[arg-type]
    stamps = [ts for s in present.values() if (ts := last_value(s, "close")[1]) is not None]
    newest = max(stamps, default=None)
    return LeadershipReading(
        relative_strength_pct=relative_pct,
        rs_new_low=rs_new_low,
        breadth_above_ma=breadth_above,
        breadth_new_lows=breadth_lows,
        index_above_ma=index_above,
        index_holding=index_above,
        verdict=verdict(last_rs < rs_ma, rs_new_low, breadth_above or 0.0, breadth_lows or 0.0),
        members=base.members,
        missing=missing,
        timeframe=timeframe,
        age_s=age_seconds(as_of, newest),
        rs_history=tuple(float(v) for v in rs_values.tail(HISTORY_POINTS).to_list()),
    )
