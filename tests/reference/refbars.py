"""Seeded builder of long-form 1h bar files (SPEC §9) with real trading sessions.

Every instrument gets a *latent* log price on the full UTC hourly grid; a bar exists only while its
market is open, with `close` = the latent price at the bar's end and `open` = the latent price at its
start. A price that moves while the market is shut therefore shows up as an honest opening gap.

Sessions (hourly bars are stamped at the hour they start, in UTC):

- CME Globex (`ES=F`, `ZQ=F`, `^TNX`, `DX-Y.NYB`; SPEC §3 lists the last two with the CME roll): Sunday
  17:00 to Friday 16:00 America/Chicago, with the daily 16:00-17:00 halt. On a US holiday the session
  halts at 12:00 Chicago and reopens at 17:00 (the next trading day).
- US stocks and ETFs (leaders, `HYG`, `LQD`) and the CBOE indices (`^VIX`, `^VIX3M`, `^MOVE`): the
  regular 09:30-16:00 New York session as seven hourly bars (Yahoo's 09:30, 10:30 ... 15:30 bars), each
  stamped at the whole hour it starts in (09:00 ... 15:00 New York) so it aligns with the other whole-hour
  bars; closed on weekends and US holidays.
- Crypto perps: 24/7.

Both zones follow their own DST rules through `zoneinfo`, so the UTC hour of every open/halt moves on
the DST change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)

ES, BTC, ETH = "ES=F", "BTC/USDT:USDT", "ETH/USDT:USDT"
TNX, DXY, ZQ = "^TNX", "DX-Y.NYB", "ZQ=F"
VIX, VIX3M, MOVE, HYG, LQD = "^VIX", "^VIX3M", "^MOVE", "HYG", "LQD"
LEADERS = ("SMH", "SOXX", "IGV", "NVDA", "AVGO", "AMD", "TSM", "MU", "MSFT", "ORCL", "PLTR", "META")
CME = (ES, ZQ, TNX, DXY)
STOCKS = (*LEADERS, HYG, LQD, VIX, VIX3M, MOVE)
PERPS = (BTC, ETH)


def cme_trading_day(ts: datetime) -> date:
    """The CME trading date of the hour starting at `ts`: the day rolls at 17:00 Chicago (DST-aware)."""
    local = ts.astimezone(CHICAGO)
    return (local + timedelta(hours=7)).date()


def cme_open(ts: datetime, holidays: frozenset[date] = frozenset()) -> bool:
    """Whether Globex trades in the hour starting at `ts` (see the module docstring)."""
    local = ts.astimezone(CHICAGO)
    wd, h = local.weekday(), local.hour
    if local.date() in holidays and 12 <= h < 17:
        return False
    if wd == 5:
        return False
    if wd == 6:
        return h >= 17
    if wd == 4:
        return h < 16
    return h != 16


def stock_open(ts: datetime, holidays: frozenset[date] = frozenset()) -> bool:
    """Whether the US cash session has a bar stamped at `ts` (09:00 ... 15:00 New York, weekdays)."""
    local = ts.astimezone(NEW_YORK)
    return local.weekday() < 5 and local.date() not in holidays and 9 <= local.hour <= 15


def session_of(symbol: str) -> str:
    if symbol in PERPS:
        return "crypto"
    return "cme" if symbol in CME else "stock"


@dataclass
class Book:
    """A market under construction: latent hourly log increments per symbol on one UTC grid."""

    start: datetime
    end: datetime
    seed: int
    holidays: frozenset[date] = frozenset()
    level: dict[str, float] = field(default_factory=dict)
    inc: dict[str, np.ndarray] = field(default_factory=dict)
    missing: dict[str, set[int]] = field(default_factory=dict)
    perp: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = int((self.end - self.start) / HOUR)
        self.stamps = [self.start + k * HOUR for k in range(n)]
        self.rng = np.random.default_rng(self.seed)
        self.open_mask = {
            "crypto": np.ones(n, dtype=bool),
            "cme": np.array([cme_open(t, self.holidays) for t in self.stamps]),
            "stock": np.array([stock_open(t, self.holidays) for t in self.stamps]),
        }

    @property
    def n(self) -> int:
        return len(self.stamps)

    def index(self, ts: datetime) -> int:
        """Grid position of the hour starting at `ts`."""
        return int((ts - self.start) / HOUR)

    def is_open(self, symbol: str) -> np.ndarray:
        return self.open_mask[session_of(symbol)]

    def add(self, symbol: str, level: float, inc: np.ndarray) -> None:
        """A symbol with starting price `level` and latent hourly log increments `inc` (one per grid hour)."""
        assert inc.shape == (self.n,)
        self.level[symbol] = level
        self.inc[symbol] = inc.astype(float)

    def noise(self, sd: float, closed_sd: float | None = None, symbol: str | None = None) -> np.ndarray:
        """Gaussian hourly increments; hours the symbol's market is shut get `closed_sd` (default sd/4)."""
        out = self.rng.normal(0.0, sd, self.n)
        if symbol is not None:
            shut = ~self.is_open(symbol)
            out[shut] = self.rng.normal(0.0, sd / 4 if closed_sd is None else closed_sd, int(shut.sum()))
        return out

    def drop(self, symbol: str, stamps: list[datetime]) -> None:
        """Remove these bars (a feed outage: the bar is simply absent from the file)."""
        self.missing.setdefault(symbol, set()).update(self.index(t) for t in stamps)

    def add_perp(self, symbol: str, *, funding_rate: float, funding_interval_h: float, oi_coins: np.ndarray,
                 long_liq_usd: np.ndarray, short_liq_usd: np.ndarray | None = None) -> None:
        self.perp[symbol] = {
            "funding_rate": np.full(self.n, funding_rate),
            "funding_interval_h": np.full(self.n, float(funding_interval_h)),
            "open_interest": oi_coins.astype(float),
            "long_liq_usd": long_liq_usd.astype(float),
            "short_liq_usd": (long_liq_usd * 0.3 if short_liq_usd is None else short_liq_usd).astype(float),
        }

    def frame(self) -> pl.DataFrame:
        """The long-form bar table: one row per open, present bar of every symbol."""
        parts = []
        for symbol, inc in self.inc.items():
            log_close = np.log(self.level[symbol]) + np.cumsum(inc)
            log_open = log_close - inc
            close, open_ = np.exp(log_close), np.exp(log_open)
            wick = np.abs(self.rng.normal(0.0, 0.0015, (2, self.n)))
            high = np.maximum(open_, close) * np.exp(wick[0])
            low = np.minimum(open_, close) * np.exp(-wick[1])
            keep = self.is_open(symbol).copy()
            for k in self.missing.get(symbol, ()):
                keep[k] = False
            idx = np.flatnonzero(keep)
            cols: dict[str, object] = {
                "ts": [self.stamps[k] for k in idx],
                "symbol": [symbol] * len(idx),
                "open": open_[idx], "high": high[idx], "low": low[idx], "close": close[idx],
                "volume": np.round(self.rng.uniform(1e3, 1e4, len(idx)), 0),
            }
            if symbol in self.perp:
                p = self.perp[symbol]
                cols.update({k: v[idx] for k, v in p.items() if k != "open_interest"})
                cols["open_interest"] = p["open_interest"][idx]
                cols["open_interest_usd"] = p["open_interest"][idx] * close[idx]
            parts.append(pl.DataFrame(cols))
        frame = pl.concat(parts, how="diagonal_relaxed")
        order = ["ts", "symbol", "open", "high", "low", "close", "volume", "funding_rate", "funding_interval_h",
                 "open_interest", "open_interest_usd", "long_liq_usd", "short_liq_usd"]
        frame = frame.with_columns(pl.col("ts").cast(pl.Datetime("us", "UTC")))
        return frame.select([c for c in order if c in frame.columns]).sort("ts", "symbol")


