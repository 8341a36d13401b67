"""The markets behind the trader-facing symptom tests (issue: "Signals a trader can trust").

Every builder returns a `Book` whose end is the moment evaluated (unless the test names others). Synthetic
markets start from `calm_universe` (six weeks of every default symbol) and change only what the symptom
needs. Real-history markets map daily rows of the `arch` package onto hourly bars (see `real_market`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
from refbars import (
    BTC,
    DXY,
    ES,
    ETH,
    LEADERS,
    TNX,
    VIX,
    Book,
    arch_daily,
    calm_universe,
    daily_to_cme,
    daily_to_stock,
    utc,
)

WEEKS = timedelta(weeks=6)


def synthetic(end: datetime, seed: int, **kw: float) -> Book:
    book = Book(end - WEEKS, end, seed=seed)
    calm_universe(book, **kw)
    return book


def last_hours(book: Book, hours: int) -> slice:
    return slice(book.n - hours, book.n)


def set_path(book: Book, symbol: str, where: slice, total_log: float, sd: float = 0.0) -> None:
    """Replace `symbol`'s increments in `where` with a steady move summing to `total_log` (plus noise)."""
    n = len(range(*where.indices(book.n)))
    book.inc[symbol][where] = total_log / n + book.rng.normal(0.0, sd, n) if sd else total_log / n


# --- synthetic symptoms ---------------------------------------------------------------------------------

WEEKEND_FRIDAY = utc(2026, 2, 6, 20)
WEEKEND_MONDAY = utc(2026, 2, 9, 0)


def weekend_gap() -> Book:
    """ES and BTC independent all week (BTC beta 0); over the weekend BTC falls 6 % (Saturday) while ES is
    shut, and ES reopens Sunday 17:00 Chicago 3 % lower. Ends Monday 9 Feb 2026 00:00 UTC."""
    book = synthetic(WEEKEND_MONDAY, seed=11, es_btc_beta=0.0)
    k = book.index
    set_path(book, BTC, slice(k(utc(2026, 2, 7, 6)), k(utc(2026, 2, 7, 18))), np.log(0.94))
    set_path(book, ETH, slice(k(utc(2026, 2, 7, 6)), k(utc(2026, 2, 7, 18))), np.log(0.93))
    book.inc[ES][k(utc(2026, 2, 8, 12))] += np.log(0.97)
    return book


def es_gap_5pct() -> Book:
    """ES reopens Sunday 17:00 Chicago 5 % below Friday's close; evaluated Monday 00:00 UTC (one bar in)."""
    book = synthetic(utc(2026, 2, 9, 0), seed=12)
    book.inc[ES][book.index(utc(2026, 2, 8, 12))] += np.log(0.95)
    return book


END = utc(2026, 2, 18, 16)  # a Wednesday, ES and stocks trading


def liq_36m_flat_price() -> Book:
    """A $3.6 M BTC long-liquidation hour (0.04 % of ~$8 B OI) with BTC -0.2 % over the last 4 h, on a
    quiet, narrow baseline of ~$1 M hours (log sd 0.3)."""
    book = synthetic(END, seed=21)
    for sym in (BTC, ETH):
        liq = book.perp[sym]["long_liq_usd"]
        liq[:] = np.median(liq) * np.exp(0.3 * np.clip(book.rng.normal(0.0, 1.0, book.n), -2.5, 2.5))
    set_path(book, BTC, last_hours(book, 4), np.log(0.998))
    book.perp[BTC]["long_liq_usd"][-1] = 3.6e6
    return book


def liq_zero_baseline() -> Book:
    """Every BTC and ETH long-liquidation hour is $0, then $300 M in the last hour with BTC -5.8 % over 4 h."""
    book = synthetic(END, seed=22)
    for sym in (BTC, ETH):
        book.perp[sym]["long_liq_usd"][:] = 0.0
        book.perp[sym]["short_liq_usd"][:] = 0.0
    book.perp[BTC]["long_liq_usd"][-1] = 3.0e8
    set_path(book, BTC, last_hours(book, 4), np.log(0.942))
    set_path(book, ETH, last_hours(book, 4), np.log(0.93))
    return book


ETH_FLUSH = utc(2026, 2, 18, 10)  # the flush bar; it is known at 11:00


def eth_flush() -> Book:
    """BTC calm; ETH -8 % over the 4 h to the end of its flush bar (10:00 UTC), $500 M of ETH longs
    liquidated in that hour (~7 % of OI), then ETH flat. Ends 18 Feb 2026 18:00 UTC."""
    book = synthetic(utc(2026, 2, 18, 18), seed=23)
    k = book.index(ETH_FLUSH)
    set_path(book, ETH, slice(k - 3, k + 1), np.log(0.92))
    book.inc[ETH][k + 1:] = 0.0
    book.perp[ETH]["long_liq_usd"][k] = 5.0e8
    return book


