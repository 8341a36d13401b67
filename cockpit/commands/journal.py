"""`cockpit journal`: import a broker's fills, count and list them, and show FIFO round trips with PnL."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.commands.output import write_out
from cockpit.errors import UserError

if TYPE_CHECKING:
    from cockpit.journal.fills import Fill, RoundTrip


def register(subparsers: Any) -> None:
    """Add the `journal` subcommand and its actions."""
    parser = subparsers.add_parser("journal", help="the trade journal: import fills, list fills and trades",
                                   description="Fills live in journal.sqlite3 in the data folder "
                                               "(COCKPIT_DATA overrides the folder).")
    actions = parser.add_subparsers(dest="journal_action", metavar="ACTION", parser_class=type(parser))
    imp = actions.add_parser("import", help="import a CSV of fills (ts,symbol,side,qty,price,fee)")
    imp.add_argument("file", metavar="FILE", help="the CSV file")
    imp.set_defaults(handler=run_import)
    sync = actions.add_parser("sync", help="import your own fills from the venue with a read-only key")
    sync.add_argument("--venue", default=None, help="bybit, binanceusdm or okx (default: [sources] venue)")
    sync.add_argument("--since", default="7d", help="how far back: a span like 7d or a date (default 7d)")
    sync.add_argument("--symbol", action="append", default=None, help="a perp symbol (repeatable; default BTC, ETH)")
    sync.set_defaults(handler=run_sync)

    fills = actions.add_parser("fills", help="list the stored fills")
    fills.add_argument("--count", action="store_true", help="print only the number of fills")
    fills.add_argument("--symbol", default=None, help="only this symbol")
    fills.add_argument("--json", action="store_true", help="one JSON array")
    fills.set_defaults(handler=run_fills)
    trades = actions.add_parser("trades", help="FIFO round trips with realized PnL after fees")
    trades.add_argument("--symbol", default=None, help="only this symbol")
    trades.add_argument("--json", action="store_true", help="one JSON array")
    trades.set_defaults(handler=run_trades)
    parser.set_defaults(handler=run_missing_action)


def run_missing_action(args: argparse.Namespace) -> int:
    """`cockpit journal` alone: say which actions exist."""
    raise UserError("journal needs an action: import FILE, sync, fills [--count], or trades [--json]")


def run_import(args: argparse.Namespace) -> int:
    """Validate the whole file, then store it in one transaction; re-importing stores nothing twice."""
    from cockpit.journal.fills import import_fills, read_fills_csv
    from cockpit.journal.store import connect

    fills = read_fills_csv(Path(args.file))
    con = connect()
    try:
        result = import_fills(con, fills)
    finally:
        con.close()
    write_out(f"imported {result.new} new fill(s) from {args.file} ({result.known} already known)\n",
              saved=f"imported {result.new} new fill(s)")
    return 0


def run_sync(args: argparse.Namespace) -> int:
    """Fetch the user's fills from the venue and store the new ones (the key is never shown)."""
    from datetime import UTC, datetime

    from cockpit.commands.checklist import parse_since
    from cockpit.commands.common import config_for
    from cockpit.journal.store import connect
    from cockpit.sources.live.fills import check_venue, import_exchange_fills

    config = config_for(args)
    venue = check_venue(args.venue or str(config.sources.get("venue", "bybit")))
    since = parse_since(args.since, datetime.now(UTC))  # an aware time is converted, a naive one is UTC
    symbols = args.symbol or list(config.universe.perp_symbols())
    con = connect()
    try:
        result, rejected = import_exchange_fills(con, venue, symbols, since)
    finally:
        con.close()
    skipped = f", {rejected} malformed skipped" if rejected else ""
    write_out(f"imported {result.new} new fill(s) from {venue} ({result.known} already known{skipped})\n",
              saved=f"imported {result.new} new fill(s)")
    return 0


def _load(symbol: str | None) -> list[Fill]:
    from cockpit.journal.fills import load_fills
    from cockpit.journal.store import connect

    con = connect()
    try:
        return load_fills(con, symbol)
    finally:
        con.close()


def run_fills(args: argparse.Namespace) -> int:
    """Print the fills, or with --count only their number."""
    if args.count and not args.symbol:
        from cockpit.journal.fills import count_fills
        from cockpit.journal.store import connect

        con = connect()
        try:
            write_out(f"{count_fills(con)}\n")
        finally:
            con.close()
        return 0
    fills = _load(args.symbol)
    if args.count:
        write_out(f"{len(fills)}\n")
    elif args.json:
        write_out(json.dumps([fill_json(f) for f in fills], indent=2) + "\n")
    else:
        write_out(render_fills(fills))
    return 0


def run_trades(args: argparse.Namespace) -> int:
    """Print the FIFO round trips."""
    from cockpit.commands.common import config_for
    from cockpit.journal.fills import round_trips

    trips = round_trips(_load(args.symbol), config_for(args).multipliers)  # futures PnL × their multiplier
    if args.json:
        write_out(json.dumps([trip_json(t) for t in trips], indent=2) + "\n")
    else:
        write_out(render_trips(trips))
    return 0


def _ts(value: Any) -> str:
    from cockpit.models import to_plain

    return str(to_plain(value))


def fill_json(fill: Fill) -> dict[str, Any]:
    """One fill as plain JSON."""
    return {"ts": _ts(fill.ts), "symbol": fill.symbol, "side": fill.side.value, "qty": fill.qty,
            "price": fill.price, "fee": fill.fee, "source": fill.source}


def trip_json(trip: RoundTrip) -> dict[str, Any]:
    """One round trip with the stable keys of `cockpit journal trades --json`."""
    from cockpit.models import clean_number

    return {"symbol": trip.symbol, "side": trip.side, "qty": clean_number(trip.qty),
            "entry_ts": _ts(trip.entry_ts), "exit_ts": _ts(trip.exit_ts), "entry_price": trip.entry_price,
            "exit_price": trip.exit_price, "fees": clean_number(trip.fees), "pnl": clean_number(trip.pnl)}


def render_fills(fills: Sequence[Fill]) -> str:
    """Fills as an aligned text table."""
    if not fills:
        return "no fills in the journal\n"
    lines = [f"{'ts':<20} {'symbol':<16} {'side':<4} {'qty':>14} {'price':>14} {'fee':>10}"]
    lines += [f"{_ts(f.ts):<20} {f.symbol:<16} {f.side.value:<4} {f.qty:>14.8g} {f.price:>14.8g} "
              f"{f.fee:>10.6g}" for f in fills]
    return "\n".join(lines) + f"\n{len(fills)} fill(s)\n"


def render_trips(trips: Sequence[RoundTrip]) -> str:
    """Round trips as an aligned text table with the total PnL."""
    if not trips:
        return "no closed round trips\n"
    lines = [f"{'exit':<20} {'symbol':<16} {'side':<5} {'qty':>12} {'entry':>12} {'exit':>12} {'fees':>10} "
             f"{'pnl':>12}"]
    lines += [f"{_ts(t.exit_ts):<20} {t.symbol:<16} {t.side:<5} {t.qty:>12.8g} {t.entry_price:>12.8g} "
              f"{t.exit_price:>12.8g} {t.fees:>10.4f} {t.pnl:>+12.4f}" for t in trips]
    wins = sum(1 for t in trips if t.pnl > 0)
    lines.append(f"{len(trips)} round trip(s), {wins} winning, total pnl {sum(t.pnl for t in trips):+.4f}")
    return "\n".join(lines) + "\n"
