"""Trader-facing symptoms of version 1 (issue "Signals a trader can trust"), one test each, on the JSON.

Each builds the market of `refmarkets` that reproduces the symptom and asserts what a trader expects
from version 2 of SPEC §3. Preconditions computed by the numpy reference (`refmath`) show the fixture
really is the symptom's market.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
import refmarkets as rm
from refbars import BTC, DXY, ES, ETH, TNX, VIX, utc
from refcli import check, dig, flag_ids
from refmath import (
    H,
    below_daily_sma,
    buckets_4h,
    column,
    liquidations,
    pair_window,
    realized_vol,
    std_ratio,
)


def _corr_1h(market, at, *, keep_gaps=False):  # type: ignore[no-untyped-def]
    es, btc = column(market.frame, ES, at), column(market.frame, BTC, at)
    if keep_gaps:  # version 1: every joined pair, gaps included
        common, ia, ib = np.intersect1d(es[0], btc[0], return_indices=True)
        return float(np.corrcoef(np.diff(np.log(es[1][ia]))[-72:], np.diff(np.log(btc[1][ib]))[-72:])[0, 1])
    return pair_window(*es, *btc, 72).value


def _corr_4h(market, at):  # type: ignore[no-untyped-def]
    es = buckets_4h(*column(market.frame, ES, at), at)
    btc = buckets_4h(*column(market.frame, BTC, at), at)
    return pair_window(*es, *btc, 30, step=4 * H).value


# --- correlation ---------------------------------------------------------------------------------------


def test_weekend_gap_pair_does_not_hijack_the_correlation(market_factory):  # type: ignore[no-untyped-def]
    """ES and BTC independent all week; BTC -6 % on Saturday, ES reopens -3 %. On Monday 00:00 UTC the 1h
    and 4h correlations stay at Friday's values (the weekend pair is dropped), and no single risk book."""
    market = market_factory("weekend", rm.weekend_gap, {"friday": rm.WEEKEND_FRIDAY, "monday": rm.WEEKEND_MONDAY})
    assert _corr_1h(market, rm.WEEKEND_MONDAY, keep_gaps=True) > 0.5  # version 1's reading: hijacked
    friday, monday = market.snap("friday"), market.snap("monday")
    for key in ("correlation.1h.value", "correlation.4h.value"):
        assert abs(dig(monday, key) - dig(friday, key)) < 0.1, key
        assert abs(dig(monday, key)) < 0.4, key
    assert dig(monday, "correlation.1h.gap_pairs_dropped") >= 1
    assert "SINGLE_RISK_BOOK" not in flag_ids(monday)


def test_es_opening_gap_is_its_own_figure_and_a_vol_spike(market_factory):  # type: ignore[no-untyped-def]
    """A -5 % Sunday reopening: `gap_pct` -5, `VOL_SPIKE` (opening gap >= 3 % on ES); the gap return is
    not in ES's RMS vol window."""
    at = utc(2026, 2, 9, 0)
    market = market_factory("esgap", rm.es_gap_5pct, {"end": at})
    snap = market.snap("end")
    assert dig(snap, "correlation.gap_pct") == pytest.approx(-5.0, abs=0.3)
    assert "VOL_SPIKE" in flag_ids(snap)
    check(snap, "correlation.vol.index.recent", realized_vol(*column(market.frame, ES, at), 24, 168, "cme").recent)


def test_correlated_risk_off_never_with_correlation_below_half(market_factory):  # type: ignore[no-untyped-def]
    """Both down, both vols up, but BTC moves against ES hour by hour: no CORRELATED_RISK_OFF."""
    moments = {f"h{h}": rm.CRO_END - timedelta(hours=h) for h in (0, 1, 2, 4, 6)}
    market = market_factory("uncorrelated", rm.both_down_uncorrelated, moments)
    for name, at in moments.items():
        snap = market.snap(name)
        assert max(_corr_1h(market, at), _corr_4h(market, at)) < 0.5
        c1, c4 = dig(snap, "correlation.1h.value"), dig(snap, "correlation.4h.value")
        assert max(c1 if c1 is not None else -1, c4 if c4 is not None else -1) < 0.5, name
        assert "CORRELATED_RISK_OFF" not in flag_ids(snap), name


