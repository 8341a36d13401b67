"""`cockpit scenarios`: the simulator's named scenarios, one line each (or one JSON array)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cockpit.commands.output import write_out


def register(subparsers: Any) -> None:
    """Add the `scenarios` subcommand."""
    parser = subparsers.add_parser("scenarios", help="list the simulator's scenarios")
    parser.add_argument("--json", action="store_true", help="one JSON array of scenario objects")
    parser.set_defaults(handler=run)


def scenario_rows() -> list[dict[str, Any]]:
    """Each scenario as a JSON object: name, start date, length in days and hours, summary, default."""
    from cockpit.sources.simulator.scenarios import DEFAULT_SCENARIO, SCENARIOS

    return [
        {"name": name, "start": f"{scenario.start:%Y-%m-%d}", "days": round(scenario.hours / 24, 1),
         "hours": scenario.hours, "summary": scenario.summary, "default": name == DEFAULT_SCENARIO}
        for name, scenario in SCENARIOS.items()
    ]


def run(args: argparse.Namespace) -> int:
    """Print each scenario with its length and summary."""
    rows = scenario_rows()
    if args.json:
        write_out(json.dumps(rows, indent=2) + "\n")
        return 0
    width = max(len(row["name"]) for row in rows)
    for row in rows:
        default = " (default)" if row["default"] else ""
        write_out(f"{row['name']:<{width}}  {row['hours'] / 24:.0f}d from {row['start']}  "
                         f"{row['summary']}{default}\n")
    return 0
