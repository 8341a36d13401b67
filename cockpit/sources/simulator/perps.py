"""A perp venue's book of leveraged positions (SPEC §11): funding from the premium, liquidations, impact.

Open interest is a set of blocks, each with its isolated liquidation price (SPEC §5) and a size in coins.
New positions arrive every hour with a spread of leverage around the crowd's median (a few x when calm,
higher while longs crowd); positions close in the ordinary course at a steady rate. When price reaches a
block's liquidation price the block is closed as a market order, which moves price (more on thin weekends)
and can reach the next block: the flywheel. Most of that impact stays in the price; the rest fades over a
day or so. Funding is the venue's formula: the premium plus the interest rate clamped to +-5 bp.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np

MMR = 0.005
# One hour's new positions: half is hedged or basis money at low leverage, the rest five blocks across the
# crowd's leverage spread; the highest leverage is the smallest money.
HEDGED_WEIGHT = 0.5
LEVERAGE_QUANTILES = (-0.8, -0.25, 0.25, 0.8, 1.5)
BLOCK_WEIGHTS = (0.17, 0.13, 0.1, 0.06, 0.04)
MAX_IMPACT_H = 0.02  # forced flow moves price at most this much (log) in one hour; liquidity providers absorb the rest
FUNDING_CAP = 0.00375  # the venue's cap per interval
LEVERAGE_SPREAD = 0.45  # log-sd of new positions' leverage around the crowd's median
INTEREST_8H = 0.0001  # the venues' interest component: 1 bp per 8 h
FUNDING_CLAMP = 0.0005
TURNOVER_H = 0.016  # share of positions closed (and replaced) in an ordinary hour: a mean holding of about 2.5 days
IMPACT = 0.003  # price impact of a forced order as big as the hour's depth (square-root law)
IMPACT_KEPT = 0.6  # share of a liquidation's impact that stays in the price
IMPACT_HALF_LIFE_H = 18.0


@dataclass
class Book:
    """Leveraged perp positions keyed by liquidation price; sizes in coins, scaled by a shared decay."""

    long_liq: list[float] = field(default_factory=list)
    long_qty: list[float] = field(default_factory=list)
    short_liq: list[float] = field(default_factory=list)
    short_qty: list[float] = field(default_factory=list)
    scale: float = 1.0
    long_total: float = 0.0
    short_total: float = 0.0

    def add(self, side: str, entry: float, leverage: float, qty: float) -> None:
        """Open a block of `qty` coins at `entry` with isolated liquidation at SPEC §5's price."""
        stored = qty / self.scale
        if side == "long":
            liq = entry * (1 - 1 / leverage + MMR)
            i = bisect.bisect_left(self.long_liq, liq)
            self.long_liq.insert(i, liq)
            self.long_qty.insert(i, stored)
            self.long_total += stored
        else:
            liq = entry * (1 + 1 / leverage - MMR)
            i = bisect.bisect_left(self.short_liq, liq)
            self.short_liq.insert(i, liq)
            self.short_qty.insert(i, stored)
            self.short_total += stored

    def add_spread(self, side: str, entry: float, leverages: list[float], qtys: list[float]) -> None:
        """Open one block per leverage at `entry` (the hour's spread), as `add` does for each."""
        scale = self.scale
        if side == "long":
            liqs, sizes, insort = self.long_liq, self.long_qty, bisect.bisect_left
            for leverage, qty in zip(leverages, qtys, strict=True):
                liq = entry * (1 - 1 / leverage + MMR)
                i = insort(liqs, liq)
                liqs.insert(i, liq)
                sizes.insert(i, qty / scale)
            self.long_total += sum(qtys) / scale
        else:
            liqs, sizes, insort = self.short_liq, self.short_qty, bisect.bisect_left
            for leverage, qty in zip(leverages, qtys, strict=True):
                liq = entry * (1 + 1 / leverage - MMR)
                i = insort(liqs, liq)
                liqs.insert(i, liq)
                sizes.insert(i, qty / scale)
            self.short_total += sum(qtys) / scale

    def add_unlevered(self, long_qty: float, short_qty: float) -> None:
        """Hedged or basis positions: open interest that no move in a week can liquidate (1.5x: -66 %)."""
        self.long_total += long_qty / self.scale
        self.short_total += short_qty / self.scale

    def liquidate_longs(self, price: float) -> float:
        """Close every long whose liquidation price the price reached; coins liquidated."""
        i = bisect.bisect_left(self.long_liq, price)
        stored = sum(self.long_qty[i:])
        del self.long_liq[i:], self.long_qty[i:]
        self.long_total -= stored
        return stored * self.scale

    def liquidate_shorts(self, price: float) -> float:
        """Close every short whose liquidation price the price reached; coins liquidated."""
        i = bisect.bisect_right(self.short_liq, price)
        stored = sum(self.short_qty[:i])
        del self.short_liq[:i], self.short_qty[:i]
        self.short_total -= stored
        return stored * self.scale

    def decay(self, rate: float) -> None:
        """Positions closed in the ordinary course: every block shrinks by `rate`."""
        self.scale *= 1 - rate

    @property
    def open_coins(self) -> float:
        """Open interest in coins: every position has a counterparty, so the mean of the two sides."""
        return (self.long_total + self.short_total) * self.scale / 2


