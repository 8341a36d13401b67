"""`cockpit scenarios`: the simulator's named scenarios, one line each."""

from __future__ import annotations

import argparse
from typing import Any

from cockpit.commands.output import write_out


def register(subparsers: Any) -> None:
    """Add the `scenarios` subcommand."""
    parser = subparsers.add_parser("scenarios", help="list the simulator's scenarios")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print each scenario with its length and summary."""
    from cockpit.sources.simulator.scenarios import DEFAULT_SCENARIO, SCENARIOS

    width = max(len(name) for name in SCENARIOS)
    for name, scenario in SCENARIOS.items():
        default = " (default)" if name == DEFAULT_SCENARIO else ""
        days = scenario.hours / 24
        write_out(f"{name:<{width}}  {days:.0f}d from {scenario.start:%Y-%m-%d}  {scenario.summary}{default}\n")
    return 0
