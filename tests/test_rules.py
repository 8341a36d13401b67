"""Each market rule both firing and not firing (SPEC §3 v2), the regime ladder and the outlook, as tables;
plus one trader-facing test per symptom of issue 9."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from rule_fixtures import AS_OF, readings, vol, with_btc, with_corr, with_eth

from cockpit.config import Profile, load_config
from cockpit.models import (
    CorrelationReading,
    CorrelationValue,
    CreditReading,
    CryptoReading,
    Flag,
    FlagId,
    ImpliedVolReading,
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


@pytest.fixture
def swing() -> Profile:
    return load_config().profile(ProfileName.SWING)


CASCADE = {"liq_zscore_1h": 3.4, "liq_oi_pct_1h": 0.12, "price_change_pct": -2.5, "long_liq_usd_1h": 9e8}

FIRING = [
    (rules.risk_budget_shrinking, readings(macro=MacroReading(us10y_change_bp=6.0, dxy_change_pct=0.35,
                                                              risk_budget="shrinking")), FlagId.RISK_BUDGET_SHRINKING),
    (rules.liquidation_cascade, with_btc(**CASCADE), FlagId.LIQUIDATION_CASCADE),
    (rules.liquidation_cascade, with_eth(**CASCADE, liq_baseline_h=168), FlagId.LIQUIDATION_CASCADE),
    (rules.liquidation_cascade, with_btc(liq_zscore_1h=None, liq_baseline_h=6, liq_oi_pct_1h=0.3,
                                         price_change_pct=-2.2), FlagId.LIQUIDATION_CASCADE),
    (rules.oi_build_into_decline, with_btc(oi_change_pct=6.0, oi_price_change_pct=-1.0), FlagId.OI_BUILD_INTO_DECLINE),
    (rules.leadership_break, readings(leadership=LeadershipReading(rs_new_low=True, index_above_ma=True)),
     FlagId.LEADERSHIP_BREAK),
    (rules.correlated_risk_off, with_corr(trend_index="down", trend_btc="down", vol_index=vol(1.3, 20),
                                          vol_btc=vol(1.3, 60), c1h=CorrelationValue(0.55, 72, 72)),
     FlagId.CORRELATED_RISK_OFF),
    (rules.single_risk_book, with_corr(c4h=CorrelationValue(0.72, 30, 30)), FlagId.SINGLE_RISK_BOOK),
    (rules.single_risk_book, readings(early_warnings={"a": True, "b": True, "c": True}), FlagId.SINGLE_RISK_BOOK),
    (rules.vol_spike, with_corr(vol_btc=vol(2.2, 70)), FlagId.VOL_SPIKE),
    (rules.vol_spike, with_corr(vol_index=vol(2.0, 18)), FlagId.VOL_SPIKE),
    (rules.vol_spike, with_corr(gap_pct=-3.4), FlagId.VOL_SPIKE),
    (rules.vol_spike, readings(macro=replace(readings().macro, vix=ImpliedVolReading(27.0, 24.0))), FlagId.VOL_SPIKE),
    (rules.stale_data, readings(health=(SourceHealth("yahoo", 4000.0, True, "timeout", "stale"),)), FlagId.STALE_DATA),
]

QUIET = [
    (rules.risk_budget_shrinking, readings(macro=MacroReading(us10y_change_bp=6.0, dxy_change_pct=0.2,
                                                              risk_budget="stable"))),
    (rules.risk_budget_shrinking, readings(macro=MacroReading())),
    (rules.liquidation_cascade, with_btc(**{**CASCADE, "liq_zscore_1h": 2.9})),
    (rules.liquidation_cascade, with_btc(**{**CASCADE, "price_change_pct": 0.5})),
    (rules.liquidation_cascade, with_btc(**{**CASCADE, "price_change_pct": -0.9})),
    (rules.liquidation_cascade, with_btc(**{**CASCADE, "liq_oi_pct_1h": 0.04})),
    (rules.liquidation_cascade, with_btc(**{**CASCADE, "liq_zscore_1h": None})),
    (rules.liquidation_cascade, with_btc(liq_zscore_1h=None, liq_baseline_h=6, liq_oi_pct_1h=0.2,
                                         price_change_pct=-5.0)),
    (rules.liquidation_cascade, with_btc(liq_zscore_1h=None, liq_baseline_h=6, liq_oi_pct_1h=0.4,
                                         price_change_pct=-1.5)),
    (rules.oi_build_into_decline, with_btc(oi_change_pct=4.9, oi_price_change_pct=-1.0)),
    (rules.oi_build_into_decline, with_btc(oi_change_pct=8.0, oi_price_change_pct=0.2)),
    (rules.leadership_break, readings(leadership=LeadershipReading(rs_new_low=True, index_above_ma=False))),
    (rules.leadership_break, readings(leadership=LeadershipReading(rs_new_low=False, index_above_ma=True))),
    (rules.correlated_risk_off, with_corr(trend_index="down", trend_btc="down", vol_index=vol(1.1, 20),
                                          vol_btc=vol(1.1, 60), c1h=CorrelationValue(0.55, 72, 72))),
    (rules.correlated_risk_off, with_corr(both_down_vol_rising=None)),
    (rules.single_risk_book, with_corr(c4h=CorrelationValue(0.69, 30, 30))),
    (rules.single_risk_book, with_corr(c4h=CorrelationValue(0.9, 30, 12))),
    (rules.single_risk_book, readings(early_warnings={"a": True, "b": True, "c": None})),
    (rules.vol_spike, with_corr(vol_btc=vol(1.9, 90))),
    (rules.vol_spike, with_corr(vol_btc=VolReading(0.02, None))),
    (rules.vol_spike, with_corr(gap_pct=-2.9)),
    (rules.vol_spike, readings(macro=replace(readings().macro, vix=ImpliedVolReading(27.0, 12.0)))),
    (rules.vol_spike, readings(macro=replace(readings().macro, vix=ImpliedVolReading(22.0, 40.0)))),
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
    state = with_btc(**CASCADE, oi_change_pct=7.0, oi_price_change_pct=-3.0)
    flags = market_flags(state, swing)
    assert flags[0].id == FlagId.LIQUIDATION_CASCADE
    assert flags[0].severity == Severity.CRITICAL
    assert [f.severity.rank for f in flags] == sorted((f.severity.rank for f in flags), reverse=True)


def test_inactive_rule_is_skipped(swing: Profile) -> None:
    profile = replace(swing, rules=frozenset())
    assert market_flags(with_btc(**CASCADE), profile) == []


def test_profile_thresholds_drive_rules(swing: Profile) -> None:
    state = with_btc(oi_change_pct=7.0, oi_price_change_pct=-1.0)
    assert rules.oi_build_into_decline(state, swing) is not None
    assert rules.oi_build_into_decline(state, replace(swing, oi_build_pct=10.0)) is None
    spike = with_corr(vol_btc=vol(2.2, 50))
    assert rules.vol_spike(spike, swing) is not None
    assert rules.vol_spike(spike, replace(swing, vol_floor_btc_pct=60.0)) is None


# --- trader-facing symptoms of issue 9, each failing on the v1 rules --------------------------------------


def test_correlated_risk_off_needs_the_correlation_it_names(swing: Profile) -> None:
    """It fired with correlation -0.14: both down and vol rising is not one risk book without correlation."""
    state = with_corr(trend_index="down", trend_btc="down", both_down_vol_rising=True, vol_index=vol(1.4, 20),
                      vol_btc=vol(1.4, 60), c1h=CorrelationValue(-0.14, 72, 72), c4h=CorrelationValue(-0.1, 30, 30))
    assert rules.correlated_risk_off(state, swing) is None


def test_a_small_liquidation_hour_on_a_flat_tape_is_no_cascade(swing: Profile) -> None:
    """$3.6 M of long liquidations with BTC -0.2 % fired LIQUIDATION_CASCADE (z high on a quiet baseline)."""
    state = with_btc(liq_zscore_1h=6.0, long_liq_usd_1h=3.6e6, liq_oi_pct_1h=0.004, price_change_pct=-0.2)
    assert rules.liquidation_cascade(state, swing) is None


def test_eth_alone_can_cascade(swing: Profile) -> None:
    """ETH at z 150 with -8 % over 4 h raised nothing because the rule read BTC only."""
    flag = rules.liquidation_cascade(with_eth(liq_zscore_1h=150.0, liq_oi_pct_1h=0.6, price_change_pct=-8.0,
                                              long_liq_usd_1h=4e8), swing)
    assert flag is not None and "ETH" in flag.message and "-8.00 %" in flag.message


def test_a_ratio_of_tiny_vols_is_no_spike(swing: Profile) -> None:
    """VIX-10 markets (25 Oct 2017): ES vol doubled from almost nothing fired VOL_SPIKE."""
    assert rules.vol_spike(with_corr(vol_index=vol(2.4, 6.5)), swing) is None


def test_vol_spike_names_each_assets_ratio(swing: Profile) -> None:
    flag = rules.vol_spike(with_corr(vol_index=vol(2.5, 24), vol_btc=vol(1.2, 40)), swing)
    assert flag is not None
    assert "ES realized vol 2.50x" in flag.message and "BTC 1.20x" in flag.message


def test_vol_spike_ratios_carry_two_decimals(swing: Profile) -> None:
    """The ratio is judged against 2 (fire) and 1.5 (release): 2.04 fired as "2.0x", and a 1.96 beside it
    read "2.0x" too, so a trader could not tell which asset had crossed the line."""
    flag = rules.vol_spike(with_corr(vol_index=vol(1.96, 24), vol_btc=vol(2.04, 60)), swing)
    assert flag is not None
    assert "BTC realized vol 2.04x" in flag.message and "ES realized vol" not in flag.message
    assert "(ratios ES 1.96x, BTC 2.04x)" in flag.message


def test_single_risk_book_needs_enough_kept_pairs(swing: Profile) -> None:
    """A weekend gap pair carried the 4h correlation to 0.91 on a handful of pairs."""
    assert rules.single_risk_book(with_corr(c4h=CorrelationValue(0.91, 30, 8, gap_pairs_dropped=3)), swing) is None


REGIMES = [
    ([], readings(), Regime.CALM, 1.0),
    ([FlagId.LEADERSHIP_BREAK], readings(), Regime.TREND_BREAK, 0.75),
    ([], with_corr(trend_index="down", index_trend_gap_atr=-1.4), Regime.TREND_BREAK, 0.75),
    ([FlagId.VOL_SPIKE, FlagId.RISK_BUDGET_SHRINKING], readings(), Regime.VOLATILITY_EVENT, 0.5),
    ([FlagId.CORRELATED_RISK_OFF], readings(), Regime.VOLATILITY_EVENT, 0.5),
    ([], with_corr(vol_index=VolReading(0.004, 0.003, 31.0)), Regime.VOLATILITY_EVENT, 0.5),
    ([], readings(macro=replace(readings().macro, vix=ImpliedVolReading(30.5, 5.0))), Regime.VOLATILITY_EVENT, 0.5),
    ([FlagId.LIQUIDATION_CASCADE, FlagId.VOL_SPIKE], readings(), Regime.LIQUIDITY_SHOCK, 0.25),
]


@pytest.mark.parametrize(("ids", "state", "label", "multiplier"), REGIMES)
def test_regime_ladder(ids: list[FlagId], state: Readings, label: Regime, multiplier: float, swing: Profile) -> None:
    call = classify_regime(state, [Flag(i, Severity.WARNING, "x") for i in ids], swing)
    assert call.label == label
    assert call.multiplier == multiplier
    assert call.evidence


def test_single_risk_book_alone_is_not_a_volatility_event(swing: Profile) -> None:
    """volatility_event with only SINGLE_RISK_BOOK as evidence, on a 5 %-vol grind-up."""
    call = classify_regime(readings(), [Flag(FlagId.SINGLE_RISK_BOOK, Severity.CRITICAL, "x")], swing)
    assert call.label == Regime.CALM


def test_index_a_little_below_its_average_is_still_calm(swing: Profile) -> None:
    """trend_break in 93 of 97 calm hours: the index below its SMA by any margin made a trend break."""
    call = classify_regime(with_corr(trend_index="down", index_trend_gap_atr=-0.4), [], swing)
    assert call.label == Regime.CALM


def test_a_vix_33_day_is_a_volatility_event_with_its_figures(swing: Profile) -> None:
    """8 Feb 2018 (-3.75 %, VIX 33) dropped to trend_break x0.75, more size than on quieter days."""
    state = readings(macro=replace(readings().macro, vix=ImpliedVolReading(33.5, 8.0)),
                     correlation=replace(readings().correlation, trend_index="down", index_trend_gap_atr=-2.1))
    call = classify_regime(state, [], swing)
    assert call.label == Regime.VOLATILITY_EVENT and call.multiplier == 0.5
    assert any("VIX 33.5" in e for e in call.evidence)
    assert any("2.1 ATR below" in e for e in call.evidence)


def test_a_missing_trend_is_never_calm(swing: Profile) -> None:
    """Sunday 14 Oct 2018 after -3.3 % and -2.1 % days: no ES trend fell through to calm x1.0."""
    call = classify_regime(with_corr(trend_index=None), [], swing)
    assert call.label == Regime.UNKNOWN and call.multiplier == 0.25
    assert "no SPX futures trend" in call.evidence[0]


STRESS = "stress within 7 days (volatility_event)"


def test_outlooks() -> None:
    normalizing = readings(macro=MacroReading(us10y_change_bp=-3.0, dxy_change_pct=-0.2),
                           correlation=replace(readings().correlation, vol_index=VolReading(0.002, 0.0025),
                                               vol_btc=VolReading(0.006, 0.0065), trend_btc="down"))
    assert classify_outlook(normalizing, STRESS).label == "A_normalization"
    tightening = readings(macro=MacroReading(us10y_change_bp=9.0, dxy_change_pct=0.5, policy_change_bp=6.0),
                          leadership=replace(readings().leadership, rs_new_low=True, verdict="breaking",
                                             relative_strength_pct=-3.0),
                          correlation=replace(readings().correlation, vol_index=VolReading(0.006, 0.003),
                                              vol_btc=VolReading(0.02, 0.01), trend_btc="down"))
    assert classify_outlook(tightening, STRESS).label == "B_liquidity_tightening"
    reflating = readings(macro=MacroReading(us10y_change_bp=3.0, dxy_change_pct=-0.3),
                         correlation=replace(readings().correlation, vol_index=VolReading(0.001, 0.003),
                                             vol_btc=VolReading(0.004, 0.008)))
    call = classify_outlook(reflating, STRESS)
    assert call.label == "C_reflation"
    assert "volatility collapsing, 0.42x" in call.signals_for["C_reflation"]


def test_outlook_without_data_is_none() -> None:
    empty = Readings(AS_OF, MacroReading(), LeadershipReading(), CryptoReading(), CorrelationReading())
    call = classify_outlook(empty, STRESS)
    assert call.label is None and call.reason == "no outlook signal has data"


def test_against_a_names_the_rising_yields_with_their_figure() -> None:
    """'against A: yields stabilizing' was listed while yields rose."""
    call = classify_outlook(readings(macro=MacroReading(us10y_change_bp=6.1, dxy_change_pct=0.02)), STRESS)
    assert "yields still rising, +6.1 bp" in call.signals_against["A_normalization"]
    assert not any("stabiliz" in s for s in call.signals_against["A_normalization"])


def test_flat_yields_are_for_a_with_their_figure() -> None:
    call = classify_outlook(readings(macro=MacroReading(us10y_change_bp=0.4, dxy_change_pct=0.02)), STRESS)
    assert "yields flat, +0.4 bp" in call.signals_for["A_normalization"]


def test_a_closed_weekend_is_not_stabilizing() -> None:
    """On a Sunday the change is over Friday's open-market hours; a rise then is still a rise."""
    sunday = readings(as_of=datetime(2018, 10, 14, 15, tzinfo=UTC),
                      macro=MacroReading(us10y_change_bp=5.5, dxy_change_pct=0.31, lookback_h=24))
    call = classify_outlook(sunday, STRESS)
    assert "yields still rising, +5.5 bp" in call.signals_against["A_normalization"]
    no_data = classify_outlook(readings(macro=MacroReading()), STRESS)
    assert "yields: no data" in no_data.signals_unknown["A_normalization"]
    assert not any("yields" in s for s in no_data.signals_for["A_normalization"])


