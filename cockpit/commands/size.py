"""`cockpit size`: the risk-tier calculator of SPEC §5 on the command line, as text or JSON."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.commands.output import write_out
from cockpit.errors import UserError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cockpit.config import Config, Profile
    from cockpit.journal.fills import RoundTrip
    from cockpit.journal.holdings import StoredBook
    from cockpit.models import Flag, MarketState, Snapshot
    from cockpit.rules.pretrade import TradePlan
    from cockpit.universe import Universe


def register(subparsers: Any) -> None:
    """Add the `size` subcommand."""
    parser = subparsers.add_parser(
        "size", help="size a trade by risk tier and regime (quantity, R targets, liquidation price)",
        description="qty = equity x tier risk % x regime multiplier / |entry - stop| (SPEC section 5)",
    )
    parser.add_argument("--equity", required=True, metavar="E", help="account equity in quote currency")
    parser.add_argument("--entry", required=True, metavar="P", help="planned entry price")
    parser.add_argument("--stop", required=True, metavar="S", help="stop price (below entry for a long)")
    parser.add_argument("--side", default="long", metavar="long|short", help="direction (default: long)")
    parser.add_argument("--tier", default=None, metavar="1|2|3",
                        help="risk tier (default: the profile's; swing 2 = 0.50 %% of equity)")
    parser.add_argument("--regime", default="unknown", metavar="LABEL",
                        help="calm, trend_break, volatility_event, liquidity_shock or unknown (default: unknown, "
                             "sized as the worst regime until you name the one the cockpit shows)")
    parser.add_argument("--leverage", default=None, metavar="L",
                        help="perp leverage: adds the liquidation price")
    parser.add_argument("--mmr", default=None, metavar="M", help="maintenance margin rate (default 0.005)")
    parser.add_argument("--profile", default=None,
                        help="short, swing or long: its tiers (default from config)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Validate the inputs, size the trade and print it."""
    from cockpit.commands.common import config_for

    profile = config_for(args).profile(args.profile)
    payload = sizing_payload(profile, equity=args.equity, entry=args.entry, stop=args.stop, side=args.side,
                             tier=args.tier, regime=args.regime, leverage=args.leverage, mmr=args.mmr)
    if args.json:
        write_out(json.dumps(payload, indent=2) + "\n")
    else:
        write_out(render_sizing(payload))
    return 0


Number = str | float | int


def sizing_payload(profile: Profile, *, equity: Number, entry: Number, stop: Number, side: str = "long",
                   tier: str | int | None = None, regime: str = "calm", leverage: Number | None = None,
                   mmr: Number | None = None) -> dict[str, Any]:
    """The JSON of `cockpit size --json` for these inputs (text or numbers); bad input is one UserError line."""
    from cockpit.sizing import (
        DEFAULT_MMR,
        SizingError,
        parse_number,
        parse_positive,
        parse_regime,
        parse_side,
        parse_tier,
        size_position,
        sizing_json,
    )

    try:
        label = parse_regime(regime)
        result = size_position(
            parse_positive(equity, "equity"),
            parse_positive(entry, "entry"),
            parse_positive(stop, "stop"),
            side=parse_side(side),
            tier=parse_tier(profile.default_tier if tier is None else tier, profile.tiers),
            tiers=profile.tiers,
            regime=label,
            multiplier=profile.multiplier(label),
            leverage=None if leverage is None else parse_positive(leverage, "leverage"),
            mmr=DEFAULT_MMR if mmr is None else parse_number(mmr, "mmr"),
        )
    except SizingError as exc:
        raise UserError(str(exc)) from None
    return sizing_json(result)


def _n(value: float | None, unit: str = "") -> str:
    from cockpit.sizing import format_number

    return "n/a" if value is None else f"{format_number(value)}{unit}"


def _money(value: float | None) -> str:
    from cockpit.sizing import format_money

    return "n/a" if value is None else format_money(value)


