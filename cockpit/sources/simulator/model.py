"""One market model whose parts move together (SPEC §11).

A common risk factor drives every symbol through betas that rise with stress, so correlations compress
on their own; leaders carry their own, earlier break; yields, the dollar and the policy path follow a
hawkish channel; perps hold a book of leveraged positions whose liquidations push price further (the
flywheel), thinner on weekends. Paths are continuous in time; session-bound symbols are only observed
in their trading hours, so a Monday open gaps by the weekend's move.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from cockpit.analytics.bars import conform
from cockpit.sources.simulator.scenarios import CALM, Scenario
from cockpit.universe import Universe, market_open, policy_contracts, session_kind

WARMUP_H = 24 * 150  # 20 weekly bars for the long profile's trend, with room
BOOK_H = 24 * 16  # hours before the start that run the full perp book (7-day liquidation baseline and more)
MMR = 0.005
SPREADS = (-0.5, -0.2, 0.0, 0.2, 0.4)  # leverage spread of one hour's new positions (log scale)

START_PRICES = {
    "ES=F": 6950.0, "^TNX": 4.22, "DX-Y.NYB": 98.6, "SMH": 330.0, "SOXX": 285.0, "IGV": 104.0, "NVDA": 188.0,
    "AVGO": 345.0, "AMD": 232.0, "TSM": 305.0, "MU": 312.0, "MSFT": 482.0, "ORCL": 205.0, "PLTR": 182.0,
    "META": 660.0,
}
LEADER_BETAS = (1.35, 1.4, 1.15, 1.7, 1.5, 1.75, 1.4, 1.65, 1.05, 1.3, 1.8, 1.25)
CROWDING_SCALE = {"btc": 1.0, "eth": 0.7}  # ETH books carry less leverage than BTC's
PERPS = {"btc": (92000.0, 8.0e9, 0.9, 0.9), "eth": (3150.0, 4.0e9, 1.1, 1.1)}  # price, OI, beta, stress beta
POLICY_FRONT_RATE = 3.63
POLICY_STEP_BP = -4.0  # calm path: about one cut priced every six months


def channel(scenario: Scenario, name: str, hours: np.ndarray) -> np.ndarray:
    """A channel's value at each hour offset: keyframes interpolated, calm before the first one."""
    keys = scenario.keys.get(name)
    if not keys:
        return np.full(len(hours), CALM[name])
    xs = np.array([-WARMUP_H - 1.0, keys[0][0] - 24.0, *(k[0] for k in keys)])
    ys = np.array([CALM[name], CALM[name], *(k[1] for k in keys)])
    order = np.argsort(xs, kind="stable")
    values: np.ndarray = np.interp(hours, xs[order], ys[order])
    return values


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
        """Open interest in coins (longs equal shorts on a venue; we count the long side plus shorts / 2)."""
        return (self.long_total + self.short_total) * self.scale / 2