# --- liquidations --------------------------------------------------------------------------------------


def test_small_liquidation_hour_on_a_flat_tape_is_no_cascade(market_factory):  # type: ignore[no-untyped-def]
    """$3.6 M of BTC longs (0.04 % of OI) with BTC -0.2 % over 4 h on a quiet baseline: a robust z near 5,
    but under 0.05 % of OI and no 1 % fall, so no LIQUIDATION_CASCADE and no liquidity_shock."""
    market = market_factory("liq36m", rm.liq_36m_flat_price, {"end": rm.END})
    snap = market.snap("end")
    ts, liq = column(market.frame, BTC, rm.END, "long_liq_usd")
    ref = liquidations(ts, liq, column(market.frame, BTC, rm.END, "open_interest_usd")[1])
    assert ref.pct[-1] < 0.05 and not ref.qualifies[-1]
    check(snap, "crypto.btc.liq_zscore_1h", float(ref.z[-1]))
    assert "LIQUIDATION_CASCADE" not in flag_ids(snap)
    assert dig(snap, "regime.label") != "liquidity_shock"


def test_zero_baseline_does_not_hide_a_300m_hour(market_factory):  # type: ignore[no-untyped-def]
    """168 h of $0 then $300 M with BTC -5.8 % over 4 h: z = ln(1+3e8) / 0.25 (the MAD floor), cascade,
    liquidity_shock x0.25."""
    market = market_factory("liqzero", rm.liq_zero_baseline, {"end": rm.END})
    snap = market.snap("end")
    check(snap, "crypto.btc.liq_zscore_1h", float(np.log1p(3.0e8) / 0.25))
    assert "LIQUIDATION_CASCADE" in flag_ids(snap)
    assert dig(snap, "regime.label") == "liquidity_shock"
    assert dig(snap, "regime.multiplier") == 0.25


def test_eth_flush_fires_the_cascade(market_factory):  # type: ignore[no-untyped-def]
    """ETH at a high z with -8 % over 4 h, BTC calm: LIQUIDATION_CASCADE (BTC or ETH)."""
    fired = rm.ETH_FLUSH + timedelta(hours=1)
    market = market_factory("ethflush", rm.eth_flush, {"fired": fired, "held": fired + timedelta(hours=1),
                                                       "ended": fired + timedelta(hours=5)})
    snap = market.snap("fired")
    ts, liq = column(market.frame, ETH, fired, "long_liq_usd")
    ref = liquidations(ts, liq, column(market.frame, ETH, fired, "open_interest_usd")[1])
    assert ref.z[-1] >= 3 and ref.qualifies[-1]
    check(snap, "crypto.eth.liq_zscore_1h", float(ref.z[-1]))
    assert "LIQUIDATION_CASCADE" in flag_ids(snap)
    assert dig(snap, "regime.label") == "liquidity_shock"


# --- open interest -------------------------------------------------------------------------------------


def test_price_fall_with_unchanged_contracts_is_no_oi_reset(market_factory):  # type: ignore[no-untyped-def]
    """BTC -10 % with coin OI unchanged: OI change 0 %, no reset (USD OI fell only because price did)."""
    market = market_factory("oiflat", rm.price_down_coins_flat, {"end": rm.END})
    snap = market.snap("end")
    assert dig(snap, "crypto.btc.oi_change_pct") == pytest.approx(0.0, abs=1e-9)
    assert dig(snap, "crypto.btc.oi_change_pct_24h") == pytest.approx(0.0, abs=1e-9)
    assert dig(snap, "crypto.oi_reset") is False
    assert dig(snap, "crypto.state") != "reset"


def test_contracts_up_into_a_decline_fire_oi_build(market_factory):  # type: ignore[no-untyped-def]
    """Coin OI +7 % over 24 h while BTC -6 %: OI_BUILD_INTO_DECLINE, with the change read in coins."""
    market = market_factory("oibuild", rm.coins_up_price_down, {"end": rm.END})
    snap = market.snap("end")
    assert dig(snap, "crypto.btc.oi_change_pct_24h") == pytest.approx(7.0, abs=1e-6)
    assert "OI_BUILD_INTO_DECLINE" in flag_ids(snap)


# --- volatility ----------------------------------------------------------------------------------------


