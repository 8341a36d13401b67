"""Snapshot time on two years of hourly data for the default universe, against a straightforward pandas
implementation of the same analytics measured in the same run; plus the simulator's warm-up.

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

from cockpit.config import Profile, load_config
from cockpit.models import MarketState, SourceKind
from cockpit.snapshot import build_snapshot
from cockpit.sources.simulator import SimulatorSource
from cockpit.sources.simulator.model import WARMUP_H, generate
from cockpit.sources.simulator.scenarios import Scenario
from cockpit.universe import Universe

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


def pandas_reference(bars: pd.DataFrame, as_of: datetime, p: Profile, u: Universe) -> dict[str, float]:
    """The same analytics the straightforward way: wide frames over the whole history, rolling windows."""
    bars = bars[bars["ts"] <= as_of - timedelta(hours=1)]
    close = bars.pivot(index="ts", columns="symbol", values="close").sort_index()
    out: dict[str, float] = {}
    for tf, window in (("1h", p.corr_window_1h), ("4h", p.corr_window_4h)):
        pair = close[[u.index, u.btc]]
        if tf == "4h":
            pair = pd.concat([pair[c].dropna().resample("4h").last() for c in pair.columns], axis=1)
        returns = np.log(pair.dropna()).diff()
        out[f"corr_{tf}"] = float(returns[u.index].rolling(window).corr(returns[u.btc]).iloc[-1])
    for name in (u.index, u.btc):
        series = close[name].dropna()
        hourly = np.log(series).diff()[series.index.to_series().diff() == pd.Timedelta(hours=1)]
        recent = hourly.iloc[-p.vol_recent_n:].std()
        prior = hourly.iloc[-(p.vol_recent_n + p.vol_prior_n):-p.vol_recent_n].std()
        out[f"vol_ratio_{name}"] = float(recent / prior)
        daily = series.resample("1D").last().dropna()
        out[f"trend_{name}"] = float(daily.iloc[-1] >= daily.iloc[-p.trend_ma_bars:].mean())
    btc = bars[bars["symbol"] == u.btc].set_index("ts").sort_index()
    liq = btc["long_liq_usd"].dropna()
    baseline = liq.shift(1).rolling(p.liq_baseline_h, min_periods=24)
    out["liq_z"] = float(((liq - baseline.mean()) / baseline.std()).iloc[-1])
    oi = btc["open_interest_usd"].dropna()
    out["oi_change"] = float(oi.iloc[-1] / oi[: oi.index[-1] - pd.Timedelta(hours=p.oi_lookback_h)].iloc[-1] - 1)
    for name in (u.us10y, u.dxy):
        series = close[name].dropna()
        out[f"chg_{name}"] = float(series.iloc[-1] - series[: series.index[-1] - pd.Timedelta(hours=24)].iloc[-1])
    signal = close[[*u.leaders, u.index]].resample("4h").last().dropna()
    basket = np.log(signal[list(u.leaders)]).diff().mean(axis=1)
    rs = (basket - np.log(signal[u.index]).diff()).fillna(0).cumsum()
    out["rs_new_low"] = float(rs.iloc[-1] < rs.iloc[-p.leadership_bars - 1:-1].min())
    above = (signal[list(u.leaders)].iloc[-1] > signal[list(u.leaders)].iloc[-p.leadership_bars:].mean()).mean()
    out["breadth"] = float(above)
    return out


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
    bars = bars.filter(pl.col("symbol").is_in(sorted(default_universe)))
    state = MarketState(SourceKind.FILE, as_of, bars)
    pandas_bars = bars.to_pandas()
    pandas_bars["ts"] = pd.to_datetime(pandas_bars["ts"], utc=True)

    ours_ms, snap = timed(lambda: build_snapshot(state, profile, universe), args.repeat)
    pandas_ms, reference = timed(lambda: pandas_reference(pandas_bars, as_of, profile, universe), args.repeat)
    assert isinstance(reference, dict)
    readings = snap.readings  # type: ignore[attr-defined]
    agree = abs(readings.correlation.c1h.value - reference["corr_1h"]) < 1e-9 and abs(
        readings.correlation.c4h.value - reference["corr_4h"]) < 1e-9

    def warm_start() -> object:
        source = SimulatorSource("cascade-2026-01")
        return build_snapshot(source.poll(), profile, universe)

    warm_ms, _ = timed(warm_start, max(3, args.repeat // 3))

    print(f"data: {bars.height:,} rows, {bars['symbol'].n_unique()} symbols, {TWO_YEARS_H:,} hours "
          f"(generated in {generate_ms:.0f} ms)")
    print(f"cockpit snapshot (polars, trimmed windows): {ours_ms:8.1f} ms  (median of {args.repeat})")
    print(f"pandas reference (same analytics, full history): {pandas_ms:8.1f} ms")
    print(f"ratio pandas / cockpit: {pandas_ms / ours_ms:.1f}x   correlations agree to 1e-9: {agree}")
    print(f"simulator warm-up + first snapshot: {warm_ms:.1f} ms (budget 100 ms)")


if __name__ == "__main__":
    main()
