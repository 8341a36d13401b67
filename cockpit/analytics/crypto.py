"""Crypto structure analytics (SPEC §3 v2): funding per the venue's interval, coin open interest, robust
liquidation intensity, the current move and its flushes, and the structure verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from cockpit.analytics.bars import age_seconds, floats, last_value, value_at
from cockpit.analytics.liquidations import (
    FlushTest,
    LiquidationPath,
    liquidation_path,
    tape_flushes_since,
    under_way,
)
from cockpit.analytics.series import moving_average_trend, pct_change
from cockpit.models import CryptoAsset, CryptoReading
from cockpit.universe import floor_hour

DEFAULT_FUNDING_INTERVAL_H = 8.0  # only when neither the venue nor the data file says
HOURS_PER_YEAR = 8760.0
HISTORY_POINTS = 96
PASS_MARGIN_H = 48  # hours walked before the move's start, so a flush under way at its start is seen whole


@dataclass(frozen=True, slots=True)
class CryptoOptions:
    """The profile's windows and thresholds that the crypto figures read."""

    baseline_h: int = 168
    oi_lookback_h: int = 24
    price_lookback_h: int = 4
    trend_timeframe: str = "1d"
    trend_bars: int = 20
    move_lookback_h: int = 72
    flush: FlushTest = FlushTest()
    fall_pct: float = 1.0  # the perp fell at least this much over 4 h (LIQUIDATION_CASCADE)
    absolute_fall_pct: float = 2.0  # the fall the absolute test needs (fewer than 24 baseline hours)
    oi_reset_pct: float = 8.0


def with_oi_columns(series: pl.DataFrame) -> pl.DataFrame:
    """Add `oi_coins` (open_interest, else USD / close) and `oi_usd` (USD, else coins x close)."""
    missing = [c for c in ("open_interest", "open_interest_usd", "long_liq_usd", "short_liq_usd", "funding_rate",
                           "funding_interval_h") if c not in series.columns]
    if missing:
        series = series.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in missing)
    return series.with_columns(
        pl.coalesce(pl.col("open_interest"), pl.col("open_interest_usd") / pl.col("close")).alias("oi_coins"),
        pl.coalesce(pl.col("open_interest_usd"), pl.col("open_interest") * pl.col("close")).alias("oi_usd"),
    )


def move_start(series: pl.DataFrame, as_of: datetime, lookback_h: int) -> datetime | None:
    """Where the current move began: the bar of the highest close over the last `lookback_h` hours."""
    window = series.filter(pl.col("ts") > as_of - timedelta(hours=lookback_h + 1))
    if window.is_empty():
        return None
    return window.row(int(window.get_column("close").arg_max() or 0), named=True)["ts"]  # type: ignore[no-any-return]


def cascade_hour(asset: CryptoAsset, options: CryptoOptions) -> bool | None:
    """The LIQUIDATION_CASCADE test on one perp's last hour (SPEC §3 v2); None when it cannot be judged.

    liq_z >= 3 and liq_oi_pct >= 0.05 and a fall >= 1 % over 4 h; with fewer than 24 baseline hours the
    absolute test: liq_oi_pct >= 0.25 and a fall >= 2 %.
    """
    share, fall = asset.liq_oi_pct_1h, asset.change_4h_pct
    if share is None or fall is None:
        return None
    return passes_cascade(asset.liq_zscore_1h, share, fall, options)


def passes_cascade(zscore: float | None, share: float, fall: float, options: CryptoOptions) -> bool:
    """The cascade test on one hour's figures: its z (None or NaN: too short a baseline, the absolute test),
    its liquidations as % of OI and its change over 4 h (%)."""
    if zscore is None or math.isnan(zscore):
        return share >= options.flush.absolute_oi_pct and fall <= -options.absolute_fall_pct
    return zscore >= options.flush.zscore and share >= options.flush.oi_pct and fall <= -options.fall_pct


