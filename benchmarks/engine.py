"""Snapshot time on two years of hourly data for the default universe (with VIX, VIX3M, MOVE, HYG and LQD),
against a straightforward pandas implementation of the same SPEC §3 v2 definitions on the same trimmed window
(kept return pairs, completed 4h buckets, trading days, RMS vol, robust liquidation z, coin OI), measured in the
same run; plus the simulator's warm-up.

Run: python benchmarks/engine.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import polars as pl

from cockpit.analytics.bars import conform
from cockpit.config import Profile, load_config
from cockpit.models import MarketState, SourceKind
from cockpit.snapshot import build_snapshot
from cockpit.sources.simulator import SimulatorSource
from cockpit.sources.simulator.model import WARMUP_H, generate
from cockpit.sources.simulator.scenarios import Scenario
from cockpit.universe import Universe, market_open

TWO_YEARS_H = 2 * 365 * 24


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time in ms over `repeat` runs (after one warm run), and the last result."""
    result = fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def with_vol_credit(bars: pl.DataFrame, universe: Universe, seed: int = 5) -> pl.DataFrame:
    """The default universe's implied-vol and credit inputs (SPEC §3 v2) on the US cash session, where the
    simulator does not price them yet: VIX, VIX3M, MOVE, HYG and LQD as ordinary symbols."""
    missing = [s for s in universe.vol_credit_symbols() if s not in set(bars["symbol"].unique())]
    if not missing:
        return bars
    stamps = sorted(ts for ts in bars.filter(pl.col("symbol") == universe.index)["ts"].to_list()
                    if market_open(universe.hyg, universe, ts))
    rng = np.random.default_rng(seed)
    levels = {universe.vix: 16.0, universe.vix3m: 18.0, universe.move: 95.0, universe.hyg: 80.0, universe.lqd: 109.0}
    parts = []
    for symbol in missing:
        closes = levels.get(symbol, 100.0) * np.exp(np.cumsum(rng.normal(0, 0.003, len(stamps))))
        opens = np.concatenate((closes[:1], closes[:-1]))
        parts.append(pl.DataFrame({"ts": stamps, "symbol": [symbol] * len(stamps), "open": opens,
                                   "high": np.maximum(opens, closes), "low": np.minimum(opens, closes),
                                   "close": closes, "volume": np.ones(len(stamps))}))
    return pl.concat([bars, conform(pl.concat(parts))]).sort(["ts", "symbol"])


def _trading_days(series: pd.Series, kind: str) -> pd.Series:
    """Last close per trading day: CME 17:00 Chicago, New York session date, or UTC date."""
    if kind == "futures":
        local = series.index.tz_convert("America/Chicago").tz_localize(None) + pd.Timedelta(hours=7)
    elif kind == "equity":
        local = series.index.tz_convert("America/New_York").tz_localize(None)
    else:
        local = series.index.tz_localize(None)
    return series.groupby(local.normalize()).last()


def _kept_corr(pair: pd.DataFrame, step: pd.Timedelta, window: int) -> float:
    pair = pair.dropna()
    returns = np.log(pair).diff()[pair.index.to_series().diff() == step]
    tail = returns.iloc[-window:]
    return float(tail.iloc[:, 0].corr(tail.iloc[:, 1]))


def _rms(values: pd.Series) -> float:
    return float(np.sqrt((values**2).mean()))


