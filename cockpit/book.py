"""The book (SPEC §12, pure): positions marked to the source, exposure, rolling betas to ES and BTC, open risk
to stops, the book's limits and its flags.

Nothing here reads the clock or a file: holdings, price series and the account equity come in as arguments.
Betas come from `cockpit.analytics.beta` (rolling, on kept return pairs of 1h bars).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from cockpit.analytics.beta import BAR, BTC_FAMILY, Beta, Series, beta_to
from cockpit.contracts import multiplier as contract_multiplier
from cockpit.models import Flag, FlagId, Severity

CRYPTO_WORDS = ("BTC", "ETH", "SOL", "XBT", "USDT", "USDC")


class AssetClass(StrEnum):
    """Which risk bucket a holding belongs to."""

    EQUITY = "equity"
    CRYPTO = "crypto"


def asset_class(symbol: str) -> AssetClass:
    """Crypto for perps and coin pairs (`BTC/USDT:USDT`, `ETH-USD`), equity for stocks, ETFs and futures."""
    upper = symbol.upper()
    if "/" in upper or upper in BTC_FAMILY or any(upper.startswith(w) and "=" not in upper for w in CRYPTO_WORDS):
        return AssetClass.CRYPTO
    return AssetClass.EQUITY


@dataclass(frozen=True, slots=True)
class Holding:
    """What the trader holds: signed quantity (contracts for futures), entry price and stop where known."""

    symbol: str
    qty: float
    entry_price: float | None = None
    stop: float | None = None
    origin: str = "manual"  # journal (open FIFO lots), manual (typed in), import (a holdings CSV)


@dataclass(frozen=True, slots=True)
class Position:
    """One holding marked to the source: notional, betas, beta-weighted exposure and open risk."""

    symbol: str
    qty: float
    multiplier: float
    asset_class: AssetClass
    price: float | None
    entry_price: float | None
    stop: float | None
    age_s: float | None
    stale_reason: str | None
    beta_es: Beta
    beta_btc: Beta
    origin: str = "manual"

    @property
    def notional(self) -> float:
        """Signed notional: qty × multiplier × price (0 without a price)."""
        return self.qty * self.multiplier * (self.price or 0.0)

    @property
    def es_beta_notional(self) -> float:
        """The notional's ES-beta-weighted equivalent."""
        return self.notional * self.beta_es.value

    @property
    def btc_beta_notional(self) -> float:
        """The notional's BTC-beta-weighted equivalent."""
        return self.notional * self.beta_btc.value

    @property
    def open_risk(self) -> float | None:
        """What the position loses from here to its stop (0 when the stop is already through), None without one."""
        if self.stop is None or self.price is None:
            return None
        return max(0.0, (self.price - self.stop) * self.qty * self.multiplier)

    @property
    def through_stop(self) -> bool | None:
        """The price is at or past the stop (below a long's, above a short's): the stop should have filled, and
        the 0 at risk is no comfort: the loss may already be beyond it. None without a price or a stop."""
        if self.stop is None or self.price is None or not self.qty:
            return None
        return (self.price - self.stop) * self.qty <= 0

    @property
    def stop_side(self) -> str | None:
        """`at` a stop touched, `below` a long's or `above` a short's stop gone through; None while it holds."""
        if not self.through_stop:
            return None
        return "at" if self.price == self.stop else "below" if self.qty > 0 else "above"

    @property
    def unrealized(self) -> float | None:
        """Mark-to-market PnL against the entry price, None without both."""
        if self.entry_price is None or self.price is None:
            return None
        return (self.price - self.entry_price) * self.qty * self.multiplier

    @property
    def beta_weighted_risk(self) -> float:
        """Open risk × |beta to its own class's benchmark|: the order in which *reduce* cuts."""
        beta = self.beta_btc if self.asset_class is AssetClass.CRYPTO else self.beta_es
        return (self.open_risk or 0.0) * abs(beta.value)


