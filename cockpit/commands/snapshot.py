"""`cockpit snapshot`: one evaluation as a readable table or one JSON object; `--every` prints a timeline."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from cockpit.cli import add_source_arguments
from cockpit.commands.output import write_out
from cockpit.errors import UserError

if TYPE_CHECKING:
    from cockpit.commands.size import PlanInputs
    from cockpit.config import Config, Profile
    from cockpit.models import MarketState
    from cockpit.sources.base import Source
    from cockpit.universe import Universe


def register(subparsers: Any) -> None:
    """Add the `snapshot` subcommand."""
    parser = subparsers.add_parser("snapshot", help="evaluate once and print the cockpit as a table or JSON")
    add_source_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object (schema 2)")
    parser.add_argument("--at", default=argparse.SUPPRESS,
                        help="with --demo: offset into the scenario (default: its end)")
    parser.add_argument("--every", default=None, metavar="STEP",
                        help="with --demo: one JSON line per STEP across the whole scenario (e.g. 1h)")
    parser.add_argument("--plan", default=None, metavar="PLAN.json",
                        help="check a planned trade (ts,symbol,side,entry,stop,qty); its flags join the rest")
    parser.add_argument("--trades", default=None, metavar="FILLS.csv",
                        help="with --plan: fills to check it against (default: the journal)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate and print; a timeline with --every."""
    from cockpit.commands.common import config_for, parse_duration
    from cockpit.commands.size import plan_inputs, plan_snapshot
    from cockpit.snapshot import snapshot_json
    from cockpit.sources.simulator import SimulatorSource

    config = config_for(args)
    profile = config.profile(args.profile)
    plan = plan_inputs(args.plan, args.trades, profile, config)
    if args.every and not (args.demo or not (args.data or args.replay or args.live)):
        raise UserError("--every works with --demo (a scenario has a beginning and an end)")
    if args.at and args.every:
        raise UserError("--every walks the whole scenario; drop --at")
    source = evaluation_source(args, config)
    if args.every:
        if not isinstance(source, SimulatorSource):
            raise UserError("--every works with --demo")
        step = parse_duration(args.every)
        if step <= timedelta(0):
            raise UserError("--every needs a positive step")
        from cockpit.story import StoryLine

        at = source.scenario.start
        line = StoryLine(source.state_at(source.end), config.universe, profile.regime_hold_h)
        while at <= source.end:
            state = source.state_at(at)
            snap = plan_snapshot(state, profile, config.universe, plan)
            payload = {**snapshot_json(snap), **line.add(snap)}
            write_out(json.dumps(payload, separators=(",", ":")) + "\n")
            at += step
        return 0
    payload = moment_payload(source.poll(), profile, config.universe, plan)
    if args.json:
        write_out(json.dumps(payload, indent=2) + "\n")
    else:
        write_out(render_table(payload))
    return 0


def moment_payload(state: MarketState, profile: Profile, universe: Universe,
                   plan: PlanInputs | None = None) -> dict[str, Any]:
    """The JSON object `cockpit snapshot --json` prints for one moment; the agent tools answer with it too."""
    from cockpit.commands.size import plan_snapshot
    from cockpit.journal.flaglog import read_log
    from cockpit.snapshot import snapshot_json
    from cockpit.story import moment_story, story_json

    snap = plan_snapshot(state, profile, universe, plan)
    logged, acknowledged = read_log(state.kind.value, state.label, state.as_of)
    told = moment_story(state, snap, universe, profile.regime_hold_h, logged)
    return {**snapshot_json(snap), **story_json(told, acknowledged)}


def evaluation_source(args: argparse.Namespace, config: Config) -> Source:
    """The source at the moment a one-shot evaluation reads: a demo at --at (else its end), a file at its end, live now.

    `cockpit snapshot` and the agent tools share it, so both read the same simulated moment.
    """
    from cockpit.commands.common import build_source
    from cockpit.sources.simulator import SimulatorSource

    at = getattr(args, "at", None)
    if at and (getattr(args, "data", None) or getattr(args, "live", False)):
        raise UserError("--at works with --demo or --replay (a file is evaluated at its end, live at now)")
    source = build_source(args, config)
    if isinstance(source, SimulatorSource) and not at:
        source.seek(source.end)
    return source


def _f(value: Any, spec: str = ".2f", unit: str = "", scale: float = 1.0) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{format(value * scale, spec)}{unit}"


