"""Crypto structure analytics: funding, open interest, liquidations and their z-score, flushes, trend."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl

from cockpit.analytics.bars import age_seconds, last_value, value_at
from cockpit.analytics.series import moving_average_trend, pct_change, zscore
from cockpit.models import CryptoAsset, CryptoReading

FUNDING_INTERVAL_H = 8
HISTORY_POINTS = 96
MIN_BASELINE_H = 24
FLUSH_LOOKBACK_H = 72
FLUSH_GAP_H = 4
OI_RESET_PCT = 8.0


def liquidation_zscores(series: pl.DataFrame, baseline_h: int) -> np.ndarray:
    """Z-score of each hour's long liquidations against the `baseline_h` hours before it (NaN if too few)."""
    previous = pl.col("long_liq_usd").shift(1)
    scores = series.select(
        (
            (pl.col("long_liq_usd") - previous.rolling_mean(baseline_h, min_samples=MIN_BASELINE_H))
            / previous.rolling_std(baseline_h, min_samples=MIN_BASELINE_H)
        ).alias("z")
    )["z"]
    return scores.fill_null(np.nan).to_numpy().astype(float)


def count_flushes(scores: np.ndarray, threshold: float) -> int:
    """Clusters of hours with z >= threshold, separated by at least FLUSH_GAP_H quiet hours."""
    flushes, quiet = 0, FLUSH_GAP_H
    for score in scores:
        if np.isfinite(score) and score >= threshold:
            if quiet >= FLUSH_GAP_H:
                flushes += 1
            quiet = 0
        else:
            quiet += 1
    return flushes


def asset_reading(
    symbol: str,
    series: pl.DataFrame | None,
    as_of: datetime,
    *,
    baseline_h: int,
    oi_lookback_h: int,
    price_lookback_h: int,
    trend_timeframe: str,
    trend_bars: int,
) -> CryptoAsset:
    """One perp's figures; a figure whose column is absent or too short stays None."""
    if series is None or series.is_empty():
        return CryptoAsset(symbol)
    price, price_ts = last_value(series, "close")
    reference = as_of - timedelta(hours=1)

    funding, _ = last_value(series, "funding_rate")  # the predicted rate for the current interval
    oi, _ = last_value(series, "open_interest_usd")
    latest = {"close": price, "open_interest_usd": oi}

    def change_over(column: str, hours: int) -> float | None:
        return pct_change(latest[column], value_at(series, column, reference - timedelta(hours=hours)))

    settlement = as_of.replace(minute=0, second=0, microsecond=0)
    settlement -= timedelta(hours=settlement.hour % FUNDING_INTERVAL_H)
    settled = value_at(series, "funding_rate", settlement - timedelta(hours=1))
    long_liq, liq_ts = last_value(series, "long_liq_usd")
    short_liq, _ = last_value(series, "short_liq_usd")
    liq_values = series["long_liq_usd"].drop_nulls().to_numpy()
    baseline = liq_values[max(0, len(liq_values) - 1 - baseline_h) : -1] if len(liq_values) else liq_values
    liq_z = zscore(long_liq, baseline) if len(baseline) >= MIN_BASELINE_H else None
    return CryptoAsset(
        symbol=symbol,
        price=price,
        change_4h_pct=change_over("close", 4),
        change_24h_pct=change_over("close", 24),
        funding_rate=funding,
        funding_annualised_pct=None if funding is None else funding * (24 / FUNDING_INTERVAL_H) * 365 * 100,
        funding_settled_rate=settled,
        funding_spend_usd_per_interval=None if funding is None or oi is None else funding * oi,
        open_interest_usd=oi,
        oi_change_pct_24h=change_over("open_interest_usd", 24),
        price_change_pct=change_over("close", price_lookback_h),
        price_lookback_h=price_lookback_h,
        oi_change_pct=change_over("open_interest_usd", oi_lookback_h),
        oi_price_change_pct=change_over("close", oi_lookback_h),
        oi_lookback_h=oi_lookback_h,
        long_liq_usd_1h=long_liq,
        short_liq_usd_1h=short_liq,
        liq_zscore_1h=liq_z,
        liq_oi_pct_1h=None if long_liq is None or not oi else long_liq / oi * 100,
        liq_baseline_h=int(len(baseline)) if liq_ts is not None else 0,
        trend=moving_average_trend(series, trend_timeframe, trend_bars),
        age_s=age_seconds(as_of, price_ts),
        price_history=tuple(float(v) for v in series["close"].tail(HISTORY_POINTS).to_list()),
        liq_history=tuple(float(v or 0.0) for v in series["long_liq_usd"].tail(HISTORY_POINTS).to_list()),
    )


def structure_state(btc: CryptoAsset, flushes: int, oi_reset: bool | None, recent_max_z: float | None,
                    liq_threshold: float) -> str | None:
    """calm / building / liquidation-driven / reset (SPEC §2)."""
    if btc.price is None:
        return None
    if recent_max_z is not None and recent_max_z >= liq_threshold and (btc.price_change_pct or 0.0) < 0:
        return "liquidation-driven"
    if flushes >= 1 and oi_reset:
        return "reset"
    if (btc.oi_change_pct or 0.0) >= 3.0 and (btc.funding_rate or 0.0) > 0.0001:
        return "building"
    return "calm"


def crypto_reading(btc: CryptoAsset, eth: CryptoAsset, btc_series: pl.DataFrame | None, baseline_h: int,
                   liq_threshold: float) -> CryptoReading:
    """Both perps plus the flush count, the OI reset and the structure verdict."""
    flushes, oi_reset, recent_max = 0, None, None
    if btc_series is not None and "long_liq_usd" in btc_series.columns and btc_series.height:
        tail = btc_series.tail(FLUSH_LOOKBACK_H + baseline_h)
        scores = liquidation_zscores(tail, baseline_h)[-FLUSH_LOOKBACK_H:]
        flushes = count_flushes(scores, liq_threshold)
        finite = scores[-3:][np.isfinite(scores[-3:])]
        recent_max = float(finite.max()) if len(finite) else None
        oi = tail["open_interest_usd"].tail(FLUSH_LOOKBACK_H).drop_nulls()
        if oi.len() and btc.open_interest_usd is not None:
            peak = float(oi.max())  # type: ignore[arg-type]
            oi_reset = peak > 0 and (1 - btc.open_interest_usd / peak) * 100 >= OI_RESET_PCT
    state = structure_state(btc, flushes, oi_reset, recent_max, liq_threshold)
    return CryptoReading(btc=btc, eth=eth, state=state, flush_count=flushes, oi_reset=oi_reset)
