"""`cockpit hedge`: the hedge that takes a share of the book's ES-beta or BTC-beta away, and *reduce*: what to cut,
largest beta-weighted risk first, to get back within the profile's `book_risk_pct` (SPEC §12).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from cockpit.cli import add_source_arguments
from cockpit.errors import UserError
from cockpit.hedge import DEFAULT_SHARE

if TYPE_CHECKING:
    from cockpit.hedge import HedgeAnswer, Reduction



def register(subparsers: Any) -> None:
    """Add the `hedge` subcommand."""
    from cockpit.commands.book import add_book_arguments

    parser = subparsers.add_parser("hedge", help="hedge a share of the book's beta, or what to cut to the limit",
                                   description="Whole contracts (or shares), rounded towards the smaller hedge; "
                                               "the residual ES-beta and BTC-beta after it.")
    add_source_arguments(parser)
    add_book_arguments(parser)
    parser.add_argument("--share", default=str(DEFAULT_SHARE), metavar="S",
                        help=f"share of the beta to hedge, above 0 and at most 1 (default {DEFAULT_SHARE})")
    parser.add_argument("--with", dest="instrument", default=None, metavar="SYMBOL",
                        help="MES=F, ES=F, NQ=F, MNQ=F, BTC/USDT:USDT, ETH/USDT:USDT, SH, PSQ or SQQQ "
                             "(default: MES=F for an ES-beta book, the BTC perp for a BTC-beta one)")
    parser.add_argument("--price", default=None, metavar="P",
                        help="the hedge instrument's price (default: the source's last close)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def parse_share(text: str) -> float:
    """--share as a number in (0, 1]; anything else is a UserError."""
    from cockpit.hedge import check_share

    try:
        value = float(str(text).strip().rstrip("%")) / (100 if str(text).strip().endswith("%") else 1)
    except ValueError:
        raise UserError(f"--share must be a number above 0 and at most 1, got '{text}'") from None
    try:
        return check_share(value)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Check the input first, then evaluate the source, build the book and answer."""
    from cockpit.commands.book import book_json, load_market
    from cockpit.hedge import default_instrument, parse_instrument, plan_hedge, reduce_to_limit
    from cockpit.journal.holdings import parse_amount

    share = parse_share(args.share)
    try:
        chosen = parse_instrument(args.instrument) if args.instrument else None
    except ValueError as exc:
        raise UserError(str(exc)) from None
    price = parse_amount(args.price, "--price") if args.price is not None else None
    extra = tuple(s for s in (chosen.symbol if chosen else "", "MES=F", "NQ=F", "MNQ=F") if s)
    market = load_market(args, extra_symbols=extra)
    instrument = chosen or default_instrument(market.book)
    universe = market.config.universe
    btc = universe.btc if universe.btc in market.series else universe.btc_fallback
    answer = plan_hedge(market.book, market.series, instrument, share, price=price, es_symbol=universe.index,
                        btc_symbol=btc)
    reduction = reduce_to_limit(market.book)
    payload = {"book": book_json(market)["totals"], "hedge": hedge_json(answer), "reduce": reduce_json(reduction),
               "window_h": market.book.window_h, "as_of": book_json(market)["as_of"]}
    sys.stdout.write(json.dumps(payload, indent=2) + "\n" if args.json else render_hedge(answer, reduction))
    return 0


def hedge_json(answer: HedgeAnswer) -> dict[str, Any]:
    """The hedge answer with stable keys."""
    from cockpit.contracts import multiplier
    from cockpit.models import clean_number as n

    instrument, hedge = answer.instrument, answer.hedge
    base = {"with": instrument.symbol, "kind": instrument.kind, "benchmark": instrument.benchmark.value,
            "leverage": instrument.leverage, "multiplier": multiplier(instrument.symbol), "share": answer.share,
            "reason": answer.reason, "price_from": answer.price_from}
    if hedge is None:
        return {**base, "qty": None, "side": None, "price": None, "notional": None}
    return {**base, "qty": n(hedge.qty, 8), "exact_qty": n(hedge.exact_qty, 8), "side": hedge.side,
            "price": n(hedge.price, 6), "notional": n(hedge.notional, 2), "beta": n(hedge.beta, 4),
            "target_exposure": n(hedge.target_exposure, 2), "residual_es_beta": n(hedge.residual_es, 2),
            "residual_btc_beta": n(hedge.residual_btc, 2), "rounding": hedge.note}


def reduce_json(reduction: Reduction) -> dict[str, Any]:
    """The reduce answer with stable keys."""
    from cockpit.models import clean_number as n

    return {"cuts": [{"symbol": c.symbol, "qty": n(c.qty, 8), "of_qty": n(c.of_qty, 8),
                      "risk_removed": n(c.risk_removed, 2), "beta_weighted_risk": n(c.beta_weighted_risk, 2)}
                     for c in reduction.cuts],
            "risk_before": n(reduction.risk_before, 2), "risk_after": n(reduction.risk_after, 2),
            "limit": n(reduction.limit, 2), "note": reduction.note}


def render_hedge(answer: HedgeAnswer, reduction: Reduction) -> str:
    """Hedge and reduce, as text."""
    from cockpit.hedge import hedge_lines, reduce_lines

    return "\n".join([*hedge_lines(answer), "", *reduce_lines(reduction)]) + "\n"