def price_down_coins_flat() -> Book:
    """BTC -10 % over the last 48 h (its peak 48 h ago), coin OI exactly unchanged for a week."""
    book = synthetic(END, seed=31)
    set_path(book, BTC, last_hours(book, 48), np.log(0.90))
    oi = book.perp[BTC]["open_interest"]
    oi[-24 * 7:] = oi[-24 * 7]
    return book


def coins_up_price_down() -> Book:
    """Over the last 24 h BTC coin OI +7 % while BTC falls 6 % (OI in USD about +0.6 %)."""
    book = synthetic(END, seed=32)
    set_path(book, BTC, last_hours(book, 24), np.log(0.94))
    oi = book.perp[BTC]["open_interest"]
    base = oi[-25]
    oi[-24:] = base * np.exp(np.linspace(np.log(1.07) / 24, np.log(1.07), 24))
    return book


def steady_btc_drop() -> Book:
    """BTC -10.9 % in a steady 24 h decline (hourly noise 0.33 %) after a week of 0.22 %/h noise; ES calm."""
    book = synthetic(END, seed=41, btc_sd=0.0022)
    set_path(book, BTC, last_hours(book, 24), np.log(1 - 0.109), sd=0.0033)
    return book


CRO_END = utc(2026, 2, 18, 20)


def both_down_uncorrelated() -> Book:
    """ES and BTC both fall for three days and their vol doubles in the last day, but BTC's hourly moves
    load -0.8 on ES's: the correlation on kept pairs is negative. Ends 18 Feb 2026 20:00 UTC."""
    book = synthetic(CRO_END, seed=51, es_btc_beta=-0.8)
    fall = last_hours(book, 72)
    book.inc[ES][fall] += np.log(0.95) / 72
    book.inc[BTC][fall] += np.log(0.88) / 72
    recent = last_hours(book, 24)
    book.inc[ES][recent] *= 2.2
    book.inc[BTC][recent] *= 2.2
    return book


# --- real history ----------------------------------------------------------------------------------------


def _holidays(rows: dict[date, tuple[float, float, float, float]], first: date, last: date) -> frozenset[date]:
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return frozenset(d for d in days if d.weekday() < 5 and d not in rows)


def real_market(first: str, last: str, end: datetime, seed: int, *, btc_beta: float = 0.0, btc_sd: float = 0.004,
                btc_drift: list[tuple[datetime, datetime, float]] = ()) -> Book:  # type: ignore[assignment]
    """ES=F, the leaders and ^VIX from the `arch` package's daily S&P 500, NASDAQ and VIX; the rest synthetic.

    - ES=F: S&P 500 cash closes at each CME trading day's last bar, bridged over the session hours
      (`daily_to_cme`: cash hours carry 3x drift and variance, the day's sd = ln(High/Low) / 1.596).
    - Leaders: the NASDAQ composite bridged over the 09:30-16:00 session (`daily_to_stock`, with its real
      overnight gaps), times a beta of 1.2-1.75, plus seeded 0.3 %/h own noise.
    - ^VIX: its daily closes bridged over the cash session with 2 %/h noise.
    - Weekdays without an S&P row are the US holidays of the Book (stocks shut, ES halted from noon).
    - BTC (no real history here): synthetic, `btc_beta` x ES's hourly move while ES trades, plus `btc_sd`
      noise and the given drifts (total log move spread over each [start, end) span); ETH 0.8 x BTC + noise.
    - ^TNX, DX-Y.NYB, ZQ=F, ^VIX3M, ^MOVE, HYG, LQD: calm seeded paths.
    """
    spx = arch_daily("sp500", first, last)
    ndx = arch_daily("nasdaq", first, last)
    vix = arch_daily("vix", first, last)
    first_day, last_day = min(spx), max(spx)
    start = datetime(first_day.year, first_day.month, first_day.day, tzinfo=end.tzinfo) + timedelta(hours=12)
    book = Book(start, end, seed=seed, holidays=_holidays(spx, first_day, last_day))
    calm_universe(book, skip=(ES, *LEADERS, VIX, BTC, ETH))
    es_inc = daily_to_cme(book, spx, spx[first_day][3])
    book.add(ES, spx[first_day][3], es_inc)
    nq_inc = daily_to_stock(book, LEADERS[0], ndx, ndx[first_day][3])
    for j, name in enumerate(LEADERS):
        book.add(name, 100.0 + 10 * j, (1.2 + 0.05 * j) * nq_inc + book.noise(0.003, closed_sd=0.0, symbol=name))
    book.add(VIX, vix[first_day][3], daily_to_stock(book, VIX, vix, vix[first_day][3], intraday_sd=0.02))
    btc_inc = book.noise(btc_sd) + btc_beta * np.where(book.is_open(ES), es_inc, 0.0)
    for a, b, total in btc_drift:
        span = slice(book.index(a), book.index(b))
        btc_inc[span] += total / (span.stop - span.start)
    book.add(BTC, 10000.0, btc_inc)
    book.add(ETH, 800.0, 0.8 * btc_inc + book.noise(btc_sd * 0.6))
    for sym, coins, liq_med in ((BTC, 90_000.0, 1.0e6), (ETH, 2_400_000.0, 0.6e6)):
        oi = coins * np.exp(np.cumsum(book.rng.normal(0.0, 0.001, book.n)))
        liq = liq_med * np.exp(0.8 * np.clip(book.rng.normal(0.0, 1.0, book.n), -2.5, 2.5))
        book.add_perp(sym, funding_rate=0.0001, funding_interval_h=8.0, oi_coins=oi, long_liq_usd=liq)
    return book


