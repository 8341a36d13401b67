"""Assemble every pane's readings from a market state, for one profile."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from cockpit.analytics.bars import age_seconds, completed_by, split_symbols, trim_history
from cockpit.analytics.crypto import asset_reading, crypto_reading
from cockpit.analytics.leadership import leadership_reading
from cockpit.analytics.macro import change_over, macro_reading
from cockpit.analytics.series import (
    correlation_from_returns,
    history_from_returns,
    moving_average_trend,
    pct_change,
    timeframe_returns,
    vol_windows,
)
from cockpit.config import Profile
from cockpit.models import (
    CorrelationReading,
    CorrelationValue,
    CryptoAsset,
    LeadershipReading,
    MacroReading,
    MarketState,
    Readings,
)
from cockpit.universe import Universe

HISTORY_POINTS = 120


def correlation_reading(
    index: pl.DataFrame | None, btc: pl.DataFrame | None, profile: Profile, as_of: datetime
) -> CorrelationReading:
    """1h and 4h correlation of the index against BTC, realized vols and the both-down marker."""
    if index is None or btc is None or index.is_empty() or btc.is_empty():
        return CorrelationReading(
            CorrelationValue(None, profile.corr_window_1h), CorrelationValue(None, profile.corr_window_4h)
        )
    vol_index = vol_windows(index, profile.vol_recent_n, profile.vol_prior_n)
    vol_btc = vol_windows(btc, profile.vol_recent_n, profile.vol_prior_n)
    trend_index = moving_average_trend(index, profile.dominant_timeframe, profile.trend_ma_bars)
    trend_btc = moving_average_trend(btc, profile.dominant_timeframe, profile.trend_ma_bars)
    ratios = [r for r in (vol_index.ratio, vol_btc.ratio) if r is not None]
    both_down = None
    if trend_index is not None and trend_btc is not None and ratios:
        vol_rising = sum(ratios) / len(ratios) >= profile.vol_rising_ratio
        both_down = trend_index == "down" and trend_btc == "down" and vol_rising
    returns_1h = timeframe_returns(index, btc, "1h")
    returns_4h = timeframe_returns(index, btc, "4h")
    return CorrelationReading(
        c1h=correlation_from_returns(returns_1h, profile.corr_window_1h),
        c4h=correlation_from_returns(returns_4h, profile.corr_window_4h),
        vol_index=vol_index,
        vol_btc=vol_btc,
        trend_index=trend_index,
        trend_btc=trend_btc,
        both_down_vol_rising=both_down,
        age_s=max(age_seconds(as_of, index["ts"][-1]) or 0.0, age_seconds(as_of, btc["ts"][-1]) or 0.0),
        history_1h=history_from_returns(returns_1h, profile.corr_window_1h, HISTORY_POINTS),
        history_4h=history_from_returns(returns_4h, profile.corr_window_4h, HISTORY_POINTS // 4),
    )


def early_warnings(
    macro: MacroReading, corr: CorrelationReading, btc: CryptoAsset, dxy: pl.DataFrame | None, as_of: datetime,
    profile: Profile,
) -> dict[str, bool | None]:
    """The three signals of SPEC §1 that tend to precede one global risk book."""
    equity_vol = corr.vol_index.ratio
    _, dxy_longer = change_over(dxy, as_of, profile.macro_lookback_h * 3)
    longer_pct = pct_change(macro.dxy, dxy_longer)
    dollar: bool | None = None
    if macro.dxy_change_pct is not None and longer_pct is not None and macro.us10y_change_bp is not None:
        dollar = macro.dxy_change_pct > 0 and longer_pct >= profile.dxy_rise_pct and macro.us10y_change_bp >= -1.0
    oi_into_decline: bool | None = None
    if btc.oi_change_pct_24h is not None and btc.change_24h_pct is not None:
        oi_into_decline = btc.oi_change_pct_24h >= 2.0 and btc.change_24h_pct < 0
    return {
        "equity_vol_rising": None if equity_vol is None else equity_vol >= profile.vol_rising_ratio,
        "dollar_strength_yields_firm": dollar,
        "oi_expanding_price_declining": oi_into_decline,
    }


def missing_roles(symbols: set[str], universe: Universe, as_of: datetime) -> tuple[str, ...]:
    """The roles of SPEC §2 with no bar at all (shown as missing, never invented)."""
    roles = {
        "us10y": (universe.us10y,), "dxy": (universe.dxy,), "policy": universe.policy_symbols(as_of),
        "index": (universe.index,), "leaders": universe.leaders, "btc": (universe.btc, universe.btc_fallback),
        "eth": (universe.eth,),
    }
    return tuple(role for role, wanted in roles.items() if not symbols & set(wanted))


def compute_readings(state: MarketState, profile: Profile, universe: Universe) -> Readings:
    """Every pane's figures at `state.as_of`, from complete bars only, trimmed to what the profile needs."""
    as_of = state.as_of
    bars = trim_history(completed_by(state.bars, as_of), as_of, profile.history_hours())
    by_symbol = split_symbols(bars)
    btc_symbol = universe.btc if universe.btc in by_symbol else universe.btc_fallback
    btc_series = by_symbol.get(btc_symbol)
    index = by_symbol.get(universe.index)
    macro = macro_reading(
        by_symbol.get(universe.us10y),
        by_symbol.get(universe.dxy),
        [(s, by_symbol.get(s)) for s in universe.policy_symbols(as_of)],
        as_of,
        profile.macro_lookback_h,
        profile.us10y_rise_bp,
        profile.dxy_rise_pct,
    )
    leadership: LeadershipReading = leadership_reading(
        {s: by_symbol.get(s) for s in universe.leaders}, index, as_of, profile.signal_timeframe,
        profile.leadership_bars,
    )
    options = {
        "baseline_h": profile.liq_baseline_h,
        "oi_lookback_h": profile.oi_lookback_h,
        "price_lookback_h": profile.liq_price_lookback_h,
        "trend_timeframe": profile.dominant_timeframe,
        "trend_bars": profile.trend_ma_bars,
    }
    btc = asset_reading(btc_symbol, btc_series, as_of, **options)  # type: ignore[arg-type]
    eth = asset_reading(universe.eth, by_symbol.get(universe.eth), as_of, **options)  # type: ignore[arg-type]
    crypto = crypto_reading(btc, eth, btc_series, profile.liq_baseline_h, profile.liq_zscore)
    corr = correlation_reading(index, btc_series, profile, as_of)
    return Readings(
        as_of=as_of,
        macro=macro,
        leadership=leadership,
        crypto=crypto,
        correlation=corr,
        health=state.health,
        early_warnings=early_warnings(macro, corr, btc, by_symbol.get(universe.dxy), as_of, profile),
        missing_roles=missing_roles(set(by_symbol), universe, as_of),
    )
