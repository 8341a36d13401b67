"""Holdings in the journal (typed in or imported), the journal's open FIFO lots as holdings, and the book built
from them and a market state (SPEC §12).

`cockpit book import FILE` replaces every imported holding in one transaction (a broker's positions export is a
picture of now, so importing it again never doubles it); holdings typed in stay until removed.
"""

from __future__ import annotations

import csv
import math
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.book import Book, BookInputs, Holding, build_book
from cockpit.errors import UserError
from cockpit.journal.fills import Fill, OpenLot, match_fifo
from cockpit.journal.store import to_db_time, transaction
from cockpit.models import Flag, FlagId, MarketState, Snapshot

if TYPE_CHECKING:
    import polars as pl

    from cockpit.analytics.beta import Series
    from cockpit.config import Config, Profile
    from cockpit.reentry import HourlyReading
    from cockpit.universe import Universe

# Yahoo tickers (NVDA, BRK-B, ES=F, ^VIX, DX-Y.NYB) and ccxt unified symbols (BTC/USDT:USDT).
SYMBOL_PATTERN = re.compile(r"^[A-Z0-9^][A-Z0-9.=^\-]{0,19}(/[A-Z0-9]{2,10}(:[A-Z0-9]{2,10})?)?$")
MAX_QTY = 1e12


class HoldingError(UserError):
    """A holding that cannot be stored (names the field, or the file and line)."""


def parse_symbol(text: str) -> str:
    """A ticker or perp symbol, upper-cased; anything else is a HoldingError."""
    symbol = text.strip().upper()
    if not SYMBOL_PATTERN.match(symbol):
        raise HoldingError(f"unknown symbol '{text.strip()}' (a Yahoo ticker like NVDA or ES=F, "
                           "or a perp like BTC/USDT:USDT)")
    return symbol


def parse_amount(text: str | float, name: str) -> float:
    """A finite number above zero; HoldingError otherwise."""
    if not str(text).strip():
        raise HoldingError(f"{name} is empty (a number above zero)")
    try:
        value = float(str(text).strip().replace("_", "").replace(",", ""))
    except ValueError:
        raise HoldingError(f"{name} must be a number, got '{text}'") from None
    if not math.isfinite(value) or not 0 < value < MAX_QTY:
        raise HoldingError(f"{name} must be greater than zero, got '{text}'")
    return value


def holding_from_text(symbol: str, qty: str | float, price: str | float | None = None,
                      stop: str | float | None = None, *, short: bool = False, origin: str = "manual") -> Holding:
    """One holding from user text: a known symbol, a positive quantity (a short is `short`), optional price and stop."""
    amount = parse_amount(qty, "qty")
    return Holding(
        symbol=parse_symbol(symbol),
        qty=-amount if short else amount,
        entry_price=None if price in (None, "") else parse_amount(price, "price"),
        stop=None if stop in (None, "") else parse_amount(stop, "stop"),
        origin=origin,
    )


