"""`cockpit watch`: placeholder until its issue lands."""

from __future__ import annotations

import argparse
from typing import Any

from cockpit.errors import UserError


def register(subparsers: Any) -> None:
    """Add the `watch` subcommand."""
    parser = subparsers.add_parser("watch", help="(not available yet)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Say that this command is not built yet."""
    raise UserError("'cockpit watch' is not available in this version")