def test_steady_btc_decline_is_a_vol_spike_by_rms(market_factory):  # type: ignore[no-untyped-def]
    """A steady -10.9 % BTC day: the demeaned std ratio stays under 2, the RMS ratio is well over it and
    the level is above BTC's 45 % floor: VOL_SPIKE."""
    market = market_factory("btcdrop", rm.steady_btc_drop, {"end": rm.END})
    series = column(market.frame, BTC, rm.END)
    ref = realized_vol(*series, 24, 168, "crypto")
    assert std_ratio(*series, 24, 168) < 2 <= ref.ratio and ref.annualised_pct > 45
    snap = market.snap("end")
    check(snap, "correlation.vol.btc.ratio", ref.ratio)
    assert "VOL_SPIKE" in flag_ids(snap)


LOWVOL_MOMENTS = {f"oct25_{h}": utc(2017, 10, 25, h) for h in (15, 18, 21)} | {
    f"dec1_{h}": utc(2017, 12, 1, h) for h in (14, 15, 16, 17, 18)}


@pytest.mark.parametrize("moment", sorted(LOWVOL_MOMENTS))
def test_vix_ten_market_no_vol_spike_from_tiny_vols(market_factory, moment):  # type: ignore[no-untyped-def]
    """25 Oct and 1 Dec 2017 (VIX ~10-11; ES from the real S&P 500 days, `refmarkets.real_market`): where
    ES's recent vol is under its 15 % floor (by the reference), a ratio of tiny vols is no VOL_SPIKE."""
    market = market_factory("lowvol", rm.lowvol_2017, LOWVOL_MOMENTS)
    at = market.at(moment)
    es = realized_vol(*column(market.frame, ES, at), 24, 168, "cme")
    btc = realized_vol(*column(market.frame, BTC, at), 24, 168, "crypto")
    assert es.annualised_pct < 15 and btc.ratio < 2
    assert float(column(market.frame, VIX, at)[1][-1]) < 25
    for hours_before in range(1, 37):  # nor a genuine spike in the 36 h before that a hold could carry
        earlier = at - timedelta(hours=hours_before)
        for symbol, kind, floor in ((ES, "cme", 15), (BTC, "crypto", 45)):
            v = realized_vol(*column(market.frame, symbol, earlier), 24, 168, kind)
            assert not (v.ratio >= 2 and v.annualised_pct > floor), (symbol, earlier)
    assert "VOL_SPIKE" not in flag_ids(market.snap(moment))


def test_lowvol_fixture_has_the_tiny_vol_ratio(market_factory):  # type: ignore[no-untyped-def]
    """Precondition: on 1 Dec 2017 the reference ES ratio is >= 2 while the level is below 15 %."""
    market = market_factory("lowvol", rm.lowvol_2017, LOWVOL_MOMENTS)
    es = realized_vol(*column(market.frame, ES, market.at("dec1_16")), 24, 168, "cme")
    assert es.ratio >= 2 and es.annualised_pct < 15


# --- trend and regime ----------------------------------------------------------------------------------

FEB_MOMENTS = {"mon_0000": utc(2018, 2, 5, 0), "mon_1500": utc(2018, 2, 5, 15), "close": rm.VOLMAGEDDON,
               "feb7": rm.FEB_7, "feb8": rm.FEB_8}


@pytest.mark.parametrize("moment", ["mon_0000", "mon_1500", "close"])
def test_volmageddon_has_an_es_trend(market_factory, moment):  # type: ignore[no-untyped-def]
    """5 Feb 2018 from the real S&P 500 days: the daily ES trend exists at Monday 00:00 UTC and through
    the day (trading days, not calendar hours)."""
    market = market_factory("feb2018", rm.feb_2018, FEB_MOMENTS)
    assert dig(market.snap(moment), "correlation.trend.index") is not None


