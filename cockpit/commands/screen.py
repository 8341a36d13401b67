"""The full-screen cockpit (placeholder until the screen issue lands)."""

from __future__ import annotations

import argparse

from cockpit.errors import UserError


def run_screen(args: argparse.Namespace) -> int:
    """Start the Textual app on the chosen source."""
    raise UserError("the full-screen cockpit is not built yet; try `cockpit snapshot --demo`")