def calm_universe(book: Book, *, es_btc_beta: float = 0.0, btc_sd: float = 0.004, es_sd: float = 0.0012,
                  skip: tuple[str, ...] = ()) -> np.ndarray:
    """Every default symbol with calm, seeded paths; returns the common equity factor used.

    `es_btc_beta` loads BTC on ES's own hourly moves while ES trades (0: independent).
    """
    factor = book.noise(es_sd, symbol=ES)
    if ES not in skip:
        book.add(ES, 6900.0, factor)
    if ZQ not in skip:
        book.add(ZQ, 96.40, book.noise(0.00002, symbol=ZQ))
    if TNX not in skip:
        book.add(TNX, 4.20, book.noise(0.0008, symbol=TNX))
    if DXY not in skip:
        book.add(DXY, 99.0, book.noise(0.0004, symbol=DXY))
    stock_sd = es_sd * 1.6
    for j, name in enumerate(LEADERS):
        if name not in skip:
            beta = 1.0 + 0.05 * j
            book.add(name, 100.0 + 20 * j, beta * factor * 1.3 + book.noise(stock_sd, symbol=name))
    for name, level, sd in ((HYG, 80.0, 0.0008), (LQD, 110.0, 0.0007), (VIX, 15.0, 0.01),
                            (VIX3M, 17.0, 0.006), (MOVE, 90.0, 0.006)):
        if name not in skip:
            book.add(name, level, book.noise(sd, symbol=name))
    es_open = book.is_open(ES)
    btc_inc = book.noise(btc_sd) + es_btc_beta * np.where(es_open, factor, 0.0)
    eth_inc = 0.8 * btc_inc + book.noise(btc_sd * 0.6)
    if BTC not in skip:
        book.add(BTC, 90000.0, btc_inc)
    if ETH not in skip:
        book.add(ETH, 3000.0, eth_inc)
    for sym, coins, liq_med in ((BTC, 90_000.0, 1.0e6), (ETH, 2_400_000.0, 0.6e6)):
        if sym in skip:
            continue
        oi = coins * np.exp(np.cumsum(book.rng.normal(0.0, 0.001, book.n)))
        # lognormal hours clipped at 2.5 sd: no calm hour reaches liq_z 3, every flush is a planted one
        liq = liq_med * np.exp(0.8 * np.clip(book.rng.normal(0.0, 1.0, book.n), -2.5, 2.5))
        interval = 1.0 if sym == BTC else 8.0
        rate = 0.0000125 if sym == BTC else 0.0001
        book.add_perp(sym, funding_rate=rate, funding_interval_h=interval, oi_coins=oi, long_liq_usd=liq)
    return factor