@dataclass(frozen=True, slots=True)
class PerpInputs:
    """What drives one perp: its unlevered returns and the scenario's crowd, hour by hour."""

    returns: np.ndarray  # log returns before liquidation impact
    stress: np.ndarray
    build: np.ndarray  # extra long positions opened per hour, share of OI
    crowding: np.ndarray  # median leverage of new long positions
    deleverage: np.ndarray  # extra share of positions closed per hour (risk managers cutting)
    thin: np.ndarray  # thin liquidity (crypto weekend) flags
    oi_coins: float  # the venue's open interest in coins at rest


@dataclass(frozen=True, slots=True)
class PerpPath:
    """The perp's bars-to-be: closes, funding per interval, OI in coins, liquidations in USD per hour."""

    closes: np.ndarray
    funding: np.ndarray
    oi_coins: np.ndarray
    long_liq_usd: np.ndarray
    short_liq_usd: np.ndarray


SPREAD_FACTORS = tuple(math.exp(LEVERAGE_SPREAD * z) for z in LEVERAGE_QUANTILES)
SHORT_LEVERAGES = [max(1.5, 3.0 * f) for f in SPREAD_FACTORS]


def _add_flow(book: Book, price: float, long_coins: float, short_coins: float, long_median: float) -> None:
    """One hour's new positions on both sides: the hedged share, then the leverage spread."""
    book.add_unlevered(long_coins * HEDGED_WEIGHT, short_coins * HEDGED_WEIGHT)
    book.add_spread("long", price, [max(1.5, long_median * f) for f in SPREAD_FACTORS],
                    [long_coins * w for w in BLOCK_WEIGHTS])
    book.add_spread("short", price, SHORT_LEVERAGES, [short_coins * w for w in BLOCK_WEIGHTS])


def _seed_book(book: Book, price: float, coins: float, rng: np.random.Generator) -> None:
    """The book at rest: a month of calm positions at calm leverage around the current price."""
    for age in range(120):
        entry = price * math.exp(float(rng.normal(0.0, 0.012 * math.sqrt(age / 4 + 1))))
        qty = coins * TURNOVER_H * 4 * (1 - TURNOVER_H) ** (age * 4)
        _add_flow(book, entry, qty, qty, 3.5)


