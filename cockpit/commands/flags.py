"""`cockpit flags`: the flag log — every flag span of the last days, active and ended, from the data folder."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cockpit.cli import add_source_arguments
from cockpit.errors import UserError


def register(subparsers: Any) -> None:
    """Add the `flags` subcommand."""
    parser = subparsers.add_parser("flags", help="the flag log: flag spans with since, until, peak and evidence")
    add_source_arguments(parser)
    parser.add_argument("--since", default="7d", help="spans active within this span back (default 7d)")
    parser.add_argument("--json", action="store_true", help="one JSON array")
    parser.add_argument("--at", default=argparse.SUPPRESS,
                        help="with --demo or --replay: offset into the scenario (default: its end)")
    parser.set_defaults(handler=run)


def moment_story(source: Any, profile: Any, config: Any) -> dict[str, Any]:
    """The snapshot JSON of the source's moment with its story (flag log, cause map, driver, thin window).

    The timeline's spans are written to the data folder's flag log, and the log's acknowledgements read back.
    """
    from cockpit.journal.flaglog import FlagLog
    from cockpit.snapshot import build_snapshot, snapshot_json
    from cockpit.story import story, story_json, timeline

    state = source.poll()
    snap = build_snapshot(state, profile, config.universe)
    views = timeline(state, profile, config.universe, 24 * 7)
    st = story(views, profile.regime_hold_h)  # an episode ends after this long calm (SPEC §3)
    log = FlagLog(source=state.kind.value, label=state.label)
    try:
        log.write(st.spans)
        acknowledged = log.acknowledged()
    finally:
        log.close()
    return {**snapshot_json(snap), **story_json(st, acknowledged)}


def run(args: argparse.Namespace) -> int:
    """Evaluate the moment's timeline, keep its spans in the log, print the log."""
    from cockpit.commands.common import build_source, config_for, parse_duration
    from cockpit.sources.simulator import SimulatorSource

    window = parse_duration(args.since)
    if window.total_seconds() <= 0:
        raise UserError("--since needs a positive duration")
    config = config_for(args)
    profile = config.profile(args.profile)
    source = build_source(args, config)
    if isinstance(source, SimulatorSource) and not args.at:
        source.seek(source.end)
    payload = moment_story(source, profile, config)
    from datetime import datetime

    horizon = datetime.fromisoformat(payload["as_of"].replace("Z", "+00:00")) - window
    spans = [s for s in payload["flag_log"]
             if s["until"] is None or datetime.fromisoformat(s["until"].replace("Z", "+00:00")) >= horizon]
    if args.json:
        sys.stdout.write(json.dumps(spans, indent=2) + "\n")
        return 0
    if not spans:
        sys.stdout.write(f"no flag spans in the last {args.since} ({payload['source']} {payload['label']})\n")
        return 0
    for s in spans:
        state = "active" if s["until"] is None else f"ended {s['until']}"
        ack = "  (acknowledged)" if s["acknowledged"] else ""
        sys.stdout.write(f"{s['since']}  {state:<28} [{s['severity']:<8}] {s['id']:<24} {s['message']}{ack}\n")
    return 0