def read_holdings_csv(path: Path) -> list[Holding]:
    """Holdings from a CSV with `symbol,qty` and optionally `price,stop,side` (side: long or short)."""
    holdings = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip().lower() for c in reader.fieldnames or []]
            missing = [c for c in ("symbol", "qty") if c not in columns]
            if missing:
                raise HoldingError(f"{path}: missing column(s) {', '.join(missing)} (expected symbol,qty,price,stop)")
            for row in reader:
                values = {str(k).strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
                if not any(values.values()):
                    continue
                side = values.get("side", "").lower() or "long"
                try:
                    if side not in ("long", "short"):
                        raise HoldingError(f"side must be long or short, got '{side}'")
                    holdings.append(holding_from_text(values["symbol"], values["qty"], values.get("price"),
                                                      values.get("stop"), short=side == "short", origin="import"))
                except HoldingError as exc:
                    raise HoldingError(f"{path}:{reader.line_num}: {exc}") from None
    except FileNotFoundError:
        raise HoldingError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise HoldingError(f"{path}: cannot read holdings ({exc})") from None
    return holdings


# --- the store ----------------------------------------------------------------------------------------


def add_holding(con: sqlite3.Connection, holding: Holding, at: datetime) -> None:
    """Store one holding typed in."""
    with transaction(con):
        con.execute("INSERT INTO holdings (symbol, qty, price, stop, source, added_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (holding.symbol, holding.qty, holding.entry_price, holding.stop, "manual", to_db_time(at)))


def import_holdings(con: sqlite3.Connection, holdings: Iterable[Holding], at: datetime) -> int:
    """Replace every imported holding with these, in one transaction; returns how many were stored."""
    rows = [(h.symbol, h.qty, h.entry_price, h.stop, "import", to_db_time(at)) for h in holdings]
    with transaction(con):
        con.execute("DELETE FROM holdings WHERE source = 'import'")
        con.executemany("INSERT INTO holdings (symbol, qty, price, stop, source, added_at) VALUES (?, ?, ?, ?, ?, ?)",
                        rows)
    return len(rows)


def remove_holdings(con: sqlite3.Connection, symbol: str) -> int:
    """Delete every stored holding of `symbol` (typed in or imported); returns how many."""
    with transaction(con):
        return con.execute("DELETE FROM holdings WHERE symbol = ?", (symbol,)).rowcount


def load_holdings(con: sqlite3.Connection) -> list[Holding]:
    """The stored holdings, oldest first."""
    rows = con.execute("SELECT symbol, qty, price, stop, source FROM holdings ORDER BY id").fetchall()
    return [Holding(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def lots_as_holdings(lots: Sequence[OpenLot]) -> list[Holding]:
    """The journal's open FIFO lots as holdings (a short lot is a negative quantity)."""
    return [Holding(lot.symbol, lot.qty if lot.side == "long" else -lot.qty, lot.entry_price, None, "journal")
            for lot in lots]


@dataclass(frozen=True, slots=True)
class StoredBook:
    """What the journal knows of the book: holdings (stored and open lots) and the realized PnL history."""

    holdings: tuple[Holding, ...]
    realized_history: tuple[tuple[datetime, float], ...]


def read_book(con: sqlite3.Connection, multipliers: Mapping[str, float] | None = None) -> StoredBook:
    """Stored holdings plus the open lots and closed round trips of the journal's fills."""
    from cockpit.journal.fills import load_fills

    fills: list[Fill] = load_fills(con)
    trips, lots = match_fifo(fills, multipliers)
    return StoredBook(tuple(load_holdings(con)) + tuple(lots_as_holdings(lots)),
                      tuple((t.exit_ts, t.pnl) for t in trips))


def held_symbols(con: sqlite3.Connection) -> tuple[str, ...]:
    """Every symbol the book holds (stored holdings and the fills' symbols)."""
    stored = [r[0] for r in con.execute("SELECT DISTINCT symbol FROM holdings")]
    traded = [r[0] for r in con.execute("SELECT DISTINCT symbol FROM fills")]
    return tuple(dict.fromkeys([*stored, *traded]))


# --- the book of a market state -----------------------------------------------------------------------


def series_from_bars(bars: pl.DataFrame, symbols: Iterable[str], as_of: datetime, hours: int) -> dict[str, Series]:
    """(ts, close) of the completed 1h bars of each symbol over the last `hours` (symbols without bars left out)."""
    import polars as pl

    wanted = list(dict.fromkeys(symbols))
    if bars.is_empty() or not wanted:
        return {}
    frame = (bars.filter(pl.col("symbol").is_in(wanted) & (pl.col("ts") <= as_of - timedelta(hours=1))
                         & (pl.col("ts") > as_of - timedelta(hours=hours + 1)))
             .select("ts", "symbol", "close").drop_nulls().sort("ts"))
    series: dict[str, list[tuple[datetime, float]]] = {}
    for ts, symbol, close in frame.iter_rows():
        if close > 0:
            series.setdefault(symbol, []).append((ts, float(close)))
    return {symbol: tuple(rows) for symbol, rows in series.items()}


def book_for_state(
    stored: StoredBook,
    state: MarketState,
    snapshot: Snapshot | None,
    profile: Profile,
    universe: Universe,
    *,
    multipliers: Mapping[str, float] | None = None,
    equity: float | None = None,
    extra_symbols: Iterable[str] = (),
) -> tuple[Book, dict[str, Series]]:
    """The book marked to the state's bars, with SINGLE_RISK_BOOK taken from the snapshot's flags."""
    btc = universe.btc
    symbols = [h.symbol for h in stored.holdings] + [universe.index, btc, universe.btc_fallback, *extra_symbols]
    series = series_from_bars(state.bars, symbols, state.as_of, profile.beta_window_h + 48)
    if btc not in series and universe.btc_fallback in series:
        btc = universe.btc_fallback
    one_book = bool(snapshot and any(f.id is FlagId.SINGLE_RISK_BOOK for f in snapshot.flags))
    inputs = BookInputs(
        as_of=state.as_of, series=series, es_symbol=universe.index, btc_symbol=btc, source=state.kind.value,
        window_h=profile.beta_window_h, multipliers=multipliers or {},
        equity=equity, realized_history=stored.realized_history,
        one_book=one_book, book_risk_pct=profile.book_risk_pct, max_drawdown_pct=profile.max_drawdown_pct,
    )
    return build_book(stored.holdings, inputs), series


def load_book_for_state(
    config: Config,
    state: MarketState,
    snapshot: Snapshot | None,
    profile: Profile,
    hourly: Sequence[HourlyReading] = (),
    extra_symbols: Iterable[str] = (),
) -> tuple[Book, dict[str, Series], tuple[Flag, ...]]:
    """The journal's book marked to `state` (no journal: an empty book), and RE_ENTRY_WINDOW where the profile
    has it, judged on the hourly readings given."""
    from cockpit.journal.store import connect, journal_path
    from cockpit.reentry import re_entry_window

    stored = StoredBook((), ())
    if journal_path().exists():
        con = connect()
        try:
            stored = read_book(con, config.multipliers)
        finally:
            con.close()
    book, series = book_for_state(stored, state, snapshot, profile, config.universe, multipliers=config.multipliers,
                                  equity=config.equity, extra_symbols=extra_symbols)
    flag = None
    if profile.re_entry_window:
        flag = re_entry_window(hourly, max_corr=profile.re_entry_corr_4h, max_vol_ratio=profile.re_entry_vol_ratio,
                               hold_h=profile.re_entry_hold_h)
    return book, series, (flag,) if flag else ()
