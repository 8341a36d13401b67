"""`cockpit book`: the positions, exposure, betas, open risk and limits (SPEC §12); `book add`, `book remove` and
`book import` keep the holdings in the journal. Marked to the chosen source (demo by default, like `snapshot`).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.cli import add_source_arguments
from cockpit.errors import UserError

if TYPE_CHECKING:
    from cockpit.analytics.beta import Beta, Series
    from cockpit.book import Book, Position
    from cockpit.config import Config, Profile
    from cockpit.models import MarketState, Snapshot


def register(subparsers: Any) -> None:
    """Add the `book` subcommand and its actions."""
    parser = subparsers.add_parser("book", help="the book: positions, exposure, beta, open risk and limits",
                                   description="Holdings typed in or imported, plus the open lots of the journal's "
                                               "fills, marked to the source (demo by default).")
    add_source_arguments(parser)
    add_book_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run_show)
    actions = parser.add_subparsers(dest="book_action", metavar="ACTION", parser_class=type(parser))
    add = actions.add_parser("add", help="add a holding: SYMBOL QTY [--price P] [--stop S] [--short]")
    add.add_argument("symbol", metavar="SYMBOL", help="a Yahoo ticker (NVDA, ES=F) or a perp (BTC/USDT:USDT)")
    add.add_argument("qty", metavar="QTY", help="quantity above zero (contracts for futures)")
    add.add_argument("--price", default=None, metavar="P", help="entry price (marks the holding when the "
                                                                 "source has no price)")
    add.add_argument("--stop", default=None, metavar="S", help="stop price: its open risk counts in the book")
    add.add_argument("--short", action="store_true", help="a short holding")
    add.set_defaults(handler=run_add)
    remove = actions.add_parser("remove", help="remove every stored holding of SYMBOL")
    remove.add_argument("symbol", metavar="SYMBOL")
    remove.set_defaults(handler=run_remove)
    imp = actions.add_parser("import", help="replace the imported holdings with a CSV (symbol,qty,price,stop,side)")
    imp.add_argument("file", metavar="FILE")
    imp.set_defaults(handler=run_import)


def add_book_arguments(parser: argparse.ArgumentParser) -> None:
    """--equity, shared by `book` and `hedge`."""
    parser.add_argument("--equity", default=None, metavar="E",
                        help="account equity now, as the broker shows it; the limits are a share of it "
                             "(default: [book] equity in config.toml)")


@dataclass(frozen=True, slots=True)
class Market:
    """The book marked to one evaluation of the source."""

    book: Book
    series: dict[str, Series]
    state: MarketState
    snapshot: Snapshot
    profile: Profile
    config: Config


def with_held_symbols(config: Config) -> Config:
    """The config with every held symbol added to the universe's extras (polled from Yahoo when live)."""
    from cockpit.journal.holdings import held_symbols
    from cockpit.journal.store import connect, journal_path

    if not journal_path().exists():
        return config  # nothing held yet (and no journal is created just to look)
    try:
        con = connect()
        try:
            held = held_symbols(con)
        finally:
            con.close()
    except UserError:
        return config  # a journal that cannot be opened: the book will say so; the market still loads
    known = set(config.universe.yahoo_symbols(datetime.now(UTC))) | set(config.universe.perp_symbols())
    extra = {**config.universe.extra, **{s: s for s in held if s not in known}}
    return replace(config, universe=replace(config.universe, extra=extra))


def load_market(args: argparse.Namespace, *, extra_symbols: tuple[str, ...] = ()) -> Market:
    """Evaluate the source once and build the book from the journal (demo: at the scenario's end)."""
    from cockpit.commands.common import build_source, config_for
    from cockpit.journal.holdings import book_for_state, read_book
    from cockpit.journal.store import connect
    from cockpit.snapshot import build_snapshot
    from cockpit.sources.simulator import SimulatorSource

    config = with_held_symbols(config_for(args))
    profile = config.profile(args.profile)
    equity = None
    if getattr(args, "equity", None) is not None:
        from cockpit.journal.holdings import parse_amount

        equity = parse_amount(args.equity, "--equity")
    con = connect()
    try:
        stored = read_book(con, config.multipliers)
    finally:
        con.close()
    source = build_source(args, config)
    try:
        if isinstance(source, SimulatorSource) and not getattr(args, "at", None):
            source.seek(source.end)
        state = source.poll()
    finally:
        source.close()
    snapshot = build_snapshot(state, profile, config.universe)
    book, series = book_for_state(stored, state, snapshot, profile, config.universe, multipliers=config.multipliers,
                                  equity=equity if equity is not None else config.equity, extra_symbols=extra_symbols)
    return Market(book, series, state, snapshot, profile, config)


