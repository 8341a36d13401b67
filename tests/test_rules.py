"""Each market rule both firing and not firing, the regime ladder and the outlook, as tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from cockpit.config import Profile, load_config
from cockpit.models import (
    CorrelationReading,
    CorrelationValue,
    CryptoAsset,
    CryptoReading,
    FlagId,
    LeadershipReading,
    MacroReading,
    ProfileName,
    Readings,
    Regime,
    Severity,
    SourceHealth,
    VolReading,
)
from cockpit.rules import classify_outlook, classify_regime, market_flags
from cockpit.rules import market as rules

AS_OF = datetime(2026, 1, 31, 12, tzinfo=UTC)


@pytest.fixture
def swing() -> Profile:
    return load_config().profile(ProfileName.SWING)


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
                                             liq_baseline_h=168, trend="up"),
                             state="calm"),
        correlation=CorrelationReading(c1h=CorrelationValue(0.2, 72, 72), c4h=CorrelationValue(0.25, 30, 30),
                                       vol_index=VolReading(0.002, 0.002), vol_btc=VolReading(0.006, 0.006),
                                       trend_index="up", trend_btc="up", both_down_vol_rising=False),
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


FIRING = [
    (rules.risk_budget_shrinking, readings(macro=MacroReading(us10y_change_bp=6.0, dxy_change_pct=0.35,
                                                              risk_budget="shrinking")), FlagId.RISK_BUDGET_SHRINKING),
    (rules.liquidation_cascade, with_btc(liq_zscore_1h=3.4, price_change_pct=-2.5, long_liq_usd_1h=9e8),
     FlagId.LIQUIDATION_CASCADE),
    (rules.oi_build_into_decline, with_btc(oi_change_pct=6.0, oi_price_change_pct=-1.0), FlagId.OI_BUILD_INTO_DECLINE),
    (rules.leadership_break, readings(leadership=LeadershipReading(rs_new_low=True, index_above_ma=True)),
     FlagId.LEADERSHIP_BREAK),
    (rules.correlated_risk_off, with_corr(both_down_vol_rising=True, trend_index="down", trend_btc="down"),
     FlagId.CORRELATED_RISK_OFF),
    (rules.single_risk_book, with_corr(c4h=CorrelationValue(0.72, 30, 30)), FlagId.SINGLE_RISK_BOOK),
    (rules.single_risk_book, readings(early_warnings={"a": True, "b": True, "c": True}), FlagId.SINGLE_RISK_BOOK),
    (rules.vol_spike, with_corr(vol_btc=VolReading(0.02, 0.009)), FlagId.VOL_SPIKE),
    (rules.vol_spike, with_corr(vol_index=VolReading(0.006, 0.003)), FlagId.VOL_SPIKE),
    (rules.stale_data, readings(health=(SourceHealth("yahoo", 4000.0, True, "timeout", "stale"),)), FlagId.STALE_DATA),
]

QUIET = [
    (rules.risk_budget_shrinking, readings(macro=MacroReading(us10y_change_bp=6.0, dxy_change_pct=0.2,
                                                              risk_budget="stable"))),
    (rules.risk_budget_shrinking, readings(macro=MacroReading())),
    (rules.liquidation_cascade, with_btc(liq_zscore_1h=2.9, price_change_pct=-2.5)),
    (rules.liquidation_cascade, with_btc(liq_zscore_1h=4.0, price_change_pct=0.5)),
    (rules.liquidation_cascade, with_btc(liq_zscore_1h=None, price_change_pct=-3.0)),
    (rules.oi_build_into_decline, with_btc(oi_change_pct=4.9, oi_price_change_pct=-1.0)),
    (rules.oi_build_into_decline, with_btc(oi_change_pct=8.0, oi_price_change_pct=0.2)),
    (rules.leadership_break, readings(leadership=LeadershipReading(rs_new_low=True, index_above_ma=False))),
    (rules.leadership_break, readings(leadership=LeadershipReading(rs_new_low=False, index_above_ma=True))),
    (rules.correlated_risk_off, with_corr(both_down_vol_rising=False)),
    (rules.correlated_risk_off, with_corr(both_down_vol_rising=None)),
    (rules.single_risk_book, with_corr(c4h=CorrelationValue(0.69, 30, 30))),
    (rules.single_risk_book, readings(early_warnings={"a": True, "b": True, "c": None})),
    (rules.vol_spike, with_corr(vol_btc=VolReading(0.017, 0.009))),
    (rules.vol_spike, with_corr(vol_btc=VolReading(0.02, None))),
    (rules.stale_data, readings(health=(SourceHealth("yahoo", 4000.0, False, None, "closed"),))),
]


@pytest.mark.parametrize(("rule", "state", "flag_id"), FIRING)
def test_rule_fires(rule: rules.Rule, state: Readings, flag_id: FlagId, swing: Profile) -> None:
    flag = rule(state, swing)
    assert flag is not None
    assert flag.id == flag_id
    assert flag.message
    assert flag.evidence


@pytest.mark.parametrize(("rule", "state"), QUIET)
def test_rule_stays_quiet(rule: rules.Rule, state: Readings, swing: Profile) -> None:
    assert rule(state, swing) is None


def test_quiet_market_raises_nothing(swing: Profile) -> None:
    assert market_flags(readings(), swing) == []


def test_flags_sorted_most_severe_first(swing: Profile) -> None:
    state = with_btc(liq_zscore_1h=5.0, price_change_pct=-4.0, oi_change_pct=7.0, oi_price_change_pct=-3.0)
    flags = market_flags(state, swing)
    assert flags[0].id == FlagId.LIQUIDATION_CASCADE
    assert flags[0].severity == Severity.CRITICAL
    assert [f.severity.rank for f in flags] == sorted((f.severity.rank for f in flags), reverse=True)


def test_inactive_rule_is_skipped(swing: Profile) -> None:
    profile = replace(swing, rules=frozenset())
    assert market_flags(with_btc(liq_zscore_1h=5.0, price_change_pct=-4.0), profile) == []


def test_profile_thresholds_drive_rules(swing: Profile) -> None:
    state = with_btc(oi_change_pct=7.0, oi_price_change_pct=-1.0)
    assert rules.oi_build_into_decline(state, swing) is not None
    assert rules.oi_build_into_decline(state, replace(swing, oi_build_pct=10.0)) is None


REGIMES = [
    ([], readings(), Regime.CALM, 1.0),
    ([FlagId.LEADERSHIP_BREAK], readings(), Regime.TREND_BREAK, 0.75),
    ([], with_corr(trend_index="down"), Regime.TREND_BREAK, 0.75),
    ([FlagId.VOL_SPIKE, FlagId.RISK_BUDGET_SHRINKING], readings(), Regime.VOLATILITY_EVENT, 0.5),
    ([FlagId.SINGLE_RISK_BOOK], readings(), Regime.VOLATILITY_EVENT, 0.5),
    ([FlagId.LIQUIDATION_CASCADE, FlagId.VOL_SPIKE], readings(), Regime.LIQUIDITY_SHOCK, 0.25),
]


@pytest.mark.parametrize(("ids", "state", "label", "multiplier"), REGIMES)
def test_regime_ladder(ids: list[FlagId], state: Readings, label: Regime, multiplier: float, swing: Profile) -> None:
    from cockpit.models import Flag

    call = classify_regime(state, [Flag(i, Severity.WARNING, "x") for i in ids], swing)
    assert call.label == label
    assert call.multiplier == multiplier
    assert call.evidence


def test_outlooks() -> None:
    normalizing = readings(macro=MacroReading(us10y_change_bp=-3.0, dxy_change_pct=-0.2),
                           correlation=replace(readings().correlation, vol_index=VolReading(0.002, 0.0025),
                                               vol_btc=VolReading(0.006, 0.0065), trend_btc="down"))
    assert classify_outlook(normalizing).label == "A_normalization"
    tightening = readings(macro=MacroReading(us10y_change_bp=9.0, dxy_change_pct=0.5, policy_change_bp=6.0),
                          leadership=replace(readings().leadership, rs_new_low=True, verdict="breaking",
                                             relative_strength_pct=-3.0),
                          correlation=replace(readings().correlation, vol_index=VolReading(0.006, 0.003),
                                              vol_btc=VolReading(0.02, 0.01), trend_btc="down"))
    assert classify_outlook(tightening).label == "B_liquidity_tightening"
    reflating = readings(macro=MacroReading(us10y_change_bp=3.0, dxy_change_pct=-0.3),
                         correlation=replace(readings().correlation, vol_index=VolReading(0.001, 0.003),
                                             vol_btc=VolReading(0.004, 0.008)))
    call = classify_outlook(reflating)
    assert call.label == "C_reflation"
    assert "volatility collapsing" in call.signals_for["C_reflation"]


def test_outlook_without_data_is_none() -> None:
    empty = Readings(AS_OF, MacroReading(), LeadershipReading(), CryptoReading(), CorrelationReading())
    assert classify_outlook(empty).label is None


@pytest.mark.parametrize(
    ("state", "gap"),
    [(readings(health=(SourceHealth("yahoo", 4000.0, True, "timeout", "stale"),)), "yahoo stale"),
     (readings(health=(SourceHealth("bybit", None, False, "geo-blocked", "down"),)), "bybit down"),
     (with_btc(price=None), "no BTC"),
     (readings(macro=MacroReading()), "no US10Y")],
)
def test_regime_is_unknown_without_the_data_to_judge_it(state: Readings, gap: str, swing: Profile) -> None:
    call = classify_regime(state, market_flags(state, swing), swing)
    assert call.label == Regime.UNKNOWN
    assert call.multiplier == 0.25
    assert gap in call.evidence[0]


def test_a_closed_market_is_not_a_gap(swing: Profile) -> None:
    state = readings(health=(SourceHealth("yahoo", 50000.0, False, None, "closed"),))
    assert classify_regime(state, [], swing).label == Regime.CALM
