"""Leadership pane analytics: the AI/semis/software basket against the index.

Relative strength is the equal-weight basket's cumulative log return minus the index's, on the profile's
signal timeframe, over bars where the index and the members all have a close (members without data are
left out and reported as missing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from cockpit.analytics.bars import age_seconds, last_value
from cockpit.analytics.calendar import bucket_closes
from cockpit.models import LeadershipReading

HISTORY_POINTS = 60
INDEX_KEY = "\x00index"


@dataclass(frozen=True, slots=True)
class WideCloses:
    """`timeframe` closes of each member and the index on the union of their bar stamps (NaN where none)."""

    keys: np.ndarray  # bucket starts, UTC microseconds
    closes: dict[str, np.ndarray]


def _wide_closes(members: dict[str, pl.DataFrame], index: pl.DataFrame, timeframe: str,
                 index_kind: str = "futures") -> WideCloses:
    """One array of `timeframe` closes per member plus the index, on one axis of bar stamps.

    Daily and weekly bars are trading days: the members' New York session, the index's own calendar.
    """
    bucketed = {name: bucket_closes(frame, timeframe, "equity") for name, frame in members.items()}
    bucketed[INDEX_KEY] = bucket_closes(index, timeframe, index_kind)
    keys = np.unique(np.concatenate([k for k, _ in bucketed.values()]))
    closes = {}
    for name, (own_keys, own_closes) in bucketed.items():
        column = np.full(len(keys), np.nan)
        column[np.searchsorted(keys, own_keys)] = own_closes
        closes[name] = column
    return WideCloses(keys, closes)


def relative_strength_series(members: dict[str, pl.DataFrame], index: pl.DataFrame,
                             timeframe: str) -> pl.DataFrame:
    """(ts, rs): cumulative log relative strength of the equal-weight basket against the index."""
    keys, rs = _relative_strength(_wide_closes(members, index, timeframe), list(members))
    return pl.DataFrame({"ts": keys.astype("datetime64[us]"), "rs": rs},
                        schema={"ts": pl.Datetime("us", "UTC"), "rs": pl.Float64()})


def _relative_strength(wide: WideCloses, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(stamps, rs) over the bars where the index and every member have a close."""
    matrix = np.column_stack([wide.closes[n] for n in (*names, INDEX_KEY)]) if names else np.empty((0, 1))
    common = np.isfinite(matrix).all(axis=1) if names else np.zeros(0, dtype=bool)
    if not names or common.sum() < 2:
        return np.empty(0, dtype=np.int64), np.empty(0)
    logs = np.log(matrix[common])
    basket = np.diff(logs[:, :-1], axis=0).mean(axis=1)
    index_returns = np.diff(logs[:, -1])
    return wide.keys[common], np.concatenate(([0.0], np.cumsum(basket - index_returns)))


def _breadth(wide: WideCloses, names: list[str], bars: int) -> tuple[float | None, float | None]:
    """Share of members above their `bars`-bar average, and share at a new `bars`-bar low."""
    above = lows = counted = 0
    for name in names:
        closes = wide.closes[name][np.isfinite(wide.closes[name])]
        if len(closes) < bars + 1:
            continue
        counted += 1
        above += bool(closes[-1] > closes[-bars:].mean())
        lows += bool(closes[-1] <= closes[-bars - 1 : -1].min())
    return (above / counted, lows / counted) if counted else (None, None)


BREAKING_SIGMA = -1.5  # the basket's relative move over the window, in units of its own bar-to-bar noise
BROKEN_SIGMA = -2.0