@dataclass(frozen=True, slots=True)
class Book:
    """Every position and the totals of SPEC §12, with the limits of the profile."""

    positions: tuple[Position, ...]
    equity: float | None  # account equity now (as configured: what the broker shows), None when unknown
    one_book: bool  # SINGLE_RISK_BOOK active: equity and crypto risk add up
    window_h: int
    book_risk_pct_limit: float
    max_drawdown_pct_limit: float
    realized: float = 0.0
    peak_equity: float | None = None
    flags: tuple[Flag, ...] = field(default=())

    @property
    def gross(self) -> float:
        """Σ |notional|."""
        return sum(abs(p.notional) for p in self.positions)

    @property
    def net(self) -> float:
        """Σ notional."""
        return sum(p.notional for p in self.positions)

    def class_notional(self, asset: AssetClass) -> float:
        """Net notional of one asset class."""
        return sum(p.notional for p in self.positions if p.asset_class is asset)

    @property
    def es_beta_exposure(self) -> float:
        """Σ notional × beta to ES."""
        return sum(p.es_beta_notional for p in self.positions)

    @property
    def btc_beta_exposure(self) -> float:
        """Σ notional × beta to BTC."""
        return sum(p.btc_beta_notional for p in self.positions)

    def class_risk(self, asset: AssetClass) -> float:
        """Open risk to stops of one asset class (positions without a stop add nothing)."""
        return sum(p.open_risk or 0.0 for p in self.positions if p.asset_class is asset)

    @property
    def open_risk(self) -> float:
        """The book's open risk: equity + crypto while one book, else the root of the sum of squares."""
        return combine_risk(self.class_risk(AssetClass.EQUITY), self.class_risk(AssetClass.CRYPTO), self.one_book)

    @property
    def unrealized(self) -> float:
        """Σ unrealized PnL where entries are known."""
        return sum(p.unrealized or 0.0 for p in self.positions)

    @property
    def risk_pct(self) -> float | None:
        """Open risk as % of equity."""
        return None if not self.equity else self.open_risk / self.equity * 100

    @property
    def risk_limit(self) -> float | None:
        """The open risk the limit allows, in money."""
        return None if not self.equity else self.equity * self.book_risk_pct_limit / 100

    @property
    def drawdown_pct(self) -> float | None:
        """How far equity is below its peak, in %."""
        if not self.peak_equity or self.equity is None:
            return None
        return max(0.0, (self.peak_equity - self.equity) / self.peak_equity * 100)

    @property
    def without_stop(self) -> tuple[str, ...]:
        """Held symbols whose open risk is unknown (no stop)."""
        return tuple(p.symbol for p in self.positions if p.stop is None)


def combine_risk(equity_risk: float, crypto_risk: float, one_book: bool) -> float:
    """One book: the sum; otherwise the square root of the sum of squares (SPEC §12)."""
    return equity_risk + crypto_risk if one_book else math.hypot(equity_risk, crypto_risk)


# --- the book -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """A held symbol's price from the source: last close and its age, or why there is none."""

    price: float | None
    age_s: float | None = None
    stale_reason: str | None = None


def mark_from_series(symbol: str, series: Series, as_of: datetime, source: str) -> Mark:
    """The last close of the series with its age (a bar closes an hour after its stamp), or the reason for none."""
    if not series:
        return Mark(None, None, f"no bars for {symbol} from the {source} source")
    ts, close = series[-1]
    return Mark(close, max(0.0, (as_of - (ts + BAR)).total_seconds()))


def net_holdings(holdings: Sequence[Holding]) -> list[Holding]:
    """Holdings of one symbol summed into one (entry price weighted by quantity, the tightest stop kept)."""
    grouped: dict[str, list[Holding]] = {}
    for holding in holdings:
        grouped.setdefault(holding.symbol, []).append(holding)
    merged = []
    for symbol, parts in grouped.items():
        qty = sum(h.qty for h in parts)
        if abs(qty) < 1e-12:
            continue
        priced = [h for h in parts if h.entry_price is not None]
        entry = (sum(h.entry_price * h.qty for h in priced if h.entry_price is not None) / sum(h.qty for h in priced)
                 if priced and abs(sum(h.qty for h in priced)) > 1e-12 else None)
        stops = [h.stop for h in parts if h.stop is not None]
        stop = (max(stops) if qty > 0 else min(stops)) if stops else None
        origins = sorted({h.origin for h in parts})
        merged.append(Holding(symbol, qty, entry, stop, "+".join(origins)))
    return merged


