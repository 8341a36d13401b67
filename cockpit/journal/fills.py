"""Fills: CSV parsing and validation, the atomic idempotent import, and FIFO round trips with realized PnL.

A broker's CSV has the columns `ts,symbol,side,qty,price,fee` (fee optional, extra columns ignored). An import
is one transaction: a bad row refuses the whole file, a kill leaves none or all, a fill already stored is
skipped. Identical rows of one import are distinct executions (numbered by `occurrence`), so importing a file
again stores nothing new while two identical partial fills stay two; a venue's trade id, when known, is the key.
"""

from __future__ import annotations

import csv
import math
import sqlite3
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from cockpit.contracts import multiplier as contract_multiplier
from cockpit.errors import UserError
from cockpit.journal.store import from_db_time, journal_errors, to_db_time, transaction

REQUIRED_COLUMNS = ("ts", "symbol", "side", "qty", "price")
EARLIEST_FILL = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_FILL = datetime(2101, 1, 1, tzinfo=UTC)  # exclusive: a fill is dated 1970 to 2100
QTY_EPSILON = 1e-9  # a remainder this small relative to the fill is float noise, not an open lot
# What a real fill can be: beyond these a number is a typo or a unit mix-up, and summing it would print inf.
MAX_QTY = 1e12
MAX_PRICE = 1e12
MAX_NOTIONAL = 1e15
MAX_FEE = 1e12
MIN_POSITIVE = 1e-12


class FillError(UserError):
    """A fill that cannot be stored (names the file and line, or the field)."""


class FillSide(StrEnum):
    """What the fill did."""

    BUY = "buy"
    SELL = "sell"


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution: when, what, which way, how much, at what price, for what fee."""

    ts: datetime
    symbol: str
    side: FillSide
    qty: float
    price: float
    fee: float = 0.0
    source: str = "csv"
    venue_trade_id: str | None = None


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """A matched entry and exit (FIFO); `pnl` is after the fees of both legs, split pro rata.

    `pnl` is price move × qty × the contract multiplier (ES=F 50: one point of one contract is 50).
    """

    symbol: str
    side: str
    qty: float
    entry_ts: datetime
    exit_ts: datetime
    entry_price: float
    exit_price: float
    fees: float
    pnl: float
    multiplier: float = 1.0

    @property
    def entry_notional(self) -> float:
        """qty × entry price × multiplier."""
        return self.qty * self.entry_price * self.multiplier


@dataclass(frozen=True, slots=True)
class OpenLot:
    """What is left open after matching: a long (bought) or short (sold) remainder."""

    symbol: str
    side: str
    qty: float
    entry_ts: datetime
    entry_price: float
    fee_per_unit: float
    multiplier: float = 1.0


@dataclass(frozen=True, slots=True)
class ImportResult:
    """How an import went: rows read, stored now, skipped because already known."""

    read: int
    new: int

    @property
    def known(self) -> int:
        """Fills that were already in the journal (or repeated in the file)."""
        return self.read - self.new


# --- parsing ------------------------------------------------------------------------------------------


def parse_ts(text: str) -> datetime:
    """ISO 8601 (naive means UTC) or epoch seconds/milliseconds -> aware UTC datetime."""
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("ts is empty")
    try:
        if cleaned.replace(".", "", 1).isdigit():
            number = float(cleaned)
            parsed = datetime.fromtimestamp(number / 1000 if number >= 1e11 else number, UTC)
        else:
            parsed = datetime.fromisoformat(cleaned.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"ts '{cleaned}' is not an ISO 8601 time or epoch") from None
    try:
        moment = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:  # an offset that pushes the time past year 9999 or before year 1
        moment = None
    if moment is None or not EARLIEST_FILL <= moment < LATEST_FILL:
        raise ValueError(f"ts '{cleaned}' is outside the years 1970-2100")
    return moment


def _number(text: str, name: str, *, positive: bool, limit: float) -> float:
    try:
        value = float(text.strip().replace("_", ""))
    except ValueError:
        raise ValueError(f"{name} must be a number, got '{text.strip()}'") from None
    return check_number(value, name, positive=positive, limit=limit, shown=text.strip())


def check_number(value: float, name: str, *, positive: bool, limit: float, shown: str | None = None) -> float:
    """`value` if finite and within the range a real fill has; ValueError naming the field otherwise."""
    shown = shown if shown is not None else f"{value:g}"
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got '{shown}'")
    if positive and value <= 0:
        raise ValueError(f"{name} must be greater than zero, got '{shown}'")
    if positive and value < MIN_POSITIVE:
        raise ValueError(f"{name} '{shown}' is too small for a fill (at least {MIN_POSITIVE:g})")
    if abs(value) > limit:
        raise ValueError(f"{name} '{shown}' is too large for a fill (at most {limit:g})")
    return value


def check_fill(fill: Fill) -> Fill:
    """`fill` if every number is one a real fill can have (finite, in range); ValueError names the field."""
    check_number(fill.qty, "qty", positive=True, limit=MAX_QTY)
    check_number(fill.price, "price", positive=True, limit=MAX_PRICE)
    check_number(fill.fee, "fee", positive=False, limit=MAX_FEE)
    if fill.qty * fill.price > MAX_NOTIONAL:
        raise ValueError(f"qty x price = {fill.qty * fill.price:g} is too large for a fill "
                         f"(at most {MAX_NOTIONAL:g})")
    return fill


def parse_fill(values: Mapping[str, str | None], source: str = "csv") -> Fill:
    """One fill from text fields; ValueError names the field (shared by the CSV import and manual entry)."""
    symbol = (values.get("symbol") or "").strip()
    if not symbol:
        raise ValueError("symbol is empty")
    side_text = (values.get("side") or "").strip().lower()
    side = {"buy": FillSide.BUY, "b": FillSide.BUY, "sell": FillSide.SELL, "s": FillSide.SELL}.get(side_text)
    if side is None:
        raise ValueError(f"side must be buy or sell, got '{side_text}'")
    fee_text = values.get("fee") or ""
    return check_fill(Fill(
        ts=parse_ts(values.get("ts") or ""),
        symbol=symbol,
        side=side,
        qty=_number(values.get("qty") or "", "qty", positive=True, limit=MAX_QTY),
        price=_number(values.get("price") or "", "price", positive=True, limit=MAX_PRICE),
        fee=_number(fee_text, "fee", positive=False, limit=MAX_FEE) if fee_text.strip() else 0.0,
        source=source,
    ))


def read_fills_csv(path: Path) -> list[Fill]:
    """Every fill of a broker CSV, validated; any bad row is a FillError naming the file and line."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise FillError(f"{path}: empty file (expected the columns {','.join(REQUIRED_COLUMNS)},fee)")
            columns = [name.strip().lower() for name in header]
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise FillError(f"{path}: missing column(s) {', '.join(missing)} "
                                f"(header: {','.join(header)})")
            fills = []
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                try:
                    fills.append(parse_fill(dict(zip(columns, row, strict=False))))
                except ValueError as exc:
                    raise FillError(f"{path}:{reader.line_num}: {exc}") from None
    except FileNotFoundError:
        raise FillError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FillError(f"{path}: cannot read fills ({exc})") from None
    return fills


