"""The simulated bars as dense hourly arrays, and the bar-level measures of SPEC §3 v2 in plain numpy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from cockpit.sources.simulator.model import WARMUP_H, generate
from cockpit.sources.simulator.scenarios import Scenario
from cockpit.universe import Universe

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
CORR_PAIRS = 30  # the swing profile's 4h correlation window, in kept pairs
VOL_RECENT, VOL_PRIOR = 24, 168
LIQ_BASELINE_H = 168
LEADERS_BARS = 20
FUTURES_BARS_PER_YEAR, CRYPTO_BARS_PER_YEAR = 23 * 252, 8760


@dataclass
class Market:
    """One seed's bars as dense hourly arrays, indexed from the start of the warm-up (NaN where closed)."""

    scenario: Scenario
    start_index: int  # index of the scenario's hour 0
    hours: np.ndarray  # hour offsets from the scenario start
    stamps: list[datetime]
    columns: dict[str, dict[str, np.ndarray]]
    universe: Universe
    seed: int

    def close(self, symbol: str) -> np.ndarray:
        return self.columns[symbol]["close"]

    def col(self, symbol: str, name: str) -> np.ndarray:
        return self.columns[symbol][name]

    def window(self) -> slice:
        return slice(self.start_index, len(self.hours))


def load(scenario: Scenario, seed: int, universe: Universe) -> Market:
    """Generate one seed and spread it into dense per-symbol arrays."""
    bars = generate(scenario, seed, universe)
    first = scenario.start - timedelta(hours=WARMUP_H)
    n = WARMUP_H + scenario.hours
    index = ((bars["ts"].dt.epoch("s").to_numpy() - int(first.timestamp())) // 3600).astype(np.int64)
    symbols = bars["symbol"].to_numpy()
    columns: dict[str, dict[str, np.ndarray]] = {}
    names = ("open", "high", "low", "close", "funding_rate", "funding_interval_h", "open_interest",
             "open_interest_usd", "long_liq_usd", "short_liq_usd")
    values = {name: bars[name].fill_null(np.nan).to_numpy() for name in names}
    for symbol in np.unique(symbols):
        rows = symbols == symbol
        dense = {}
        for name in names:
            arr = np.full(n, np.nan)
            arr[index[rows]] = values[name][rows]
            dense[name] = arr
        columns[str(symbol)] = dense
    stamps = [first + timedelta(hours=h) for h in range(n)]
    return Market(scenario, WARMUP_H, np.arange(-WARMUP_H, scenario.hours), stamps, columns, universe, seed)


# --- bar-level measures -------------------------------------------------------------------------------

def kept_returns(close: np.ndarray) -> np.ndarray:
    """Log return of each hour over the hour before; NaN unless both bars exist (no gap-spanning pairs)."""
    out = np.full(len(close), np.nan)
    out[1:] = np.log(close[1:] / close[:-1])
    return out


def rms(values: np.ndarray) -> float:
    kept = values[np.isfinite(values)]
    return float(np.sqrt(np.mean(kept**2))) if len(kept) else math.nan


def trading_days(m: Market, kind: str) -> np.ndarray:
    """Trading-day number of each hour: CME rolls at 17:00 Chicago, crypto at 00:00 UTC."""
    if kind == "crypto":
        return np.array([ts.toordinal() for ts in m.stamps])
    return np.array([(ts.astimezone(CHICAGO) + timedelta(hours=7)).date().toordinal() for ts in m.stamps])


def daily_changes(m: Market, close: np.ndarray, days: np.ndarray, log: bool) -> np.ndarray:
    """Change of each trading day's last close over the previous day's, for the days in the scenario."""
    present = np.isfinite(close)
    last_by_day: dict[int, float] = {}
    for day, value in zip(days[present], close[present], strict=True):
        last_by_day[int(day)] = float(value)
    ordered = sorted(last_by_day)
    first_day = int(days[m.start_index])
    changes = []
    for prev, day in zip(ordered, ordered[1:], strict=False):
        if day > first_day:
            a, b = last_by_day[prev], last_by_day[day]
            changes.append(math.log(b / a) * 100 if log else (b - a) * 100)
    return np.array(changes)


def day_vols(m: Market, close: np.ndarray, days: np.ndarray, per_year: int) -> list[float]:
    """Annualised realized vol (RMS of kept 1h returns) of each trading day in the scenario, in %."""
    returns = kept_returns(close)
    out = []
    for day in np.unique(days[m.window()]):
        inside = (days == day) & (m.hours >= 0)
        if np.isfinite(returns[inside]).sum() >= 6:
            out.append(rms(returns[inside]) * math.sqrt(per_year) * 100)
    return out


def session_gaps(close: np.ndarray, open_: np.ndarray, m: Market) -> np.ndarray:
    """A session's first open against the previous session's last close, in %, for sessions in the scenario."""
    present = np.isfinite(close)
    gaps = []
    last_close = math.nan
    for i in range(len(close)):
        if not present[i]:
            continue
        if i > 0 and not present[i - 1] and math.isfinite(last_close) and m.hours[i] >= 0:
            gaps.append((open_[i] / last_close - 1) * 100)
        last_close = close[i]
    return np.array(gaps)


def worst_window(close: np.ndarray, m: Market, hours: int) -> float:
    """The worst `hours`-hour return ending in the scenario, in %."""
    s = m.start_index
    ends = np.arange(s, len(close))
    returns = close[ends] / close[ends - hours] - 1
    return float(np.nanmin(returns) * 100)


def drawdown(values: np.ndarray) -> float:
    """Largest fall from a running peak, in % of the peak."""
    peak = np.maximum.accumulate(values)
    return float(np.max(1 - values / peak) * 100)


def liquidation_z(m: Market, symbol: str) -> tuple[np.ndarray, np.ndarray]:
    """Per hour: liq_z against the 168 h before the current flush cluster (SPEC §3 v2), and liq_oi_pct."""
    liq = m.col(symbol, "long_liq_usd")
    oi_usd = m.col(symbol, "open_interest_usd")
    logs = np.log1p(liq)
    n = len(liq)
    z = np.full(n, np.nan)
    cluster_start: int | None = None
    quiet = 0
    for t in range(m.start_index - 48, n):
        anchor = cluster_start if cluster_start is not None else t
        base = logs[max(0, anchor - LIQ_BASELINE_H):anchor]
        base = base[np.isfinite(base)]
        if len(base) < 24 or not math.isfinite(logs[t]):
            continue
        median = float(np.median(base))
        scale = max(1.4826 * float(np.median(np.abs(base - median))), 0.25)
        z[t] = (logs[t] - median) / scale
        hot = z[t] >= 3 and liq[t] / oi_usd[t] * 100 >= 0.05
        if hot:
            cluster_start = t if cluster_start is None else cluster_start
            quiet = 0
        elif cluster_start is not None:
            quiet += 1
            if quiet >= 4:
                cluster_start, quiet = None, 0
    return z, liq / oi_usd * 100


def flush_clusters(m: Market, symbol: str) -> list[tuple[int, int]]:
    """Flush clusters (first, last hour index): hours with liq_z >= 3 and liq_oi_pct >= 0.05, 4 quiet hours apart."""
    z, pct = liquidation_z(m, symbol)
    hot = [t for t in range(len(z)) if math.isfinite(z[t]) and z[t] >= 3 and pct[t] >= 0.05]
    clusters: list[tuple[int, int]] = []
    for t in hot:
        if clusters and t - clusters[-1][1] <= 4:
            clusters[-1] = (clusters[-1][0], t)
        else:
            clusters.append((t, t))
    return clusters


def cascade_hours(m: Market, symbol: str) -> list[int]:
    """Hours a bar-level LIQUIDATION_CASCADE holds: a flush hour while the perp fell >= 1 % over 4 h."""
    z, pct = liquidation_z(m, symbol)
    close = m.close(symbol)
    out = []
    for t in range(4, len(z)):
        if math.isfinite(z[t]) and z[t] >= 3 and pct[t] >= 0.05 and close[t] / close[t - 4] - 1 <= -0.01:
            out.append(t)
    return out


def corr_4h(m: Market, since: int | None = None) -> np.ndarray:
    """4h correlation ES~BTC on the last 30 kept pairs of completed UTC buckets, known at each hour (NaN before)."""
    es, btc = m.close(m.universe.index), m.close(m.universe.btc)
    first_hour_of_day = m.stamps[0].hour
    bucket = (np.arange(len(es)) + first_hour_of_day) // 4
    buckets = np.unique(bucket)
    es_close, btc_close = {}, {}
    for b in buckets:
        inside = np.flatnonzero(bucket == b)
        present = inside[np.isfinite(es[inside])]
        if len(present):
            es_close[int(b)] = es[present[-1]]
        btc_close[int(b)] = btc[inside[-1]]
    pairs = [(b, math.log(es_close[b] / es_close[b - 1]), math.log(btc_close[b] / btc_close[b - 1]))
             for b in buckets if b in es_close and b - 1 in es_close]
    out = np.full(len(es), np.nan)
    pair_buckets = np.array([p[0] for p in pairs])
    a = np.array([p[1] for p in pairs])
    c = np.array([p[2] for p in pairs])
    for t in range(m.start_index - 24 if since is None else since, len(es)):
        completed = (t + first_hour_of_day + 1) // 4 - 1  # the last bucket whose last hour is done by t's close
        k = int(np.searchsorted(pair_buckets, completed, side="right"))
        if k >= CORR_PAIRS:
            out[t] = float(np.corrcoef(a[k - CORR_PAIRS:k], c[k - CORR_PAIRS:k])[0, 1])
    return out


def vol_ratio(close: np.ndarray, t: int) -> tuple[float, float]:
    """Recent kept 1h returns' RMS over the prior window's, and the recent RMS, as of hour index t."""
    returns = kept_returns(close[: t + 1])
    kept = returns[np.isfinite(returns)]
    if len(kept) < VOL_RECENT + VOL_PRIOR:
        return math.nan, math.nan
    recent, prior = rms(kept[-VOL_RECENT:]), rms(kept[-VOL_RECENT - VOL_PRIOR:-VOL_RECENT])
    return recent / prior, recent


def change_over_bars(values: np.ndarray, t: int, bars: int, log: bool) -> float:
    """Change of a series over its last `bars` open-market bars up to hour index t."""
    present = np.flatnonzero(np.isfinite(values[: t + 1]))
    if len(present) <= bars:
        return math.nan
    a, b = values[present[-bars - 1]], values[present[-1]]
    return math.log(b / a) * 100 if log else (b - a) * 100


def basket_rs(m: Market) -> tuple[np.ndarray, np.ndarray]:
    """Leaders basket (mean log price) and its relative strength vs the index, on the leaders' bars."""
    logs = np.vstack([np.log(m.close(s)) for s in m.universe.leaders])
    basket = logs.mean(axis=0)
    return basket, basket - np.log(m.close(m.universe.index))


def crypto_weekend(ts: datetime) -> bool:
    """Crypto's thin weekend: Friday 21:00 to Sunday 23:00 UTC (SPEC §13)."""
    week_hour = ts.weekday() * 24 + ts.hour
    return 4 * 24 + 21 <= week_hour < 6 * 24 + 23


def us_session(ts: datetime) -> bool:
    """The hour starting at `ts` overlaps the US cash session (09:30-16:00 New York, weekdays)."""
    local = ts.astimezone(NEW_YORK)
    minute = local.hour * 60 + local.minute
    return local.weekday() < 5 and 9 * 60 + 30 < minute + 60 and minute < 16 * 60