def run_show(args: argparse.Namespace) -> int:
    """Print the book as a table, or one JSON object."""
    market = load_market(args)
    payload = book_json(market)
    sys.stdout.write(json.dumps(payload, indent=2) + "\n" if args.json else render_book(payload))
    return 0


def run_add(args: argparse.Namespace) -> int:
    """Store one holding."""
    from cockpit.journal.holdings import add_holding, holding_from_text
    from cockpit.journal.store import connect

    holding = holding_from_text(args.symbol, args.qty, args.price, args.stop, short=args.short)
    con = connect()
    try:
        add_holding(con, holding, datetime.now(UTC))
    finally:
        con.close()
    side = "short" if holding.qty < 0 else "long"
    extras = "".join(f" {name} {value:g}" for name, value in (("at", holding.entry_price), ("stop", holding.stop))
                     if value is not None)
    sys.stdout.write(f"added {side} {abs(holding.qty):g} {holding.symbol}{extras}\n")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    """Delete the stored holdings of one symbol."""
    from cockpit.journal.holdings import parse_symbol, remove_holdings
    from cockpit.journal.store import connect

    symbol = parse_symbol(args.symbol)
    con = connect()
    try:
        removed = remove_holdings(con, symbol)
    finally:
        con.close()
    if not removed:
        raise UserError(f"no stored holding of {symbol} (open lots of the journal's fills close with a fill)")
    sys.stdout.write(f"removed {removed} holding(s) of {symbol}\n")
    return 0


def run_import(args: argparse.Namespace) -> int:
    """Validate the whole file, then replace the imported holdings with it."""
    from cockpit.journal.holdings import import_holdings, read_holdings_csv
    from cockpit.journal.store import connect

    holdings = read_holdings_csv(Path(args.file))
    con = connect()
    try:
        stored = import_holdings(con, holdings, datetime.now(UTC))
    finally:
        con.close()
    sys.stdout.write(f"imported {stored} holding(s) from {args.file} (replacing the previous import)\n")
    return 0


# --- JSON and text ------------------------------------------------------------------------------------


def _beta_json(beta: Beta) -> dict[str, Any]:
    from cockpit.models import clean_number

    return {"value": clean_number(beta.value, 4), "source": beta.source.value, "pairs": beta.pairs,
            "gap_pairs_dropped": beta.gap_pairs_dropped}


def position_json(p: Position) -> dict[str, Any]:
    """One position with the stable keys of `cockpit book --json`."""
    from cockpit.models import clean_number as n

    return {"symbol": p.symbol, "qty": n(p.qty), "multiplier": n(p.multiplier), "asset_class": p.asset_class.value,
            "price": n(p.price), "age_s": n(p.age_s, 1), "stale": p.stale_reason is not None,
            "stale_reason": p.stale_reason, "entry_price": n(p.entry_price), "stop": n(p.stop),
            "notional": n(p.notional, 2), "beta_es": _beta_json(p.beta_es), "beta_btc": _beta_json(p.beta_btc),
            "es_beta_notional": n(p.es_beta_notional, 2), "btc_beta_notional": n(p.btc_beta_notional, 2),
            "open_risk": n(p.open_risk, 2), "stop_through": p.through_stop, "stop_side": p.stop_side,
            "unrealized": n(p.unrealized, 2), "origin": p.origin}


