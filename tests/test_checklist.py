"""The checklist's pure core: budgets, per-profile questions, readings with units, suggested answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.checklist import (
    STEPS,
    Answer,
    Decision,
    countdown,
    format_clock,
    overridden_choice,
    prompts_for,
    question_for,
    record_step,
    step_readings,
    step_view,
    suggest_decision,
)
from cockpit.models import (
    CorrelationReading,
    CorrelationValue,
    CryptoAsset,
    CryptoReading,
    Flag,
    FlagId,
    LeadershipReading,
    MacroReading,
    OutlookCall,
    ProfileName,
    Readings,
    Regime,
    RegimeCall,
    Severity,
    Snapshot,
    SourceKind,
    VolReading,
)

AS_OF = datetime(2026, 1, 31, 12, tzinfo=UTC)
SWING, SHORT, LONG = ProfileName.SWING, ProfileName.SHORT, ProfileName.LONG


def make_snapshot(
    macro: MacroReading | None = None,
    leadership: LeadershipReading | None = None,
    crypto: CryptoReading | None = None,
    correlation: CorrelationReading | None = None,
    flags: tuple[Flag, ...] = (),
    regime: Regime = Regime.CALM,
) -> Snapshot:
    readings = Readings(AS_OF, macro or MacroReading(), leadership or LeadershipReading(),
                        crypto or CryptoReading(), correlation or CorrelationReading())
    return Snapshot(AS_OF, SourceKind.DEMO, SWING, readings, flags, RegimeCall(regime, 1.0), OutlookCall(None))


def flag(flag_id: FlagId, severity: Severity = Severity.WARNING) -> Flag:
    return Flag(flag_id, severity, f"{flag_id.value} fired")


def macro(bp: float | None, pct: float | None, verdict: str | None) -> MacroReading:
    return MacroReading(us10y=4.3, us10y_change_bp=bp, dxy=99.0, dxy_change_pct=pct, risk_budget=verdict)


def test_five_steps_with_the_spec_budgets() -> None:
    assert [s.name for s in STEPS] == ["Macro", "Equity leadership", "Crypto structure", "Correlation",
                                       "Execution rule"]
    assert [s.budget_s // 60 for s in STEPS] == [2, 4, 4, 3, 2]
    assert sum(s.budget_s for s in STEPS) == 15 * 60


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (59.9, "0:59"), (60, "1:00"), (125, "2:05"),
                                               (-15, "-0:15"), (-0.4, "0:00"), (-61, "-1:01"), (3600, "60:00")])
def test_format_clock(seconds: float, text: str) -> None:
    assert format_clock(seconds) == text


def test_countdown_turns_over_past_the_budget() -> None:
    assert countdown(120, 0) == ("2:00", False)
    assert countdown(120, 119.5) == ("0:00", False)
    assert countdown(120, 150) == ("-0:30", True)


@given(st.floats(min_value=0, max_value=600), st.floats(min_value=0, max_value=3600))
def test_countdown_is_over_exactly_when_spent_exceeds_budget(budget: float, spent: float) -> None:
    text, over = countdown(budget, spent)
    assert over == (spent > budget)
    minutes, seconds = text.lstrip("-").split(":")
    assert int(minutes) * 60 + int(seconds) == int(abs(budget - spent))


@pytest.mark.parametrize(("profile", "number", "words"), [
    (SHORT, 3, ("first flush", "not yet reset")),
    (SWING, 1, ("stabilized",)),
    (SWING, 2, ("lower lows",)),
    (LONG, 4, ("normalized",)),
    (LONG, 5, ("risk limit", "drawdown")),
])
def test_profiles_change_the_questions_spec_4_names(profile: ProfileName, number: int, words: tuple[str, ...]) -> None:
    question = question_for(number, profile)
    assert all(word in question for word in words)
    others = [p for p in ProfileName if p is not profile]
    assert all(question != question_for(number, other) for other in others)


@pytest.mark.parametrize(("profile", "number", "word"), [
    (SHORT, 3, "liquidation levels"), (SHORT, 3, "second"), (SWING, 5, "gradually"),
    (LONG, 5, "Hedges"), (LONG, 5, "drawdown"),
])
def test_profile_prompts(profile: ProfileName, number: int, word: str) -> None:
    assert any(word in prompt for prompt in prompts_for(number, profile))


def test_every_step_asks_the_spec_7_question_by_default() -> None:
    assert "risk budget shrinking" in question_for(1, SHORT)
    assert "while the index holds" in question_for(2, LONG)
    assert "rising liquidations" in question_for(3, SWING)
    assert "both down and vol rising" in question_for(4, SWING)
    assert all(word in question_for(5, SWING) for word in ("hedge", "reduce", "wait"))


def readings_by_key(number: int, snap: Snapshot) -> dict[str, Any]:
    return {r.key: r for r in step_readings(number, snap)}


def test_macro_readings_carry_units_and_the_verdict() -> None:
    got = readings_by_key(1, make_snapshot(macro=macro(7.3, 0.42, "shrinking")))
    assert (got["us10y_change_bp"].value, got["us10y_change_bp"].unit, got["us10y_change_bp"].text) == (
        7.3, "bp", "+7.3 bp")
    assert (got["dxy_change_pct"].unit, got["dxy_change_pct"].text) == ("%", "+0.42 %")
    assert got["risk_budget"].text == "shrinking"
    assert got["as_of"].value == "2026-01-31T12:00:00Z"


def test_each_step_says_when_its_figures_last_bar_closed() -> None:
    # AS_OF is Saturday 12:00: the rates' and the leaders' newest bars are Friday's, the perps' an hour old
    snap = make_snapshot(macro=replace(macro(6.4, 0.59, "shrinking"), us10y_age_s=14 * 3600.0, dxy_age_s=13 * 3600.0),
                         leadership=LeadershipReading(age_s=15 * 3600.0),
                         crypto=CryptoReading(btc=CryptoAsset("BTC/USDT:USDT", age_s=45 * 60.0)))
    assert readings_by_key(1, snap)["last_bar"].text == "Fri 2026-01-30 22:00 UTC (14h old)"  # the older of the two
    assert readings_by_key(1, snap)["last_bar"].value == "2026-01-30T22:00:00Z"
    assert readings_by_key(2, snap)["last_bar"].text == "Fri 2026-01-30 21:00 UTC (15h old)"
    assert readings_by_key(3, snap)["last_bar"].text == "Sat 2026-01-31 11:15 UTC (45m old)"
    assert readings_by_key(4, snap)["last_bar"].text == "n/a"  # no correlation figures


def test_flushes_are_n_a_without_a_liquidation_tape() -> None:
    assert readings_by_key(3, make_snapshot())["flush_count"].text == "n/a"
    taped = CryptoReading(btc=CryptoAsset("BTC/USDT:USDT", long_liq_usd_1h=0.0), liq_tape=True)
    assert readings_by_key(3, make_snapshot(crypto=taped))["flush_count"].text == "0"


def test_leadership_crypto_and_correlation_readings() -> None:
    snap = make_snapshot(
        leadership=LeadershipReading(relative_strength_pct=-6.5, breadth_above_ma=0.25, breadth_new_lows=0.5,
                                     index_holding=True, verdict="breaking", members=("SMH", "NVDA"),
                                     missing=("MU",)),
        crypto=CryptoReading(btc=CryptoAsset("BTC/USDT:USDT", funding_rate=0.0001, oi_change_pct_24h=-12.0,
                                             long_liq_usd_1h=3_600_000.0, liq_zscore_1h=4.2, trend="down"),
                             state="liquidation-driven"),
        correlation=CorrelationReading(c1h=CorrelationValue(0.81, 72), c4h=CorrelationValue(0.74, 30),
                                       vol_index=VolReading(0.02, 0.01), both_down_vol_rising=True),
    )
    lead = readings_by_key(2, snap)
    assert (lead["breadth_above_ma"].value, lead["breadth_above_ma"].unit, lead["breadth_above_ma"].text) == (
        25.0, "%", "25 %")
    assert lead["index_holding"].text == "yes" and lead["verdict"].text == "breaking"
    assert lead["coverage"].text == "2/3"
    crypto = readings_by_key(3, snap)
    assert crypto["funding_rate"].text == "+0.0100 %"
    assert (crypto["long_liq_usd_1h"].value, crypto["long_liq_usd_1h"].text) == (3_600_000.0, "$3.6M")
    assert crypto["liq_zscore_1h"].text == "+4.2 z" and crypto["trend"].text == "down"
    assert crypto["change_4h_pct"].text == "n/a" and crypto["change_4h_pct"].value is None
    corr = readings_by_key(4, snap)
    assert corr["corr_1h"].text == "+0.81" and corr["corr_4h"].label == "Correlation 4h (window 30)"
    assert corr["vol_ratio_index"].text == "2.00 x" and corr["both_down_vol_rising"].text == "yes"


def test_step_5_shows_the_flags_that_apply_now() -> None:
    snap = make_snapshot(flags=(flag(FlagId.LIQUIDATION_CASCADE, Severity.CRITICAL), flag(FlagId.VOL_SPIKE)),
                         regime=Regime.LIQUIDITY_SHOCK)
    got = readings_by_key(5, snap)
    assert got["LIQUIDATION_CASCADE"].text == "critical: LIQUIDATION_CASCADE fired"
    assert got["VOL_SPIKE"].value == "warning"
    assert got["regime"].value == "liquidity_shock"
    assert readings_by_key(5, make_snapshot())["flags"].text == "none"


@pytest.mark.parametrize(("profile", "reading", "expected"), [
    (SHORT, macro(7.0, 0.4, "shrinking"), Answer.YES),
    (SHORT, macro(2.0, 0.1, "stable"), Answer.NO),
    (SWING, macro(2.0, 0.1, "stable"), Answer.YES),  # swing: still rising means macro not stable
    (SWING, macro(-2.0, 0.1, "stable"), Answer.NO),
    (LONG, macro(-9.0, -0.7, "expanding"), Answer.NO),
    (SWING, macro(None, None, None), None),
])
def test_step_1_suggestion_follows_the_risk_budget(profile: ProfileName, reading: MacroReading,
                                                   expected: Answer | None) -> None:
    assert step_view(1, make_snapshot(macro=reading), profile).suggested == expected


@pytest.mark.parametrize(("profile", "reading", "expected"), [
    (SHORT, LeadershipReading(verdict="breaking", index_holding=True), Answer.YES),
    (SHORT, LeadershipReading(verdict="broken", index_holding=False), Answer.NO),
    (LONG, LeadershipReading(verdict="leading", index_holding=True), Answer.NO),
    (SWING, LeadershipReading(verdict="broken", rs_new_low=False, breadth_new_lows=0.5), Answer.YES),
    (SWING, LeadershipReading(verdict="breaking", rs_new_low=False, breadth_new_lows=0.0), Answer.NO),
    (SHORT, LeadershipReading(), None),
])
def test_step_2_suggestion(profile: ProfileName, reading: LeadershipReading, expected: Answer | None) -> None:
    assert step_view(2, make_snapshot(leadership=reading), profile).suggested == expected


def crypto(state: str | None, change: float | None, z: float | None, oi_reset: bool | None = None) -> CryptoReading:
    return CryptoReading(btc=CryptoAsset("BTC/USDT:USDT", price=80_000.0, change_4h_pct=change, liq_zscore_1h=z),
                         state=state, oi_reset=oi_reset, flush_count=1)


@pytest.mark.parametrize(("profile", "reading", "expected"), [
    (SWING, crypto("liquidation-driven", -3.0, 3.5), Answer.YES),
    (SWING, crypto("building", -1.0, 2.5), Answer.YES),
    (SWING, crypto("building", 1.0, 2.5), Answer.NO),
    (SWING, crypto("calm", -1.0, 0.3), Answer.NO),
    (SHORT, crypto("liquidation-driven", -3.0, 3.5, oi_reset=False), Answer.YES),
    (SHORT, crypto("liquidation-driven", -3.0, 3.5, oi_reset=True), Answer.NO),  # second flush territory
    (SWING, crypto(None, None, None), None),
])
def test_step_3_suggestion(profile: ProfileName, reading: CryptoReading, expected: Answer | None) -> None:
    assert step_view(3, make_snapshot(crypto=reading), profile).suggested == expected


@pytest.mark.parametrize(("profile", "both", "flags", "expected"), [
    (SWING, True, (), Answer.YES),
    (SWING, False, (FlagId.SINGLE_RISK_BOOK,), Answer.NO),
    (SWING, None, (), None),
    (LONG, False, (FlagId.SINGLE_RISK_BOOK,), Answer.YES),
    (LONG, False, (), Answer.NO),
])
def test_step_4_suggestion(profile: ProfileName, both: bool | None, flags: tuple[FlagId, ...],
                           expected: Answer | None) -> None:
    reading = CorrelationReading(c4h=CorrelationValue(0.75, 30), both_down_vol_rising=both)
    snap = make_snapshot(correlation=reading, flags=tuple(flag(f) for f in flags))
    assert step_view(4, snap, profile).suggested == expected


@pytest.mark.parametrize(("profile", "yes", "regime", "critical", "expected"), [
    (SWING, 0, Regime.CALM, False, Decision.WAIT),
    (SWING, 1, Regime.VOLATILITY_EVENT, False, Decision.HEDGE),
    (SWING, 2, Regime.CALM, False, Decision.HEDGE),
    (SWING, 3, Regime.CALM, False, Decision.REDUCE),
    (SHORT, 0, Regime.CALM, True, Decision.REDUCE),
    (SWING, 0, Regime.LIQUIDITY_SHOCK, False, Decision.REDUCE),
    (LONG, 3, Regime.CALM, False, Decision.HEDGE),
    (LONG, 4, Regime.CALM, False, Decision.REDUCE),
])
def test_step_5_suggestion_uses_the_answers(profile: ProfileName, yes: int, regime: Regime, critical: bool,
                                             expected: Decision) -> None:
    flags = (flag(FlagId.LIQUIDATION_CASCADE, Severity.CRITICAL),) if critical else ()
    answers = {n: (Answer.YES.value if n <= yes else Answer.NO.value) for n in range(1, 5)}
    suggested, reason = suggest_decision(make_snapshot(flags=flags, regime=regime), profile, answers)
    assert suggested == expected
    assert f"{yes} of 4" in reason
    assert step_view(5, make_snapshot(flags=flags, regime=regime), profile, answers).suggested == expected


def test_without_a_snapshot_nothing_is_suggested() -> None:
    for number in range(1, 6):
        view = step_view(number, None, SWING)
        assert view.suggested is None
        assert [r.text for r in view.readings] == ["waiting for the first evaluation"]
    with pytest.raises(ValueError):
        step_view(6, None, SWING)


def test_record_step_confirms_or_marks_the_override() -> None:
    view = step_view(1, make_snapshot(macro=macro(7.0, 0.4, "shrinking")), SHORT)
    confirmed = record_step(view, None, "  checked ZN too ", 61.23456)
    assert (confirmed.answer, confirmed.overridden, confirmed.note, confirmed.seconds_spent) == (
        "yes", False, "checked ZN too", 61.235)
    assert confirmed.readings["us10y_change_bp"] == {"label": "US10Y change (24h)", "value": 7.0, "unit": "bp",
                                                     "text": "+7.0 bp"}
    overridden = record_step(view, overridden_choice(view, view.suggested), "", 1.0)
    assert (overridden.answer, overridden.overridden) == ("no", True)
    assert overridden_choice(view, "no") == "yes"
    assert record_step(view, "yes", "", 1.0).overridden is False
    decision_view = step_view(5, make_snapshot(), SHORT, {})
    assert record_step(decision_view, None, "", 0.0).answer is None  # step 5 is never answered for the trader
    assert record_step(decision_view, "hedge", "", 0.0).overridden is True
