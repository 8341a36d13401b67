"""Risk-tier sizing (SPEC §5): tables of cases, invariants by hypothesis, and the `cockpit size` command."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.cli import main
from cockpit.models import FlagId, Regime
from cockpit.sizing import (
    DEFAULT_MULTIPLIERS,
    DEFAULT_TIERS,
    Side,
    SizingError,
    liquidation_price,
    parse_number,
    parse_positive,
    parse_tier,
    size_position,
)

# equity, entry, stop, side, tier, regime -> qty
SIZING_CASES = [
    (10_000, 100, 95, Side.LONG, 1, Regime.CALM, 5.0),
    (10_000, 100, 95, Side.LONG, 2, Regime.CALM, 10.0),
    (10_000, 100, 95, Side.LONG, 3, Regime.CALM, 20.0),
    (10_000, 100, 95, Side.LONG, 3, Regime.TREND_BREAK, 15.0),
    (10_000, 100, 95, Side.LONG, 3, Regime.VOLATILITY_EVENT, 10.0),
    (10_000, 100, 95, Side.LONG, 3, Regime.LIQUIDITY_SHOCK, 5.0),
    (10_000, 100, 105, Side.SHORT, 2, Regime.CALM, 10.0),
    (10_000, 100, 110, Side.SHORT, 3, Regime.LIQUIDITY_SHOCK, 2.5),
    (50_000, 0.0001234, 0.0001134, Side.LONG, 2, Regime.CALM, 250 / 0.00001),
    (25_000, 1.0852, 1.0877, Side.SHORT, 1, Regime.TREND_BREAK, 25_000 * 0.0025 * 0.75 / 0.0025),
    (1_000_000, 82_236.84, 80_000, Side.LONG, 2, Regime.VOLATILITY_EVENT, 2_500 / 2_236.84),
]


@pytest.mark.parametrize(("equity", "entry", "stop", "side", "tier", "regime", "qty"), SIZING_CASES)
def test_sizing_table(equity: float, entry: float, stop: float, side: Side, tier: int, regime: Regime,
                      qty: float) -> None:
    result = size_position(equity, entry, stop, side=side, tier=tier, regime=regime)
    assert result.qty == pytest.approx(qty, rel=1e-9)
    allowed = equity * DEFAULT_TIERS[tier] / 100 * DEFAULT_MULTIPLIERS[regime]
    assert result.risk_amount == pytest.approx(allowed)
    assert result.risk_pct == pytest.approx(DEFAULT_TIERS[tier] * DEFAULT_MULTIPLIERS[regime])
    assert result.notional == pytest.approx(qty * entry)
    assert result.leverage_used == pytest.approx(qty * entry / equity)
    assert result.liquidation_price is None and result.flags == ()


@pytest.mark.parametrize("tier", [1, 2, 3])
@pytest.mark.parametrize("regime", list(Regime))
def test_tiers_by_regimes(tier: int, regime: Regime) -> None:
    result = size_position(100_000, 50, 48, tier=tier, regime=regime)
    assert result.multiplier == DEFAULT_MULTIPLIERS[regime]
    allowed = 100_000 * DEFAULT_TIERS[tier] / 100 * DEFAULT_MULTIPLIERS[regime]
    assert result.risk_amount == pytest.approx(allowed)


def test_r_targets_long_and_short() -> None:
    long = size_position(10_000, 100, 97.5)
    assert long.targets == {"1R": 102.5, "2R": 105.0, "3R": 107.5}
    short = size_position(10_000, 100, 102.5, side=Side.SHORT)
    assert short.targets == {"1R": 97.5, "2R": 95.0, "3R": 92.5}


def test_a_short_target_at_or_below_zero_is_unreachable(capsys: pytest.CaptureFixture[str]) -> None:
    assert size_position(10_000, 100, 150, side=Side.SHORT).targets == {"1R": 50.0, "2R": None, "3R": None}
    argv = ["size", "--equity", "10000", "--entry", "100", "--stop", "150", "--side", "short"]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["targets"] == {"1R": 50.0, "2R": None, "3R": None}
    assert main(argv) == 0
    assert "targets 1R 50  2R unreachable  3R unreachable" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["３", "٣", "3.0", "", "+", "1e0"])
def test_parse_tier_refuses_anything_but_ascii_digits(text: str) -> None:
    with pytest.raises(SizingError, match="tier must be one of 1, 2, 3"):
        parse_tier(text, DEFAULT_TIERS)
    assert parse_tier(" 3 ", DEFAULT_TIERS) == parse_tier(3, DEFAULT_TIERS) == 3


@pytest.mark.parametrize(("entry", "side", "leverage", "mmr", "expected"), [
    (100.0, Side.LONG, 10, 0.005, 100 * (1 - 0.1 + 0.005)),
    (100.0, Side.SHORT, 10, 0.005, 100 * (1 + 0.1 - 0.005)),
    (82_000.0, Side.LONG, 25, 0.004, 82_000 * (1 - 0.04 + 0.004)),
    (2_100.0, Side.SHORT, 3, 0.01, 2_100 * (1 + 1 / 3 - 0.01)),
    (100.0, Side.LONG, 0.5, 0.005, 0.0),  # under 1x a long cannot be liquidated: never a negative price
])
def test_liquidation_price(entry: float, side: Side, leverage: float, mmr: float, expected: float) -> None:
    assert liquidation_price(entry, side, leverage, mmr) == pytest.approx(expected)


@pytest.mark.parametrize(("stop", "side", "flagged"), [
    (90.0, Side.LONG, True),      # liq 90.5 at 10x: stop below it
    (90.5, Side.LONG, True),      # at the liquidation price
    (91.0, Side.LONG, False),
    (110.0, Side.SHORT, True),    # liq 109.5
    (109.5, Side.SHORT, True),
    (109.0, Side.SHORT, False),
])
def test_stop_beyond_liquidation(stop: float, side: Side, flagged: bool) -> None:
    result = size_position(10_000, 100, stop, side=side, leverage=10)
    assert ([f.id for f in result.flags] == [FlagId.STOP_BEYOND_LIQUIDATION]) is flagged
    assert result.liquidation_price == pytest.approx(90.5 if side is Side.LONG else 109.5)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"equity": 0}, "equity"),
    ({"equity": -1}, "equity"),
    ({"entry": math.nan}, "entry"),
    ({"stop": 100}, "stop equals entry"),
    ({"stop": 101}, "below entry"),
    ({"stop": 99, "side": Side.SHORT}, "above entry"),
    ({"tier": 4}, "tier"),
    ({"leverage": 0}, "leverage"),
    ({"leverage": -2}, "leverage"),
    ({"mmr": 1.5}, "maintenance"),
    ({"mmr": 1.0}, "maintenance"),
    ({"mmr": -0.01}, "maintenance"),
])
def test_invalid_input_is_refused(kwargs: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"equity": 10_000, "entry": 100, "stop": 95, **kwargs}
    with pytest.raises(SizingError, match=message):
        size_position(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "value"), [
    ("1e3", 1000.0), ("1,000", 1000.0), (" 2.5 ", 2.5), ("1_000.5", 1000.5), (".5", 0.5),
    ("12,345,678.9", 12345678.9),
])
def test_parse_number_accepts(text: str, value: float) -> None:
    assert parse_number(text, "x") == value


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "-inf", "1,00", "1.2.3", "١٢", "0x10", "1e400",
                                  "12%"])
def test_parse_number_refuses(text: str) -> None:
    with pytest.raises(SizingError):
        parse_number(text, "x")


@given(st.text(max_size=12))
def test_parse_positive_only_raises_sizing_error(text: str) -> None:
    try:
        value = parse_positive(text, "x")
    except SizingError:
        return
    assert math.isfinite(value) and value > 0


prices = st.floats(min_value=1e-6, max_value=1e7, allow_nan=False, allow_infinity=False)


@given(
    equity=st.floats(min_value=1.0, max_value=1e10),
    entry=prices,
    stop_frac=st.floats(min_value=1e-4, max_value=0.99),
    side=st.sampled_from(list(Side)),
    tier=st.sampled_from([1, 2, 3]),
    regime=st.sampled_from(list(Regime)),
)
def test_risk_never_exceeds_the_tier(equity: float, entry: float, stop_frac: float, side: Side, tier: int,
                                     regime: Regime) -> None:
    stop = entry * (1 - stop_frac) if side is Side.LONG else entry * (1 + stop_frac)
    if stop == entry:
        return
    result = size_position(equity, entry, stop, side=side, tier=tier, regime=regime)
    allowed = equity * DEFAULT_TIERS[tier] / 100 * DEFAULT_MULTIPLIERS[regime]
    assert result.qty * abs(entry - stop) <= allowed
    assert result.risk_amount <= allowed
    assert result.risk_amount == pytest.approx(allowed, rel=1e-9)


@given(entry=prices, leverage=st.floats(min_value=1.0, max_value=125.0),
       mmr=st.floats(min_value=0.0, max_value=0.05), side=st.sampled_from(list(Side)))
def test_liquidation_matches_spec(entry: float, leverage: float, mmr: float, side: Side) -> None:
    stop = entry * 0.5 if side is Side.LONG else entry * 1.5
    result = size_position(10_000, entry, stop, side=side, leverage=leverage, mmr=mmr)
    spec = entry * (1 - 1 / leverage + mmr) if side is Side.LONG else entry * (1 + 1 / leverage - mmr)
    assert result.liquidation_price == pytest.approx(max(spec, 0.0), rel=1e-12, abs=1e-12)


# --- the command --------------------------------------------------------------------------------------


def test_size_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["size", "--equity", "10000", "--entry", "100", "--stop", "105", "--side", "short",
                 "--tier", "3", "--regime", "volatility_event", "--leverage", "10", "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert {"qty", "notional", "risk_amount", "risk_pct", "multiplier", "liquidation_price", "targets",
            "flags"} <= set(payload)
    assert payload["qty"] == pytest.approx(10.0)
    assert payload["multiplier"] == 0.5
    assert payload["risk_pct"] == pytest.approx(0.5)
    assert payload["liquidation_price"] == pytest.approx(109.5)
    assert payload["targets"] == {"1R": 95.0, "2R": 90.0, "3R": 85.0}
    assert payload["flags"] == []


def test_size_defaults_to_unknown_and_the_profile_tier(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a judged regime the multiplier is unknown's (the worst), never calm's (SPEC §5)."""
    assert main(["size", "--equity", "10000", "--entry", "100", "--stop", "95", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["regime"] == "unknown" and payload["multiplier"] == 0.25
    assert payload["tier"] == 2 and payload["liquidation_price"] is None
    argv = ["size", "--equity", "10000", "--entry", "100", "--stop", "95", "--json", "--profile", "long"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["tier"] == 3


def test_size_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["size", "--equity", "10000", "--entry", "100", "--stop", "90", "--leverage", "20", "--regime", "calm"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "qty 5" in out and "STOP_BEYOND_LIQUIDATION" in out and "liquidation 95.5" in out


def test_size_shows_notional_margin_and_notional_to_equity_in_cents(capsys: pytest.CaptureFixture[str]) -> None:
    """Money was printed unrounded ("margin 1,560.18518519")."""
    argv = ["size", "--equity", "10000", "--entry", "100", "--stop", "95", "--regime", "calm", "--leverage", "3"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "notional 1,000.00" in out and "margin  333.33 at 3x" in out and "notional/equity 0.10x" in out
    assert "333.3333" not in out
    assert main([*argv, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["margin"] == pytest.approx(1000 / 3) and payload["notional_to_equity"] == pytest.approx(0.1)
    assert main(["size", "--equity", "10000", "--entry", "100", "--stop", "95", "--regime", "calm"]) == 0
    assert "margin  1,000.00 at 1x (spot)" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    ["--equity", "abc", "--entry", "100", "--stop", "95"],
    ["--equity", "nan", "--entry", "100", "--stop", "95"],
    ["--equity", "0", "--entry", "100", "--stop", "95"],
    ["--equity=-10", "--entry", "100", "--stop", "95"],
    ["--equity", "1000", "--entry", "0", "--stop", "95"],
    ["--equity", "1000", "--entry", "100", "--stop", "100"],
    ["--equity", "1000", "--entry", "100", "--stop", "105"],
    ["--equity", "1000", "--entry", "100", "--stop", "95", "--side", "short"],
    ["--equity", "1000", "--entry", "100", "--stop", "95", "--tier", "7"],
    ["--equity", "1000", "--entry", "100", "--stop", "95", "--tier", "x"],
    ["--equity", "1000", "--entry", "100", "--stop", "95", "--tier", "３"],
    ["--equity", "1000", "--entry", "100", "--stop", "95", "--mmr", "5"],
    ["--equity", "1000", "--entry", "100", "--stop", "95", "--leverage", "0"],
    ["--equity", "1000", "--entry", "100", "--stop", "95", "--leverage=-3"],
    ["--equity", "1000", "--entry", "100", "--stop", "95", "--regime", "panic"],
    ["--equity", "1000", "--entry", "100"],
])
def test_size_bad_input_is_one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["size", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cockpit: error: ")
    assert "Traceback" not in captured.err


def test_pure_modules_never_import_textual() -> None:
    code = "import sys, cockpit.sizing, cockpit.rules.pretrade; assert 'textual' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