def perp_path(inputs: PerpInputs, start_price: float, rng: np.random.Generator, book_from: int) -> PerpPath:
    """Run the book from `book_from`; before it the perp is its unlevered path and has no perp figures."""
    returns = inputs.returns
    n = len(returns)
    closes = start_price * np.exp(np.cumsum(returns))
    funding = np.full(n, np.nan)
    oi = np.full(n, np.nan)
    long_liq = np.full(n, np.nan)
    short_liq = np.full(n, np.nan)
    price = float(closes[book_from - 1]) if book_from > 0 else start_price
    book = Book()
    _seed_book(book, price, inputs.oi_coins, rng)
    noise = rng.normal(0.0, 1.0, size=(n, 5))
    fundamental = price
    kept = 0.0  # liquidation impact that stays in the price
    fading = 0.0  # the part that fades once the forced flow is done
    fade = 0.5 ** (1 / IMPACT_HALF_LIFE_H)
    premium = 0.0
    forced = 0.0  # recent forced selling, share of OI (decays over about a day)
    closes_24h = [price] * 24
    for t in range(book_from, n):
        open_price = price
        fundamental *= math.exp(float(returns[t]))
        fading *= fade
        price = fundamental * math.exp(kept + fading)
        depth = book.open_coins * price * 0.12 * (0.6 if inputs.thin[t] else 1.0) * (1 - 0.3 * float(inputs.stress[t]))
        liq_long_usd = liq_short_usd = 0.0
        moved = 0.0
        for _ in range(8):
            long_usd = book.liquidate_longs(price) * price
            short_usd = book.liquidate_shorts(price) * price
            if long_usd == 0.0 and short_usd == 0.0:
                break
            liq_long_usd += long_usd
            liq_short_usd += short_usd
            impact = IMPACT * (math.sqrt(short_usd / depth) - math.sqrt(long_usd / depth))
            impact = max(-MAX_IMPACT_H - moved, min(MAX_IMPACT_H - moved, impact))
            moved += impact
            kept += IMPACT_KEPT * impact
            fading += (1 - IMPACT_KEPT) * impact
            price = fundamental * math.exp(kept + fading)
        move = math.log(price / open_price)
        open_usd = book.open_coins * price
        # Background: the many small accounts liquidated every hour: a wide lognormal spread, more on falls, at
        # most 5x the usual hour (a flush needs the book's blocks).
        background = open_usd * 0.00016
        long_bg = min(5.0, math.exp(0.7 * float(noise[t, 0])) * (1 + 60 * max(0.0, -move)))
        short_bg = min(5.0, math.exp(0.7 * float(noise[t, 1])) * (1 + 60 * max(0.0, move)))
        long_liq[t] = liq_long_usd + background * long_bg
        short_liq[t] = liq_short_usd + background * 0.8 * short_bg
        forced = 0.95 * forced + (liq_long_usd - liq_short_usd) / max(open_usd, 1.0)
        # Ordinary turnover (plus risk cuts in stress) closes positions; new ones replace them around the target.
        closing = TURNOVER_H + float(inputs.deleverage[t])
        book.decay(closing)
        gap = math.log(inputs.oi_coins / max(book.open_coins, 1e-9))
        opening = max(0.0, TURNOVER_H * (1 + 0.25 * gap + 0.08 * float(noise[t, 2])))
        flow = inputs.oi_coins * opening
        extra = inputs.oi_coins * float(inputs.build[t])
        median_long = float(inputs.crowding[t]) * math.exp(0.08 * float(noise[t, 3]))
        _add_flow(book, price, flow + extra, flow, median_long)
        # Premium: longs crowding the book pay up; a falling tape and forced selling push the perp below spot.
        closes_24h.append(price)
        momentum = math.log(price / closes_24h.pop(0))
        crowd = (book.long_total - book.short_total) / max(book.long_total + book.short_total, 1e-12)
        target = min(0.0015, max(-0.0012, 0.00008 + 0.018 * crowd + 0.008 * momentum - 0.2 * forced))
        premium = 0.8 * premium + 0.2 * target + 0.00008 * float(noise[t, 4])
        rate = premium + min(FUNDING_CLAMP, max(-FUNDING_CLAMP, INTEREST_8H - premium))
        funding[t] = min(FUNDING_CAP, max(-FUNDING_CAP, rate))
        oi[t] = book.open_coins
        closes[t] = price
    return PerpPath(closes, funding, oi, long_liq, short_liq)