def test_volmageddon_correlated_risk_off_can_fire(market_factory):  # type: ignore[no-untyped-def]
    """At the close of 5 Feb 2018 both are below their 20-day averages, ES vol ratio >= 1.2 and the kept
    1h correlation >= 0.5 (the reference says so): CORRELATED_RISK_OFF."""
    market = market_factory("feb2018", rm.feb_2018, FEB_MOMENTS)
    at = rm.VOLMAGEDDON
    es, btc = column(market.frame, ES, at), column(market.frame, BTC, at)
    assert below_daily_sma(*es, "cme") and below_daily_sma(*btc, "crypto")
    assert realized_vol(*es, 24, 168, "cme").ratio >= 1.2
    assert _corr_1h(market, at) >= 0.5
    snap = market.snap("close")
    assert dig(snap, "correlation.trend.index") is not None
    assert "CORRELATED_RISK_OFF" in flag_ids(snap)


def test_volmageddon_correlated_risk_off_at_monday_0000(market_factory):  # type: ignore[no-untyped-def]
    """Monday 5 Feb 2018 00:00 UTC, after Friday's -2.1 %: both below their 20-day averages, kept 1h
    correlation 0.73, ES vol ratio 2.3 (BTC's 0.9). Version 1 had no ES trend here, so the flag could not
    fire. SPEC-silent choice, kept apart: "realized vol rising" is read on the index (ES), the equity risk
    models' input; a reading that needs BTC's ratio too would not fire at this hour."""
    market = market_factory("feb2018", rm.feb_2018, FEB_MOMENTS)
    at = market.at("mon_0000")
    es, btc = column(market.frame, ES, at), column(market.frame, BTC, at)
    assert below_daily_sma(*es, "cme") and below_daily_sma(*btc, "crypto")
    assert realized_vol(*es, 24, 168, "cme").ratio >= 1.2 and _corr_1h(market, at) >= 0.5
    assert "CORRELATED_RISK_OFF" in flag_ids(market.snap("mon_0000"))


def test_feb_8_2018_is_not_sized_larger_than_feb_7(market_factory):  # type: ignore[no-untyped-def]
    """8 Feb 2018: S&P -3.75 %, VIX 33.5 (>= 30): volatility_event or worse, never a larger size than 7 Feb."""
    market = market_factory("feb2018", rm.feb_2018, FEB_MOMENTS)
    feb7, feb8 = market.snap("feb7"), market.snap("feb8")
    assert dig(feb8, "regime.label") in ("volatility_event", "liquidity_shock")
    assert dig(feb8, "regime.multiplier") <= dig(feb7, "regime.multiplier")


def test_sunday_after_october_2018_drop_is_a_stress_regime(market_factory):  # type: ignore[no-untyped-def]
    """Stricter, kept apart: with the trend judged the Sunday is a stress regime, not `unknown`."""
    market = market_factory("oct2018", rm.oct_2018, {"sunday": rm.SUNDAY_OCT_14})
    assert dig(market.snap("sunday"), "regime.label") in ("trend_break", "volatility_event", "liquidity_shock")


def test_sunday_after_october_2018_drop_is_not_calm(market_factory):  # type: ignore[no-untyped-def]
    """Sunday 14 Oct 2018, after -3.3 % and -2.1 % days: a trend exists and the regime is not calm x1.0."""
    market = market_factory("oct2018", rm.oct_2018, {"sunday": rm.SUNDAY_OCT_14})
    snap = market.snap("sunday")
    assert dig(snap, "correlation.trend.index") is not None
    assert dig(snap, "regime.label") != "calm"
    assert dig(snap, "regime.multiplier") < 1.0


# --- flags carry their span ----------------------------------------------------------------------------


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_flags_carry_since_and_are_held(market_factory):  # type: ignore[no-untyped-def]
    """Every flag has `since` (ISO UTC, not after `as_of`); the cascade is held the hour after it fired,
    with the same `since`, and has ended 5 h later."""
    fired = rm.ETH_FLUSH + timedelta(hours=1)
    market = market_factory("ethflush", rm.eth_flush, {"fired": fired, "held": fired + timedelta(hours=1),
                                                       "ended": fired + timedelta(hours=5)})
    spans = {}
    for name in ("fired", "held", "ended"):
        snap = market.snap(name)
        for flag in snap["flags"]:
            assert "since" in flag, flag["id"]
            assert _ts(flag["since"]) <= _ts(snap["as_of"])
        spans[name] = {f["id"]: f["since"] for f in snap["flags"]}
    assert "LIQUIDATION_CASCADE" in spans["held"]
    assert spans["held"]["LIQUIDATION_CASCADE"] == spans["fired"]["LIQUIDATION_CASCADE"]
    assert "LIQUIDATION_CASCADE" not in spans["ended"]


