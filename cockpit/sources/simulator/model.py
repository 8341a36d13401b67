"""One market model whose parts move together (SPEC §11).

A common risk factor drives every symbol through betas that rise with stress, so correlations compress
on their own; leaders carry their own, earlier break; yields, the dollar and the policy path follow a
hawkish channel; implied vol, bond vol and credit follow the factor, the stress and the yields; perps hold
a book of leveraged positions whose liquidations push price further (the flywheel, see `perps`). Paths
are continuous in time, but the factor and the macro channels only drift while CME trades: a shut weekend
carries a little news and no scripted trend, so a Sunday open gaps by what the weekend told, not by a
week's drift. Session-bound symbols are only observed in their trading hours.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from cockpit.analytics.bars import conform
from cockpit.sources.simulator.perps import PerpInputs, perp_path
from cockpit.sources.simulator.scenarios import CALM, Scenario
from cockpit.universe import CHICAGO, Universe, equity_open, market_open, policy_contracts, session_kind, zone

WARMUP_H = 24 * 150  # 20 weekly bars for the long profile's trend, with room
BOOK_H = 24 * 16  # hours before the start that run the full perp book (7-day liquidation baseline and more)

START_PRICES = {
    "ES=F": 6950.0, "^TNX": 4.22, "DX-Y.NYB": 98.6, "SMH": 330.0, "SOXX": 285.0, "IGV": 104.0, "NVDA": 188.0,
    "AVGO": 345.0, "AMD": 232.0, "TSM": 305.0, "MU": 312.0, "MSFT": 482.0, "ORCL": 205.0, "PLTR": 182.0,
    "META": 660.0,
}
LEADER_BETAS = (1.35, 1.4, 1.15, 1.7, 1.5, 1.75, 1.4, 1.65, 1.05, 1.3, 1.8, 1.25)
# price, OI in coins, factor beta calm, extra beta at full stress, own-noise scale, crowd's leverage scale
PERPS = {"btc": (92000.0, 85_000.0, 0.1, 1.7, 1.0, 1.0), "eth": (3150.0, 1_250_000.0, 0.15, 1.9, 1.2, 0.85)}
FUNDING_INTERVAL_H = {"btc": 8.0, "eth": 8.0}
POLICY_FRONT_RATE = 3.63
POLICY_STEP_BP = -4.0  # calm path: about one cut priced every six months
FACTOR_VOL_H = 0.0013  # the common factor's hourly vol when calm, scaled by (1 + 2 stress)
SHUT_ACTIVITY = 0.2  # the factor's vol while CME is shut (weekend news), relative to an open hour


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


def ar1_log(target: np.ndarray, shocks: np.ndarray, speed: float) -> np.ndarray:
    """A level pulled toward `target` at `speed` per hour, in logs, with `shocks` added each hour."""
    log_target = np.log(target)
    level = float(log_target[0])
    out = np.empty(len(target))
    for t, (goal, shock) in enumerate(zip(log_target.tolist(), shocks.tolist(), strict=True)):
        level += speed * (goal - level) + shock
        out[t] = level
    return np.exp(out)


def _anchored(log_returns: np.ndarray, start: float) -> np.ndarray:
    path = np.cumsum(log_returns)
    prices: np.ndarray = start * np.exp(path - path[WARMUP_H - 1])
    return prices


def generate(scenario: Scenario, seed: int, universe: Universe | None = None) -> pl.DataFrame:
    """Warm-up plus scenario as canonical long-form 1h bars, deterministic in (scenario, seed)."""
    universe = universe or Universe()
    rng = np.random.default_rng(seed)
    n = WARMUP_H + scenario.hours
    hours = np.arange(-WARMUP_H, scenario.hours, dtype=float)
    stamps = [scenario.start + timedelta(hours=float(h)) for h in hours]
    masks = _session_masks(stamps, universe)
    ch = {name: channel(scenario, name, hours) for name in CALM}
    stress = ch["stress"]
    cme_open = masks["futures"].astype(float)
    # A shut market carries only its news: a fifth of an open hour's vol, and none of the scripted drift.
    activity = np.where(masks["futures"], 1.0, SHUT_ACTIVITY)

    factor = ch["drift"] * cme_open + FACTOR_VOL_H * (1 + 2.0 * stress) * activity * rng.normal(size=n)
    hawkish = rng.normal(size=n) * activity
    sector = (ch["leaders"] * cme_open + 0.0016 * activity * rng.normal(size=n))
    thin = _thin_windows(stamps)
    # crypto's own moves: quieter on the thin weekend (less flow); in stress the common factor takes over
    crypto_common = ch["crypto"] + 0.0031 * (1 - 0.75 * stress) * np.where(thin, 0.7, 1.0) * rng.normal(size=n)

    series: dict[str, np.ndarray] = {}
    es_returns = factor + 0.0005 * activity * rng.normal(size=n)
    series[universe.index] = _anchored(es_returns, START_PRICES["ES=F"])
    tnx_bp = ch["rates"] * cme_open + 0.35 * (1 + 0.6 * stress) * hawkish
    tnx_path = np.cumsum(tnx_bp)
    series[universe.us10y] = START_PRICES["^TNX"] + (tnx_path - tnx_path[WARMUP_H - 1]) / 100
    dxy_pct = ch["dollar"] * cme_open + 0.02 * (1 + stress) * (0.6 * hawkish + 0.8 * activity * rng.normal(size=n))
    series[universe.dxy] = _anchored(np.log1p(dxy_pct / 100), START_PRICES["DX-Y.NYB"])
    policy_bp = ch["policy"] * cme_open + 0.15 * (1 + stress) * (0.7 * hawkish + 0.7 * activity * rng.normal(size=n))
    policy_level = (np.cumsum(policy_bp) - np.cumsum(policy_bp)[WARMUP_H - 1]) / 100
    for k, leader in enumerate(universe.leaders):
        beta = LEADER_BETAS[k % len(LEADER_BETAS)]
        returns = beta * factor + 0.8 * sector + 0.004 * np.sqrt(activity) * rng.normal(size=n)
        series[leader] = _anchored(returns, START_PRICES.get(leader, 100.0 + 10 * k))
    series.update(_vol_and_credit(universe, stress, es_returns, tnx_bp, rng))

    book_from = WARMUP_H - BOOK_H
    perp_extra: dict[str, tuple[np.ndarray, ...]] = {}
    for role, symbol in (("btc", universe.btc), ("eth", universe.eth)):
        price0, coins, beta0, beta_stress, scale, crowd_scale = PERPS[role]
        idio = 0.0012 if role == "btc" else 0.0018
        returns = (beta0 + beta_stress * stress) * factor + scale * crypto_common + idio * rng.normal(size=n)
        start = price0 * math.exp(-float(np.sum(returns[:WARMUP_H])))
        crowding = 3.5 + (ch["crowding"] - 3.5) * crowd_scale
        inputs = PerpInputs(returns, stress, ch["build"], crowding, ch["deleverage"], thin, coins)
        path = perp_path(inputs, start, rng, book_from)
        series[symbol] = path.closes
        interval = np.where(np.isnan(path.funding), np.nan, FUNDING_INTERVAL_H[role])
        perp_extra[symbol] = (path.funding, interval, path.oi_coins, path.oi_coins * path.closes,
                              path.long_liq_usd, path.short_liq_usd)

    front_then = POLICY_FRONT_RATE
    end = scenario.start + timedelta(hours=scenario.hours)
    months_spanned = (end.year - scenario.start.year) * 12 + end.month - scenario.start.month
    strip = (universe.policy_front, *policy_contracts(scenario.start, universe.policy_months + months_spanned))
    for m, symbol in enumerate(strip):
        series[symbol] = 100.0 - (front_then + (POLICY_STEP_BP * m) / 100 + policy_level * (1 + 0.15 * m))
    return _bars_frame(series, stamps, masks, universe, rng, perp_extra)


def _vol_and_credit(
    universe: Universe, stress: np.ndarray, es_returns: np.ndarray, tnx_bp: np.ndarray, rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """VIX and VIX3M from stress and the index's moves; MOVE from yields' realized vol; HYG, LQD from spreads."""
    n = len(stress)
    out: dict[str, np.ndarray] = {}
    # Implied vol rises as the index falls; the front month more and faster, so stress inverts the curve.
    vix = ar1_log(13.0 + 27.0 * stress, -7.0 * es_returns + 0.012 * rng.normal(size=n), 0.12)
    vix3m = ar1_log(16.0 + 14.0 * stress, -2.5 * es_returns + 0.006 * rng.normal(size=n), 0.02)
    # MOVE follows a week of yields' realized vol, relative to a calm hour's.
    weight = 1 / 120
    squared = np.empty(n)
    level = 0.35**2
    for t, change in enumerate(np.square(tnx_bp).tolist()):
        level += weight * (change - level)
        squared[t] = level
    move = ar1_log(30.0 + 48.0 * np.sqrt(squared) / 0.37, 0.01 * rng.normal(size=n), 0.1)
    # Credit: HY spreads widen as stress persists (a day and a half of memory) and as the index falls; IG a fraction of
    # that; prices carry duration.
    lasting_stress = ar1_log(0.02 + stress, np.zeros(n), 1 / 36) - 0.02
    es_path = np.cumsum(es_returns) - np.cumsum(es_returns)[WARMUP_H - 1]
    hy_spread = 280.0 + 180.0 * lasting_stress - 900.0 * es_path
    hy_change = np.diff(hy_spread, prepend=hy_spread[0])
    hyg = -3.2 * (tnx_bp + hy_change) / 1e4 + 0.00015 * rng.normal(size=n)
    lqd = -8.3 * (tnx_bp + 0.1 * hy_change) / 1e4 + 0.00012 * rng.normal(size=n)
    for symbol, values in ((universe.vix, vix), (universe.vix3m, vix3m), (universe.move, move)):
        if symbol:
            out[symbol] = values
    if universe.hyg:
        out[universe.hyg] = _anchored(hyg, 80.5)
    if universe.lqd:
        out[universe.lqd] = _anchored(lqd, 110.0)
    return out


def _thin_windows(stamps: list[datetime]) -> np.ndarray:
    """Crypto's weekend: Friday 21:00 to Sunday 23:00 UTC (SPEC §13)."""
    week_hour = np.array([ts.weekday() * 24 + ts.hour for ts in stamps])
    return (week_hour >= 4 * 24 + 21) & (week_hour < 6 * 24 + 23)


