"""The simulator against history (SPEC §11): each scenario's figures over seeds, and the cascade's story.

Every figure is computed here, in plain numpy, from the simulated 1h bars (not from the cockpit's
analytics), and printed as min / median / max over the seeds beside its target range. For
cascade-2026-01 the story's stages are located hour by hour, from bars, and checked for their order; the
cockpit's own flags (`build_snapshot`) are reported beside them, for information. Exits 1 when a figure
leaves its range or a stage is missing or out of order.

    python benchmarks/scenarios.py [--seeds 8] [--scenario NAME ...] [--no-flags]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from cockpit.sources.simulator.model import WARMUP_H, generate
from cockpit.sources.simulator.scenarios import SCENARIOS, Scenario
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


# --- figures ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """One row of the table: a measure per seed, and its target range."""

    name: str
    target: str
    low: float
    high: float
    measure: Callable[[Market], float]
    unit: str = ""


@dataclass
class Story:
    """The cascade's stage hours for one seed, the problems found, and the cockpit's first flag hours."""

    stages: dict[str, int | None] = field(default_factory=dict)
    wave_corr: float = math.nan  # the 4h correlation during the second wave (and the buckets completing it)
    problems: list[str] = field(default_factory=list)
    flags: dict[str, int | float | None] = field(default_factory=dict)


def _h(m: Market, t: int | None) -> int | None:
    return None if t is None else int(m.hours[t])


def calm_figures() -> list[Figure]:
    u = Universe()
    return [
        Figure("BTC ann. realized vol", "25-50 %", 25, 50,
               lambda m: rms(kept_returns(m.close(u.btc))[m.window()]) * math.sqrt(CRYPTO_BARS_PER_YEAR) * 100, "%"),
        Figure("ES ann. realized vol", "8-16 %", 8, 16,
               lambda m: rms(kept_returns(m.close(u.index))[m.window()]) * math.sqrt(FUTURES_BARS_PER_YEAR) * 100, "%"),
        Figure("BTC worst 4 h", "> -4 %", -4, math.inf, lambda m: worst_window(m.close(u.btc), m, 4), "%"),
        Figure("ES largest session-open gap", "< 1 %", 0, 1,
               lambda m: float(np.max(np.abs(session_gaps(m.close(u.index), m.col(u.index, "open"), m)))), "%"),
        Figure("US10Y largest daily change", "< 6 bp", 0, 6,
               lambda m: float(np.max(np.abs(daily_changes(m, m.close(u.us10y), trading_days(m, "futures"),
                                                           False)))), "bp"),
        Figure("DXY largest daily change", "< 0.4 %", 0, 0.4,
               lambda m: float(np.max(np.abs(daily_changes(m, m.close(u.dxy), trading_days(m, "futures"), True)))),
               "%"),
        Figure("BTC long liq / h, median", "$0.2-3 M", 0.2, 3,
               lambda m: float(np.median(m.col(u.btc, "long_liq_usd")[m.window()])) / 1e6, "M"),
        Figure("BTC long liq / h, p99 / median", ">= 4 (heavy tail)", 4, math.inf, _tail_ratio),
        Figure("BTC long liq, peak hour", "< $100 M", 0, 100,
               lambda m: float(np.max(m.col(u.btc, "long_liq_usd")[m.window()])) / 1e6, "M"),
        Figure("BTC LIQUIDATION_CASCADE hours", "0", 0, 0,
               lambda m: float(len(_in_window(m, cascade_hours(m, u.btc))))),
        Figure("BTC coin OI peak to trough", "< 6 %", 0, 6,
               lambda m: drawdown(m.col(u.btc, "open_interest")[m.window()]), "%"),
        Figure("funding per 8 h, median", "0.5-1.5 bp", 0.5, 1.5,
               lambda m: float(np.median(_funding_8h_bp(m)[m.window()])), "bp"),
        Figure("4h corr ES~BTC < 0.4, share of the last 30 days' hours", ">= 50 % (mostly)", 50, 100,
               _share_corr_below, "%"),
        Figure("VIX, median", "12-18", 12, 18, lambda m: float(np.nanmedian(m.close(u.vix)[m.window()]))),
        Figure("VIX under VIX3M, share of bars", ">= 90 %", 90, 100,
               lambda m: _share(m.close(u.vix)[m.window()] < m.close(u.vix3m)[m.window()], m.close(u.vix)[m.window()]),
               "%"),
    ]


def _in_window(m: Market, hours: list[int]) -> list[int]:
    return [t for t in hours if m.hours[t] >= 0]


def _share(condition: np.ndarray, values: np.ndarray) -> float:
    present = np.isfinite(values)
    return float(np.mean(condition[present]) * 100)


def _tail_ratio(m: Market) -> float:
    liq = m.col(m.universe.btc, "long_liq_usd")[m.start_index - 24 * 7:]
    return float(np.percentile(liq, 99) / np.median(liq))


def _funding_8h_bp(m: Market) -> np.ndarray:
    u = m.universe
    return m.col(u.btc, "funding_rate") * 8 / m.col(u.btc, "funding_interval_h") * 1e4


def _share_corr_below(m: Market) -> float:
    """The calm regime's 4h correlation over a month (the scenario and the warm-up's last days: one regime)."""
    corr = corr_4h(m, since=len(m.hours) - 30 * 24)[len(m.hours) - 30 * 24:]
    return float(np.mean(corr[np.isfinite(corr)] < 0.4) * 100)


def cascade_figures() -> list[Figure]:
    u = Universe()
    return [
        Figure("BTC ann. realized vol, peak day", "60-130 %", 60, 130,
               lambda m: max(day_vols(m, m.close(u.btc), trading_days(m, "crypto"), CRYPTO_BARS_PER_YEAR)), "%"),
        Figure("ES ann. realized vol, peak day", "25-50 %", 25, 50,
               lambda m: max(day_vols(m, m.close(u.index), trading_days(m, "futures"), FUTURES_BARS_PER_YEAR)), "%"),
        Figure("BTC worst 4 h", "-12 to -5 %", -12, -5, lambda m: worst_window(m.close(u.btc), m, 4), "%"),
        Figure("ES worst session-open gap", ">= -4 %", -4, math.inf,
               lambda m: float(np.min(session_gaps(m.close(u.index), m.col(u.index, "open"), m))), "%"),
        Figure("US10Y largest daily rise", "5-15 bp", 5, 15,
               lambda m: float(np.max(daily_changes(m, m.close(u.us10y), trading_days(m, "futures"), False))), "bp"),
        Figure("DXY largest daily rise", "0.3-1.0 %", 0.3, 1.0,
               lambda m: float(np.max(daily_changes(m, m.close(u.dxy), trading_days(m, "futures"), True))), "%"),
        Figure("BTC long liq, peak hour", "$100 M-1 B", 100, 1000,
               lambda m: float(np.max(m.col(u.btc, "long_liq_usd")[m.window()])) / 1e6, "M"),
        Figure("BTC coin OI peak to trough", "10-30 %", 10, 30,
               lambda m: drawdown(m.col(u.btc, "open_interest")[m.window()]), "%"),
        Figure("funding per 8 h, 24 h before the shock", "2-8 bp", 2, 8, _funding_before_shock, "bp"),
        Figure("funding per 8 h, 12 h after the first flush", "<= 0 bp", -math.inf, 0, _funding_after_flush, "bp"),
        Figure("4h corr ES~BTC, second wave", ">= 0.7", 0.7, 1, _corr_second_wave),
        Figure("VIX peak", "25-60", 25, 60, lambda m: float(np.nanmax(m.close(u.vix)[m.window()]))),
        Figure("VIX over VIX3M, largest", "> 0 (inverted)", 0.01, math.inf,
               lambda m: float(np.nanmax(m.close(u.vix)[m.window()] - m.close(u.vix3m)[m.window()]))),
        Figure("MOVE peak over its start", ">= 1.2x", 1.2, math.inf, _move_rise),
    ]


def _first_index(condition: np.ndarray, start: int) -> int | None:
    hits = np.flatnonzero(condition[start:])
    return int(start + hits[0]) if len(hits) else None


def shock_index(m: Market) -> int | None:
    """First scenario hour with a 1h move >= 4x its 168-bar vol in ES, US10Y or DXY.

    SPEC §13's cause map uses 3x; 4x keeps ordinary noise (a 3-sigma hour comes about once in 400) out of the
    story's clock.
    """
    u = m.universe
    best: int | None = None
    for symbol, log in ((u.index, True), (u.us10y, False), (u.dxy, True)):
        close = m.close(symbol)
        moves = kept_returns(close) if log else np.concatenate(([np.nan], np.diff(close)))
        for t in range(m.start_index, len(close)):
            if not math.isfinite(moves[t]):
                continue
            past = moves[:t][np.isfinite(moves[:t])][-168:]
            if abs(moves[t]) >= 4 * rms(past):
                best = t if best is None else min(best, t)
                break
    return best


def _funding_before_shock(m: Market) -> float:
    shock = shock_index(m)
    assert shock is not None
    return float(np.mean(_funding_8h_bp(m)[shock - 24:shock]))


def _funding_after_flush(m: Market) -> float:
    shock = shock_index(m) or m.start_index
    clusters = [c for c in flush_clusters(m, m.universe.btc) if c[0] >= shock]
    if not clusters:
        return math.nan
    end = clusters[0][1]
    return float(np.median(_funding_8h_bp(m)[end + 1:end + 13]))


def _corr_second_wave(m: Market) -> float:
    return cascade_story(m, with_flags=False).wave_corr


def _move_rise(m: Market) -> float:
    move = m.close(m.universe.move)[m.window()]
    present = move[np.isfinite(move)]
    return float(present.max() / present[0])


def outlook_figures(name: str) -> list[Figure]:
    """After the first day (hour 24 to the end), each outlook's story in figures."""
    u = Universe()

    def change(symbol: str, log: bool) -> Callable[[Market], float]:
        def measure(m: Market) -> float:
            values = m.close(symbol)
            after = np.flatnonzero(np.isfinite(values) & (m.hours >= 24))
            before = np.flatnonzero(np.isfinite(values) & (m.hours < 24))
            a, b = values[before[-1]], values[after[-1]]
            return math.log(b / a) * 100 if log else (b - a) * 100
        return measure

    def ratio_change(m: Market) -> float:
        return change(u.hyg, True)(m) - change(u.lqd, True)(m)

    def new_lows(m: Market) -> float:
        _, rs = basket_rs(m)
        present = np.flatnonzero(np.isfinite(rs))
        count = 0
        for k, t in enumerate(present):
            if m.hours[t] >= 24 and k >= LEADERS_BARS and rs[t] < np.min(rs[present[k - LEADERS_BARS:k]]):
                count += 1
        return float(count)

    def rs_change(m: Market) -> float:
        _, rs = basket_rs(m)
        present = np.flatnonzero(np.isfinite(rs))
        a = rs[[t for t in present if m.hours[t] < 24][-1]]
        return float((rs[present[-1]] - a) * 100)

    def es_vol_change(m: Market) -> float:
        returns = kept_returns(m.close(u.index))
        first = rms(returns[(m.hours >= 0) & (m.hours < 24)])
        last = rms(returns[m.hours >= m.scenario.hours - 24])
        return (last / first - 1) * 100

    us10y, dxy, vix = change(u.us10y, False), change(u.dxy, True), change(u.vix, True)
    inf = math.inf
    if name == "outlook-a":
        return [
            Figure("US10Y change after day 1", "-8 to +4 bp (flat)", -8, 4, us10y, "bp"),
            Figure("DXY change after day 1", "-0.6 to +0.1 %", -0.6, 0.1, dxy, "%"),
            Figure("VIX change after day 1", "< 0 %", -inf, 0, vix, "%"),
            Figure("ES vol, last day vs first", "< 0 %", -inf, 0, es_vol_change, "%"),
            Figure("leaders' new 20-bar relative lows after day 1", "0", 0, 0, new_lows),
        ]
    if name == "outlook-b":
        return [
            Figure("US10Y change after day 1", ">= +5 bp", 5, inf, us10y, "bp"),
            Figure("DXY change after day 1", ">= +0.3 %", 0.3, inf, dxy, "%"),
            Figure("HYG/LQD change after day 1", "<= -0.5 %", -inf, -0.5, ratio_change, "%"),
            Figure("VIX change after day 1", "> 0 %", 0.01, inf, vix, "%"),
            Figure("MOVE change after day 1", "> 0 %", 0.01, inf, change(u.move, True), "%"),
        ]
    return [
        Figure("VIX change after day 1", "<= -10 %", -inf, -10, vix, "%"),
        Figure("leaders vs index after day 1", "> 0 %", 0.01, inf, rs_change, "%"),
        Figure("DXY change after day 1", "< 0 %", -inf, -0.01, dxy, "%"),
        Figure("BTC change after day 1", ">= +3 %", 3, inf, change(u.btc, True), "%"),
    ]


