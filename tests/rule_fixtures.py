"""Quiet constructed readings for the rule tests, and helpers that change one part of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from cockpit.models import (
    CorrelationReading,
    CorrelationValue,
    CryptoAsset,
    CryptoReading,
    LeadershipReading,
    MacroReading,
    Readings,
    SourceHealth,
    VolReading,
)

AS_OF = datetime(2026, 1, 31, 12, tzinfo=UTC)


def readings(**parts: Any) -> Readings:
    """Quiet readings, with the given sections replaced."""
    base = Readings(
        as_of=AS_OF,
        macro=MacroReading(us10y=4.2, us10y_change_bp=0.5, dxy=98.5, dxy_change_pct=0.02, risk_budget="stable"),
        leadership=LeadershipReading(relative_strength_pct=0.5, rs_new_low=False, breadth_above_ma=0.7,
                                     breadth_new_lows=0.0, index_above_ma=True, index_holding=True,
                                     verdict="leading"),
        crypto=CryptoReading(btc=CryptoAsset("BTC/USDT:USDT", price=90000, price_change_pct=0.3,
                                             oi_price_change_pct=0.5, open_interest_usd=8e9, oi_change_pct=1.0,
                                             oi_change_pct_24h=1.0, long_liq_usd_1h=2e6, liq_zscore_1h=0.2,
                                             liq_oi_pct_1h=0.0003, liq_baseline_h=168, trend="up"),
                             eth=CryptoAsset("ETH/USDT:USDT", price=3000, price_change_pct=0.2, liq_zscore_1h=0.1,
                                             liq_oi_pct_1h=0.0002, liq_baseline_h=168, trend="up"),
                             state="calm"),
        correlation=CorrelationReading(c1h=CorrelationValue(0.2, 72, 72), c4h=CorrelationValue(0.25, 30, 30),
                                       vol_index=VolReading(0.002, 0.002, 12.0),
                                       vol_btc=VolReading(0.006, 0.006, 40.0),
                                       trend_index="up", trend_btc="up", both_down_vol_rising=False,
                                       index_trend_gap_atr=0.6),
        health=(SourceHealth("simulator", 0.0, False),),
        early_warnings={"equity_vol_rising": False, "dollar_strength_yields_firm": False,
                        "oi_expanding_price_declining": False},
    )
    return replace(base, **parts)


def with_btc(**fields: Any) -> Readings:
    quiet = readings()
    return readings(crypto=replace(quiet.crypto, btc=replace(quiet.crypto.btc, **fields)))


def with_corr(**fields: Any) -> Readings:
    return readings(correlation=replace(readings().correlation, **fields))


def with_eth(**fields: Any) -> Readings:
    quiet = readings()
    return readings(crypto=replace(quiet.crypto, eth=replace(quiet.crypto.eth, **fields)))


def vol(ratio: float, annualised_pct: float) -> VolReading:
    return VolReading(0.001 * ratio, 0.001, annualised_pct)