def _usd(value: float | None, unit: float, word: str) -> str:
    """Dollars in millions or billions as a trader writes them: $5.4M, $8.04B."""
    return "n/a" if value is None else f"${value / unit:,.{2 if word == 'B' else 1}f}{word}"


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "age n/a"
    minutes = int(seconds // 60)
    return f"age {minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"age {minutes}m"


def _vol_credit_line(m: dict[str, Any]) -> str:
    """VIX (with its term structure), MOVE and HYG/LQD, each 'n/a' when absent."""
    vix, vix3m, move, credit = m.get("vix"), m.get("vix3m"), m.get("move"), m.get("credit")
    parts = [f"  VIX {_f(vix and vix['value'], '.2f')} ({_f(vix and vix['change_pct'], '+.1f', '%')})",
             f"VIX3M {_f(vix3m and vix3m['value'], '.2f')}"]
    if vix and vix.get("backwardation"):
        parts.append("BACKWARDATION")
    parts.append(f"MOVE {_f(move and move['value'], '.1f')} ({_f(move and move['change_pct'], '+.1f', '%')})")
    widening = " spreads widening" if credit and credit["spreads_widening"] else ""
    parts.append(f"HYG/LQD {_f(credit and credit['hyg_lqd_change_pct'], '+.2f', '%')}{widening}")
    return "  ".join(parts)


def render_table(p: dict[str, Any]) -> str:
    """The snapshot as a plain-text table a trader can read in a terminal or a log; every figure with its age."""
    m, lead, cr, co = p["macro"], p["leadership"], p["crypto"], p["correlation"]
    us10y, dxy, policy = m["us10y"], m["dxy"], m["policy"]
    lines = [
        f"cockpit snapshot  {p['as_of']}  source {p['source']} {p['label']}  profile {p['profile']}",
        f"regime  {p['regime']['label']} (size x{p['regime']['multiplier']}) since {p['regime']['since']}"
        + (f", held (evidence last {p['regime']['held_from']})" if p["regime"].get("held_from") else ""),
        f"outlook {p['outlook']['label'] or 'none'}"
        + (f" - {p['outlook']['reason']}" if p["outlook"]["reason"] else ""),
        "",
        f"MACRO  (changes over {m['lookback_h']}h)",
        f"  US10Y   {_f(us10y['value'], '.3f', '%'):>9}  {_f(us10y['change_bp'], '+.1f', ' bp'):>10}"
        f"  {_age(us10y['age_s'])}",
        f"  DXY     {_f(dxy['value'], '.2f'):>9}  {_f(dxy['change_pct'], '+.2f', ' %'):>10}  {_age(dxy['age_s'])}",
        f"  policy  {_f(policy['front_rate'], '.3f', '%'):>9}  {_f(policy['change_bp'], '+.1f', ' bp'):>10}"
        f"  path {' '.join(_f(x['rate'], '.2f') for x in policy['path'])}",
        _vol_credit_line(m),
        f"  risk budget {m['risk_budget'] or 'n/a'}",
        "LEADERSHIP",
        f"  rel. strength {_f(lead['relative_strength_pct'], '+.2f', ' %')}  breadth>MA "
        f"{_f(lead['breadth_above_ma'], '.0%')}  new lows {_f(lead['breadth_new_lows'], '.0%')}  "
        f"index holding {_f(lead['index_holding'])}  verdict {lead['verdict'] or 'n/a'}  "
        f"({lead['coverage']['have']}/{lead['coverage']['of']} members)  {_age(lead['age_s'])}",
        "CRYPTO",
    ]
    for key in ("btc", "eth"):
        a = cr[key]
        lines.append(
            f"  {a['symbol']:<14} {_f(a['price'], ',.2f'):>12}  4h {_f(a['change_4h_pct'], '+.2f', '%'):>8}  "
            f"funding {_f(a['funding_rate'], '.4f', '%', 100)}/{_f(a['funding_interval_h'], 'g', 'h')} "
            f"({_f(a['funding_annualised_pct'], '+.1f', '%/yr')})  "
            f"OI {_f(a['open_interest'], ',.0f')} coins {_usd(a['open_interest_usd'], 1e9, 'B')} "
            f"({_f(a['oi_change_pct_24h'], '+.1f', '%')} coins 24h)  "
            f"long liq 1h {_usd(a['long_liq_usd_1h'], 1e6, 'M')} {_f(a['liq_oi_pct_1h'], '.3f', '% of OI')} "
            f"z {_f(a['liq_zscore_1h'], '.1f')}  {_age(a['age_s'])}"
        )
    lines += [
        f"  state {cr['state'] or 'n/a'}  flushes in this move {_f(cr['flush_count'], 'g')}"
        f"{' (one under way)' if cr['flush_active'] else ''}  since {cr['move_start'] or 'n/a'}"
        f"  OI reset {_f(cr['oi_reset'])}",
        "CORRELATION (ES vs BTC, consecutive bars only)",
        f"  1h {_f(co['1h']['value'], '+.3f')} (window {co['1h']['window']}, {co['1h']['gap_pairs_dropped']} gap pairs "
        f"dropped)   4h {_f(co['4h']['value'], '+.3f')} (window {co['4h']['window']}, "
        f"{co['4h']['gap_pairs_dropped']} dropped)   opening gap {_f(co['gap_pct'], '+.2f', '%')}",
        f"  vol ES {_f(co['vol']['index']['annualised_pct'], '.1f', '%')} (x{_f(co['vol']['index']['ratio'], '.2f')})"
        f"  BTC {_f(co['vol']['btc']['annualised_pct'], '.1f', '%')} (x{_f(co['vol']['btc']['ratio'], '.2f')})"
        f"  ES vs trend {_f(co['index_trend_gap_atr'], '+.2f', ' ATR')}"
        f"  both down & vol rising {_f(co['both_down_vol_rising'])}",
        "FLAGS" if p["flags"] else "FLAGS  none",
    ]
    lines += [f"  [{f['severity']:<8}] {f['id']:<24} {f['message']}  (since {f['since']})" for f in p["flags"]]
    health = [f"{name} {v['state']}" + (f" ({v['error']})" if v["error"] else "")
              for name, v in p["freshness"].items()]
    lines.append("freshness  " + ", ".join(health))
    dq = p["data_quality"]
    if dq["duplicates_dropped"] or dq["bad_prices_dropped"] or dq["was_unsorted"]:
        unsorted = ", input was unsorted" if dq["was_unsorted"] else ""
        lines.append(f"data quality  {dq['rows_used']}/{dq['rows_in']} rows used, "
                     f"{dq['duplicates_dropped']} duplicates, {dq['bad_prices_dropped']} bad prices dropped{unsorted}")
    return "\n".join(lines) + "\n"