# --- the journal --------------------------------------------------------------------------------------

_INSERT = ("INSERT INTO fills (ts, symbol, side, qty, price, fee, source, occurrence) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
_SAME = "ts = ? AND symbol = ? AND side = ? AND qty = ? AND price = ? AND fee = ?"

Key = tuple[str, str, str, float, float, float]


def _key(fill: Fill) -> Key:
    return (to_db_time(fill.ts), fill.symbol, fill.side.value, fill.qty, fill.price, fill.fee)


def _rows(fills: Iterable[Fill], counter: list[int], keyed: list[Fill]) -> Iterator[tuple[object, ...]]:
    """Rows without a venue trade id, identical ones numbered 0, 1, 2 ... in file order; keyed ones set aside."""
    seen: dict[Key, int] = defaultdict(int)
    for fill in fills:
        counter[0] += 1
        if fill.venue_trade_id:
            keyed.append(fill)
            continue
        key = _key(fill)
        occurrence = seen[key]
        seen[key] += 1
        yield (*key, fill.source, occurrence)


def _store_keyed(con: sqlite3.Connection, fill: Fill) -> bool:
    """Store a fill by its venue trade id; an identical fill stored without one is adopted. True when new."""
    key = _key(fill)
    if con.execute("SELECT 1 FROM fills WHERE source = ? AND venue_trade_id = ?",
                   (fill.source, fill.venue_trade_id)).fetchone():
        return False
    adopt = con.execute(f"SELECT id FROM fills WHERE {_SAME} AND venue_trade_id IS NULL "
                        "ORDER BY source != ?, id LIMIT 1", (*key, fill.source)).fetchone()
    if adopt is not None:  # the same execution from a CSV or an older sync: it gets the venue's key
        con.execute("UPDATE fills SET source = ?, venue_trade_id = ? WHERE id = ?",
                    (fill.source, fill.venue_trade_id, adopt[0]))
        return False
    occurrence = con.execute(f"SELECT COALESCE(MAX(occurrence) + 1, 0) FROM fills WHERE {_SAME}", key).fetchone()[0]
    con.execute("INSERT INTO fills (ts, symbol, side, qty, price, fee, source, occurrence, venue_trade_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (*key, fill.source, occurrence, fill.venue_trade_id))
    return True


def _checked(fills: Iterable[Fill]) -> Iterator[Fill]:
    for number, fill in enumerate(fills, start=1):
        try:
            yield check_fill(fill)
        except ValueError as exc:
            raise FillError(f"fill {number} ({fill.symbol} {fill.side.value} at {to_db_time(fill.ts)}): {exc}; "
                            "nothing was stored") from None


def import_fills(con: sqlite3.Connection, fills: Iterable[Fill]) -> ImportResult:
    """Store the fills in one transaction (all or none); fills already stored are skipped.

    A number no real fill has refuses the whole batch; a full disk or a busy or damaged journal is a
    JournalError in words, raised after the rollback.
    """
    counter = [0]
    keyed: list[Fill] = []
    fills = _checked(fills)
    with journal_errors(), transaction(con):
        before = con.total_changes
        con.executemany(_INSERT, _rows(fills, counter, keyed))
        new = con.total_changes - before
        new += sum(_store_keyed(con, fill) for fill in keyed)
    return ImportResult(read=counter[0], new=new)


def load_fills(con: sqlite3.Connection, symbol: str | None = None) -> list[Fill]:
    """The stored fills in time order (then in the order they were stored)."""
    query = "SELECT ts, symbol, side, qty, price, fee, source, venue_trade_id FROM fills"
    params: tuple[str, ...] = ()
    if symbol:
        query, params = query + " WHERE symbol = ?", (symbol,)
    with journal_errors():
        rows = con.execute(query + " ORDER BY ts, id", params).fetchall()
    return [Fill(from_db_time(r[0]), r[1], FillSide(r[2]), r[3], r[4], r[5], r[6], r[7]) for r in rows]


def count_fills(con: sqlite3.Connection) -> int:
    """How many fills the journal holds."""
    with journal_errors():
        return int(con.execute("SELECT COUNT(*) FROM fills").fetchone()[0])


# --- FIFO matching ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Lot:
    side: FillSide
    qty: float
    price: float
    ts: datetime
    fee_per_unit: float


def match_fifo(
    fills: Iterable[Fill], multipliers: Mapping[str, float] | None = None
) -> tuple[list[RoundTrip], list[OpenLot]]:
    """FIFO per symbol: each closing fill eats the oldest open lots; a remainder opens the other way.

    PnL uses each symbol's contract multiplier (the defaults of `cockpit.contracts`, or `multipliers`).
    """
    books: dict[str, deque[_Lot]] = defaultdict(deque)
    trips: list[RoundTrip] = []
    ordered = sorted(enumerate(fills), key=lambda item: (item[1].ts, item[0]))
    for _, fill in ordered:
        book = books[fill.symbol]
        units = contract_multiplier(fill.symbol, multipliers)
        remaining = fill.qty
        fee_per_unit = fill.fee / fill.qty
        tiny = fill.qty * QTY_EPSILON
        while remaining > tiny and book and book[0].side is not fill.side:
            lot = book[0]
            matched = min(lot.qty, remaining)
            sign = 1.0 if lot.side is FillSide.BUY else -1.0
            fees = matched * (lot.fee_per_unit + fee_per_unit)
            trips.append(RoundTrip(
                symbol=fill.symbol, side="long" if sign > 0 else "short", qty=matched, entry_ts=lot.ts,
                exit_ts=fill.ts, entry_price=lot.price, exit_price=fill.price, fees=fees,
                pnl=sign * (fill.price - lot.price) * matched * units - fees, multiplier=units,
            ))
            lot.qty -= matched
            remaining -= matched
            if lot.qty <= tiny:
                book.popleft()
        if remaining > tiny:
            book.append(_Lot(fill.side, remaining, fill.price, fill.ts, fee_per_unit))
    open_lots = [OpenLot(symbol, "long" if lot.side is FillSide.BUY else "short", lot.qty, lot.ts, lot.price,
                         lot.fee_per_unit, contract_multiplier(symbol, multipliers))
                 for symbol, book in books.items() for lot in book]
    trips.sort(key=lambda t: (t.exit_ts, t.entry_ts))
    return trips, open_lots


def round_trips(fills: Iterable[Fill], multipliers: Mapping[str, float] | None = None) -> list[RoundTrip]:
    """Closed round trips, in order of their exit."""
    return match_fifo(fills, multipliers)[0]
