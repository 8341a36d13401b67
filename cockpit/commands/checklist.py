"""`cockpit checklist`: placeholder until its issue lands."""

from __future__ import annotations

import argparse
from typing import Any

from cockpit.errors import UserError


def register(subparsers: Any) -> None:
    """Add the `checklist` subcommand."""
    parser = subparsers.add_parser("checklist", help="(not available yet)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Say that this command is not built yet."""
    raise UserError("'cockpit checklist' is not available in this version")