def render_sizing(p: dict[str, Any]) -> str:
    """The sizing result as a few plain lines; money to the cent, prices and quantities as typed."""
    from cockpit.sizing import format_target

    targets = "  ".join(f"{name} {format_target(price)}" for name, price in p["targets"].items())
    at = f"{p['leverage']:g}x" if p["leverage"] is not None else "1x (spot)"
    lines = [
        f"{p['side']} size  qty {_n(p['qty'])}  notional {_money(p['notional'])}",
        f"risk    {_money(p['risk_amount'])} = {p['risk_pct']:.4g} % of {_money(p['equity'])} "
        f"(tier {p['tier']} {p['tier_pct']:g} % x {p['regime']} {p['multiplier']:g})",
        f"stop    {_n(p['stop'])}  entry {_n(p['entry'])}  ({_n(p['risk_per_unit'])} per unit)",
        f"targets {targets}",
        f"margin  {_money(p['margin'])} at {at}  notional/equity {p['notional_to_equity']:.2f}x",
    ]
    if p["leverage"] is not None:
        lines.append(f"perp    {p['leverage']:g}x  liquidation {_n(p['liquidation_price'])}  (mmr {p['mmr']:g})")
    lines += [f"[{f['severity']}] {f['id']}  {f['message']}" for f in p["flags"]]
    return "\n".join(lines) + "\n"


# --- the plan of `cockpit snapshot --plan PLAN.json [--trades FILLS.csv]` -------------------------------


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """A planned trade and the closed round trips it is checked against."""

    plan: TradePlan
    round_trips: tuple[RoundTrip, ...]
    book: StoredBook | None = None  # the journal's holdings and open lots: the plan's risk adds to theirs
    equity: float | None = None  # [book] equity, when the plan carries none
    multipliers: Mapping[str, float] | None = None


def read_plan(path: Path, profile: Profile) -> TradePlan:
    """The plan JSON file; a missing file, bad JSON or a bad value is one UserError line."""
    from cockpit.rules.pretrade import plan_from_json
    from cockpit.sizing import SizingError

    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the plan ({exc})") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        return plan_from_json(obj, profile.tiers)
    except SizingError as exc:
        raise UserError(f"{path}: {exc}") from None


def plan_inputs(plan_path: str | None, trades_path: str | None, profile: Profile,
                config: Config | None = None) -> PlanInputs | None:
    """The plan and its round trips (FILLS.csv, else the journal if there is one); None without a plan.

    With the config, the journal's book comes too, so BOOK_RISK_LIMIT adds the plan's risk to the book's.
    """
    from cockpit.journal.fills import load_fills, read_fills_csv, round_trips
    from cockpit.journal.store import connect, journal_path

    if plan_path is None:
        if trades_path is not None:
            raise UserError("--trades needs --plan (the trade to check against those fills)")
        return None
    plan = read_plan(Path(plan_path), profile)
    if trades_path is not None:
        fills = read_fills_csv(Path(trades_path))
    elif journal_path().exists():
        con = connect()
        try:
            fills = load_fills(con)
        finally:
            con.close()
    else:
        fills = []
    multipliers = config.multipliers if config is not None else None
    stored = None
    if config is not None and journal_path().exists():
        from cockpit.journal.holdings import read_book

        con = connect()
        try:
            stored = read_book(con, multipliers)
        finally:
            con.close()
    return PlanInputs(plan, tuple(round_trips(fills, multipliers)), stored,
                      config.equity if config is not None else None, multipliers)


def plan_snapshot(state: MarketState, profile: Profile, universe: Universe,
                  inputs: PlanInputs | None) -> Snapshot:
    """The snapshot with the plan's pre-trade flags joined to the market's (at the plan's or state's time)."""
    from cockpit.snapshot import build_snapshot, with_extra_flags

    snap = build_snapshot(state, profile, universe)
    if inputs is None:
        return snap
    flags = plan_flags(snap, profile, universe, inputs, state)
    return with_extra_flags(snap, flags) if flags else snap


def plan_flags(snap: Snapshot, profile: Profile, universe: Universe, inputs: PlanInputs,
               state: MarketState | None = None) -> list[Flag]:
    """The plan's own pre-trade flags against this snapshot (at the plan's time, else the snapshot's); with the
    market state and a book, the plan's risk joins the book's."""
    from cockpit.rules.pretrade import at_time, pretrade_flags

    plan = at_time(inputs.plan, snap.as_of)
    book_risk = None
    if inputs.book is not None and state is not None:
        from cockpit.book import BookRisk
        from cockpit.journal.holdings import book_for_state

        book, _ = book_for_state(inputs.book, state, snap, profile, universe, multipliers=inputs.multipliers,
                                 equity=inputs.equity)
        book_risk = BookRisk.of(book)
    return pretrade_flags(plan, inputs.round_trips, snap.readings, snap.regime, profile,
                          index_symbol=universe.index, book=book_risk)