def figures_for(name: str) -> list[Figure]:
    if name == "calm":
        return calm_figures()
    if name == "cascade-2026-01":
        return cascade_figures()
    return outlook_figures(name)


# --- the cascade's story ------------------------------------------------------------------------------

STAGES = ("shock", "rates & dollar up", "leaders break", "index below trend", "vol up", "first flush",
          "second wave", "OI reset", "partial recovery")


def cascade_story(m: Market, with_flags: bool) -> Story:
    """The hour each stage was first reached (from the shock on), and what is missing or out of order."""
    u = m.universe
    story = Story()
    s = m.start_index
    n = len(m.hours)
    shock = shock_index(m)
    story.stages["shock"] = _h(m, shock)
    if shock is None:
        story.problems.append("no shock")
        return story
    # rates and dollar: US10Y +5 bp and DXY +0.30 % over the last 24 open-market bars
    tnx, dxy = m.close(u.us10y), m.close(u.dxy)
    rates = next((t for t in range(shock, n) if change_over_bars(tnx, t, 24, False) >= 5
                  and change_over_bars(dxy, t, 24, True) >= 0.30), None)
    story.stages["rates & dollar up"] = _h(m, rates)
    # leaders: relative strength at a new 20-bar low, the basket 2 % off its 20-bar high, the index within 1.5 %
    basket, rs = basket_rs(m)
    es = m.close(u.index)
    leader_bars = np.flatnonzero(np.isfinite(rs))
    leaders = None
    for k, t in enumerate(leader_bars):
        if t < shock or k < LEADERS_BARS:
            continue
        window = leader_bars[k - LEADERS_BARS:k]
        es_high = np.nanmax(es[window[0]:t + 1])
        if (rs[t] < rs[window].min() and basket[t] <= basket[window].max() - 0.02
                and es[t] >= es_high * 0.985):
            leaders = int(t)
            break
    story.stages["leaders break"] = _h(m, leaders)
    # index: ES more than one ATR (24 bars) below its 48-bar (two trading days) moving average
    es_bars = np.flatnonzero(np.isfinite(es))
    high, low = m.col(u.index, "high"), m.col(u.index, "low")
    index_break = None
    for k, t in enumerate(es_bars):
        if t < shock or k < 48:
            continue
        recent = es_bars[k - 24:k + 1]
        atr = float(np.mean(high[recent] - low[recent]))
        if es[t] < float(np.mean(es[es_bars[k - 47:k + 1]])) - atr:
            index_break = int(t)
            break
    story.stages["index below trend"] = _h(m, index_break)
    # vol: ES ratio >= 2 at >= 15 %, BTC ratio >= 2 at >= 45 %, or VIX >= 25 and up 20 % over 24 bars
    vix = m.close(u.vix)
    vol_up = None
    for t in range(shock, n):
        es_ratio, es_recent = vol_ratio(es, t) if math.isfinite(es[t]) else (math.nan, math.nan)
        btc_ratio, btc_recent = vol_ratio(m.close(u.btc), t)
        es_hit = es_ratio >= 2 and es_recent * math.sqrt(FUTURES_BARS_PER_YEAR) >= 0.15
        btc_hit = btc_ratio >= 2 and btc_recent * math.sqrt(CRYPTO_BARS_PER_YEAR) >= 0.45
        vix_hit = math.isfinite(vix[t]) and vix[t] >= 25 and change_over_bars(vix, t, 24, True) >= 20
        if es_hit or btc_hit or vix_hit:
            vol_up = t
            break
    story.stages["vol up"] = _h(m, vol_up)
    # flushes
    clusters = flush_clusters(m, u.btc)
    before = [c for c in clusters if s <= c[0] < shock]
    if before:
        story.problems.append(f"flush before the shock at h {_h(m, before[0][0])}")
    cascades_before = [t for t in cascade_hours(m, u.btc) if s <= t < shock]
    if cascades_before:
        story.problems.append(f"LIQUIDATION_CASCADE before the shock at h {_h(m, cascades_before[0])}")
    after = [c for c in clusters if c[0] >= shock]
    first = after[0] if after else None
    story.stages["first flush"] = _h(m, first[0] if first else None)
    if first is not None:
        if math.isfinite(es[first[0]]):
            story.problems.append("the first flush starts while ES trades")
        if not _crypto_weekend(m.stamps[first[0]]):
            story.problems.append("the first flush is not on the weekend")
    corr = corr_4h(m)
    wave = None
    if first is not None:
        for c in after[1:]:
            if c[0] - first[1] < 12:
                continue
            hours = range(c[0], c[1] + 1)
            us = [t for t in hours if _us_session(m.stamps[t])]
            wave_corr = float(np.nanmax(corr[c[0]:c[1] + 9]))  # the 4h buckets completing it count
            if us:
                story.wave_corr = wave_corr if math.isnan(story.wave_corr) else max(story.wave_corr, wave_corr)
            if us and wave_corr >= 0.7:
                wave = us[0]
                break
    story.stages["second wave"] = _h(m, wave)
    # OI reset: coin OI 8 % below its high since the move began (the highest close of the last 72 h)
    oi, btc = m.col(u.btc, "open_interest"), m.close(u.btc)
    reset = None
    for t in range(shock, n):
        move_start = t - 72 + int(np.argmax(btc[t - 72:t + 1]))
        if oi[t] <= 0.92 * np.max(oi[move_start:t + 1]):
            reset = t
            break
    story.stages["OI reset"] = _h(m, reset)
    # partial recovery: BTC back 30 % of its fall from the pre-shock high, still below that high
    recovery = None
    if reset is not None:
        peak = float(np.max(btc[shock - 24:shock + 1]))
        for t in range(reset, n):
            trough = float(np.min(btc[shock:t + 1]))
            if btc[t] >= trough + 0.3 * (peak - trough) and btc[t] < peak:
                recovery = t
                break
    story.stages["partial recovery"] = _h(m, recovery)
    ordered = [story.stages[name] for name in STAGES]
    for name, hour in zip(STAGES, ordered, strict=True):
        if hour is None:
            story.problems.append(f"{name}: not reached")
    present = [(name, hour) for name, hour in zip(STAGES, ordered, strict=True) if hour is not None]
    for (a, ha), (b, hb) in zip(present, present[1:], strict=False):
        if hb < ha:
            story.problems.append(f"{b} (h {hb}) before {a} (h {ha})")
    return story