def _robust_liq_z(liq: pd.Series, oi_usd: pd.Series, baseline_h: int, pass_h: int, z_min: float,
                  oi_pct_min: float) -> float:
    """The last hour's robust z: each hour of the pass scored against the hours before its flush cluster."""
    grid = pd.date_range(liq.index[0], liq.index[-1], freq="1h")
    logs = np.log1p(liq.reindex(grid))
    share = liq.reindex(grid) / oi_usd.reindex(grid).ffill() * 100
    median = logs.shift(1).rolling(baseline_h, min_periods=1).median()
    mad = logs.shift(1).rolling(baseline_h, min_periods=1).apply(
        lambda w: np.nanmedian(np.abs(w - np.nanmedian(w))), raw=True)
    count = logs.shift(1).rolling(baseline_h, min_periods=1).count()
    scale = np.maximum(1.4826 * mad, 0.25)
    frozen, last, z = None, -10, float("nan")
    for i in range(len(grid) - pass_h, len(grid)):
        if frozen is not None and i - last > 4:
            frozen = None
        med, sc, n = frozen if frozen is not None else (median.iloc[i], scale.iloc[i], count.iloc[i])
        z = (logs.iloc[i] - med) / sc if n >= 24 else float("nan")
        qualifies = z >= z_min and share.iloc[i] >= oi_pct_min if n >= 24 else share.iloc[i] >= 0.25
        if qualifies:
            frozen = frozen or (med, sc, n)
            last = i
    return float(z)


def pandas_reference(bars: pd.DataFrame, as_of: datetime, p: Profile, u: Universe) -> dict[str, float]:
    """The same v2 definitions the straightforward way, on the same trimmed window: wide frames, rolling windows."""
    bars = bars[(bars["ts"] <= as_of - timedelta(hours=1)) & (bars["ts"] > as_of - timedelta(hours=p.history_hours()))]
    close = bars.pivot(index="ts", columns="symbol", values="close").sort_index()
    out: dict[str, float] = {}
    out["corr_1h"] = _kept_corr(close[[u.index, u.btc]], pd.Timedelta(hours=1), p.corr_window_1h)
    buckets = pd.concat([close[c].dropna().resample("4h").last().dropna() for c in (u.index, u.btc)], axis=1,
                        sort=True)
    buckets = buckets[buckets.index + pd.Timedelta(hours=4) <= pd.Timestamp(as_of)]  # completed buckets only
    out["corr_4h"] = _kept_corr(buckets, pd.Timedelta(hours=4), p.corr_window_4h)
    for name, kind in ((u.index, "futures"), (u.btc, "crypto")):
        series = close[name].dropna()
        hourly = np.log(series).diff()[series.index.to_series().diff() == pd.Timedelta(hours=1)]
        recent = _rms(hourly.iloc[-p.vol_recent_n:])
        out[f"vol_ratio_{name}"] = recent / _rms(hourly.iloc[-(p.vol_recent_n + p.vol_prior_n):-p.vol_recent_n])
        daily = _trading_days(series, kind)
        out[f"trend_{name}"] = float(daily.iloc[-1] >= daily.iloc[-p.trend_ma_bars:].mean())
    btc = bars[bars["symbol"] == u.btc].set_index("ts").sort_index()
    coins = btc["open_interest"].fillna(btc["open_interest_usd"] / btc["close"]).dropna()
    oi_usd = btc["open_interest_usd"].fillna(btc["open_interest"] * btc["close"])
    out["liq_z"] = _robust_liq_z(btc["long_liq_usd"].dropna(), oi_usd, p.liq_baseline_h,
                                 p.move_lookback_h + 48, p.liq_zscore, p.liq_oi_pct)
    out["oi_change"] = float(coins.iloc[-1] / coins[: coins.index[-1] - pd.Timedelta(hours=p.oi_lookback_h)].iloc[-1]
                             - 1) * 100
    for name in (u.us10y, u.dxy, u.vix):
        series = close[name].dropna()
        out[f"chg_{name}"] = float(series.iloc[-1] - series.iloc[-1 - p.macro_lookback_h])  # bars back, not hours
    ratio = (close[u.hyg] / close[u.lqd]).dropna()
    out["hyg_lqd"] = float(ratio.iloc[-1] / ratio.iloc[-1 - p.macro_lookback_h] - 1) * 100
    signal = close[[*u.leaders, u.index]].resample("4h").last().dropna()
    basket = np.log(signal[list(u.leaders)]).diff().mean(axis=1)
    rs = (basket - np.log(signal[u.index]).diff()).fillna(0).cumsum()
    out["rs_new_low"] = float(rs.iloc[-1] < rs.iloc[-p.leadership_bars - 1:-1].min())
    return out


