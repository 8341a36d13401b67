"""Pre-trade checks of SPEC §6: each rule's table of cases, the profile's rule set, plans from JSON, the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.config import Profile, load_config
from cockpit.journal.fills import Fill, FillSide, RoundTrip, round_trips
from cockpit.models import (
    CorrelationReading,
    CryptoAsset,
    CryptoReading,
    FlagId,
    LeadershipReading,
    MacroReading,
    Readings,
    Regime,
    RegimeCall,
    Severity,
)
from cockpit.rules.pretrade import TradePlan, plan_from_json, pretrade_flags
from cockpit.sizing import Side, SizingError

NOW = datetime(2026, 2, 2, 15, tzinfo=UTC)
BTC = "BTC/USDT:USDT"


def profile(name: str = "swing") -> Profile:
    return load_config().profile(name)


def readings(
    *,
    state: str | None = "calm",
    flush_count: int = 0,
    oi_reset: bool | None = None,
    btc_trend: str | None = "up",
    eth_trend: str | None = "up",
    index_trend: str | None = "up",
    us10y_bp: float | None = -1.0,
    dxy_pct: float | None = -0.1,
) -> Readings:
    return Readings(
        as_of=NOW,
        macro=MacroReading(us10y=4.3, us10y_change_bp=us10y_bp, dxy=99.0, dxy_change_pct=dxy_pct),
        leadership=LeadershipReading(),
        crypto=CryptoReading(
            btc=CryptoAsset(BTC, price=80_000, trend=btc_trend, oi_change_pct_24h=-3.0),
            eth=CryptoAsset("ETH/USDT:USDT", price=2_000, trend=eth_trend),
            state=state,
            flush_count=flush_count,
            oi_reset=oi_reset,
        ),
        correlation=CorrelationReading(trend_index=index_trend, trend_btc=btc_trend),
    )


def plan(**overrides: object) -> TradePlan:
    values: dict[str, object] = {"symbol": BTC, "side": Side.LONG, "entry": 80_000.0, "stop": 78_000.0,
                                 "qty": 0.01, "ts": NOW}
    values.update(overrides)
    return TradePlan(**values)  # type: ignore[arg-type]


def losing_trip(minutes_ago: float, pnl: float = -150.0, qty: float = 0.05, entry: float = 81_000.0) -> RoundTrip:
    exit_ts = NOW - timedelta(minutes=minutes_ago)
    return RoundTrip(BTC, "long", qty, exit_ts - timedelta(hours=2), exit_ts, entry, entry + pnl / qty, 0.0, pnl)


def ids(flags: list) -> set[FlagId]:  # type: ignore[type-arg]
    return {f.id for f in flags}


def check(p: TradePlan, trips: list[RoundTrip] | None = None, r: Readings | None = None,
          regime: RegimeCall | None = None, prof: Profile | None = None) -> list:  # type: ignore[type-arg]
    return pretrade_flags(p, trips or [], r if r is not None else readings(), regime, prof or profile())


# --- REVENGE_ENTRY ------------------------------------------------------------------------------------


def test_revenge_fires_10_minutes_after_a_losing_close_in_swing() -> None:
    flags = [f for f in check(plan(), [losing_trip(10)]) if f.id is FlagId.REVENGE_ENTRY]
    assert len(flags) == 1
    flag = flags[0]
    assert flag.severity is Severity.WARNING  # smaller than the losing trade, calm tape
    assert flag.evidence["symbol"] == BTC and flag.evidence["pnl"] == -150.0
    assert flag.evidence["minutes_since"] == 10.0
    assert flag.evidence["exit_ts"] == "2026-02-02T14:50:00Z"


@pytest.mark.parametrize(("trip", "fires"), [
    (losing_trip(10), True),
    (losing_trip(60 * 23), True),
    (losing_trip(60 * 24 * 3), False),          # 3 days later: outside swing's 24 h window
    (losing_trip(10, pnl=+150.0), False),       # a win is not a reason for revenge
    (losing_trip(-10), False),                  # closed after the plan: not before it
])
def test_revenge_window_and_outcome(trip: RoundTrip, fires: bool) -> None:
    assert (FlagId.REVENGE_ENTRY in ids(check(plan(), [trip]))) is fires


@pytest.mark.parametrize(("profile_name", "minutes", "fires"), [
    ("short", 10, True), ("short", 45, False), ("long", 60 * 24 * 6, True), ("long", 60 * 24 * 8, False),
])
def test_revenge_window_follows_the_profile(profile_name: str, minutes: float, fires: bool) -> None:
    flags = check(plan(), [losing_trip(minutes)], prof=profile(profile_name))
    assert (FlagId.REVENGE_ENTRY in ids(flags)) is fires


def test_revenge_is_critical_when_larger_or_into_a_flush() -> None:
    larger = check(plan(qty=0.1), [losing_trip(10)])
    assert [f.severity for f in larger if f.id is FlagId.REVENGE_ENTRY] == [Severity.CRITICAL]
    flushing = check(plan(), [losing_trip(10)], readings(state="liquidation-driven"))
    assert [f.severity for f in flushing if f.id is FlagId.REVENGE_ENTRY] == [Severity.CRITICAL]


def test_revenge_judges_one_closing_fill_as_one_trade() -> None:
    t0 = NOW - timedelta(hours=3)
    fills = [Fill(t0, BTC, FillSide.BUY, 1, 100), Fill(t0 + timedelta(minutes=1), BTC, FillSide.BUY, 1, 120),
             Fill(NOW - timedelta(minutes=5), BTC, FillSide.SELL, 2, 112)]
    trips = round_trips(fills)  # +12 and -8: a net win of 4, so no revenge
    assert [t.pnl for t in trips] == [12.0, -8.0]
    assert FlagId.REVENGE_ENTRY not in ids(check(plan(qty=0.0001), trips))


def test_revenge_uses_the_readings_time_when_the_plan_has_none() -> None:
    assert FlagId.REVENGE_ENTRY in ids(check(plan(ts=None), [losing_trip(10)]))


# --- FIRST_FLUSH --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("side", "flushes", "active", "oi_reset", "fires"), [
    (Side.LONG, 1, True, False, True),     # the first flush of the move, under way
    (Side.LONG, 0, True, None, True),      # under way and not yet counted
    (Side.LONG, 1, False, False, True),    # one flush behind us, OI has not reset
    (Side.LONG, 2, True, False, False),    # the second flush: the preferred entry
    (Side.LONG, 1, False, True, False),    # open interest in coins has reset
    (Side.LONG, 0, False, None, False),    # no flush at all in the current move
    (Side.SHORT, 1, True, False, False),
])
def test_first_flush(side: Side, flushes: int, active: bool, oi_reset: bool | None, fires: bool) -> None:
    stop = 78_000.0 if side is Side.LONG else 82_000.0
    r = readings(flush_count=flushes, oi_reset=oi_reset)
    r = replace(r, crypto=replace(r.crypto, flush_active=active))
    flags = [f for f in check(plan(side=side, stop=stop), r=r) if f.id is FlagId.FIRST_FLUSH]
    assert bool(flags) is fires
    if flags:
        assert flags[0].evidence["flush_count"] == flushes and flags[0].evidence["oi_reset"] == oi_reset


def test_first_flush_is_silent_in_a_calm_tape_and_speaks_in_the_real_first_flush() -> None:
    """FIRST_FLUSH fired 85 of 97 calm hours (warm-up flushes counted) and was silent in the real first flush."""
    calm = readings(state="calm", flush_count=0)
    assert FlagId.FIRST_FLUSH not in ids(check(plan(), r=calm))
    flushing = replace(calm, crypto=replace(calm.crypto, state="calm", flush_count=0, flush_active=True,
                                            move_start=NOW - timedelta(hours=30)))
    flag = next(f for f in check(plan(), r=flushing) if f.id is FlagId.FIRST_FLUSH)
    assert "first flush is under way" in flag.message


# --- AGAINST_DOMINANT_TREND ---------------------------------------------------------------------------


@pytest.mark.parametrize(("symbol", "side", "r", "fires"), [
    (BTC, Side.LONG, readings(btc_trend="down"), True),
    (BTC, Side.SHORT, readings(btc_trend="down"), False),
    (BTC, Side.SHORT, readings(btc_trend="up"), True),
    (BTC, Side.LONG, readings(btc_trend=None), False),
    ("BTC-USD", Side.LONG, readings(btc_trend="down"), True),
    ("ETH/USDT:USDT", Side.LONG, readings(eth_trend="down"), True),
    ("ETH/USDT:USDT", Side.LONG, readings(btc_trend="down", eth_trend="up"), False),
    ("ES=F", Side.LONG, readings(index_trend="down"), True),
    ("ES=F", Side.SHORT, readings(index_trend="up"), True),
    ("NVDA", Side.LONG, readings(btc_trend="down", index_trend="down"), False),  # no trend known for it
])
def test_against_dominant_trend(symbol: str, side: Side, r: Readings, fires: bool) -> None:
    stop = 78_000.0 if side is Side.LONG else 82_000.0
    flags = [f for f in check(plan(symbol=symbol, side=side, stop=stop), r=r)
             if f.id is FlagId.AGAINST_DOMINANT_TREND]
    assert bool(flags) is fires
    if flags:
        assert flags[0].evidence["timeframe"] == "1d" and flags[0].evidence["trend"] in ("up", "down")


# --- MACRO_NOT_STABLE ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("side", "us10y_bp", "dxy_pct", "profile_name", "fires"), [
    (Side.LONG, 3.2, -0.1, "swing", True),
    (Side.LONG, -2.0, 0.15, "swing", True),
    (Side.LONG, 2.0, 0.0, "swing", True),     # the threshold itself
    (Side.LONG, 1.9, 0.09, "swing", False),   # below both thresholds
    (Side.LONG, 0.0, 0.0, "swing", False),
    (Side.LONG, None, None, "swing", False),
    (Side.SHORT, 3.2, 0.4, "swing", False),   # a short is not a risk entry against rising yields
    (Side.LONG, 3.2, 0.4, "short", False),    # swing only
])
def test_macro_not_stable(side: Side, us10y_bp: float | None, dxy_pct: float | None, profile_name: str,
                          fires: bool) -> None:
    stop = 78_000.0 if side is Side.LONG else 82_000.0
    r = readings(us10y_bp=us10y_bp, dxy_pct=dxy_pct)
    flags = [f for f in check(plan(side=side, stop=stop), r=r, prof=profile(profile_name))
             if f.id is FlagId.MACRO_NOT_STABLE]
    assert bool(flags) is fires
    if flags:
        assert flags[0].evidence["us10y_change_bp"] == us10y_bp and flags[0].evidence["dxy_change_pct"] == dxy_pct


def test_macro_not_stable_ignores_a_tenth_of_a_basis_point() -> None:
    """MACRO_NOT_STABLE tripped on +0.1 bp."""
    assert FlagId.MACRO_NOT_STABLE not in ids(check(plan(), r=readings(us10y_bp=0.1, dxy_pct=0.01)))
    flag = next(f for f in check(plan(), r=readings(us10y_bp=6.1, dxy_pct=0.01)) if f.id is FlagId.MACRO_NOT_STABLE)
    assert "US10Y +6.1 bp" in flag.message and "DXY" not in flag.message.split(" over ")[0]


# --- OVERSIZED and ALL_IN_ENTRY -----------------------------------------------------------------------

VOL_EVENT = RegimeCall(Regime.VOLATILITY_EVENT, 0.5)


@pytest.mark.parametrize(("qty", "expected"), [
    (0.01, None),                      # risk 20 <= allowed 25 (10k x 0.5 % x 0.5)
    (0.0125, None),                    # exactly the allowed risk
    (0.015, Severity.WARNING),         # 30
    (0.03, Severity.CRITICAL),         # 60: more than twice the allowed risk
])
def test_oversized(qty: float, expected: Severity | None) -> None:
    flags = [f for f in check(plan(qty=qty, equity=10_000.0), regime=VOL_EVENT) if f.id is FlagId.OVERSIZED]
    assert (flags[0].severity if flags else None) == expected
    if flags:
        assert flags[0].evidence["allowed_risk"] == pytest.approx(25.0)
        assert flags[0].evidence["max_qty"] == pytest.approx(0.0125)


def test_oversized_on_notional_above_the_profiles_gross_leverage() -> None:
    """$842 k notional on $50 k equity passed because its risk was within the tier."""
    huge = plan(entry=84_200.0, stop=84_175.0, qty=10.0, equity=50_000.0)
    assert huge.risk == pytest.approx(250.0) and huge.notional == pytest.approx(842_000.0)
    flag = next(f for f in check(huge, regime=RegimeCall(Regime.CALM, 1.0)) if f.id is FlagId.OVERSIZED)
    assert flag.severity is Severity.CRITICAL
    assert "notional 842,000.00 is 16.8x equity, the profile allows 3x (150,000.00)" in flag.message
    assert flag.evidence["max_gross_leverage"] == 3.0
    within = plan(entry=84_200.0, stop=84_175.0, qty=1.7, equity=50_000.0)
    assert FlagId.OVERSIZED not in ids(check(within, regime=RegimeCall(Regime.CALM, 1.0)))


def test_oversized_without_a_judged_regime_uses_unknowns_multiplier() -> None:
    # 10k x 0.5 % x unknown 0.25 = 12.5 allowed; risk 20 is oversized though calm would allow 50
    flag = next(f for f in check(plan(qty=0.01, equity=10_000.0)) if f.id is FlagId.OVERSIZED)
    assert flag.evidence["regime"] == "unknown" and flag.evidence["allowed_risk"] == pytest.approx(12.5)


def test_oversized_needs_equity_and_uses_the_plans_tier() -> None:
    assert FlagId.OVERSIZED not in ids(check(plan(qty=10.0), regime=VOL_EVENT))
    assert FlagId.OVERSIZED not in ids(check(plan(qty=0.02, equity=10_000.0, tier=3), regime=VOL_EVENT))
    assert FlagId.OVERSIZED in ids(check(plan(qty=0.02, equity=10_000.0, tier=1), regime=VOL_EVENT))


@pytest.mark.parametrize(("qty", "profile_name", "fires"), [
    (0.006, "swing", False),   # risk 12 <= half of 25
    (0.01, "swing", True),     # risk 20 > 12.5
    (0.01, "short", False),    # not a short-horizon rule
    (0.01, "long", True),      # long: tier 3 allowed 50, slice 33 % = 16.5
])
def test_all_in_entry(qty: float, profile_name: str, fires: bool) -> None:
    flags = check(plan(qty=qty, equity=10_000.0), regime=VOL_EVENT, prof=profile(profile_name))
    assert (FlagId.ALL_IN_ENTRY in ids(flags)) is fires


def test_stop_beyond_liquidation_from_the_plans_leverage() -> None:
    assert FlagId.STOP_BEYOND_LIQUIDATION in ids(check(plan(leverage=50.0)))
    assert FlagId.STOP_BEYOND_LIQUIDATION not in ids(check(plan(leverage=10.0)))


def test_profile_rules_switch_checks_off_and_flags_are_sorted() -> None:
    r = readings(btc_trend="down", state="liquidation-driven", flush_count=1, us10y_bp=4.0)
    swing = check(plan(qty=1.0, equity=10_000.0), [losing_trip(5)], r)
    assert ids(swing) >= {FlagId.REVENGE_ENTRY, FlagId.FIRST_FLUSH, FlagId.AGAINST_DOMINANT_TREND,
                          FlagId.MACRO_NOT_STABLE, FlagId.OVERSIZED, FlagId.ALL_IN_ENTRY}
    ranks = [f.severity.rank for f in swing]
    assert ranks == sorted(ranks, reverse=True)
    quiet = replace(profile(), rules=frozenset())
    assert check(plan(qty=1.0, equity=10_000.0), [losing_trip(5)], r, prof=quiet) == []


def test_without_readings_only_journal_and_size_checks_run() -> None:
    flags = pretrade_flags(plan(qty=1.0, equity=10_000.0), [losing_trip(5)], None, None, profile())
    assert ids(flags) == {FlagId.REVENGE_ENTRY, FlagId.OVERSIZED, FlagId.ALL_IN_ENTRY}


# --- plans from JSON, and the snapshot command --------------------------------------------------------


def test_plan_from_json() -> None:
    parsed = plan_from_json({"ts": "2026-02-02T15:00:00Z", "symbol": BTC, "side": "short", "entry": "80000",
                             "stop": 81_000, "qty": 0.5, "equity": 1e5, "tier": 3, "leverage": 10})
    assert parsed == TradePlan(BTC, Side.SHORT, 80_000.0, 81_000.0, 0.5, NOW, 1e5, 3, 10.0)
    assert parsed.risk == 500.0


@pytest.mark.parametrize(("obj", "message"), [
    ([], "JSON object"),
    ({"symbol": BTC, "side": "long", "entry": 1, "stop": 0.5}, "needs qty"),
    ({"symbol": BTC, "side": "long", "entry": 1, "stop": 0.5, "qty": 1, "sise": 1}, "unknown plan key 'sise'"),
    ({"symbol": BTC, "side": "up", "entry": 1, "stop": 0.5, "qty": 1}, "side"),
    ({"symbol": BTC, "side": "long", "entry": 1, "stop": 2, "qty": 1}, "below entry"),
    ({"symbol": BTC, "side": "long", "entry": 1, "stop": 1, "qty": 1}, "equals entry"),
    ({"symbol": BTC, "side": "long", "entry": 1, "stop": 0.5, "qty": -1}, "qty"),
    ({"symbol": BTC, "side": "long", "entry": True, "stop": 0.5, "qty": 1}, "entry"),
    ({"symbol": BTC, "side": "long", "entry": 1, "stop": 0.5, "qty": 1, "tier": 9}, "tier"),
    ({"symbol": BTC, "side": "long", "entry": 1, "stop": 0.5, "qty": 1, "ts": "soon"}, "ts"),
    ({"symbol": "", "side": "long", "entry": 1, "stop": 0.5, "qty": 1}, "symbol"),
    ({"symbol": BTC, "side": "long", "entry": 100, "stop": 95, "qty": 1, "leverage": 10, "mmr": 5}, "maintenance"),
    ({"symbol": BTC, "side": "long", "entry": 100, "stop": 95, "qty": 1, "mmr": -0.1}, "maintenance"),
    ({"symbol": BTC, "side": "long", "entry": 100, "stop": 95, "qty": 1, "mmr": 1}, "maintenance"),
    ({"symbol": BTC, "side": "long", "entry": 100, "stop": 95, "qty": 1, "leverage": 0}, "leverage"),
    ({"symbol": BTC, "side": "long", "entry": 1e308, "stop": 1, "qty": 1e308, "equity": 1000}, "too large"),
    ({"symbol": BTC, "side": "long", "entry": 100, "stop": 95, "qty": 1, "ts": "9999-12-31T23:00:00-05:00"},
     "ts .* outside the years 1970-2100"),
    ({"symbol": BTC, "side": "long", "entry": 100, "stop": 95, "qty": 1, "ts": "0001-01-01T00:00:00+05:00"},
     "ts .* outside the years 1970-2100"),
])
def test_plan_from_json_refuses(obj: object, message: str) -> None:
    with pytest.raises(SizingError, match=message):
        plan_from_json(obj)


def test_snapshot_with_plan_and_trades(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "--demo", "--json"]) == 0
    as_of = datetime.fromisoformat(json.loads(capsys.readouterr().out)["as_of"].replace("Z", "+00:00"))
    closed = as_of - timedelta(minutes=10)
    (tmp_path / "fills.csv").write_text(
        "ts,symbol,side,qty,price,fee\n"
        f"{(closed - timedelta(hours=3)).isoformat()},{BTC},buy,1,90000,5\n"
        f"{closed.isoformat()},{BTC},sell,1,88000,5\n", encoding="utf-8")
    (tmp_path / "plan.json").write_text(json.dumps(
        {"ts": as_of.isoformat(), "symbol": BTC, "side": "long", "entry": 88_000, "stop": 86_000, "qty": 2,
         "equity": 100_000}), encoding="utf-8")
    argv = ["snapshot", "--demo", "--json", "--plan", str(tmp_path / "plan.json"),
            "--trades", str(tmp_path / "fills.csv")]
    assert main(argv) == 0
    flags = {f["id"]: f for f in json.loads(capsys.readouterr().out)["flags"]}
    revenge = flags["REVENGE_ENTRY"]
    assert revenge["severity"] == "critical"  # 2 BTC after losing on 1
    assert revenge["evidence"]["pnl"] == -2010.0 and revenge["evidence"]["minutes_since"] == 10.0
    assert "OVERSIZED" in flags


def test_a_plan_mmr_is_checked_like_cockpit_size() -> None:
    assert plan_from_json({"symbol": BTC, "side": "long", "entry": 100, "stop": 95, "qty": 1, "leverage": 10,
                           "mmr": 0.01}).mmr == 0.01


def test_all_in_entry_with_an_unbounded_slice_count_has_no_count() -> None:
    huge = TradePlan(BTC, Side.LONG, 1e308, 1.0, 1e308, NOW, 1_000.0)  # built directly, not from JSON
    flags = check(huge)
    all_in = next(f for f in flags if f.id is FlagId.ALL_IN_ENTRY)
    assert all_in.evidence["entries_needed"] is None


@pytest.mark.parametrize("plan_obj", [
    {"ts": "9999-12-31T23:00:00-05:00", "symbol": BTC, "side": "long", "entry": 100, "stop": 95, "qty": 1},
    {"symbol": BTC, "side": "long", "entry": 1e308, "stop": 1, "qty": 1e308, "equity": 1000},
    {"symbol": BTC, "side": "long", "entry": 100, "stop": 95, "qty": 1, "leverage": 10, "mmr": 5},
])
def test_snapshot_with_an_absurd_plan_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  plan_obj: dict[str, object]) -> None:
    (tmp_path / "plan.json").write_text(json.dumps(plan_obj), encoding="utf-8")
    assert main(["snapshot", "--demo", "--plan", str(tmp_path / "plan.json")]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("cockpit: error: ") and captured.err.count("\n") == 1
    assert "Traceback" not in captured.err


def test_snapshot_plan_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plan.json").write_text('{"symbol": "BTC", "side": "long"', encoding="utf-8")
    assert main(["snapshot", "--demo", "--plan", str(tmp_path / "plan.json")]) == 2
    assert main(["snapshot", "--demo", "--trades", str(tmp_path / "fills.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "not valid JSON" in err[0] and "--trades needs --plan" in err[1]


def test_a_plan_tier_written_as_a_json_float_is_that_tier() -> None:
    from cockpit.rules.pretrade import plan_from_json
    from cockpit.sizing import SizingError

    base = {"ts": "2026-01-30T10:00:00Z", "symbol": "BTC/USDT:USDT", "side": "long", "entry": 100.0, "stop": 95.0,
            "qty": 1.0}
    assert plan_from_json({**base, "tier": 1.0}).tier == 1
    with pytest.raises(SizingError, match="tier must be one of 1, 2, 3"):
        plan_from_json({**base, "tier": 1.5})