def test_cascade_since_is_when_its_first_bar_closed(market_factory):  # type: ignore[no-untyped-def]
    """SPEC-silent choice: `since` is the moment the span began, i.e. the close of the first qualifying
    bar (its ts + 1 h), the first evaluation at which the flag was up."""
    fired = rm.ETH_FLUSH + timedelta(hours=1)
    market = market_factory("ethflush", rm.eth_flush, {"fired": fired, "held": fired + timedelta(hours=1),
                                                       "ended": fired + timedelta(hours=5)})
    flags = {f["id"]: f for f in market.snap("held")["flags"]}
    assert _ts(flags["LIQUIDATION_CASCADE"]["since"]) == fired


def test_regime_carries_since(market_factory):  # type: ignore[no-untyped-def]
    """`regime.since` always; `held_from` only while the label is kept by hysteresis (SPEC: "when held").

    The hour after the ETH cascade fired, the flag is active in its own 2 h hold, so `liquidity_shock` still
    has its evidence: that regime is active, not held, and carries no `held_from`. Once the flag has ended
    (5 h later, inside the swing profile's 12 h `regime_hold_h`) the label is held, `since` is unchanged and
    `held_from` is the last hour its evidence stood: the end of the cascade's hold, 2 h after it fired."""
    fired = rm.ETH_FLUSH + timedelta(hours=1)
    market = market_factory("ethflush", rm.eth_flush, {"fired": fired, "held": fired + timedelta(hours=1),
                                                       "ended": fired + timedelta(hours=5)})
    active, held = market.snap("held"), market.snap("ended")
    assert "LIQUIDATION_CASCADE" in flag_ids(active) and "LIQUIDATION_CASCADE" not in flag_ids(held)
    for snap in (active, held):
        assert dig(snap, "regime.label") == "liquidity_shock"
        assert _ts(dig(snap, "regime.since")) == fired
    assert active["regime"].get("held_from") is None
    assert _ts(dig(held, "regime.held_from")) == fired + timedelta(hours=2)


# --- funding -------------------------------------------------------------------------------------------


def test_hourly_settling_perp_is_annualised_by_its_interval(market_factory):  # type: ignore[no-untyped-def]
    """BTC settles every hour at 0.00125 %: 0.0000125 x 8,760 / 1 = 10.95 % a year, not 1.37 %."""
    market = market_factory("liq36m", rm.liq_36m_flat_price, {"end": rm.END})
    snap = market.snap("end")
    assert dig(snap, "crypto.btc.funding_interval_h") == 1
    check(snap, "crypto.btc.funding_annualised_pct", 0.0000125 * 8760 / 1 * 100)


# --- macro over open-market hours, fresh starts ----------------------------------------------------------


def test_closed_weekend_is_not_stable_rates(market_factory):  # type: ignore[no-untyped-def]
    """Yields about +7 bp and the dollar +0.45 % into Friday's close: on Sunday (nothing has traded since) the
    changes over the last 24 open-market hours still read so, and RISK_BUDGET_SHRINKING stays up."""
    market = market_factory("rates", rm.rates_into_the_weekend,
                            {"friday": rm.RATES_FRIDAY, "sunday": rm.RATES_SUNDAY})
    tnx = column(market.frame, TNX, rm.RATES_SUNDAY)[1]
    dxy = column(market.frame, DXY, rm.RATES_SUNDAY)[1]
    bp, pct = (tnx[-1] - tnx[-25]) * 100, (dxy[-1] / dxy[-25] - 1) * 100
    assert bp >= 5 and pct >= 0.30
    for name in ("friday", "sunday"):
        snap = market.snap(name)
        check(snap, "macro.us10y.change_bp", float(bp))
        check(snap, "macro.dxy.change_pct", float(pct))
        assert "RISK_BUDGET_SHRINKING" in flag_ids(snap), name


