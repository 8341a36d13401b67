"""Hedges and cuts for the book (SPEC §12, pure): how much of a hedge instrument takes a share of the book's
ES-beta or BTC-beta away, and, for *reduce*, what to cut to get back within the book's risk limit.

Quantities are whole contracts (or shares), rounded towards the smaller hedge; the answer says when it rounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from cockpit.analytics.beta import Series, beta_to
from cockpit.book import AssetClass, Book, Position, combine_risk
from cockpit.contracts import multiplier as contract_multiplier


class Benchmark(StrEnum):
    """Which beta a hedge takes away."""

    ES = "es"
    BTC = "btc"


@dataclass(frozen=True, slots=True)
class Instrument:
    """A hedge instrument: its benchmark, contract multiplier, leverage factor (−1 for SH) and lot size."""

    symbol: str
    benchmark: Benchmark
    leverage: float = 1.0  # return per unit of the underlying's return: SH −1, SQQQ −3
    lot: float = 1.0  # the smallest tradable quantity (perps trade in 0.001 coin)
    underlying: str = ""  # whose beta to the benchmark applies (NQ=F for PSQ); "" is the benchmark itself
    kind: str = "future"


INSTRUMENTS: Mapping[str, Instrument] = {
    "MES=F": Instrument("MES=F", Benchmark.ES),
    "ES=F": Instrument("ES=F", Benchmark.ES),
    "NQ=F": Instrument("NQ=F", Benchmark.ES, underlying="NQ=F"),
    "MNQ=F": Instrument("MNQ=F", Benchmark.ES, underlying="NQ=F"),
    "BTC/USDT:USDT": Instrument("BTC/USDT:USDT", Benchmark.BTC, lot=0.001, kind="perp"),
    "ETH/USDT:USDT": Instrument("ETH/USDT:USDT", Benchmark.BTC, lot=0.01, underlying="ETH/USDT:USDT", kind="perp"),
    "SH": Instrument("SH", Benchmark.ES, leverage=-1.0, kind="inverse ETF"),
    "PSQ": Instrument("PSQ", Benchmark.ES, leverage=-1.0, underlying="NQ=F", kind="inverse ETF"),
    "SQQQ": Instrument("SQQQ", Benchmark.ES, leverage=-3.0, underlying="NQ=F", kind="inverse ETF"),
}


@dataclass(frozen=True, slots=True)
class Hedge:
    """One hedge answer: the signed quantity (negative is a short), its notional and the book's residual betas."""

    instrument: Instrument
    share: float
    price: float
    beta: float  # the underlying's beta to the benchmark used
    exact_qty: float  # before rounding (signed)
    qty: float  # whole contracts / lots (signed), rounded towards the smaller hedge
    target_exposure: float  # the beta-weighted exposure the share asks to remove
    residual_es: float
    residual_btc: float
    note: str

    @property
    def notional(self) -> float:
        """Signed notional of the hedge: qty × multiplier × price."""
        return self.qty * contract_multiplier(self.instrument.symbol) * self.price

    @property
    def side(self) -> str:
        """buy or sell."""
        return "buy" if self.qty > 0 else "sell" if self.qty < 0 else "none"

    @property
    def unit_exposure(self) -> float:
        """The benchmark exposure one contract (or lot) takes away."""
        return abs(contract_multiplier(self.instrument.symbol) * self.price * self.instrument.leverage * self.beta
                   * self.instrument.lot)


def _round_down(value: float, lot: float) -> float:
    """|value| rounded down to whole lots, with value's sign (a hair of float noise is not a lot short)."""
    lots = math.floor(abs(value) / lot * (1 + 1e-12) + 1e-9)
    return math.copysign(lots * lot, value) if lots else 0.0


def hedge_for(book: Book, instrument: Instrument, share: float, price: float, beta: float = 1.0,
              cross_beta: float = 0.0) -> Hedge:
    """The hedge that removes `share` of the book's beta to the instrument's benchmark.

    `beta` is the underlying's beta to that benchmark (1 for ES futures and the BTC perp), `cross_beta` its beta to
    the other benchmark (ES futures against BTC), so both residuals are honest.
    """
    if not 0 < share <= 1:
        raise ValueError(f"share must be above 0 and at most 1, got {share:g}")
    if not price > 0:
        raise ValueError(f"{instrument.symbol} needs a positive price, got {price:g}")
    exposure = book.es_beta_exposure if instrument.benchmark is Benchmark.ES else book.btc_beta_exposure
    per_unit = contract_multiplier(instrument.symbol) * price * instrument.leverage * beta
    target = share * exposure
    exact = -target / per_unit if per_unit else 0.0
    qty = _round_down(exact, instrument.lot)
    hedge_beta = qty * per_unit
    cross = qty * contract_multiplier(instrument.symbol) * price * instrument.leverage * cross_beta
    if instrument.benchmark is Benchmark.ES:
        residual_es, residual_btc = book.es_beta_exposure + hedge_beta, book.btc_beta_exposure + cross
    else:
        residual_es, residual_btc = book.es_beta_exposure + cross, book.btc_beta_exposure + hedge_beta
    unit = "contract" if instrument.kind == "future" else "share" if instrument.kind == "inverse ETF" else "coin"
    if abs(exact - qty) > 1e-9 * max(1.0, abs(exact)):
        note = (f"rounded from {abs(exact):,.4f} to {abs(qty):,.{_decimals(instrument.lot)}f} {unit}(s), "
                "towards the smaller hedge")
    else:
        note = "exact, no rounding"
    return Hedge(instrument, share, price, beta, exact, qty, target, residual_es, residual_btc, note)