def agreement(snap: object, reference: dict[str, float], u: Universe) -> dict[str, bool]:
    """Which v2 figures the cockpit and the pandas reference agree on (to 1e-9, or exactly for flags)."""
    r = snap.readings  # type: ignore[attr-defined]
    c, btc, m = r.correlation, r.crypto.btc, r.macro
    pairs = {
        "corr_1h": (c.c1h.value, reference["corr_1h"]), "corr_4h": (c.c4h.value, reference["corr_4h"]),
        "vol_ratio_index": (c.vol_index.ratio, reference[f"vol_ratio_{u.index}"]),
        "vol_ratio_btc": (c.vol_btc.ratio, reference[f"vol_ratio_{u.btc}"]),
        "trend_index": (float(c.trend_index == "up"), reference[f"trend_{u.index}"]),
        "trend_btc": (float(c.trend_btc == "up"), reference[f"trend_{u.btc}"]),
        "liq_z": (btc.liq_zscore_1h, reference["liq_z"]), "oi_change": (btc.oi_change_pct, reference["oi_change"]),
        "us10y": (m.us10y_change_bp / 100 if m.us10y_change_bp is not None else None, reference[f"chg_{u.us10y}"]),
        "hyg_lqd": (m.credit.hyg_lqd_change_pct if m.credit else None, reference["hyg_lqd"]),
        "rs_new_low": (float(bool(r.leadership.rs_new_low)), reference["rs_new_low"]),
    }
    return {k: a is not None and abs(a - b) < 1e-9 for k, (a, b) in pairs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    config = load_config()
    profile, universe = config.profile("swing"), config.universe

    scenario = Scenario("bench", "two years", datetime(2026, 1, 5, tzinfo=UTC), TWO_YEARS_H - WARMUP_H, {})
    start = time.perf_counter()
    bars = generate(scenario, 11, universe)
    generate_ms = (time.perf_counter() - start) * 1000
    as_of = scenario.start + timedelta(hours=scenario.hours)
    # the default universe at as_of: the simulator also priced the fed funds contracts of earlier months
    default_universe = {*universe.yahoo_symbols(as_of), *universe.perp_symbols()}
    bars = with_vol_credit(bars.filter(pl.col("symbol").is_in(sorted(default_universe))), universe)
    state = MarketState(SourceKind.FILE, as_of, bars)
    pandas_bars = bars.to_pandas()
    pandas_bars["ts"] = pd.to_datetime(pandas_bars["ts"], utc=True)

    ours_ms, snap = timed(lambda: build_snapshot(state, profile, universe), args.repeat)
    pandas_ms, reference = timed(lambda: pandas_reference(pandas_bars, as_of, profile, universe), args.repeat)
    assert isinstance(reference, dict)
    agree = agreement(snap, reference, universe)

    def warm_start() -> object:
        source = SimulatorSource("cascade-2026-01")
        return build_snapshot(source.poll(), profile, universe)

    warm_ms, _ = timed(warm_start, max(3, args.repeat // 3))

    print(f"data: {bars.height:,} rows, {bars['symbol'].n_unique()} symbols, {TWO_YEARS_H:,} hours "
          f"(generated in {generate_ms:.0f} ms)")
    print(f"cockpit snapshot (polars, trimmed windows): {ours_ms:8.1f} ms  (median of {args.repeat})")
    print(f"pandas reference (same v2 definitions, same trimmed window): {pandas_ms:8.1f} ms")
    disagree = [k for k, ok in agree.items() if not ok]
    print(f"ratio pandas / cockpit: {pandas_ms / ours_ms:.1f}x   {len(agree) - len(disagree)}/{len(agree)} figures "
          f"agree to 1e-9" + (f" (not: {', '.join(disagree)})" if disagree else ""))
    print(f"simulator warm-up + first snapshot: {warm_ms:.1f} ms (budget 100 ms)")


if __name__ == "__main__":
    main()