def _crypto_weekend(ts: datetime) -> bool:
    week_hour = ts.weekday() * 24 + ts.hour
    return 4 * 24 + 21 <= week_hour < 6 * 24 + 23


def _us_session(ts: datetime) -> bool:
    local = ts.astimezone(NEW_YORK)
    minute = local.hour * 60 + local.minute
    return local.weekday() < 5 and 9 * 60 + 30 < minute + 60 and minute < 16 * 60


FLAG_IDS = ("RISK_BUDGET_SHRINKING", "LEADERSHIP_BREAK", "VOL_SPIKE", "LIQUIDATION_CASCADE", "SINGLE_RISK_BOOK")
OUTLOOK_OF = {"outlook-a": "A_normalization", "outlook-b": "B_liquidity_tightening", "outlook-c": "C_reflation"}


def cockpit_flags(m: Market, step_h: int = 1) -> dict[str, int | float | None]:
    """From the cockpit's own snapshots: each flag's first hour, the oi_reset reading's, and two shares.

    The shares are the hours the regime was calm and, after the first day, the hours the outlook was called
    as the scenario's name says (in %).
    """
    from cockpit.config import load_config
    from cockpit.snapshot import build_snapshot
    from cockpit.sources.simulator import SimulatorSource

    with tempfile.TemporaryDirectory() as folder:
        config = load_config(Path(folder) / "none.toml")
    profile = config.profile("swing")
    source = SimulatorSource(m.scenario.name, m.seed, speed=0.0, universe=m.universe)
    first: dict[str, int | float | None] = {name: None for name in (*FLAG_IDS, "oi_reset")}
    cascades: list[int] = []
    calm = named = after_day_one = hours = 0
    for hour in range(step_h, m.scenario.hours + 1, step_h):
        snap = build_snapshot(source.state_at(m.scenario.start + timedelta(hours=hour)), profile, m.universe)
        ids = {str(f.id) for f in snap.flags}
        for name in FLAG_IDS:
            if name in ids and first[name] is None:
                first[name] = hour - 1
        if "LIQUIDATION_CASCADE" in ids:
            cascades.append(hour - 1)
        if snap.readings.crypto.oi_reset and first["oi_reset"] is None:
            first["oi_reset"] = hour - 1
        hours += 1
        calm += str(snap.regime.label) == "calm"
        if hour > 24:
            after_day_one += 1
            named += snap.outlook.label == OUTLOOK_OF.get(m.scenario.name)
    start = first["LIQUIDATION_CASCADE"]
    later = [h for h in cascades if isinstance(start, int) and h >= start + 12]
    first["LIQUIDATION_CASCADE, >= 12 h after the first"] = later[0] if later else None
    first["regime calm, % of hours"] = round(100 * calm / max(hours, 1))
    if m.scenario.name in OUTLOOK_OF:
        first["outlook as named after day 1, % of hours"] = round(100 * named / max(after_day_one, 1))
    return first