# --- files -------------------------------------------------------------------------------------------


def cut(frame: pl.DataFrame, at: datetime) -> pl.DataFrame:
    """The bars known at `at`: every bar whose hour has ended (ts + 1h <= at)."""
    return frame.filter(pl.col("ts") <= at - HOUR)


def write_one(frame: pl.DataFrame, stem: Path, fmt: str) -> Path:
    """The bars as `stem.parquet`, or as `stem.csv` with ISO-8601 UTC `ts` and full float precision."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    path = stem.with_suffix(f".{fmt}")
    if fmt == "parquet":
        frame.write_parquet(path)
    else:
        frame.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(path, float_precision=None)
    return path


def write_both(frame: pl.DataFrame, folder: Path, name: str) -> dict[str, Path]:
    """The same bars as Parquet and as CSV."""
    return {fmt: write_one(frame, folder / name, fmt) for fmt in ("parquet", "csv")}


# --- real daily history mapped onto hourly bars -------------------------------------------------------


def _bridge(rng: np.random.Generator, total: float, weights: np.ndarray, day_sd: float) -> np.ndarray:
    """Hourly increments summing exactly to `total`: drift and variance split by `weights`, seeded noise."""
    share = weights / weights.sum()
    noise = rng.normal(0.0, 1.0, len(weights)) * day_sd * np.sqrt(share)
    return total * share + noise - share * noise.sum()


def daily_to_cme(book: Book, daily: dict[date, tuple[float, float, float, float]], first_close: float) -> np.ndarray:
    """ES=F hourly increments from daily (open, high, low, close) rows keyed by trading date.

    Each CME trading day d (Chicago 17:00 of the day before to 16:00 of d) gets the close-to-close log
    return ln(C_d / C_{d-1}) spread over its open hours, so the last bar of d closes exactly at C_d. The
    intraday path is a Brownian bridge: cash-session hours (08:00-14:00 Chicago bars) carry three times the
    drift and variance of the overnight hours, and the day's total sd is ln(H/L) / 1.596 (the expected
    range of a Brownian path is 1.596 sd). Closed hours move nothing, so sessions open where they closed.
    A trading day with no daily row (a holiday) moves nothing. Returns the increments; the price level
    starts at `first_close`.
    """
    inc = np.zeros(book.n)
    opened = book.is_open(ES)
    by_day: dict[date, list[int]] = {}
    for k, ts in enumerate(book.stamps):
        if opened[k]:
            by_day.setdefault(cme_trading_day(ts), []).append(k)
    prev = first_close
    for day in sorted(by_day):
        if day not in daily:
            continue
        _, high, low, close = daily[day]
        ks = by_day[day]
        hours_local = np.array([book.stamps[k].astimezone(CHICAGO).hour for k in ks])
        weights = np.where((hours_local >= 8) & (hours_local <= 14), 3.0, 1.0)
        inc[ks] = _bridge(book.rng, np.log(close / prev), weights, np.log(high / low) / 1.596)
        prev = close
    return inc


def daily_to_stock(book: Book, symbol: str, daily: dict[date, tuple[float, float, float, float]],
                   first_close: float, *, intraday_sd: float | None = None) -> np.ndarray:
    """A stock/index's hourly increments from daily (open, high, low, close) rows keyed by New York date.

    The overnight gap ln(O_d / C_{d-1}) is put in the closed hour just before the first bar (so the first
    bar opens at O_d); ln(C_d / O_d) is bridged over the seven session bars with day sd ln(H/L) / 1.596
    (or `intraday_sd` when the rows carry no range), so the last bar closes exactly at C_d. A close-only
    row (open NaN, as `arch_daily("vix", ...)` gives) has no gap: ln(C_d / C_{d-1}) is bridged intraday.
    """
    inc = np.zeros(book.n)
    opened = book.is_open(symbol)
    by_day: dict[date, list[int]] = {}
    for k, ts in enumerate(book.stamps):
        if opened[k]:
            by_day.setdefault(ts.astimezone(NEW_YORK).date(), []).append(k)
    prev = first_close
    for day in sorted(by_day):
        if day not in daily:
            continue
        open_, high, low, close = daily[day]
        ks = by_day[day]
        if np.isnan(open_):  # a close-only series (VIX): the whole day's change is bridged intraday
            open_ = prev
        if ks[0] > 0:
            inc[ks[0] - 1] += np.log(open_ / prev)
        sd = np.log(high / low) / 1.596 if intraday_sd is None else intraday_sd
        inc[ks] = _bridge(book.rng, np.log(close / open_), np.ones(len(ks)), sd)
        prev = close
    return inc


def arch_daily(name: str, first: str, last: str) -> dict[date, tuple[float, float, float, float]]:
    """Daily rows of the `arch` package's bundled history (sp500, nasdaq: OHLC; vix: close only, open NaN)."""
    import importlib

    module = importlib.import_module(f"arch.data.{name}")
    data = module.load().loc[first:last]
    out: dict[date, tuple[float, float, float, float]] = {}
    for stamp, row in data.iterrows():
        if name == "vix":
            v = float(row["vix"])
            out[stamp.date()] = (float("nan"), v, v, v)
        else:
            out[stamp.date()] = (float(row["Open"]), float(row["High"]), float(row["Low"]), float(row["Close"]))
    return out


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