def _session_masks(stamps: list[datetime], universe: Universe) -> dict[str, np.ndarray]:
    """Trading-hour masks by session kind from the calendar, evaluated once per hour of the week and offset.

    The calendar is DST-aware; New York and Chicago change their clocks on the same days, so the Chicago
    offset at each stamp (looked up once a day) and the hour of the week decide every session.
    """
    first = stamps[0]
    days = {(first + timedelta(days=d)).date(): None for d in range(len(stamps) // 24 + 2)}
    offsets = {day: (datetime(day.year, day.month, day.day, 12, tzinfo=first.tzinfo).astimezone(zone(CHICAGO))
                     .utcoffset() or timedelta(0)) for day in days}
    masks: dict[str, list[bool]] = {"crypto": [], "equity": [], "futures": []}
    cache: dict[tuple[int, timedelta], tuple[bool, bool]] = {}
    for ts in stamps:
        key = (ts.weekday() * 24 + ts.hour, offsets[ts.date()])
        if key not in cache:
            cache[key] = (equity_open(ts), market_open(universe.index, universe, ts))
        equity, futures = cache[key]
        masks["equity"].append(equity)
        masks["futures"].append(futures)
    masks["crypto"] = [True] * len(stamps)
    return {kind: np.array(values) for kind, values in masks.items()}


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
    perp_names = ("funding_rate", "funding_interval_h", "open_interest", "open_interest_usd", "long_liq_usd",
                  "short_liq_usd")
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