def asset_reading(symbol: str, series: pl.DataFrame | None, as_of: datetime,
                  options: CryptoOptions = CryptoOptions(), path: LiquidationPath | None = None) -> CryptoAsset:
    """One perp's figures; a figure whose column is absent or too short stays None."""
    if series is None or series.is_empty():
        return CryptoAsset(symbol)
    if "oi_coins" not in series.columns:
        series = with_oi_columns(series)
    price, price_ts = last_value(series, "close")
    reference = as_of - timedelta(hours=1)
    funding, _ = last_value(series, "funding_rate")  # the predicted rate for the current interval
    interval, _ = last_value(series, "funding_interval_h")
    interval = interval or DEFAULT_FUNDING_INTERVAL_H
    coins, _ = last_value(series, "oi_coins")
    oi_usd, _ = last_value(series, "oi_usd")
    latest = {"close": price, "oi_coins": coins}

    def change_over(column: str, hours: int) -> float | None:
        return pct_change(latest[column], value_at(series, column, reference - timedelta(hours=hours)))

    settlement = as_of.replace(minute=0, second=0, microsecond=0)
    settlement -= timedelta(hours=settlement.hour % max(1, round(interval)))
    settled = value_at(series, "funding_rate", settlement - timedelta(hours=1))
    long_liq, liq_ts = last_value(series, "long_liq_usd")
    short_liq, _ = last_value(series, "short_liq_usd")
    if path is None:
        path = liquidation_path(series, baseline_h=options.baseline_h, pass_h=1, test=options.flush)
    liq_z = liq_share = None
    baseline_hours = 0
    if path is not None and liq_ts is not None and len(path.stamps):
        z, share = float(path.zscores[-1]), float(path.oi_pct[-1])
        liq_z = z if np.isfinite(z) else None
        liq_share = share if np.isfinite(share) else None
        baseline_hours = int(path.baseline_h[-1])
    spend = None if funding is None or oi_usd is None else funding * oi_usd
    return CryptoAsset(
        symbol=symbol,
        price=price,
        change_4h_pct=change_over("close", 4),
        change_24h_pct=change_over("close", 24),
        funding_rate=funding,
        funding_annualised_pct=None if funding is None else funding * HOURS_PER_YEAR / interval * 100,
        funding_settled_rate=settled,
        funding_spend_usd_per_interval=spend,
        funding_spend_usd_per_day=None if spend is None else spend * 24.0 / interval,
        funding_interval_h=interval,
        open_interest=coins,
        open_interest_usd=oi_usd,
        oi_change_pct_24h=change_over("oi_coins", 24),
        price_change_pct=change_over("close", options.price_lookback_h),
        price_lookback_h=options.price_lookback_h,
        oi_change_pct=change_over("oi_coins", options.oi_lookback_h),
        oi_price_change_pct=change_over("close", options.oi_lookback_h),
        oi_lookback_h=options.oi_lookback_h,
        long_liq_usd_1h=long_liq,
        short_liq_usd_1h=short_liq,
        liq_zscore_1h=liq_z,
        liq_oi_pct_1h=liq_share,
        liq_baseline_h=baseline_hours,
        trend=moving_average_trend(series, options.trend_timeframe, options.trend_bars),
        age_s=age_seconds(as_of, price_ts),
        price_history=tuple(float(v) for v in series["close"].tail(HISTORY_POINTS).to_list()),
        liq_history=tuple(float(v or 0.0) for v in series["long_liq_usd"].tail(HISTORY_POINTS).to_list()),
    )


def perp_reading(symbol: str, series: pl.DataFrame | None, as_of: datetime,
                 options: CryptoOptions) -> tuple[CryptoAsset, LiquidationPath | None, pl.DataFrame | None]:
    """One perp's figures with its liquidation path walked over the current move (plus a margin)."""
    if series is None or series.is_empty():
        return CryptoAsset(symbol), None, None
    if "oi_coins" not in series.columns:
        series = with_oi_columns(series)
    path = liquidation_path(series, baseline_h=options.baseline_h,
                            pass_h=options.move_lookback_h + PASS_MARGIN_H, test=options.flush)
    return asset_reading(symbol, series, as_of, options, path), path, series


def newest_hour(as_of: datetime) -> np.datetime64:
    """The start of the newest hourly bar complete at `as_of` (naive UTC, as the bars' stamps)."""
    return np.datetime64((floor_hour(as_of) - timedelta(hours=1)).replace(tzinfo=None), "us")


