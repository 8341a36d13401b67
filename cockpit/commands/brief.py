"""`cockpit brief`: the regime and since when, the driver, the cause map, flags and the outlook, to paste."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cockpit.cli import add_source_arguments
from cockpit.errors import UserError

FORMATS = ("markdown", "json")


def register(subparsers: Any) -> None:
    """Add the `brief` subcommand."""
    parser = subparsers.add_parser("brief", help="a trader's note of the moment: regime, driver, cause map, flags")
    add_source_arguments(parser)
    parser.add_argument("--format", default="markdown", help="markdown (default) or json")
    parser.add_argument("--at", default=argparse.SUPPRESS,
                        help="with --demo or --replay: offset into the scenario (default: its end)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate the moment and its timeline, then print the brief."""
    from cockpit.commands.common import build_source, config_for
    from cockpit.commands.flags import moment_story
    from cockpit.sources.simulator import SimulatorSource

    if args.format not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, got '{args.format}'")
    config = config_for(args)
    profile = config.profile(args.profile)
    source = build_source(args, config)
    if isinstance(source, SimulatorSource) and not args.at:
        source.seek(source.end)
    payload = moment_story(source, profile, config)
    brief = brief_json(payload)
    if args.format == "json":
        sys.stdout.write(json.dumps(brief, indent=2) + "\n")
    else:
        sys.stdout.write(brief_markdown(brief))
    return 0


def brief_json(p: dict[str, Any]) -> dict[str, Any]:
    """The brief's figures, taken from the snapshot JSON of the same moment (so the two always agree)."""
    return {
        "as_of": p["as_of"], "source": p["source"], "label": p["label"], "profile": p["profile"],
        "regime": p["regime"], "driver": p["driver"], "cause_map": p["cause_map"], "thin": p["thin"],
        "flags": p["flags"], "flag_log": p["flag_log"], "outlook": p["outlook"],
        "figures": {
            "us10y_change_bp": p["macro"]["us10y"]["change_bp"], "dxy_change_pct": p["macro"]["dxy"]["change_pct"],
            "lookback_h": p["macro"]["lookback_h"],
            "corr_1h": p["correlation"]["1h"]["value"], "corr_4h": p["correlation"]["4h"]["value"],
            "btc_price": p["crypto"]["btc"]["price"], "btc_change_24h_pct": p["crypto"]["btc"]["change_24h_pct"],
            "btc_long_liq_usd_1h": p["crypto"]["btc"]["long_liq_usd_1h"],
            "flush_count": p["crypto"]["flush_count"], "oi_reset": p["crypto"]["oi_reset"],
            "leaders_verdict": p["leadership"]["verdict"],
        },
    }


def _n(value: Any, spec: str, unit: str = "") -> str:
    return "n/a" if value is None else f"{format(value, spec)}{unit}"


DRIVER_WORDS = {"rates_shock": "a rates shock", "equity_leadership": "an AI/tech leadership repricing",
                "liquidation_cascade": "a crypto liquidation cascade", "mixed": "rates and equity leadership together"}


def brief_markdown(b: dict[str, Any]) -> str:
    """A paragraph and two short tables a trader can paste into a journal."""
    regime, f, cmap = b["regime"], b["figures"], b["cause_map"]
    since = regime.get("since")
    driver = b["driver"]["label"]
    lines = [f"## Cockpit brief {b['as_of']} ({b['source']} {b['label']}, {b['profile']})".rstrip(), ""]
    text = (f"Regime **{regime['label']}** (size ×{regime['multiplier']})"
            + (f" since {since}" if since else "") + ". ")
    if cmap["episode_start"]:
        text += f"Stress episode since {cmap['episode_start']}; "
        text += (f"the driver is {DRIVER_WORDS[driver]} ({b['driver']['evidence']}). " if driver
                 else "no driver stands out yet. ")
    else:
        text += "No stress episode. "
    text += (f"US10Y {_n(f['us10y_change_bp'], '+.1f', ' bp')} and DXY {_n(f['dxy_change_pct'], '+.2f', ' %')} "
             f"over {f['lookback_h']}h; ES~BTC correlation {_n(f['corr_1h'], '+.2f')} (1h), "
             f"{_n(f['corr_4h'], '+.2f')} (4h); BTC {_n(f['btc_price'], ',.0f')} "
             f"({_n(f['btc_change_24h_pct'], '+.1f', ' %')} 24h), long liquidations "
             f"{_n(None if f['btc_long_liq_usd_1h'] is None else f['btc_long_liq_usd_1h'] / 1e6, ',.1f', ' M$')} "
             f"in the last hour, {f['flush_count']} flush(es) in this move, OI reset "
             f"{'yes' if f['oi_reset'] else 'no'}; leaders {f['leaders_verdict'] or 'n/a'}.")
    if b["thin"]:
        text += f" THIN: {b['thin']['name']} until {b['thin']['until']}."
    outlook = b["outlook"]
    text += (f" Outlook {outlook['label']}." if outlook.get("label")
             else f" No outlook call ({outlook.get('reason') or 'nothing to judge'}).")
    lines += [text, "", "| stage | reached | evidence |", "|---|---|---|"]
    lines += [f"| {s['name']} | {s['reached_at'] or '—'} | {s['evidence'] or ''} |" for s in cmap["stages"]]
    lines += ["", "| flag | severity | since | until | message |", "|---|---|---|---|---|"]
    lines += [f"| {s['id']} | {s['severity']} | {s['since']} | {s['until'] or 'active'} | {s['message']} |"
              for s in b["flag_log"]]
    if not b["flag_log"]:
        lines.append("| none | | | | |")
    return "\n".join(lines) + "\n"
