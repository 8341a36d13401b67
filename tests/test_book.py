"""The book (SPEC §12): hand-worked hedges, betas on kept pairs, limits, reduce, and the re-entry window."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.analytics.beta import Beta, BetaSource, kept_returns, rolling_beta
from cockpit.book import (
    AssetClass,
    Book,
    BookInputs,
    Holding,
    Position,
    asset_class,
    build_book,
    combine_risk,
)
from cockpit.hedge import INSTRUMENTS, after_cuts, hedge_for, reduce_to_limit
from cockpit.models import FlagId, Regime, Severity
from cockpit.reentry import HourlyReading, re_entry_window

T0 = datetime(2026, 1, 5, 0, tzinfo=UTC)
H = timedelta(hours=1)


def position(symbol: str, qty: float, price: float, *, beta_es: float = 1.0, beta_btc: float = 0.0,
             stop: float | None = None, multiplier: float = 1.0) -> Position:
    asset = asset_class(symbol)
    return Position(symbol, qty, multiplier, asset, price, price, stop, 0.0, None,
                    Beta(beta_es, BetaSource.ROLLING), Beta(beta_btc, BetaSource.ROLLING))


def book_of(*positions: Position, equity: float | None = None, limit: float = 3.0, one_book: bool = False) -> Book:
    return Book(tuple(positions), equity, one_book, 168, limit, 10.0)


# --- hand-worked hedges (the README has the same cases) ------------------------------------------------


def test_two_es_hedged_fully_with_mes_is_twenty_short() -> None:
    book = book_of(position("ES=F", 2, 6000, multiplier=50))
    assert book.gross == 600_000 and book.es_beta_exposure == 600_000
    hedge = hedge_for(book, INSTRUMENTS["MES=F"], 1.0, 6000)
    assert hedge.qty == -20 and hedge.side == "sell"
    assert hedge.notional == pytest.approx(-600_000)
    assert hedge.residual_es == pytest.approx(0.0) and hedge.note == "exact, no rounding"


def test_two_es_hedged_fully_with_sh_is_600k_of_sh() -> None:
    book = book_of(position("ES=F", 2, 6000, multiplier=50))
    hedge = hedge_for(book, INSTRUMENTS["SH"], 1.0, 40.0)
    assert hedge.qty == 15_000 and hedge.side == "buy"  # an inverse ETF hedges by buying it
    assert hedge.notional == pytest.approx(600_000)
    assert hedge.residual_es == pytest.approx(0.0)


def test_sqqq_needs_a_third_of_the_notional() -> None:
    book = book_of(position("ES=F", 2, 6000, multiplier=50))
    hedge = hedge_for(book, INSTRUMENTS["SQQQ"], 1.0, 10.0)
    assert hedge.notional == pytest.approx(200_000)


def test_one_and_a_half_btc_hedged_half_with_the_perp() -> None:
    book = book_of(position("BTC/USDT:USDT", 1.5, 80_000, beta_es=0.0, beta_btc=1.0))
    hedge = hedge_for(book, INSTRUMENTS["BTC/USDT:USDT"], 0.5, 80_000)
    assert hedge.qty == pytest.approx(-0.75)
    assert hedge.residual_btc == pytest.approx(60_000)


def test_nvda_with_beta_1_8_counts_1_8_times_its_notional() -> None:
    book = book_of(position("NVDA", 1000, 180.0, beta_es=1.8))
    assert book.es_beta_exposure == pytest.approx(1.8 * 180_000)


def test_rounding_is_towards_the_smaller_hedge_and_said() -> None:
    book = book_of(position("NVDA", 1000, 180.0, beta_es=1.8))  # 324,000 of ES-beta
    hedge = hedge_for(book, INSTRUMENTS["MES=F"], 1.0, 6000)  # 10.8 contracts
    assert hedge.qty == -10
    assert "rounded from 10.8000 to 10 contract(s), towards the smaller hedge" in hedge.note
    assert hedge.residual_es == pytest.approx(24_000)


@pytest.mark.parametrize("share", [0.0, -0.5, 1.01])
def test_share_outside_zero_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="share"):
        hedge_for(book_of(position("ES=F", 1, 6000, multiplier=50)), INSTRUMENTS["MES=F"], share, 6000)


@settings(max_examples=200, deadline=None)
@given(qty=st.floats(0.01, 500), price=st.floats(1, 5000), beta=st.floats(-3, 3),
       symbol=st.sampled_from(sorted(INSTRUMENTS)), hedge_price=st.floats(1, 100_000))
def test_a_full_hedge_leaves_less_than_one_contract_of_beta(qty: float, price: float, beta: float, symbol: str,
                                                           hedge_price: float) -> None:
    instrument = INSTRUMENTS[symbol]
    holding = (position("NVDA", qty, price, beta_es=beta) if instrument.benchmark.value == "es"
               else position("SOL/USDT:USDT", qty, price, beta_es=0.0, beta_btc=beta))
    hedge = hedge_for(book_of(holding), instrument, 1.0, hedge_price)
    residual = hedge.residual_es if instrument.benchmark.value == "es" else hedge.residual_btc
    assert abs(residual) < hedge.unit_exposure * (1 + 1e-9) + 1e-6
    assert abs(hedge.qty) <= abs(hedge.exact_qty) + 1e-9  # never a bigger hedge than asked


# --- exposure and risk --------------------------------------------------------------------------------


def test_asset_classes() -> None:
    assert asset_class("BTC/USDT:USDT") is AssetClass.CRYPTO and asset_class("ETH-USD") is AssetClass.CRYPTO
    assert asset_class("ES=F") is AssetClass.EQUITY and asset_class("NVDA") is AssetClass.EQUITY


def test_open_risk_to_stops_and_the_two_ways_to_combine() -> None:
    es = position("ES=F", 1, 6000, stop=5900, multiplier=50)  # 5,000
    btc = position("BTC/USDT:USDT", 1, 80_000, stop=68_000, beta_es=0, beta_btc=1)  # 12,000
    short = position("NVDA", -100, 180, stop=190)  # 1,000
    assert (es.open_risk, btc.open_risk, short.open_risk) == (5000, 12_000, 1000)
    assert book_of(es, btc, short, one_book=True).open_risk == pytest.approx(18_000)
    assert book_of(es, btc, short).open_risk == pytest.approx(math.hypot(6000, 12_000))
    assert combine_risk(3, 4, False) == 5 and combine_risk(3, 4, True) == 7


def build(holdings: list[Holding], **kw: object) -> Book:
    inputs = BookInputs(as_of=T0 + 300 * H, series={}, **kw)  # type: ignore[arg-type]
    return build_book(holdings, inputs)


def test_a_stop_touched_or_gone_through_is_said_and_holding_one_is_not() -> None:
    cases = [(position("BTC/USDT:USDT", 1.5, 81_864, stop=82_000), True, "below"),
             (position("NVDA", -100, 170.67, stop=160), True, "above"),
             (position("ES=F", 2, 5_500, stop=5_500, multiplier=50), True, "at"),
             (position("ES=F", 2, 6_732, stop=5_500, multiplier=50), False, None),
             (position("NVDA", -100, 150, stop=160), False, None),
             (position("MU", 10, 90), None, None)]  # no stop: unknown, not "holding"
    for p, through, side in cases:
        assert (p.through_stop, p.stop_side) == (through, side), p.symbol
        assert p.open_risk == (None if p.stop is None else 0 if through else p.open_risk)


def test_book_risk_limit_flag_with_figures() -> None:
    holdings = [Holding("ES=F", 2, 6000, 5800)]  # 20,000 at risk
    book = build(holdings, equity=500_000.0, book_risk_pct=3.0)
    (flag,) = book.flags
    assert flag.id is FlagId.BOOK_RISK_LIMIT and flag.severity is Severity.WARNING
    assert flag.evidence["risk_pct"] == pytest.approx(4.0)
    assert "4.00 % of equity" in flag.message and "3 % limit" in flag.message
    assert build(holdings, equity=400_000.0, book_risk_pct=3.0).flags[0].severity is Severity.CRITICAL
    assert not build(holdings, equity=1_000_000.0, book_risk_pct=3.0).flags
    assert not build(holdings).flags  # no equity: not judged


def test_drawdown_from_the_peak_of_realized_plus_unrealized() -> None:
    history = [(T0, 20_000.0), (T0 + H, -5_000.0)]  # peak 120,000 after the first trade
    holdings = [Holding("ES=F", 1, 6000, None)]
    book = build_book(holdings, BookInputs(T0 + 300 * H, {"ES=F": [(T0 + 298 * H, 5800.0)]}, equity=105_000.0,
                                           realized_history=history, max_drawdown_pct=10.0))
    # equity now 105,000 = a start of 100,000 + 15,000 realized - 10,000 unrealized (200 points × 50);
    # the peak was 120,000 after the first trade: 12.5 % below it
    assert book.equity == pytest.approx(105_000) and book.peak_equity == pytest.approx(120_000)
    assert book.drawdown_pct == pytest.approx(12.5)
    assert [f.id for f in book.flags] == [FlagId.DRAWDOWN_LIMIT]


def test_a_symbol_without_bars_is_stale_with_the_reason_and_marked_at_entry() -> None:
    book = build([Holding("AAPL", 10, 200.0)])
    (p,) = book.positions
    assert p.price == 200.0 and "no bars for AAPL from the demo source" in (p.stale_reason or "")
    assert p.beta_es.source is BetaSource.ASSUMED and p.beta_es.value == 1.0 and p.beta_btc.value == 0.0


def test_holdings_of_one_symbol_are_netted() -> None:
    book = build([Holding("NVDA", 10, 100.0, 90.0), Holding("NVDA", 30, 200.0, 95.0, "journal")])
    (p,) = book.positions
    assert p.qty == 40 and p.entry_price == pytest.approx(175.0) and p.stop == 95.0


# --- betas on kept pairs ------------------------------------------------------------------------------


def test_kept_returns_drop_pairs_across_a_gap() -> None:
    series = [(T0, 100.0), (T0 + H, 101.0), (T0 + 3 * H, 102.0), (T0 + 4 * H, 103.0)]
    returns, dropped = kept_returns(series)
    assert sorted(returns) == [T0 + H, T0 + 4 * H] and dropped == 1


def test_rolling_beta_recovers_the_slope_and_ignores_the_gap_pair() -> None:
    rng = random.Random(7)
    es, nvda = [(T0, 6000.0)], [(T0, 180.0)]
    for i in range(1, 200):
        r = rng.gauss(0, 0.004)
        es.append((T0 + i * H, es[-1][1] * math.exp(r)))
        nvda.append((T0 + i * H, nvda[-1][1] * math.exp(1.8 * r)))
    # a session gap: 10 hours missing in both, and a huge jump across it that a naive join would keep
    es = es[:100] + [(ts + 10 * H, c * 1.05) for ts, c in es[100:]]
    nvda = nvda[:100] + [(ts + 10 * H, c * 0.80) for ts, c in nvda[100:]]
    beta, pairs, dropped = rolling_beta(nvda, es, 500)
    assert beta == pytest.approx(1.8, rel=1e-6)
    assert pairs == 198 and dropped == 1
    short_window = rolling_beta(nvda, es, 10)
    assert short_window[0] is None and short_window[1] == 10  # too few pairs: not estimated


def test_book_uses_rolling_betas_and_identity_for_the_benchmark() -> None:
    es = [(T0 + i * H, 6000.0 * (1 + 0.001 * math.sin(i))) for i in range(100)]
    nvda = [(ts, 180.0 * (c / 6000.0) ** 2) for ts, c in es]
    book = build_book([Holding("NVDA", 100, None), Holding("MES=F", 2, None)],
                      BookInputs(T0 + 100 * H, {"ES=F": es, "NVDA": nvda}, window_h=48))
    nvda_pos, mes = book.positions
    assert nvda_pos.beta_es.source is BetaSource.ROLLING and nvda_pos.beta_es.value == pytest.approx(2.0, rel=1e-3)
    assert mes.beta_es.source is BetaSource.IDENTITY and mes.multiplier == 5
    assert mes.price is None and book.window_h == 48


# --- reduce -------------------------------------------------------------------------------------------


def test_reduce_cuts_the_largest_beta_weighted_risk_first() -> None:
    nvda = position("NVDA", 1000, 180, beta_es=1.8, stop=170)  # risk 10,000, weighted 18,000
    es = position("ES=F", 2, 6000, stop=5900, multiplier=50)  # risk 10,000, weighted 10,000
    book = book_of(nvda, es, equity=1_000_000, limit=1.5, one_book=True)  # 20,000 at risk, 15,000 allowed
    reduction = reduce_to_limit(book)
    assert [c.symbol for c in reduction.cuts] == ["NVDA"]
    assert reduction.cuts[0].qty == 500 and reduction.risk_after == pytest.approx(15_000)
    assert reduction.note == "back within the limit"


def test_reduce_within_the_limit_cuts_nothing() -> None:
    book = book_of(position("NVDA", 10, 180, stop=170), equity=1_000_000)
    assert reduce_to_limit(book).cuts == () and "nothing to cut" in reduce_to_limit(book).note


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["NVDA", "ES=F", "MSFT", "BTC/USDT:USDT", "ETH/USDT:USDT"]),
                          st.floats(0.01, 300), st.floats(10, 90_000), st.floats(0.01, 0.5), st.floats(0, 3),
                          st.booleans()),
                min_size=1, max_size=6, unique_by=lambda t: t[0]),
       st.floats(10_000, 5_000_000), st.floats(0.1, 10), st.booleans())
def test_the_reduce_answer_never_leaves_the_book_above_its_limit(
    rows: list[tuple[str, float, float, float, float, bool]], equity: float, limit: float, one_book: bool
) -> None:
    positions = []
    for symbol, qty, price, stop_gap, beta, short in rows:
        signed = -qty if short else qty
        stop = price * (1 + stop_gap) if short else price * (1 - stop_gap)
        positions.append(position(symbol, signed, price, beta_es=beta, beta_btc=beta, stop=stop,
                                  multiplier=50 if symbol == "ES=F" else 1))
    book = book_of(*positions, equity=equity, limit=limit, one_book=one_book)
    reduction = reduce_to_limit(book)
    reduced = after_cuts(book, reduction)
    assert reduced.open_risk <= book.equity * limit / 100 * (1 + 1e-9) + 1e-6  # type: ignore[operator]
    assert reduction.risk_after == pytest.approx(reduced.open_risk, rel=1e-9, abs=1e-6)
    for cut in reduction.cuts:
        held = next(p for p in book.positions if p.symbol == cut.symbol)
        assert abs(cut.qty) <= abs(held.qty) and cut.qty * held.qty > 0


# --- re-entry -----------------------------------------------------------------------------------------


def hours(count: int, corr: float, vol: float, regime: Regime, start: int = 0) -> list[HourlyReading]:
    return [HourlyReading(T0 + (start + i) * H, corr, vol, regime) for i in range(count)]


def test_re_entry_after_48_normal_hours_following_stress() -> None:
    stress = hours(10, 0.8, 2.0, Regime.VOLATILITY_EVENT)
    assert re_entry_window(stress + hours(47, 0.3, 0.9, Regime.CALM, 10)) is None
    flag = re_entry_window(stress + hours(48, 0.3, 0.9, Regime.CALM, 10))
    assert flag is not None and flag.id is FlagId.RE_ENTRY_WINDOW and flag.severity is Severity.INFO
    assert flag.evidence["held_h"] == 48 and flag.evidence["stress_regime"] == "volatility_event"


def test_no_re_entry_without_stress_or_when_the_streak_breaks() -> None:
    assert re_entry_window(hours(100, 0.3, 0.9, Regime.CALM)) is None
    stress = hours(5, 0.8, 2.0, Regime.LIQUIDITY_SHOCK)
    broken = stress + hours(30, 0.3, 0.9, Regime.CALM, 5) + hours(1, 0.6, 0.9, Regime.CALM, 35) \
        + hours(30, 0.3, 0.9, Regime.CALM, 36)
    assert re_entry_window(broken) is None  # a correlation spike resets the clock (and it follows no stress)
    gap = stress + hours(30, 0.3, 0.9, Regime.CALM, 5) + hours(30, 0.3, 0.9, Regime.CALM, 40)
    assert re_entry_window(gap) is None  # a missing hour breaks the streak
    unknown = stress + hours(60, 0.3, 0.9, Regime.CALM, 5)
    unknown[-1] = HourlyReading(unknown[-1].ts, None, 0.9, Regime.CALM)
    assert re_entry_window(unknown) is None


# --- a planned trade's risk joins the book's -----------------------------------------------------------


def test_a_plan_adds_its_risk_to_the_book_one_book_or_rss() -> None:
    from cockpit.book import BookRisk
    from cockpit.config import load_config
    from cockpit.rules.pretrade import TradePlan, pretrade_flags
    from cockpit.sizing import Side

    profile = load_config().profile("swing")  # book_risk_pct 3
    plan = TradePlan("BTC/USDT:USDT", Side.LONG, 80_000, 76_000, 1.0, equity=500_000)  # risks 4,000
    book = BookRisk(equity_risk=12_000, crypto_risk=0.0, equity=500_000, limit_pct=3.0)  # 15,000 allowed
    assert not [f for f in pretrade_flags(plan, (), None, None, profile, book=book)
                if f.id is FlagId.BOOK_RISK_LIMIT]  # RSS: hypot(12,000, 4,000) = 12,649
    one = BookRisk(12_000, 0.0, 500_000, 3.0, one_book=True)  # SINGLE_RISK_BOOK: 16,000
    (flag,) = [f for f in pretrade_flags(plan, (), None, None, profile, book=one) if f.id is FlagId.BOOK_RISK_LIMIT]
    assert flag.evidence["total_risk"] == pytest.approx(16_000) and flag.evidence["one_book"] is True
    es_plan = TradePlan("ES=F", Side.LONG, 6000, 5990, 1.0, equity=500_000)  # 10 points × 50 = 500
    (es_flag,) = [f for f in pretrade_flags(es_plan, (), None, None, profile,
                                            book=BookRisk(14_800, 0, 500_000, 3.0)) if f.id is FlagId.BOOK_RISK_LIMIT]
    assert es_flag.evidence["plan_risk"] == pytest.approx(500)
    assert not pretrade_flags(es_plan, (), None, None, profile)  # no book known: not judged