def test_fresh_start_uses_the_absolute_liquidation_test(market_factory):  # type: ignore[no-untyped-def]
    """Under 24 baseline hours z is null; $100 M (1.2 % of OI) with BTC -3 % over 4 h fires by the
    absolute test (>= 0.25 % of OI and a fall >= 2 %)."""
    market = market_factory("fresh100m", lambda: rm.fresh_start(1.0e8), {"end": rm.FRESH_END})
    snap = market.snap("end")
    assert dig(snap, "crypto.btc.liq_zscore_1h") is None
    assert dig(snap, "crypto.btc.liq_oi_pct_1h") > 0.25
    assert "LIQUIDATION_CASCADE" in flag_ids(snap)


def test_fresh_start_small_share_of_oi_is_no_cascade(market_factory):  # type: ignore[no-untyped-def]
    """Same fresh start with $12 M (0.15 % of OI): under the 0.25 % absolute threshold, no cascade."""
    market = market_factory("fresh12m", lambda: rm.fresh_start(1.2e7), {"end": rm.FRESH_END})
    snap = market.snap("end")
    assert 0.05 < dig(snap, "crypto.btc.liq_oi_pct_1h") < 0.25
    assert "LIQUIDATION_CASCADE" not in flag_ids(snap)


CRO_CASES = [("feb2018", m) for m in ("mon_0000", "mon_1500", "close", "feb7", "feb8")]


@pytest.mark.parametrize(("name", "moment"), CRO_CASES)
def test_correlated_risk_off_only_with_correlation_at_least_half(market_factory, name, moment):  # type: ignore[no-untyped-def]
    """Whenever CORRELATED_RISK_OFF is up, the 1h or 4h correlation it cites is >= 0.5, in the JSON and by
    the reference (Feb 2018 from the real S&P 500 days)."""
    market = market_factory("feb2018", rm.feb_2018, FEB_MOMENTS)
    snap = market.snap(moment)
    if "CORRELATED_RISK_OFF" in flag_ids(snap):
        at = market.at(moment)
        c1, c4 = dig(snap, "correlation.1h.value"), dig(snap, "correlation.4h.value")
        assert max(c1 if c1 is not None else -1, c4 if c4 is not None else -1) >= 0.5
        assert max(_corr_1h(market, at), _corr_4h(market, at) or -1) >= 0.5


def test_vol_spike_message_names_btc_ratio(market_factory):  # type: ignore[no-untyped-def]
    """SPEC-silent format, kept apart: VOL_SPIKE's message names BTC's own ratio to two decimals."""
    market = market_factory("btcdrop", rm.steady_btc_drop, {"end": rm.END})
    ratio = realized_vol(*column(market.frame, BTC, rm.END), 24, 168, "crypto").ratio
    flags = {f["id"]: f for f in market.snap("end")["flags"]}
    assert f"{ratio:.2f}" in flags["VOL_SPIKE"]["message"]


SRB_CASES = [("weekend", "friday"), ("weekend", "monday"), ("feb2018", "mon_0000"), ("feb2018", "close"),
             ("feb2018", "feb8"), ("uncorrelated", "h0")]
BUILDERS = {"weekend": (rm.weekend_gap, {"friday": rm.WEEKEND_FRIDAY, "monday": rm.WEEKEND_MONDAY}),
            "feb2018": (rm.feb_2018, FEB_MOMENTS),
            "uncorrelated": (rm.both_down_uncorrelated, {"h0": rm.CRO_END})}


@pytest.mark.parametrize(("name", "moment"), SRB_CASES)
def test_single_risk_book_only_on_kept_pairs(market_factory, name, moment):  # type: ignore[no-untyped-def]
    """SINGLE_RISK_BOOK is up exactly when the reference 4h correlation on kept pairs is >= 0.7 over
    >= 20 pairs, or all three early warnings are on."""
    builder, moments = BUILDERS[name]
    market = market_factory(name, builder, moments)
    at = market.at(moment)
    es = buckets_4h(*column(market.frame, ES, at), at)
    btc = buckets_4h(*column(market.frame, BTC, at), at)
    ref = pair_window(*es, *btc, 30, step=4 * H)
    snap = market.snap(moment)
    warnings = snap.get("early_warnings") or {}
    all_warnings = bool(warnings) and all(v is True for v in warnings.values())
    by_corr = ref.value is not None and ref.value >= 0.7 and ref.n >= 20
    assert ("SINGLE_RISK_BOOK" in flag_ids(snap)) == (by_corr or all_warnings)