def _decimals(lot: float) -> int:
    return max(0, -math.floor(math.log10(lot))) if lot < 1 else 0


# --- reduce -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cut:
    """One position to cut: how much (signed like the position), and the open risk it removes."""

    symbol: str
    qty: float
    of_qty: float
    risk_removed: float
    beta_weighted_risk: float


@dataclass(frozen=True, slots=True)
class Reduction:
    """What to cut, largest beta-weighted risk first, and the book's open risk after the cuts."""

    cuts: tuple[Cut, ...]
    risk_before: float
    risk_after: float
    limit: float | None
    note: str


def lot_size(position: Position) -> float:
    """Whole contracts and shares; crypto in thousandths of a coin."""
    return 0.001 if position.asset_class is AssetClass.CRYPTO else 1.0


def _combined(equity_risk: float, crypto_risk: float, one_book: bool) -> float:
    return combine_risk(max(0.0, equity_risk), max(0.0, crypto_risk), one_book)


def reduce_to_limit(book: Book) -> Reduction:
    """Cut the largest beta-weighted risks first until the open risk is within `book_risk_pct` of equity.

    Each cut is the smallest whole number of lots that is enough (rounded up, capped at the whole position).
    """
    limit = book.risk_limit
    before = book.open_risk
    if limit is None:
        return Reduction((), before, before, None, "no equity: set [book] equity or pass --equity to judge the limit")
    if before <= limit:
        return Reduction((), before, before, limit, "within the limit: nothing to cut")
    risks = {asset: book.class_risk(asset) for asset in AssetClass}
    cuts = []
    ranked = sorted((p for p in book.positions if (p.open_risk or 0.0) > 0),
                    key=lambda p: (-p.beta_weighted_risk, -(p.open_risk or 0.0), p.symbol))
    for position in ranked:
        now = _combined(risks[AssetClass.EQUITY], risks[AssetClass.CRYPTO], book.one_book)
        if now <= limit:
            break
        risk = position.open_risk or 0.0
        other = risks[AssetClass.CRYPTO if position.asset_class is AssetClass.EQUITY else AssetClass.EQUITY]
        mine = risks[position.asset_class]
        if book.one_book:
            allowed_mine = limit - other
        else:
            allowed_mine = math.sqrt(limit ** 2 - other ** 2) if limit > other else -1.0
        fraction = 1.0 if allowed_mine < 0 else min(1.0, max(0.0, (mine - allowed_mine) / risk))
        lot = lot_size(position)
        size = abs(position.qty)
        cut_size = min(size, math.ceil(fraction * size / lot * (1 - 1e-12) - 1e-9) * lot)
        if cut_size <= 0:
            continue
        removed = risk * cut_size / size
        risks[position.asset_class] = mine - removed
        cuts.append(Cut(position.symbol, math.copysign(cut_size, position.qty), position.qty, removed,
                        position.beta_weighted_risk))
    after = _combined(risks[AssetClass.EQUITY], risks[AssetClass.CRYPTO], book.one_book)
    note = "back within the limit" if after <= limit * (1 + 1e-9) else "still above: the rest has no stop to cut"
    return Reduction(tuple(cuts), before, after, limit, note)


def after_cuts(book: Book, reduction: Reduction) -> Book:
    """The book with the cuts applied (for checking an answer)."""
    cut = {c.symbol: c.qty for c in reduction.cuts}
    positions = tuple(replace(p, qty=p.qty - cut.get(p.symbol, 0.0)) for p in book.positions)
    return replace(book, positions=positions)


# --- a hedge answer from the book and the market's series ---------------------------------------------

DEFAULT_SHARE = 0.5  # `cockpit hedge` and the dialog start by hedging half the beta
PRICE_PROXIES = {"MES=F": "ES=F", "MNQ=F": "NQ=F", "ES=F": "MES=F", "NQ=F": "MNQ=F"}  # same index, same points


