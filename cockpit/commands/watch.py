"""`cockpit watch`: the same sources and rules without the screen, printing each new flag as it fires.

On the simulator or a replay, `--steps N` steps the simulated clock instead of waiting, so a run is
deterministic and fast; a replay walks its recorded moments. Flags at or above `[alerts] min_severity`
also ring the bell, raise a desktop notification and push to ntfy when configured.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from cockpit.cli import add_source_arguments
from cockpit.commands.output import write_out
from cockpit.errors import UserError
from cockpit.models import Flag, MarketState, Severity


def register(subparsers: Any) -> None:
    """Add the `watch` subcommand."""
    parser = subparsers.add_parser("watch", help="print each new flag as it fires (no screen)")
    add_source_arguments(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per new flag")
    parser.add_argument("--once", action="store_true", help="evaluate once and exit")
    parser.add_argument("--steps", type=int, default=None, metavar="N",
                        help="simulator or replay: evaluate N steps of simulated time, without waiting")
    parser.add_argument("--step", default="1h", metavar="DURATION", help="size of one step (default 1h)")
    parser.add_argument("--at", default=argparse.SUPPRESS, help="with --demo: start at this offset into the scenario")
    parser.add_argument("--speed", type=float, default=argparse.SUPPRESS,
                        help="simulator speed in real time (default 720x)")
    parser.add_argument("--min-severity", default="info", help="print flags from this severity on (default info)")
    parser.add_argument("--no-notify", action="store_true", help="print only: no bell, desktop or ntfy")
    parser.set_defaults(handler=run)


def format_line(flag: Flag, as_of: datetime, source: str) -> str:
    """One human line per flag."""
    return f"{as_of:%Y-%m-%d %H:%M}Z  {source:<6} [{flag.severity.value:<8}] {flag.id.value:<24} {flag.message}"


def _moments(source: Any, step: timedelta, steps: int | None) -> Iterator[datetime] | None:
    """The simulated moments to evaluate for a replay or a stepped simulator (None: run in real time)."""
    from cockpit.sources.replay import FileSource
    from cockpit.sources.simulator import SimulatorSource

    if isinstance(source, FileSource):
        if source.recording is not None:
            moments = [poll.as_of for poll in source.recording.polls]
        else:
            moments, at = [], source.first + timedelta(hours=1)
            while at <= source.end:
                moments.append(at)
                at += step
        return iter(moments if steps is None else moments[: steps + 1])
    if isinstance(source, SimulatorSource) and steps is not None:
        source.paused = True
        start = source.now
        return iter([min(source.end, start + step * n) for n in range(steps + 1)])
    return None


def run(args: argparse.Namespace, *, sleep: Callable[[float], None] = time.sleep) -> int:
    """Evaluate repeatedly and print every newly raised flag once."""
    from cockpit.alerts import FlagTracker, Notifier, alert_record, alert_settings, parse_severity
    from cockpit.commands.common import build_source, config_for, parse_duration
    from cockpit.snapshot import build_snapshot

    config = config_for(args)
    profile = config.profile(args.profile)
    floor = parse_severity(args.min_severity, "--min-severity")
    step = parse_duration(args.step)
    if step <= timedelta(0):
        raise UserError("--step needs a positive duration")
    if args.steps is not None and args.steps < 0:
        raise UserError(f"--steps must be zero or more, got {args.steps}")
    notifier = None if args.no_notify else Notifier(alert_settings(config))
    tracker = FlagTracker()
    source = build_source(args, config)

    def evaluate(state: MarketState) -> None:
        snap = build_snapshot(state, profile, config.universe)
        origin = snap.source.value
        for flag in tracker.new_flags(snap.flags, snap.as_of):
            if flag.severity.rank < Severity(floor).rank:
                continue
            if args.json:
                write_out(json.dumps(alert_record(flag, snap.as_of, origin), separators=(",", ":")) + "\n")
            else:
                write_out(format_line(flag, snap.as_of, origin) + "\n")
            if notifier is not None:
                notifier.notify(flag, snap.as_of, origin)

    try:
        if args.once:
            evaluate(source.poll())
            return 0
        moments = _moments(source, step, args.steps)
        if moments is not None:
            for at in moments:
                evaluate(source.state_at(at))  # type: ignore[attr-defined]
            return 0
        if hasattr(source, "paused"):
            source.paused = False  # headless sources start paused; watching in real time runs the clock
        return _run_real_time(source, evaluate, args.steps, sleep)
    finally:
        source.close()


def _run_real_time(source: Any, evaluate: Callable[[MarketState], None], steps: int | None,
                   sleep: Callable[[float], None]) -> int:
    """Poll at the source's pace until the simulator ends, `steps` polls are done, or Ctrl-C."""
    from cockpit.sources.simulator import SimulatorSource

    done = 0
    while True:
        evaluate(source.poll())
        done += 1
        if steps is not None and done > steps:
            return 0
        if isinstance(source, SimulatorSource) and source.now >= source.end:
            return 0
        sleep(max(0.5, float(source.poll_interval_s)))