def test_calm_is_not_called_a_normalization() -> None:
    """A calm market was called A_normalization: there is nothing to normalize from without stress."""
    call = classify_outlook(readings())
    assert call.label is None
    assert call.reason is not None and "no stress" in call.reason


def test_a_tie_is_no_call() -> None:
    """Ties were broken towards A."""
    tie = readings(macro=MacroReading(us10y_change_bp=0.0, dxy_change_pct=-0.1),
                   leadership=replace(readings().leadership, rs_new_low=None, relative_strength_pct=None),
                   correlation=replace(readings().correlation, vol_index=VolReading(0.0015, 0.002),
                                       vol_btc=VolReading(0.0045, 0.006), trend_btc="up"))
    call = classify_outlook(tie, STRESS)
    assert call.scores["A_normalization"] == call.scores["C_reflation"]
    assert call.label is None
    assert call.reason is not None and "tie" in call.reason


def test_b_needs_spreads_or_vix_where_they_exist() -> None:
    tightening = readings(macro=MacroReading(us10y_change_bp=9.0, dxy_change_pct=0.5, policy_change_bp=6.0,
                                             vix=ImpliedVolReading(13.0, -4.0),
                                             credit=CreditReading(0.2, False)),
                          correlation=replace(readings().correlation, vol_index=VolReading(0.006, 0.003),
                                              vol_btc=VolReading(0.02, 0.01), trend_btc="down"))
    assert classify_outlook(tightening, STRESS).label != "B_liquidity_tightening"
    widening = replace(tightening, macro=replace(tightening.macro, credit=CreditReading(-0.8, True)))
    call = classify_outlook(widening, STRESS)
    assert call.label == "B_liquidity_tightening"
    assert "credit spreads widening, HYG/LQD -0.80 %" in call.signals_for["B_liquidity_tightening"]


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