def book_json(market: Market) -> dict[str, Any]:
    """The book: positions, totals, limits and flags."""
    from cockpit.book import AssetClass
    from cockpit.models import clean_number as n
    from cockpit.models import to_plain

    book = market.book
    return {
        "as_of": to_plain(market.state.as_of),
        "source": market.state.kind.value,
        "profile": market.profile.name.value,
        "window_h": book.window_h,
        "positions": [position_json(p) for p in book.positions],
        "totals": {
            "gross": n(book.gross, 2), "net": n(book.net, 2),
            "equity_notional": n(book.class_notional(AssetClass.EQUITY), 2),
            "crypto_notional": n(book.class_notional(AssetClass.CRYPTO), 2),
            "es_beta_exposure": n(book.es_beta_exposure, 2), "btc_beta_exposure": n(book.btc_beta_exposure, 2),
            "open_risk": n(book.open_risk, 2), "equity_risk": n(book.class_risk(AssetClass.EQUITY), 2),
            "crypto_risk": n(book.class_risk(AssetClass.CRYPTO), 2), "one_book": book.one_book,
            "without_stop": list(book.without_stop), "unrealized": n(book.unrealized, 2),
            "realized": n(book.realized, 2), "equity": n(book.equity, 2), "peak_equity": n(book.peak_equity, 2),
            "risk_pct": n(book.risk_pct), "drawdown_pct": n(book.drawdown_pct),  # ten digits: the text rounds them
        },
        "limits": {"book_risk_pct": book.book_risk_pct_limit, "max_drawdown_pct": book.max_drawdown_pct_limit},
        "flags": [to_plain(f) for f in book.flags],
    }


def _m(value: float | None, spec: str = ",.0f") -> str:
    return "n/a" if value is None else format(value, spec)


def render_book(p: dict[str, Any]) -> str:
    """The book as an aligned text table with the totals, limits and flags."""
    t, limits = p["totals"], p["limits"]
    lines = [f"cockpit book  {p['as_of']}  source {p['source']}  profile {p['profile']}  "
             f"beta window {p['window_h']}h of 1h bars (kept pairs only)"]
    if not p["positions"]:
        lines.append("no positions: `cockpit book add SYMBOL QTY`, `cockpit book import FILE` or journal fills")
    else:
        lines.append(f"{'symbol':<15} {'qty':>10} {'price':>11} {'notional':>13} {'β ES':>6} {'β BTC':>6} "
                     f"{'ES-β $':>13} {'BTC-β $':>12} {'risk→stop':>11}  note")
        for pos in p["positions"]:
            def beta(b: dict[str, Any]) -> str:
                mark = "" if b["source"] == "rolling" else "*" if b["source"] == "assumed" else "="
                return f"{b['value']:.2f}{mark}"
            note = pos["stale_reason"] or (f"age {pos['age_s'] / 3600:.1f}h" if pos["age_s"] is not None else "")
            if pos["stop_side"]:
                note = f"{note}  {pos['stop_side']} its stop {pos['stop']:,.2f}".strip()
            lines.append(f"{pos['symbol']:<15} {pos['qty']:>10g} {_m(pos['price'], ',.2f'):>11} "
                         f"{_m(pos['notional']):>13} {beta(pos['beta_es']):>6} {beta(pos['beta_btc']):>6} "
                         f"{_m(pos['es_beta_notional']):>13} {_m(pos['btc_beta_notional']):>12} "
                         f"{_m(pos['open_risk']):>11}  {note}")
        lines.append("β: rolling on kept pairs; = the benchmark itself; * assumed (too few pairs: 1 to its own "
                     "class, 0 to the other)")
    how = "one book (SINGLE_RISK_BOOK)" if t["one_book"] else "root-sum-square of non-crypto and crypto"
    lines += [
        f"gross {_m(t['gross'])}  net {_m(t['net'])}  non-crypto {_m(t['equity_notional'])}  "
        f"crypto {_m(t['crypto_notional'])}",
        f"beta-weighted  ES {_m(t['es_beta_exposure'])}  BTC {_m(t['btc_beta_exposure'])}",
        f"open risk to stops {_m(t['open_risk'])} ({how}; non-crypto {_m(t['equity_risk'])}, "
        f"crypto {_m(t['crypto_risk'])})" + (f"; no stop: {', '.join(t['without_stop'])}" if t["without_stop"] else ""),
    ]
    if t["equity"] is None:
        lines.append(f"limits  book risk {limits['book_risk_pct']:g} %, drawdown {limits['max_drawdown_pct']:g} % "
                     "- not judged without equity (--equity E or [book] equity in config.toml)")
    else:
        lines.append(f"equity {_m(t['equity'])} (peak {_m(t['peak_equity'])})  "
                     f"book risk {_m(t['risk_pct'], '.2f')} % of {limits['book_risk_pct']:g} %  "
                     f"drawdown {_m(t['drawdown_pct'], '.2f')} % of {limits['max_drawdown_pct']:g} %")
    lines.append("FLAGS" if p["flags"] else "FLAGS  none")
    lines += [f"  [{f['severity']:<8}] {f['id']:<16} {f['message']}" for f in p["flags"]]
    return "\n".join(lines) + "\n"
