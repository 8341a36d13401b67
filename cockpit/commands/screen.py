"""The full-screen cockpit: check the arguments and the config, then run the Textual app on the chosen source.

Everything that can be checked cheaply is checked before the screen opens, so bad input is one line and
exit status 2. The source itself is built by the app's feed worker after the first frame.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.errors import UserError

if TYPE_CHECKING:
    from cockpit.app import CockpitApp
    from cockpit.config import Config
    from cockpit.sources.base import Source
    from cockpit.start_figures import StartFigures

def check_arguments(args: argparse.Namespace, config: Config) -> None:
    """Reject bad input before the screen opens: keys, scenario, speed, offset, paths."""
    from cockpit.app import KEY_ACTIONS
    from cockpit.commands.common import parse_duration

    for action in config.keys:
        if action not in KEY_ACTIONS:
            where = config.path or "config.toml"
            raise UserError(f"{where}: unknown action '{action}' in [keys] (known: {', '.join(KEY_ACTIONS)})")
    if getattr(args, "scenario", None):
        from cockpit.sources.simulator import get_scenario

        get_scenario(args.scenario)
    speed = getattr(args, "speed", None)
    if speed is not None and speed <= 0:
        raise UserError(f"--speed must be positive, got {speed}")
    if getattr(args, "at", None):
        parse_duration(args.at)
    for option in ("data", "replay"):
        value = getattr(args, option, None)
        if value and not Path(value).exists():
            raise UserError(f"{value}: no such file or folder")


def source_factory(args: argparse.Namespace, config: Config) -> Callable[[], Source]:
    """A callable that builds the source the arguments ask for (called in a worker thread)."""
    from cockpit.commands.common import build_source

    def build() -> Source:
        if getattr(args, "live", False):  # held symbols outside the default universe join the Yahoo batch
            from cockpit.commands.book import with_held_symbols

            return build_source(args, with_held_symbols(config), for_screen=True)
        return build_source(args, config, for_screen=True)

    return build


def build_app(args: argparse.Namespace) -> CockpitApp:
    """The configured app, without running it."""
    from cockpit.app import CockpitApp
    from cockpit.commands.common import config_for
    from cockpit.config import data_dir, parse_profile_name, user_config_dir
    from cockpit.widgets.theme import load_themes

    config = config_for(args)
    check_arguments(args, config)
    themes = load_themes(user_config_dir() / "themes")
    names = [t.name for t in themes]
    if config.theme not in names:
        where = config.path or "config.toml"
        raise UserError(f"{where}: unknown theme '{config.theme}' (available: {', '.join(names)})")
    profile = parse_profile_name(args.profile) if getattr(args, "profile", None) else None
    chosen = any(getattr(args, name, None) for name in ("demo", "data", "replay"))
    demo = argparse.Namespace(**{**vars(args), "live": False, "data": None, "replay": None, "demo": True})
    wanted = args if chosen else argparse.Namespace(**{**vars(args), "live": True})  # no source named: live
    # A live screen keeps its last figures in the data folder and draws them first at the next start; the
    # simulator keeps its first figures, which its scenario, seed and offset decide (what decides them is
    # worked out after the first frame: it needs the scenarios and the records).
    figures = data_dir() / "cache" if getattr(wanted, "live", False) else None
    simulated = getattr(wanted, "demo", False) and not getattr(wanted, "live", False)
    return CockpitApp(config, source_factory=source_factory(wanted, config), profile=profile,
                      demo_factory=source_factory(demo, config), themes=themes, figures_cache=figures,
                      start_figures=(lambda: start_figures(wanted, data_dir() / "cache")) if simulated else None)


def start_figures(args: argparse.Namespace, folder: Path) -> StartFigures:
    """Where the simulator the arguments ask for keeps its first figures, and what decides them."""
    from datetime import timedelta

    from cockpit.commands.common import parse_duration
    from cockpit.sources.simulator import DEFAULT_SEED, DEFAULT_SPEED, get_scenario
    from cockpit.sources.simulator.scenarios import DEFAULT_SCENARIO
    from cockpit.start_figures import simulated_start

    scenario = get_scenario(getattr(args, "scenario", None) or DEFAULT_SCENARIO)
    offset = parse_duration(args.at) if getattr(args, "at", None) else timedelta(0)
    seed = DEFAULT_SEED if getattr(args, "seed", None) is None else args.seed
    speed = getattr(args, "speed", None) or DEFAULT_SPEED
    return simulated_start(folder, scenario, seed, offset, scenario.start + offset, speed)


def run_screen(args: argparse.Namespace) -> int:
    """Start the Textual app on the chosen source; exit status 2 with one line if the source is unusable."""
    app = build_app(args)
    # Everything imported so far lives as long as the app: keep the collector from rescanning it (a faster
    # first frame and fewer pauses later).
    gc.freeze()
    app.run()
    if app.error_message:
        raise UserError(app.error_message)
    if app.return_code == 1 and app.crash_message:
        sys.stderr.write(f"cockpit: {app.crash_message}\n")
    return int(app.return_code or 0)
