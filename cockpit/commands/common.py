"""What the screen and the headless commands share: durations, the config, and building the source."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.config import Config, load_config
from cockpit.errors import UserError

if TYPE_CHECKING:
    from cockpit.sources.base import Source

MAX_DURATION_S = 3650 * 86400.0
MAX_SEED = 2**32 - 1
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([dhm])")


def parse_duration(text: str) -> timedelta:
    """'36h', '2d', '90m', '1d12h' -> timedelta; anything else is a UserError."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not parts or _DURATION.sub("", cleaned).strip():
        raise UserError(f"'{text}' is not a duration (use e.g. 36h, 2d, 90m, 1d12h)")
    units = {"d": 86400.0, "h": 3600.0, "m": 60.0}
    seconds = sum(float(n) * units[u] for n, u in parts)
    if seconds > MAX_DURATION_S:
        raise UserError(f"'{text}' is longer than ten years")
    return timedelta(seconds=seconds)


def config_for(args: argparse.Namespace) -> Config:
    """The user's config, with the profile given on the command line checked early."""
    config = load_config()
    if getattr(args, "profile", None):
        config.profile(args.profile)
    return config


def build_source(args: argparse.Namespace, config: Config, *, for_screen: bool = False) -> Source:
    """The source the arguments ask for: --demo (default for headless commands), --data, --replay, --live."""
    if getattr(args, "record", None):  # --record DIR: the same source, wrapped so what it delivers is kept
        from cockpit.sources.recorder import wrap_for_recording

        plain = argparse.Namespace(**{**vars(args), "record": None})
        return wrap_for_recording(build_source(plain, config, for_screen=for_screen), args.record)
    if getattr(args, "data", None):
        from cockpit.sources.replay import FileSource

        return FileSource(Path(args.data))
    if getattr(args, "replay", None):
        from cockpit.models import SourceKind
        from cockpit.sources.replay import FileSource

        speed = getattr(args, "speed", None)
        start = parse_duration(args.at) if getattr(args, "at", None) else None
        return FileSource(Path(args.replay), kind=SourceKind.REPLAY, speed=(speed or 720.0) if for_screen else 0.0,
                          start_offset=start)
    if getattr(args, "live", False):
        from cockpit.sources.live import build_live_source

        return build_live_source(config)
    from cockpit.sources.simulator import DEFAULT_SEED, DEFAULT_SPEED, SimulatorSource
    from cockpit.sources.simulator.scenarios import DEFAULT_SCENARIO

    offset = parse_duration(args.at) if getattr(args, "at", None) else timedelta(0)
    speed = getattr(args, "speed", None)
    if speed is not None and not 0 < speed <= 1e6:
        raise UserError(f"--speed must be above 0 and at most 1000000, got {speed}")
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED:
        raise UserError(f"--seed must be between 0 and {MAX_SEED}, got {args.seed}")
    simulator = SimulatorSource(
        args.scenario or DEFAULT_SCENARIO,
        DEFAULT_SEED if args.seed is None else args.seed,
        speed=speed or DEFAULT_SPEED,
        start_offset=offset,
        universe=config.universe,
    )
    simulator.paused = not for_screen  # a headless evaluation happens at one simulated moment
    return simulator