@dataclass(frozen=True, slots=True)
class BookInputs:
    """Everything the book is built from besides the holdings."""

    as_of: datetime
    series: Mapping[str, Series]
    es_symbol: str = "ES=F"
    btc_symbol: str = "BTC/USDT:USDT"
    source: str = "demo"
    window_h: int = 168
    multipliers: Mapping[str, float] = field(default_factory=dict)
    equity: float | None = None  # the account equity now (realized and unrealized PnL are in it)
    realized_history: Sequence[tuple[datetime, float]] = ()  # (exit ts, realized PnL) of closed round trips
    one_book: bool = False
    book_risk_pct: float = 3.0
    max_drawdown_pct: float = 10.0
    prices: Mapping[str, float] = field(default_factory=dict)  # explicit marks (a holding's own --price)


def position_for(holding: Holding, inputs: BookInputs) -> Position:
    """One holding marked and beta-weighted."""
    series = inputs.series.get(holding.symbol, ())
    mark = mark_from_series(holding.symbol, series, inputs.as_of, inputs.source)
    if mark.price is None and holding.symbol in inputs.prices:
        mark = Mark(inputs.prices[holding.symbol], None, f"{mark.stale_reason}; marked at the price given")
    elif mark.price is None and holding.entry_price is not None:
        mark = Mark(holding.entry_price, None, f"{mark.stale_reason}; marked at its entry price")
    asset = asset_class(holding.symbol)
    return Position(
        symbol=holding.symbol, qty=holding.qty, multiplier=contract_multiplier(holding.symbol, inputs.multipliers),
        asset_class=asset, price=mark.price, entry_price=holding.entry_price, stop=holding.stop,
        age_s=mark.age_s, stale_reason=mark.stale_reason,
        beta_es=beta_to(holding.symbol, inputs.es_symbol, inputs.series, inputs.window_h,
                        own=asset is AssetClass.EQUITY),
        beta_btc=beta_to(holding.symbol, inputs.btc_symbol, inputs.series, inputs.window_h,
                         own=asset is AssetClass.CRYPTO),
        origin=holding.origin,
    )


def peak_equity(start: float, realized_history: Sequence[tuple[datetime, float]], now: float) -> float:
    """The highest equity seen: the start, after each closed trade (realized), and now (realized + unrealized).

    The start is reconstructed from now: equity now − realized − unrealized PnL.
    """
    peak, running = start, start
    for _, pnl in sorted(realized_history):
        running += pnl
        peak = max(peak, running)
    return max(peak, now)


def build_book(holdings: Sequence[Holding], inputs: BookInputs) -> Book:
    """Mark every holding, weigh it by beta, and judge the book against the profile's limits."""
    positions = tuple(position_for(h, inputs) for h in net_holdings(holdings))
    realized = sum(pnl for _, pnl in inputs.realized_history)
    book = Book(positions, None, inputs.one_book, inputs.window_h, inputs.book_risk_pct, inputs.max_drawdown_pct,
                realized)
    if inputs.equity is not None:
        now = inputs.equity
        start = now - realized - book.unrealized
        book = Book(positions, now, inputs.one_book, inputs.window_h, inputs.book_risk_pct,
                    inputs.max_drawdown_pct, realized, peak_equity(start, inputs.realized_history, now))
    return Book(book.positions, book.equity, book.one_book, book.window_h, book.book_risk_pct_limit,
                book.max_drawdown_pct_limit, book.realized, book.peak_equity, tuple(book_flags(book)))


def _money(value: float) -> str:
    return f"{value:,.0f}"