def verdict(rs_below_ma: bool, rs_new_low: bool, breadth_above: float, breadth_lows: float,
            move_sigma: float | None = None) -> str:
    """leading / neutral / breaking / broken (SPEC §2).

    A relative low on its own is noise in a calm tape (a random walk makes a new 20-bar low often): breaking
    needs relative strength at a new low or below its average, breadth deteriorating (fewer than half the
    leaders above their average, or a quarter at new lows) and a relative move beyond 1.5 sigma of the basket's
    own noise over the window (`move_sigma`, when known); broken needs most of the basket down with it and a
    2-sigma move.
    """
    def beyond(limit: float) -> bool:
        return move_sigma is None or move_sigma <= limit

    if rs_below_ma and breadth_above <= 0.25 and breadth_lows >= 0.5 and beyond(BROKEN_SIGMA):
        return "broken"
    if (rs_new_low or rs_below_ma) and (breadth_above < 0.5 or breadth_lows >= 0.25) and beyond(BREAKING_SIGMA):
        return "breaking"
    if not rs_below_ma and not rs_new_low and breadth_above >= 0.5:
        return "leading"
    return "neutral"


def relative_move_sigma(rs_values: np.ndarray, bars: int) -> float | None:
    """The relative strength's change over `bars` bars in sigmas of its bar-to-bar noise, scaled to the window.

    The noise is the std of the bar changes over the `bars` bars *before* the window, so the bars of a break
    never inflate the yardstick that measures it (the window's own changes only while history is shorter);
    None when the changes have no spread at all.
    """
    prior = np.diff(rs_values[-2 * bars - 1 : -bars])
    steps = prior if len(prior) >= max(2, bars // 2) else np.diff(rs_values[-bars - 1 :])
    if len(steps) < 2:
        return None
    spread = float(steps.std(ddof=1))
    if spread <= 0 or not math.isfinite(spread):
        return None
    return float(rs_values[-1] - rs_values[-bars - 1]) / (spread * math.sqrt(bars))


def leadership_reading(
    members: dict[str, pl.DataFrame | None], index: pl.DataFrame | None, as_of: datetime, timeframe: str, bars: int,
    index_kind: str = "futures",
) -> LeadershipReading:
    """Breadth, relative strength, new lows and the verdict; None where history is too short."""
    present = {s: f for s, f in members.items() if f is not None and not f.is_empty()}
    missing = tuple(s for s in members if s not in present)
    base = LeadershipReading(members=tuple(present), missing=missing, timeframe=timeframe)
    if index is None or index.is_empty() or not present:
        return base
    wide = _wide_closes(present, index, timeframe, index_kind)
    _, rs_values = _relative_strength(wide, list(present))
    index_closes = wide.closes[INDEX_KEY][np.isfinite(wide.closes[INDEX_KEY])]
    if len(rs_values) < bars + 1 or len(index_closes) < bars:
        return LeadershipReading(members=base.members, missing=missing, timeframe=timeframe)
    last_rs = float(rs_values[-1])
    rs_new_low = last_rs < float(rs_values[-bars - 1 : -1].min())
    rs_ma = float(rs_values[-bars:].mean())
    relative_pct = math.expm1(last_rs - float(rs_values[-bars - 1])) * 100.0
    move_sigma = relative_move_sigma(rs_values, bars)

    breadth_above, breadth_lows = _breadth(wide, list(present), bars)
    index_above = float(index_closes[-1]) > float(index_closes[-bars:].mean())
    stamps = [ts for s in present.values() if (ts := last_value(s, "close")[1]) is not None]
    newest = max(stamps, default=None)
    return LeadershipReading(
        relative_strength_pct=relative_pct,
        rs_new_low=rs_new_low,
        breadth_above_ma=breadth_above,
        breadth_new_lows=breadth_lows,
        index_above_ma=index_above,
        index_holding=index_above,
        verdict=verdict(last_rs < rs_ma, rs_new_low, breadth_above or 0.0, breadth_lows or 0.0, move_sigma),
        relative_move_sigma=move_sigma,
        members=base.members,
        missing=missing,
        timeframe=timeframe,
        age_s=age_seconds(as_of, newest),
        rs_history=tuple(float(v) for v in rs_values[-HISTORY_POINTS:]),
        rs_below_ma=last_rs < rs_ma,
    )