VOLMAGEDDON = utc(2018, 2, 5, 22)  # 16:00 Chicago: trading day 5 Feb 2018 complete (S&P -4.1 %)
FEB_7 = utc(2018, 2, 7, 22)
FEB_8 = utc(2018, 2, 8, 22)  # S&P -3.75 %, VIX 33.5


def feb_2018() -> Book:
    """1 Nov 2017 - 9 Feb 2018, ending 9 Feb 00:00 UTC. BTC (synthetic) loads 2.5x on ES's hourly moves
    and falls 40 % from 29 Jan to 6 Feb 2018 (its real fall then was about that size)."""
    return real_market("2017-11-01", "2018-02-09", utc(2018, 2, 9, 0), seed=2018_02_05, btc_beta=2.5,
                       btc_drift=[(utc(2018, 1, 29), utc(2018, 2, 6), np.log(0.6))])


SUNDAY_OCT_14 = utc(2018, 10, 14, 20)  # Sunday 15:00 Chicago; ES reopens at 22:00 UTC


def oct_2018() -> Book:
    """1 Aug - 12 Oct 2018 (10 Oct -3.3 %, 11 Oct -2.1 %), ending Sunday 14 Oct 2018 20:00 UTC. BTC
    synthetic and quiet (0.3 %/h, beta 0.3 to ES), as BTC was in October 2018."""
    return real_market("2018-08-01", "2018-10-12", SUNDAY_OCT_14, seed=2018_10_14, btc_beta=0.3, btc_sd=0.003)


LOWVOL_OCT_25 = utc(2017, 10, 25, 21)  # 16:00 Chicago (CDT): trading day 25 Oct 2017 complete
LOWVOL_DEC_1 = utc(2017, 12, 1, 22)  # 16:00 Chicago (CST): trading day 1 Dec 2017 complete


def lowvol_2017() -> Book:
    """1 Aug - 1 Dec 2017, VIX around 10, ending 1 Dec 2017 22:00 UTC (so it spans the 5 Nov DST change).
    BTC synthetic and calm (0.3 %/h), independent of ES."""
    return real_market("2017-08-01", "2017-12-01", LOWVOL_DEC_1, seed=2017_10_25, btc_sd=0.003)


# --- more synthetic markets -----------------------------------------------------------------------------

RATES_FRIDAY = utc(2026, 2, 13, 22)  # Globex just shut for the weekend
RATES_SUNDAY = utc(2026, 2, 15, 20)  # still shut


def rates_into_the_weekend() -> Book:
    """US10Y +7 bp and DXY +0.45 % over their last 24 open-market hours up to Friday's close; then the
    weekend (nothing trades). Ends Sunday 15 Feb 2026 20:00 UTC."""
    book = synthetic(RATES_SUNDAY, seed=61)
    for symbol, total in ((TNX, np.log((4.20 + 0.07) / 4.20)), (DXY, np.log(1.0045))):
        hours = np.flatnonzero(book.is_open(symbol))[-24:]
        book.inc[symbol][hours[0]:] = 0.0  # the daily halt and the weekend move nothing
        book.inc[symbol][hours] = total / 24
    return book


FRESH_END = END


def fresh_start(liq_usd: float) -> Book:
    """A perp venue started 20 h ago (BTC and ETH bars only for the last 20 h, the rest six weeks): BTC
    -3 % over the last 4 h and `liq_usd` of longs liquidated in the last hour (OI about $8 B)."""
    book = synthetic(FRESH_END, seed=71)
    for sym in (BTC, ETH):
        book.drop(sym, book.stamps[:-20])
    set_path(book, BTC, last_hours(book, 4), np.log(0.97))
    book.perp[BTC]["long_liq_usd"][-1] = liq_usd
    return book
