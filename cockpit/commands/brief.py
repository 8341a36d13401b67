"""`cockpit brief`: the regime and since when, the driver, the cause map, flags and the outlook, to paste."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cockpit.brief import brief_json, brief_markdown
from cockpit.cli import add_source_arguments
from cockpit.errors import UserError

__all__ = ["brief_json", "brief_markdown", "register", "run"]

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