def book_flags(book: Book) -> list[Flag]:
    """BOOK_RISK_LIMIT and DRAWDOWN_LIMIT with their figures (nothing is judged without equity)."""
    flags = []
    risk_pct, limit = book.risk_pct, book.book_risk_pct_limit
    if risk_pct is not None and risk_pct > limit * (1 + 1e-9):
        how = "one book" if book.one_book else "root-sum-square of non-crypto and crypto"
        flags.append(Flag(
            FlagId.BOOK_RISK_LIMIT,
            Severity.CRITICAL if risk_pct > 1.5 * limit else Severity.WARNING,
            f"Book risk {risk_pct:.2f} % of equity to stops, above the {limit:g} % limit ({how}): "
            f"{_money(book.open_risk)} at risk, {_money(book.risk_limit or 0.0)} allowed",
            {"open_risk": book.open_risk, "risk_pct": risk_pct, "limit_pct": limit, "equity": book.equity,
             "equity_risk": book.class_risk(AssetClass.EQUITY), "crypto_risk": book.class_risk(AssetClass.CRYPTO),
             "one_book": book.one_book, "without_stop": ", ".join(book.without_stop)},
        ))
    drawdown, dd_limit = book.drawdown_pct, book.max_drawdown_pct_limit
    if drawdown is not None and drawdown > dd_limit * (1 + 1e-9):
        flags.append(Flag(
            FlagId.DRAWDOWN_LIMIT,
            Severity.CRITICAL,
            f"Drawdown {drawdown:.2f} % from the equity peak {_money(book.peak_equity or 0.0)}, "
            f"beyond the {dd_limit:g} % tolerance",
            {"drawdown_pct": drawdown, "limit_pct": dd_limit, "peak_equity": book.peak_equity,
             "equity": book.equity, "realized": book.realized, "unrealized": book.unrealized},
        ))
    return flags


# --- a planned trade against the book (SPEC §6 BOOK_RISK_LIMIT) --------------------------------------


@dataclass(frozen=True, slots=True)
class BookRisk:
    """What a plan's check needs of the book: open risk by class, the equity and the limit, one book or not."""

    equity_risk: float
    crypto_risk: float
    equity: float | None
    limit_pct: float
    one_book: bool = False

    @classmethod
    def of(cls, book: Book) -> BookRisk:
        """The book's risk figures."""
        return cls(book.class_risk(AssetClass.EQUITY), book.class_risk(AssetClass.CRYPTO), book.equity,
                   book.book_risk_pct_limit, book.one_book)


def plan_book_flag(symbol: str, plan_risk: float, plan_equity: float | None, book: BookRisk) -> Flag | None:
    """BOOK_RISK_LIMIT when the plan's risk plus the book's open risk is above the limit (one book or RSS)."""
    equity = plan_equity if plan_equity is not None else book.equity
    if not equity:
        return None
    crypto = asset_class(symbol) is AssetClass.CRYPTO
    equity_risk = book.equity_risk + (0.0 if crypto else plan_risk)
    crypto_risk = book.crypto_risk + (plan_risk if crypto else 0.0)
    total = combine_risk(equity_risk, crypto_risk, book.one_book)
    allowed = equity * book.limit_pct / 100
    if total <= allowed * (1 + 1e-9):
        return None
    before = combine_risk(book.equity_risk, book.crypto_risk, book.one_book)
    how = "one book" if book.one_book else "root-sum-square of non-crypto and crypto"
    return Flag(
        FlagId.BOOK_RISK_LIMIT,
        Severity.CRITICAL if total > 1.5 * allowed else Severity.WARNING,
        f"Book risk limit: this plan's {_money(plan_risk)} plus the book's {_money(before)} is {_money(total)} "
        f"({total / equity * 100:.2f} % of equity, {how}), above the {book.limit_pct:g} % limit of {_money(allowed)}",
        {"plan_risk": plan_risk, "book_risk": before, "total_risk": total, "allowed_risk": allowed,
         "risk_pct": total / equity * 100, "limit_pct": book.limit_pct, "equity": equity, "one_book": book.one_book},
    )
