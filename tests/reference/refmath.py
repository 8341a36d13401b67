"""SPEC §3 version 2, computed by hand in numpy from the bars alone (no cockpit code).

Times are int64 epoch seconds of each bar's start; a bar is known once its hour has ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

H = 3600
BARS_PER_YEAR = {"crypto": 8760.0, "cme": 23.0 * 252, "stock": 7.0 * 252}


_SERIES: dict[tuple[int, str, str], tuple[pl.DataFrame, np.ndarray, np.ndarray]] = {}


def column(frame: pl.DataFrame, symbol: str, at: datetime, name: str = "close") -> tuple[np.ndarray, np.ndarray]:
    """(bar start seconds, values) of `symbol` for the bars known at `at`, sorted by time."""
    key = (id(frame), symbol, name)
    if key not in _SERIES or _SERIES[key][0] is not frame:
        rows = frame.filter(pl.col("symbol") == symbol).sort("ts")
        _SERIES[key] = (frame, rows["ts"].dt.epoch("s").to_numpy().astype(np.int64),
                        rows[name].to_numpy().astype(float))
    _, ts, values = _SERIES[key]
    known = int(np.searchsorted(ts, int(at.timestamp()) - H, side="right"))
    return ts[:known], values[:known]


def consecutive_returns(ts: np.ndarray, close: np.ndarray, step: int = H) -> tuple[np.ndarray, np.ndarray]:
    """(end stamps, log returns) between bars exactly `step` apart; returns across any gap are dropped."""
    ok = np.diff(ts) == step
    return ts[1:][ok], np.diff(np.log(close))[ok]


@dataclass(frozen=True)
class PairWindow:
    value: float | None
    n: int
    dropped: int
    a: np.ndarray
    b: np.ndarray


def pair_window(ts_a: np.ndarray, c_a: np.ndarray, ts_b: np.ndarray, c_b: np.ndarray, window: int,
                step: int = H) -> PairWindow:
    """Pearson correlation of the last `window` kept return pairs of two series.

    Inner join on bar stamps; a pair (t_prev, t) of the joined stamps is kept only when t - t_prev is
    exactly one bar, i.e. both legs span one bar. `dropped` counts the joined pairs spanning a gap that
    fall inside the window's span (after the start of its first kept pair).
    """
    common, ia, ib = np.intersect1d(ts_a, ts_b, return_indices=True)
    la, lb = np.log(c_a[ia]), np.log(c_b[ib])
    gaps = np.diff(common)
    ra, rb = np.diff(la), np.diff(lb)
    kept = np.flatnonzero(gaps == step)
    chosen = kept[-window:]
    if len(chosen) == 0:
        return PairWindow(None, 0, 0, ra[:0], rb[:0])
    first = chosen[0]
    dropped = int(np.sum(gaps[first:] != step))
    x, y = ra[chosen], rb[chosen]
    value = float(np.corrcoef(x, y)[0, 1]) if len(chosen) >= 3 and x.std() > 0 and y.std() > 0 else None
    return PairWindow(value, len(chosen), dropped, x, y)


def buckets_4h(ts: np.ndarray, close: np.ndarray, at: datetime) -> tuple[np.ndarray, np.ndarray]:
    """(bucket starts, bucket closes) of completed UTC 00/04/08/... buckets; close = the last 1h close."""
    start = ts - ts % (4 * H)
    done = start + 4 * H <= int(at.timestamp())
    start, close = start[done], close[done]
    last = np.r_[start[1:] != start[:-1], True]
    return start[last], close[last]


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x))))


@dataclass(frozen=True)
class Vol:
    recent: float
    prior: float
    ratio: float
    annualised_pct: float


def realized_vol(ts: np.ndarray, close: np.ndarray, recent_n: int, prior_n: int, kind: str) -> Vol:
    """RMS (no demeaning) of the last `recent_n` consecutive 1h log returns vs the `prior_n` before them."""
    _, r = consecutive_returns(ts, close)
    recent, prior = r[-recent_n:], r[-(recent_n + prior_n):-recent_n]
    assert len(recent) == recent_n and len(prior) == prior_n, "fixture too short for the vol windows"
    a, b = rms(recent), rms(prior)
    return Vol(a, b, a / b, a * np.sqrt(BARS_PER_YEAR[kind]) * 100)


def std_ratio(ts: np.ndarray, close: np.ndarray, recent_n: int, prior_n: int) -> float:
    """Version 1's demeaned standard-deviation ratio, for showing what changed."""
    _, r = consecutive_returns(ts, close)
    return float(np.std(r[-recent_n:]) / np.std(r[-(recent_n + prior_n):-recent_n]))


