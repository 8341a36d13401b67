"""`cockpit serve`: the same screen as a web page, through textual-serve (the `web` extra).

Each browser tab runs its own `cockpit` process with the source options given here. The page has no
authentication, so it listens on localhost unless `--host` says otherwise, and then says so.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from typing import Any

from cockpit.cli import add_source_arguments
from cockpit.errors import UserError

EXTRA_MISSING = "`cockpit serve` needs the web extra: pip install 'cockpit[web]'"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Source options handed to each tab's process: switches, then options with a value.
SWITCHES = ("demo", "live")
VALUED = ("data", "replay", "scenario", "seed", "profile", "record", "at", "speed")


def register(subparsers: Any) -> None:
    """Add the `serve` subcommand."""
    parser = subparsers.add_parser(
        "serve", help="serve the screen as a web page (localhost by default)",
        description="The cockpit in a browser tab. The page has no authentication: keep the default "
                    f"--host {DEFAULT_HOST} unless the network is yours.")
    add_source_arguments(parser)
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    parser.add_argument("--public-url", default=None, metavar="URL",
                        help="the address browsers use, when it differs from http://HOST:PORT (a proxy, a LAN name)")
    parser.add_argument("--speed", type=float, default=argparse.SUPPRESS,
                        help="simulator speed: simulated seconds per second")
    parser.add_argument("--at", default=argparse.SUPPRESS,
                        help="start the simulator at this offset into the scenario (e.g. 36h)")
    parser.set_defaults(handler=run)


def is_local(host: str) -> bool:
    """Whether `host` is a loopback address (only this machine can reach it)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def screen_command(args: argparse.Namespace) -> str:
    """The shell command each browser tab runs: this Python, `-m cockpit`, and the source options given."""
    argv = [sys.executable, "-m", "cockpit"]
    argv += [f"--{name}" for name in SWITCHES if getattr(args, name, False)]
    for name in VALUED:
        value = getattr(args, name, None)
        if value is not None:
            argv += [f"--{name}", str(value)]
    return shlex.join(argv)


def run(args: argparse.Namespace) -> int:
    """Check the extra and the arguments (as the screen would), warn off localhost, then serve until Ctrl-C."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise UserError(EXTRA_MISSING) from None
    from cockpit.commands.screen import build_app

    if not 0 < args.port < 65536:
        raise UserError(f"--port must be between 1 and 65535, got {args.port}")
    build_app(args)  # the screen's own checks: config, keys, theme, scenario, paths; one line and exit 2
    if not is_local(args.host):
        sys.stderr.write(f"cockpit: warning: serving on {args.host}:{args.port}: the page has no authentication, "
                         "anyone who can reach this address can watch and drive the cockpit\n")
    host = f"[{args.host}]" if ":" in args.host and not args.host.startswith("[") else args.host
    server = Server(screen_command(args), host=args.host, port=args.port, title="cockpit",
                    public_url=args.public_url or f"http://{host}:{args.port}")
    try:
        server.serve()
    except OSError as exc:
        raise UserError(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc})") from None
    return 0