@dataclass(frozen=True, slots=True)
class HedgeAnswer:
    """A hedge, or the reason there is none (no price, nothing to hedge); where the price came from."""

    instrument: Instrument
    share: float
    hedge: Hedge | None
    reason: str | None = None
    price_from: str = ""


def parse_instrument(symbol: str) -> Instrument:
    """One of the hedge instruments, or ValueError naming them."""
    found = INSTRUMENTS.get(symbol.strip().upper()) or INSTRUMENTS.get(symbol.strip())
    if found is None:
        raise ValueError(f"unknown hedge instrument '{symbol}' (use {', '.join(INSTRUMENTS)})")
    return found


def check_share(share: float) -> float:
    """A share in (0, 1], else ValueError."""
    if not (math.isfinite(share) and 0 < share <= 1):
        raise ValueError(f"share must be above 0 and at most 1, got {share:g}")
    return share


def default_instrument(book: Book) -> Instrument:
    """MES=F when the book's ES-beta is the larger exposure, else the BTC perp."""
    return INSTRUMENTS["MES=F" if abs(book.es_beta_exposure) >= abs(book.btc_beta_exposure) else "BTC/USDT:USDT"]


def plan_hedge(book: Book, series: Mapping[str, Series], instrument: Instrument, share: float, *,
               price: float | None = None, es_symbol: str = "ES=F", btc_symbol: str = "BTC/USDT:USDT") -> HedgeAnswer:
    """The hedge for `share` of the book's beta, priced from the series (or `price`), with its betas from them."""
    check_share(share)
    price_from = "given"
    if price is None:
        for candidate in (instrument.symbol, PRICE_PROXIES.get(instrument.symbol, "")):
            if series.get(candidate):
                price, price_from = series[candidate][-1][1], f"last close of {candidate}"
                break
    if price is None:
        return HedgeAnswer(instrument, share, None, f"no price for {instrument.symbol} from the source: pass --price")
    exposure = book.es_beta_exposure if instrument.benchmark is Benchmark.ES else book.btc_beta_exposure
    if abs(exposure) < 1e-9:
        what = instrument.benchmark.value.upper()
        return HedgeAnswer(instrument, share, None, f"the book has no {what}-beta to hedge", price_from)
    underlying = instrument.underlying or (es_symbol if instrument.benchmark is Benchmark.ES else btc_symbol)
    own, other = (es_symbol, btc_symbol) if instrument.benchmark is Benchmark.ES else (btc_symbol, es_symbol)
    beta = beta_to(underlying, own, series, book.window_h, own=True).value
    cross = beta_to(underlying, other, series, book.window_h, own=False).value
    return HedgeAnswer(instrument, share, hedge_for(book, instrument, share, price, beta, cross), None, price_from)


# --- in words (the command and the screen's dialog show the same lines) ----------------------------------


def _qty(value: float) -> str:
    return f"{value:,.0f}" if math.isclose(value, round(value), abs_tol=1e-9) else f"{value:,.4f}".rstrip("0")


def hedge_lines(answer: HedgeAnswer) -> list[str]:
    """The hedge answer in words (the screen's dialog shows the same lines)."""
    instrument, hedge = answer.instrument, answer.hedge
    what = instrument.benchmark.value.upper()
    head = f"hedge {answer.share:.0%} of the {what}-beta with {instrument.symbol}"
    if instrument.leverage != 1:
        head += f" ({instrument.kind}, {instrument.leverage:+g}x)"
    if hedge is None:
        return [head, f"  {answer.reason}"]
    unit = {"future": "contract(s)", "inverse ETF": "share(s)"}.get(instrument.kind, "coin(s)")
    return [
        head,
        f"  {hedge.side} {_qty(abs(hedge.qty))} {unit} {instrument.symbol} at {hedge.price:,.2f} "
        f"({answer.price_from}): notional {abs(hedge.notional):,.0f}",
        f"  {hedge.note}",
        f"  residual ES-beta {hedge.residual_es:,.0f}   residual BTC-beta {hedge.residual_btc:,.0f}",
    ]


def reduce_lines(reduction: Reduction) -> list[str]:
    """The reduce answer in words."""
    lines = ["reduce: largest beta-weighted risk first, to get back within the book limit"]
    if reduction.limit is None:
        return [*lines, f"  {reduction.note}"]
    lines += [f"  cut {_qty(abs(c.qty))} of {_qty(abs(c.of_qty))} {c.symbol} "
              f"({'short' if c.qty < 0 else 'long'}): -{c.risk_removed:,.0f} risk" for c in reduction.cuts]
    lines.append(f"  open risk {reduction.risk_before:,.0f} -> {reduction.risk_after:,.0f} "
                 f"(limit {reduction.limit:,.0f}): {reduction.note}")
    return lines