def session_gap_pct(ts: np.ndarray, open_: np.ndarray, close: np.ndarray) -> float:
    """The latest CME session's opening gap: its first bar's open vs the previous session's last close, in %.

    A session is a CME trading day (17:00 Chicago roll), so a missing bar inside a session is no session
    start.
    """
    days, _ = trading_day_closes(ts, close, "cme")
    labels = [(datetime.fromtimestamp(int(t), UTC).astimezone(ZoneInfo("America/Chicago")) + timedelta(hours=7)).date()
              for t in ts]
    first = labels.index(days[-1])
    return float((open_[first] / close[first - 1] - 1.0) * 100.0)


# --- liquidations, flushes and the current move --------------------------------------------------------


@dataclass(frozen=True)
class Liq:
    z: np.ndarray  # NaN where fewer than `min_h` baseline hours
    pct: np.ndarray
    qualifies: np.ndarray
    cluster: np.ndarray  # cluster number of each qualifying hour, -1 elsewhere
    cluster_start: list[int]
    baseline_h: np.ndarray


def liquidations(ts: np.ndarray, long_liq: np.ndarray, oi_usd: np.ndarray, *, baseline_h: int = 168,
                 min_h: int = 24, z_min: float = 3.0, pct_min: float = 0.05, quiet_h: int = 4) -> Liq:
    """Robust liquidation z, L / OI USD and flush clusters, hour by hour in time order.

    For each hour t: if a flush cluster is still open (its last qualifying hour q has t - q <= quiet_h
    hours, i.e. fewer than `quiet_h` quiet hours since), the baseline is the `baseline_h` calendar hours
    before the cluster's first hour; otherwise the `baseline_h` hours before t. z = (ln(1+L) - median) /
    max(1.4826 MAD, 0.25) over the bars present in that baseline; NaN with fewer than `min_h` of them.
    An hour qualifies with z >= z_min and L / OI USD * 100 >= pct_min; it opens a new cluster unless one is
    open.
    """
    x = np.log1p(long_liq)
    pct = long_liq / oi_usd * 100.0
    n = len(ts)
    z = np.full(n, np.nan)
    base_n = np.zeros(n, dtype=int)
    qualifies = np.zeros(n, dtype=bool)
    cluster = np.full(n, -1)
    starts: list[int] = []
    last_q: int | None = None
    for t in range(n):
        open_cluster = last_q is not None and ts[t] - ts[last_q] <= quiet_h * H
        anchor = ts[starts[-1]] if open_cluster else ts[t]
        lo, hi = np.searchsorted(ts, [anchor - baseline_h * H, anchor])  # ts in [anchor - 168 h, anchor)
        base = x[lo:hi]
        base_n[t] = hi - lo
        if base_n[t] >= min_h:
            med = np.median(base)
            mad = np.median(np.abs(base - med))
            z[t] = (x[t] - med) / max(1.4826 * mad, 0.25)
        if base_n[t] >= min_h and z[t] >= z_min and pct[t] >= pct_min:
            qualifies[t] = True
            if not open_cluster:
                starts.append(t)
            cluster[t] = len(starts) - 1
            last_q = t
    return Liq(z, pct, qualifies, cluster, starts, base_n)


def move_start(ts: np.ndarray, close: np.ndarray, at: datetime, lookback_h: int = 72) -> int:
    """Index of the highest close of the last `lookback_h` hours (the latest one on a tie)."""
    inside = np.flatnonzero(ts + H > int(at.timestamp()) - lookback_h * H)
    window = close[inside]
    best = np.flatnonzero(window == window.max())[-1]
    return int(inside[best])


def flushes_in_move(liq: Liq, start: int) -> int:
    """Flush clusters with at least one qualifying hour at or after the move's start."""
    return len({int(c) for c in liq.cluster[start:] if c >= 0})


def change_over_bars(values: np.ndarray, bars: int) -> tuple[float, float]:
    """(last, value `bars` of the instrument's own bars before it)."""
    return float(values[-1]), float(values[-1 - bars])


def trading_day_closes(ts: np.ndarray, close: np.ndarray, kind: str) -> tuple[list[object], np.ndarray]:
    """(trading dates, last close of each): CME days roll at 17:00 Chicago, stocks by New York date,
    crypto by UTC date. The day still forming is included as its latest close."""
    days: list[object] = []
    closes: list[float] = []
    for t, c in zip(ts, close, strict=True):
        moment = datetime.fromtimestamp(int(t), UTC)
        if kind == "cme":
            day = (moment.astimezone(ZoneInfo("America/Chicago")) + timedelta(hours=7)).date()
        elif kind == "stock":
            day = moment.astimezone(ZoneInfo("America/New_York")).date()
        else:
            day = moment.date()
        if days and days[-1] == day:
            closes[-1] = float(c)
        else:
            days.append(day)
            closes.append(float(c))
    return days, np.array(closes)


def below_daily_sma(ts: np.ndarray, close: np.ndarray, kind: str, days: int = 20) -> bool:
    """The last close below the average of the last `days` trading-day closes (a precondition only)."""
    _, closes = trading_day_closes(ts, close, kind)
    return bool(close[-1] < closes[-days:].mean())
