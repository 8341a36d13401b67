"""`cockpit mcp`: the cockpit's read-only tools for AI agents, as an MCP server over stdio (the `agent` extra)."""

from __future__ import annotations

import argparse
from typing import Any

from cockpit.cli import add_source_arguments
from cockpit.errors import UserError

EXTRA_MISSING = "`cockpit mcp` needs the agent extra: pip install 'cockpit[agent]'"


def register(subparsers: Any) -> None:
    """Add the `mcp` subcommand."""
    parser = subparsers.add_parser(
        "mcp", help="serve read-only tools to AI agents over MCP (stdio)",
        description="An MCP server on stdin/stdout: snapshot, flags, size, check_plan, checklist_history and "
                    "scenarios. No tool places an order or writes the journal.")
    add_source_arguments(parser)
    parser.add_argument("--at", default=argparse.SUPPRESS,
                        help="with --demo or --replay: the moment the tools read (default: the end)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check the extra and the arguments, then serve until the client closes stdin."""
    try:
        import mcp.server.mcpserver  # noqa: F401
    except ImportError:
        raise UserError(EXTRA_MISSING) from None
    from cockpit.agent import AgentTools
    from cockpit.commands.common import config_for
    from cockpit.mcp_server import build_server

    tools = AgentTools(args, config_for(args))
    try:
        build_server(tools).run("stdio")
    finally:
        tools.close()
    return 0