def cascade_under_way(path: LiquidationPath | None, series: pl.DataFrame | None, options: CryptoOptions,
                      newest: np.datetime64) -> bool:
    """A flush is under way and one of its hours passed the cascade test (its fall over 4 h included).

    A flush is a cluster separated by four quiet hours (SPEC §3), so a lull between its hours is still that
    flush; the price test keeps a flush that moved nothing (a big hour on a flat tape) out.
    """
    if path is None or series is None or not under_way(path, newest):
        return False
    flush = path.flushes[-1]
    stamps = series.get_column("ts").to_numpy().astype("datetime64[us]")
    closes = floats(series.get_column("close"))
    lookback = np.timedelta64(options.price_lookback_h, "h")

    def close_at(stamp: np.datetime64) -> float:
        at = int(np.searchsorted(stamps, stamp))
        return float(closes[at]) if at < len(stamps) and stamps[at] == stamp else math.nan

    return any(passes_cascade(float(path.zscores[hour]), float(path.oi_pct[hour]),
                              (close_at(path.stamps[hour]) / close_at(path.stamps[hour] - lookback) - 1) * 100, options)
               for hour in range(flush.start, flush.end + 1))


def structure_state(assets: tuple[CryptoAsset, ...], cascades: tuple[bool | None, ...], flushes: int,
                    oi_reset: bool | None, cascading: bool = False) -> str | None:
    """calm / building / liquidation-driven / reset (SPEC §2).

    Liquidation-driven on the cascade test, and through the quiet hours of a flush that passed it until the
    flush ends (`cascading`), so a lull inside a cascade never reads calm."""
    btc = assets[0]
    if btc.price is None:
        return None
    if any(cascades) or cascading:
        return "liquidation-driven"
    if flushes >= 1 and oi_reset:
        return "reset"
    if (btc.oi_change_pct or 0.0) >= 3.0 and (btc.funding_rate or 0.0) > 0.0001:
        return "building"
    return "calm"


def crypto_reading(btc_symbol: str, btc_series: pl.DataFrame | None, eth_symbol: str,
                   eth_series: pl.DataFrame | None, as_of: datetime, options: CryptoOptions) -> CryptoReading:
    """Both perps, the current move (from BTC), its flushes on either perp and whether one is under way, BTC's OI
    reset, the state."""
    btc, btc_path, btc_frame = perp_reading(btc_symbol, btc_series, as_of, options)
    eth, eth_path, eth_frame = perp_reading(eth_symbol, eth_series, as_of, options)
    start = None if btc_frame is None else move_start(btc_frame, as_of, options.move_lookback_h)
    flushes, active, oi_reset = 0, None, None
    paths = [path for path in (btc_path, eth_path) if path is not None]
    newest = newest_hour(as_of)
    if paths and start is not None:  # a flush on either perp is the tape's (ETH's may lead BTC's by an hour)
        flushes = tape_flushes_since(paths, np.datetime64(start.replace(tzinfo=None), "us"))
        active = any(under_way(path, newest) for path in paths)
    if btc_frame is not None and start is not None and btc.open_interest is not None:
        since = btc_frame.filter(pl.col("ts") >= start).get_column("oi_coins").drop_nulls()
        if since.len():
            peak = float(since.max())  # type: ignore[arg-type]
            oi_reset = peak > 0 and (1 - btc.open_interest / peak) * 100 >= options.oi_reset_pct
    cascades = (cascade_hour(btc, options), cascade_hour(eth, options))
    cascading = (cascade_under_way(btc_path, btc_frame, options, newest)
                 or cascade_under_way(eth_path, eth_frame, options, newest))
    # no liquidations and no open interest (BTC-USD spot, the venue down): neither calm nor anything else is known
    known = bool(paths) or btc.open_interest is not None
    state = structure_state((btc, eth), cascades, flushes, oi_reset, cascading) if known else None
    passing = tuple(asset.symbol for asset, hit in zip((btc, eth), cascades, strict=True) if hit)
    return CryptoReading(btc=btc, eth=eth, state=state, flush_count=flushes, oi_reset=oi_reset,
                         move_start=start, flush_active=active, cascade_assets=passing, liq_tape=bool(paths))
