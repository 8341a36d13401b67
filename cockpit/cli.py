"""Command line: args -> config -> source -> screen or a headless command.

Each subcommand lives in `cockpit/commands/<name>.py` with `register(subparsers)`; a user error prints one
line on stderr and exits 2, never a traceback. Only the subcommands the arguments name are registered (the
screen registers none, so no command module is imported before its first frame); help and errors use the
full parser, so they name every command.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Sequence

from cockpit import __version__
from cockpit.commands.output import OutputError, note
from cockpit.errors import UserError

COMMANDS = (
    "snapshot", "scenarios", "size", "journal", "checklist", "watch", "doctor", "serve", "mcp", "book", "hedge",
    "flags", "brief",
)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print `cockpit: error: ...` on one line and exit 2."""
        raise UserError(message)


SOURCE_DEFAULTS: dict[str, object] = {
    "demo": False, "data": None, "replay": None, "live": False, "scenario": None, "seed": None, "profile": None,
    "record": None, "at": None, "speed": None,
}


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """--demo/--data/--replay/--live and the simulator's options, shared by the screen and the commands.

    Their defaults live on the top-level parser only, so `cockpit --profile long snapshot` keeps the profile.
    """
    keep = argparse.SUPPRESS
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--demo", action="store_true", default=keep, help="run on the built-in market simulator")
    group.add_argument("--data", metavar="PATH", default=keep, help="a Parquet or CSV file (or folder) of 1h bars")
    group.add_argument("--replay", metavar="PATH", default=keep, help="play back a recording or bar file")
    group.add_argument("--live", action="store_true", default=keep, help="live sources: Yahoo and a crypto venue")
    parser.add_argument("--scenario", default=keep, help="simulator scenario (see `cockpit scenarios`)")
    parser.add_argument("--seed", type=int, default=keep, help="simulator seed (same seed, same market)")
    parser.add_argument("--profile", default=keep, help="short, swing or long (default from config: swing)")
    parser.add_argument("--record", metavar="DIR", default=keep, help="record what the sources deliver as Parquet")


def build_parser(commands: Iterable[str] = COMMANDS) -> ArgumentParser:
    """The screen's own options plus the subcommands in `commands` (every one by default)."""
    parser = ArgumentParser(prog="cockpit", description="Terminal cockpit for correlated stock and crypto selloffs.")
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    add_source_arguments(parser)
    parser.add_argument("--speed", type=float, default=argparse.SUPPRESS,
                        help="simulator speed: simulated seconds per second")
    parser.add_argument("--at", default=argparse.SUPPRESS,
                        help="start the simulator at this offset into the scenario (e.g. 36h)")
    parser.set_defaults(**SOURCE_DEFAULTS)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    for name in commands:
        module = importlib.import_module(f"cockpit.commands.{name}")
        module.register(subparsers)
    return parser


def commands_named(argv: Sequence[str]) -> tuple[str, ...]:
    """The subcommands `argv` may run: those it names (a word that is an option's value costs one parser)."""
    if "-h" in argv or "--help" in argv:
        return COMMANDS
    return tuple(name for name in COMMANDS if name in argv)


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """`argv` parsed with only the subcommands it names; on an error, the full parser's own message."""
    named = commands_named(argv)
    try:
        return build_parser(named).parse_args(argv)
    except UserError:
        if named == COMMANDS:
            raise
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `cockpit` command."""
    try:
        args = parse_arguments(sys.argv[1:] if argv is None else list(argv))
        handler = getattr(args, "handler", None)
        if handler is None:
            from cockpit.commands.screen import run_screen

            return run_screen(args)
        return int(handler(args))
    except UserError as exc:
        note(f"cockpit: error: {exc}")
        return 2
    except OutputError as exc:
        if exc.reader_left:
            return 0
        note(f"cockpit: error: cannot write the output ({exc})")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