def _perp_path(
    market_returns: np.ndarray, stress: np.ndarray, build: np.ndarray, crowding: np.ndarray,
    weekend: np.ndarray, start_price: float, oi_usd: float, rng: np.random.Generator, book_from: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Price with liquidation impact, funding, OI (USD) and long/short liquidations (USD) per hour."""
    n = len(market_returns)
    log_price = np.log(start_price) + np.concatenate(([0.0], np.cumsum(market_returns[:-1])))
    closes = np.exp(log_price + market_returns)
    funding = np.full(n, np.nan)
    oi = np.full(n, np.nan)
    long_liq = np.full(n, np.nan)
    short_liq = np.full(n, np.nan)
    price = float(closes[book_from - 1]) if book_from > 0 else start_price
    book = Book()
    for _ in range(40):
        entry = price * math.exp(rng.normal(0.0, 0.03))
        book.add("long", entry, float(rng.uniform(2, 4)), oi_usd / price / 40)
        book.add("short", entry, float(rng.uniform(2, 4)), oi_usd / price / 40)
    noise = rng.normal(0.0, 1.0, size=(n, 5))
    decay_rate = 0.012
    premium = 0.0
    fundamental = price
    displacement = 0.0  # liquidation impact: pushes price away, then fades once the forced flow is done
    for t in range(book_from, n):
        open_price = price
        fundamental *= math.exp(float(market_returns[t]))
        displacement *= 0.92
        price = fundamental * math.exp(displacement)
        depth = oi_usd * 0.1 * (0.7 if weekend[t] else 1.0)
        liq_long_usd = liq_short_usd = 0.0
        for _ in range(6):
            long_usd = book.liquidate_longs(price) * price
            short_usd = book.liquidate_shorts(price) * price
            if long_usd == 0.0 and short_usd == 0.0:
                break
            liq_long_usd += long_usd
            liq_short_usd += short_usd
            impact = 0.015 * (math.sqrt(short_usd / depth) - math.sqrt(long_usd / depth))
            displacement += max(-0.03, min(0.03, impact))
            price = fundamental * math.exp(displacement)
        move = math.log(price / open_price)
        open_usd = book.open_coins * price
        background = open_usd * 0.00025 * math.exp(0.2 * float(noise[t, 0]))
        long_liq[t] = liq_long_usd + background * (1 + 15 * max(0.0, -move))
        short_liq[t] = liq_short_usd + background * 0.8 * math.exp(0.2 * float(noise[t, 1])) * (1 + 15 * max(0.0, move))
        book.decay(decay_rate)
        target_coins = oi_usd / price
        for spread in SPREADS:
            book.add("long", price, max(2.0, float(crowding[t]) * math.exp(spread + 0.1 * float(noise[t, 2]))),
                     target_coins * (decay_rate + float(build[t])) / len(SPREADS))
            book.add("short", price, max(1.5, 2.5 * math.exp(spread + 0.1 * float(noise[t, 3]))),
                     target_coins * decay_rate / len(SPREADS))
        premium = 0.85 * premium + 0.15 * move
        crowd = (book.long_total - book.short_total) / max(book.long_total + book.short_total, 1e-12)
        funding[t] = min(0.003, max(-0.003, 0.0001 * (1 + 6 * crowd) + 0.01 * premium
                                    + 0.00002 * float(noise[t, 4])))
        oi[t] = book.open_coins * price
        closes[t] = price
    return closes, funding, oi, long_liq, short_liq


def generate(scenario: Scenario, seed: int, universe: Universe | None = None) -> pl.DataFrame:
    """Warm-up plus scenario as canonical long-form 1h bars, deterministic in (scenario, seed)."""
    universe = universe or Universe()
    rng = np.random.default_rng(seed)
    n = WARMUP_H + scenario.hours
    hours = np.arange(-WARMUP_H, scenario.hours, dtype=float)
    stamps = [scenario.start + timedelta(hours=float(h)) for h in hours]
    weekend = np.array([ts.weekday() >= 5 for ts in stamps])
    ch = {name: channel(scenario, name, hours) for name in CALM}
    stress = ch["stress"]

    factor = ch["drift"] + (0.0012 + 0.005 * stress) * rng.normal(size=n)
    hawkish = rng.normal(size=n)
    sector = ch["leaders"] + 0.002 * rng.normal(size=n)
    crypto_common = ch["crypto"] + 0.003 * rng.normal(size=n)

    def anchored(log_returns: np.ndarray, start: float) -> np.ndarray:
        path = np.cumsum(log_returns)
        prices: np.ndarray = start * np.exp(path - path[WARMUP_H - 1])
        return prices

    series: dict[str, np.ndarray] = {}
    series[universe.index] = anchored(factor + 0.0012 * rng.normal(size=n), START_PRICES["ES=F"])
    tnx_bp = ch["rates"] + 0.35 * (1 + stress) * hawkish
    series[universe.us10y] = START_PRICES["^TNX"] + (np.cumsum(tnx_bp) - np.cumsum(tnx_bp)[WARMUP_H - 1]) / 100
    dxy_pct = ch["dollar"] + 0.02 * (1 + stress) * (0.6 * hawkish + 0.8 * rng.normal(size=n))
    series[universe.dxy] = anchored(np.log1p(dxy_pct / 100), START_PRICES["DX-Y.NYB"])
    policy_bp = ch["policy"] + 0.15 * (1 + stress) * (0.7 * hawkish + 0.7 * rng.normal(size=n))
    policy_level = (np.cumsum(policy_bp) - np.cumsum(policy_bp)[WARMUP_H - 1]) / 100
    for k, leader in enumerate(universe.leaders):
        beta = LEADER_BETAS[k % len(LEADER_BETAS)]
        returns = beta * factor + 0.8 * sector + 0.004 * rng.normal(size=n)
        series[leader] = anchored(returns, START_PRICES.get(leader, 100.0 + 10 * k))

    book_from = WARMUP_H - BOOK_H
    perp_extra: dict[str, tuple[np.ndarray, ...]] = {}
    for role, symbol in (("btc", universe.btc), ("eth", universe.eth)):
        price0, oi0, beta0, beta_stress = PERPS[role]
        idio = 0.0055 if role == "btc" else 0.007
        scale = 1.0 if role == "btc" else 1.2
        returns = (beta0 + beta_stress * stress) * factor + scale * crypto_common + idio * rng.normal(size=n)
        start = price0 * math.exp(-float(np.sum(returns[:WARMUP_H])))
        closes, funding, oi, long_liq, short_liq = _perp_path(
            returns, stress, ch["build"], ch["crowding"] * CROWDING_SCALE[role], weekend, start, oi0, rng, book_from
        )
        series[symbol] = closes
        perp_extra[symbol] = (funding, oi, long_liq, short_liq)

    masks = _week_masks(stamps, universe)
    front_then = POLICY_FRONT_RATE
    end = scenario.start + timedelta(hours=scenario.hours)
    months_spanned = (end.year - scenario.start.year) * 12 + end.month - scenario.start.month
    strip = (universe.policy_front, *policy_contracts(scenario.start, universe.policy_months + months_spanned))
    for m, symbol in enumerate(strip):
        series[symbol] = 100.0 - (front_then + (POLICY_STEP_BP * m) / 100 + policy_level * (1 + 0.15 * m))
    return _bars_frame(series, stamps, masks, universe, rng, perp_extra)


def _week_masks(stamps: list[datetime], universe: Universe) -> dict[str, np.ndarray]:
    """Trading-hour masks by session kind, from the calendar evaluated once per hour of the week."""
    first = stamps[0]
    week_hour = np.array([(ts.weekday() * 24 + ts.hour) for ts in stamps[:168]])
    hour_index = (np.arange(len(stamps)) + week_hour[0]) % 168
    monday = first - timedelta(days=first.weekday(), hours=first.hour)
    masks = {}
    for kind, probe in (("crypto", universe.btc), ("equity", universe.leaders[0] if universe.leaders else ""),
                        ("futures", universe.index)):
        by_week_hour = np.array([market_open(probe, universe, monday + timedelta(hours=h)) for h in range(168)])
        masks[kind] = by_week_hour[hour_index]
    return masks


def _bars_frame(
    series: dict[str, np.ndarray], stamps: list[datetime], masks: dict[str, np.ndarray], universe: Universe,
    rng: np.random.Generator, perp_extra: dict[str, tuple[np.ndarray, ...]],
) -> pl.DataFrame:
    """All symbols' OHLCV rows for the hours each trades (plus funding, OI and liquidations for perps), built once."""
    n = len(stamps)
    hours = np.datetime64(stamps[0].replace(tzinfo=None), "us") + np.arange(n) * np.timedelta64(3600, "s")
    names = list(series)
    closes = np.vstack([series[name] for name in names])
    opens = np.concatenate((closes[:, :1], closes[:, :-1]), axis=1)
    wiggle = np.abs(rng.normal(0.0, 0.0015, size=(2, *closes.shape)))
    highs = np.maximum(opens, closes) * (1 + wiggle[0])
    lows = np.minimum(opens, closes) * (1 - wiggle[1])
    volume = np.exp(rng.normal(10.0, 0.3, size=closes.shape))
    mask = np.vstack([masks[session_kind(name, universe)] for name in names])
    perp_names = ("funding_rate", "open_interest_usd", "long_liq_usd", "short_liq_usd")
    perp = {c: np.full(closes.shape, np.nan) for c in perp_names}
    for row, name in enumerate(names):
        for column, values in zip(perp_names, perp_extra.get(name, ()), strict=False):
            perp[column][row] = values
    frame = pl.DataFrame({
        "ts": np.broadcast_to(hours, closes.shape)[mask],
        "symbol": np.repeat(np.array(names), mask.sum(axis=1)),
        "open": opens[mask], "high": highs[mask], "low": lows[mask], "close": closes[mask], "volume": volume[mask],
        **{column: values[mask] for column, values in perp.items()},
    })
    return conform(frame.fill_nan(None)).sort(["ts", "symbol"])
