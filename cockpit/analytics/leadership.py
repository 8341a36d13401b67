"""Leadership pane analytics: the AI/semis/software basket against the index.

Relative strength is the equal-weight basket's cumulative log return minus the index's, on the profile's
signal timeframe, over bars where the index and the members all have a close (members without data are
left out and reported as missing).
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import polars as pl

from cockpit.analytics.bars import age_seconds, last_value
from cockpit.analytics.series import TIMEFRAME_EVERY
from cockpit.models import LeadershipReading

HISTORY_POINTS = 60
INDEX_KEY = "\x00index"


def _wide_closes(members: dict[str, pl.DataFrame], index: pl.DataFrame, timeframe: str) -> pl.DataFrame:
    """One column of `timeframe` closes per member plus the index, one row per bar (null where a symbol had none)."""
    frames = [f.select("ts", "close").with_columns(pl.lit(s).alias("symbol")) for s, f in members.items()]
    frames.append(index.select("ts", "close").with_columns(pl.lit(INDEX_KEY).alias("symbol")))
    combined = pl.concat(frames).sort("symbol", "ts")
    if timeframe != "1h":
        combined = combined.group_by_dynamic(
            "ts", every=TIMEFRAME_EVERY[timeframe], closed="left", label="left", group_by="symbol"
        ).agg(pl.col("close").last())
    return combined.pivot(on="symbol", index="ts", values="close").sort("ts")


def relative_strength_series(members: dict[str, pl.DataFrame], index: pl.DataFrame, timeframe: str) -> pl.DataFrame:
    """(ts, rs): cumulative log relative strength of the equal-weight basket against the index."""
    return _relative_strength(_wide_closes(members, index, timeframe), list(members))


def _relative_strength(wide: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    common = wide.select("ts", INDEX_KEY, *names).drop_nulls()
    if not names or common.height < 2:
        return pl.DataFrame(schema={"ts": wide.schema["ts"], "rs": pl.Float64()})
    logs = np.log(common.select(names).to_numpy())
    basket = np.diff(logs, axis=0).mean(axis=1)
    index_returns = np.diff(np.log(common.get_column(INDEX_KEY).to_numpy()))
    rs = np.concatenate(([0.0], np.cumsum(basket - index_returns)))
    return pl.DataFrame({"ts": common.get_column("ts"), "rs": rs})


def _breadth(wide: pl.DataFrame, names: list[str], bars: int) -> tuple[float | None, float | None]:
    """Share of members above their `bars`-bar average, and share at a new `bars`-bar low."""
    above = lows = counted = 0
    for name in names:
        closes = wide.get_column(name).drop_nulls().to_numpy()
        if len(closes) < bars + 1:
            continue
        counted += 1
        above += bool(closes[-1] > closes[-bars:].mean())
        lows += bool(closes[-1] <= closes[-bars - 1 : -1].min())
    return (above / counted, lows / counted) if counted else (None, None)


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
    wide = _wide_closes(present, index, timeframe)
    rs = _relative_strength(wide, list(present))
    index_closes = wide.get_column(INDEX_KEY).drop_nulls()
    if rs.height < bars + 1 or index_closes.len() < bars:
        return LeadershipReading(members=base.members, missing=missing, timeframe=timeframe)
    rs_values = rs["rs"]
    last_rs = float(rs_values[-1])
    prior = rs_values.slice(rs_values.len() - bars - 1, bars)
    rs_new_low = last_rs < float(prior.min())  # type: ignore[arg-type]
    rs_ma = float(rs_values.tail(bars).mean())  # type: ignore[arg-type]
    relative_pct = math.expm1(last_rs - float(rs_values[-bars - 1])) * 100.0

    breadth_above, breadth_lows = _breadth(wide, list(present), bars)
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
        rs_below_ma=last_rs < rs_ma,
    )
