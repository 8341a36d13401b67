"""Assemble every pane's readings from a market state, for one profile."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from cockpit.analytics.bars import age_seconds, completed_by, split_symbols, trim_history
from cockpit.analytics.calendar import BARS_PER_YEAR, session_gap_pct
from cockpit.analytics.crypto import CryptoOptions, crypto_reading
from cockpit.analytics.leadership import leadership_reading
from cockpit.analytics.liquidations import FlushTest
from cockpit.analytics.macro import change_over, macro_reading
from cockpit.analytics.series import (
    correlation_from_returns,
    history_from_returns,
    moving_average_trend,
    pct_change,
    timeframe_returns,
    trend_gap_atr,
    vol_windows,
)
from cockpit.models import (
    CorrelationReading,
    CorrelationValue,
    CryptoAsset,
    LeadershipReading,
    MacroReading,
    MarketState,
    Readings,
    VolReading,
)
from cockpit.universe import Universe, session_kind

if TYPE_CHECKING:
    from cockpit.settings import Profile

HISTORY_POINTS = 120


def correlation_reading(
    index: pl.DataFrame | None, btc: pl.DataFrame | None, profile: Profile, as_of: datetime,
    index_kind: str = "futures", btc_kind: str = "crypto", histories: bool = True,
) -> CorrelationReading:
    """1h and 4h correlation of the index against BTC on kept pairs, RMS vols, trends, the gap and the marker."""
    if index is None or btc is None or index.is_empty() or btc.is_empty():
        return CorrelationReading(
            CorrelationValue(None, profile.corr_window_1h), CorrelationValue(None, profile.corr_window_4h),
            vol_index=_vol(index, profile, index_kind), vol_btc=_vol(btc, profile, btc_kind),
            trend_index=_trend(index, profile, index_kind), trend_btc=_trend(btc, profile, btc_kind),
            gap_pct=session_gap_pct(index, index_kind),
            index_trend_gap_atr=_trend_gap(index, profile, index_kind),
        )
    vol_index = _vol(index, profile, index_kind)
    vol_btc = _vol(btc, profile, btc_kind)
    trend_index = _trend(index, profile, index_kind)
    trend_btc = _trend(btc, profile, btc_kind)
    ratios = [r for r in (vol_index.ratio, vol_btc.ratio) if r is not None]
    both_down = None
    if trend_index is not None and trend_btc is not None and ratios:
        vol_rising = sum(ratios) / len(ratios) >= profile.vol_rising_ratio
        both_down = trend_index == "down" and trend_btc == "down" and vol_rising
    returns_1h = timeframe_returns(index, btc, "1h")
    returns_4h = timeframe_returns(index, btc, "4h", as_of)
    return CorrelationReading(
        c1h=correlation_from_returns(returns_1h, profile.corr_window_1h),
        c4h=correlation_from_returns(returns_4h, profile.corr_window_4h),
        vol_index=vol_index,
        vol_btc=vol_btc,
        trend_index=trend_index,
        trend_btc=trend_btc,
        both_down_vol_rising=both_down,
        age_s=max(age_seconds(as_of, index["ts"][-1]) or 0.0, age_seconds(as_of, btc["ts"][-1]) or 0.0),
        gap_pct=session_gap_pct(index, index_kind),
        index_trend_gap_atr=_trend_gap(index, profile, index_kind),
        history_1h=history_from_returns(returns_1h, profile.corr_window_1h, HISTORY_POINTS) if histories else (),
        history_4h=history_from_returns(returns_4h, profile.corr_window_4h, HISTORY_POINTS // 4) if histories else (),
    )


def _vol(series: pl.DataFrame | None, profile: Profile, kind: str) -> VolReading:
    if series is None or series.is_empty():
        return VolReading(None, None)
    return vol_windows(series, profile.vol_recent_n, profile.vol_prior_n, BARS_PER_YEAR[kind])


def _trend(series: pl.DataFrame | None, profile: Profile, kind: str) -> str | None:
    if series is None or series.is_empty():
        return None
    return moving_average_trend(series, profile.dominant_timeframe, profile.trend_ma_bars, kind)


def _trend_gap(series: pl.DataFrame | None, profile: Profile, kind: str) -> float | None:
    if series is None or series.is_empty():
        return None
    return trend_gap_atr(series, profile.dominant_timeframe, profile.trend_ma_bars, kind)


def crypto_options(profile: Profile) -> CryptoOptions:
    """The profile's windows and thresholds for the crypto figures."""
    return CryptoOptions(
        baseline_h=profile.liq_baseline_h,
        oi_lookback_h=profile.oi_lookback_h,
        price_lookback_h=profile.liq_price_lookback_h,
        trend_timeframe=profile.dominant_timeframe,
        trend_bars=profile.trend_ma_bars,
        move_lookback_h=profile.move_lookback_h,
        flush=FlushTest(profile.liq_zscore, profile.liq_oi_pct, profile.liq_abs_oi_pct),
        fall_pct=profile.liq_fall_pct,
        absolute_fall_pct=profile.liq_abs_fall_pct,
        oi_reset_pct=profile.oi_reset_pct,
    )


def early_warnings(
    macro: MacroReading, corr: CorrelationReading, btc: CryptoAsset, dxy: pl.DataFrame | None, as_of: datetime,
    profile: Profile,
) -> dict[str, bool | None]:
    """The three signals of SPEC §1 that tend to precede one global risk book."""
    equity_vol = corr.vol_index.ratio
    _, dxy_longer = change_over(dxy, profile.macro_lookback_h * 3)
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
        "eth": (universe.eth,), "vix": (universe.vix,), "vix3m": (universe.vix3m,), "move": (universe.move,),
        "credit": (universe.hyg, universe.lqd),
    }
    # a role mapped to no symbol ("" in the config) is switched off, not missing; vix..credit are optional inputs
    missing = [role for role, wanted in roles.items() if any(wanted) and not symbols & set(wanted)]
    if "credit" not in missing and all((universe.hyg, universe.lqd)) and not {universe.hyg, universe.lqd} <= symbols:
        missing.append("credit")  # the ratio needs both legs
    return tuple(missing)


def compute_readings(state: MarketState, profile: Profile, universe: Universe) -> Readings:
    """Every pane's figures at `state.as_of`, from complete bars only, trimmed to what the profile needs."""
    as_of = state.as_of
    bars = trim_history(completed_by(state.bars, as_of), as_of, profile.history_hours())
    return readings_of(split_symbols(bars), state, profile, universe)


def readings_of(by_symbol: Mapping[str, pl.DataFrame], state: MarketState, profile: Profile,
                universe: Universe, *, histories: bool = True) -> Readings:
    """`compute_readings` on bars already complete, trimmed and split by symbol (each sorted by ts, none empty).

    `histories=False` leaves out the correlation chart's rolling history (a past hour's view never shows it).
    """
    as_of = state.as_of
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
        {role: by_symbol.get(getattr(universe, role)) for role in ("vix", "vix3m", "move", "hyg", "lqd")},
        profile.credit_widening_pct,
    )
    leadership: LeadershipReading = leadership_reading(
        {s: by_symbol.get(s) for s in universe.leaders}, index, as_of, profile.signal_timeframe,
        profile.leadership_bars, session_kind(universe.index, universe),
    )
    crypto = crypto_reading(btc_symbol, btc_series, universe.eth, by_symbol.get(universe.eth), as_of,
                            crypto_options(profile))
    btc = crypto.btc
    corr = correlation_reading(index, btc_series, profile, as_of, session_kind(universe.index, universe),
                               session_kind(btc_symbol, universe), histories)
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