# --- report -------------------------------------------------------------------------------------------

def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"


def run(names: Sequence[str], seeds: Sequence[int], with_flags: bool, out: Callable[[str], None]) -> list[str]:
    """Print each scenario's table (and the cascade's story); the failures, as lines."""
    universe = Universe()
    failures: list[str] = []
    for name in names:
        scenario = SCENARIOS[name]
        markets = [load(scenario, seed, universe) for seed in seeds]
        out(f"\n### {name} (seeds {seeds[0]}-{seeds[-1]})\n")
        out("| figure | target | min | median | max | |")
        out("|---|---|---|---|---|---|")
        for figure in figures_for(name):
            values = [figure.measure(m) for m in markets]
            bad = [seed for seed, v in zip(seeds, values, strict=True)
                   if not (math.isfinite(v) and figure.low <= v <= figure.high)]
            finite = [v for v in values if math.isfinite(v)] or [math.nan]
            mark = "ok" if not bad else "FAIL seed " + ",".join(map(str, bad))
            out(f"| {figure.name} | {figure.target} | {_fmt(min(finite))} | {_fmt(statistics.median(finite))} "
                f"| {_fmt(max(finite))} | {mark} |")
            if bad:
                failures.append(f"{name}: {figure.name} out of {figure.target} in seeds {bad}")
        if name == "cascade-2026-01":
            stories = [cascade_story(m, with_flags) for m in markets]
            out("\nStory, hour each stage was first reached (hours from the start, bars):\n")
            out("| stage | " + " | ".join(f"seed {s}" for s in seeds) + " |")
            out("|---|" + "---|" * len(seeds))
            for stage in STAGES:
                out(f"| {stage} | " + " | ".join(_hour(st.stages.get(stage)) for st in stories) + " |")
            for seed, st in zip(seeds, stories, strict=True):
                failures.extend(f"{name} seed {seed}: {p}" for p in st.problems)
        if with_flags:
            flags = [cockpit_flags(m, 1 if name == "cascade-2026-01" else 2) for m in markets]
            out("\nThe cockpit's own readings (information only: the SPEC §3 v2 rules land separately); flags are "
                "the first hour seen, '-' never:\n")
            out("| reading | " + " | ".join(f"seed {s}" for s in seeds) + " |")
            out("|---|" + "---|" * len(seeds))
            for key in flags[0]:
                out(f"| {key} | " + " | ".join(_hour(f.get(key)) for f in flags) + " |")
    return failures


def _hour(value: int | float | None) -> str:
    return "-" if value is None else str(value)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="seeds 1..N (default 8)")
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS), help="only these (repeatable)")
    parser.add_argument("--no-flags", action="store_true", help="skip the cockpit's own flags (faster)")
    args = parser.parse_args(argv)
    seeds = list(range(1, args.seeds + 1))
    failures = run(args.scenario or list(SCENARIOS), seeds, not args.no_flags, print)
    print()
    if failures:
        print("FAIL")
        for line in failures:
            print(f"- {line}")
        return 1
    print("all figures in range, every stage in order")
    return 0


if __name__ == "__main__":
    sys.exit(main())
