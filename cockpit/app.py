"""The Textual app: registers the themes, composes the cockpit screen, applies the user's keys, starts the feed.

Nothing heavy is imported here: the source is built by the feed's worker after the first frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme

from cockpit.screens.main import CockpitScreen
from cockpit.widgets.strips import untangle_strips
from cockpit.widgets.theme import DEFAULT_THEME, THEME_VARIABLE_DEFAULTS, load_themes, style_paths

if TYPE_CHECKING:
    from datetime import datetime

    from cockpit.alerts import Notifier
    from cockpit.config import Config
    from cockpit.feeds import Feed
    from cockpit.kinds import ProfileName
    from cockpit.models import Snapshot
    from cockpit.screens.help import KeyHelp
    from cockpit.sources.base import Source
    from cockpit.start_figures import StartFigures

APP_BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("question_mark", "help", "Help", key_display="?", id="help"),
    Binding("t", "cycle_theme", "Theme", id="theme"),
    Binding("q", "quit", "Quit", id="quit"),
]
# The names the config's [keys] table may remap (action name -> key).
KEY_ACTIONS: tuple[str, ...] = tuple(
    b.id for b in (*CockpitScreen.BINDINGS, *APP_BINDINGS) if isinstance(b, Binding) and b.id
)
HELP_TEXT = {
    "profile": "Cycle profile short → swing → long",
    "checklist": "Open the daily checklist",
    "sizing": "Focus the sizing calculator",
    "flags": "Focus the flags (Enter: evidence)",
    "panes": "Next page of panes (the Book page, and more on small terminals)",
    "book": "Show the Book page: positions, beta, limits",
    "hedge": "Hedge or reduce the book (prefilled)",
    "add_holding": "Add a holding to the book",
    "refresh": "Poll the source now",
    "pause": "Pause / resume the simulator",
    "faster": "Simulator faster (×2)",
    "slower": "Simulator slower (÷2)",
    "causes": "Cause map: the stages of the stress episode and the driver",
    "demo": "Start the demo (when live is unavailable)",
    "help": "This help",
    "theme": "Cycle theme",
    "quit": "Quit",
}
PALETTE = (
    ("Cycle profile", "short → swing → long", "cycle_profile"),
    ("Open checklist", "the daily risk-off checklist", "checklist"),
    ("Focus sizing", "the risk-tier calculator", "focus_sizing"),
    ("Focus flags", "the live flags", "focus_flags"),
    ("Cause map", "the stages of the stress episode and the driver", "cause_map"),
    ("Refresh now", "poll the source now", "refresh"),
    ("Pause or resume", "the simulator's clock", "toggle_pause"),
    ("Faster", "double the simulator's speed", "faster"),
    ("Slower", "halve the simulator's speed", "slower"),
    ("More panes", "the next page of panes (the Book page)", "next_panes"),
    ("Show the book", "positions, exposure, beta, limits", "show_book"),
    ("Hedge or reduce", "the hedge dialog, prefilled from the book", "hedge"),
    ("Add a holding", "type a holding in: symbol, qty, price, stop", "add_holding"),
)


MAX_SURVIVED = 20  # past this many unexpected errors in one session the app stops instead of going on


class CockpitApp(App[None]):
    """The cockpit: one screen of panes fed by a background feed."""

    TITLE = "cockpit"
    BINDINGS = APP_BINDINGS

    def __init__(
        self,
        config: Config,
        *,
        source_factory: Callable[[], Source] | None,
        profile: ProfileName | None = None,
        notice: str | None = None,
        demo_factory: Callable[[], Source] | None = None,
        themes: Iterable[Theme] | None = None,
        interval_s: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        notifier: Notifier | None = None,
        survive_errors: bool = True,
        figures_cache: Path | None = None,
        wall_clock: Callable[[], datetime] | None = None,
        start_figures: Callable[[], StartFigures] | None = None,
    ) -> None:
        super().__init__(css_path=style_paths())  # type: ignore[arg-type]
        untangle_strips()  # every repaint's strips freed as they go, not left to the collector
        self.config = config
        self.profile_name = profile or config.default_profile
        self.source_factory = source_factory
        self.demo_factory = demo_factory
        self.notice = notice
        self.interval_s = interval_s
        self.monotonic = monotonic
        self.notifier = notifier
        self.cockpit_themes = tuple(themes) if themes is not None else load_themes()
        self.error_message: str | None = None
        self.survive_errors = survive_errors
        self.figures_cache = figures_cache  # a live source's last figures: shown at once, kept for the next start
        # where the simulator's first figures are kept, and their key's parts: shown at once when kept, else kept
        self.start_figures = start_figures
        self.wall_clock = wall_clock
        self.crash_reports: list[Path] = []
        self.crash_message: str | None = None
        self._reported: BaseException | None = None
        for theme in self.cockpit_themes:
            self.register_theme(theme)
        names = {t.name for t in self.cockpit_themes}
        self._start_theme(self.config.theme if self.config.theme in names else DEFAULT_THEME)

    def _start_theme(self, name: str) -> None:
        """Choose the theme before the style sheets are first parsed, so they are parsed once, with its colours.

        Set as a reactive, Textual's watcher queues a refresh of every style sheet that runs before the first
        frame (4-7 ms here, `benchmarks/startup.py`); in on_mount it also laid the screen out once more. Nothing
        is parsed yet, so setting what that watcher would set is enough: the variables, the theme's classes
        and the filter that maps ANSI colours for a light or dark theme.
        """
        self.set_reactive(CockpitApp.theme, name)
        theme = self.current_theme
        self.stylesheet.set_variables(self.get_css_variables())
        self.update_classes({f"-theme-{name}": True, "-dark-mode": theme.dark, "-light-mode": not theme.dark},
                            update=False)
        self._refresh_truecolor_filter(self.ansi_theme)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """The cockpit's own colour variables, for themes that leave one out."""
        return dict(THEME_VARIABLE_DEFAULTS)

    @property
    def cockpit(self) -> CockpitScreen:
        """The main screen."""
        screen = self.get_screen("cockpit")
        assert isinstance(screen, CockpitScreen)
        return screen

    def on_mount(self) -> None:
        """Keys, the cockpit screen; the feed and the real panes come after the first frame."""
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))
        screen = CockpitScreen(self.config, self.profile_name, notice=self.notice, monotonic=self.monotonic,
                               notifier=self.notifier)
        self.install_screen(screen, "cockpit")
        # Shown once the app's start-up batch is over: pushed inside it, the screen was laid out and drawn once
        # for nothing (a batch writes no frame), then again for the first frame.
        self.call_later(self._show_cockpit)

    async def _show_cockpit(self) -> None:
        """Push the cockpit screen; its feed and real panes start after the frame that first shows it."""
        await self.push_screen("cockpit")
        self.call_after_refresh(self.start_feeds)

    async def start_feeds(self) -> None:
        """Start the feed of the chosen source (none when live sources are unavailable), then the real panes."""
        if self.source_factory is None:  # nothing to wait for: the sizing calculator comes at once
            self.cockpit.sizing.want_calculator()
            await self.cockpit.mount_panes()
            return
        last = self._last_figures()
        if last is not None:
            await self.cockpit.mount_panes()
            self.cockpit.show_last_figures(last)
            # The feed's worker starts once they are drawn: it would take turns with the UI thread drawing them.
            self.call_after_refresh(self._start(self.source_factory, start=False).start)
            return
        start, key, first = self._start_figures()
        if first is None:  # the feed's worker keeps its first figures for the next start
            self._start(self.source_factory, keep_start=None if start is None else (start, key))
            await self.cockpit.mount_panes()  # while the feed's worker builds the source
            return
        await self.cockpit.mount_panes()
        assert start is not None
        self.cockpit.show_start_figures(first, start)
        feed = self._start(self.source_factory, start=False)
        feed.figures_shown(first.profile)
        self.call_after_refresh(feed.start)

    def _last_figures(self) -> Snapshot | None:
        """The figures the last live session kept for the active profile, as they stand now (or None)."""
        if self.figures_cache is None:
            return None
        from datetime import UTC, datetime

        from cockpit.sources.live.screen_cache import last_figures_at

        now = self.wall_clock() if self.wall_clock is not None else datetime.now(UTC)
        return last_figures_at(self.figures_cache, self.cockpit.current_profile, self.config.universe, now)

    def _start_figures(self) -> tuple[StartFigures | None, str, Snapshot | None]:
        """Where the simulator keeps its first figures, their key, and the figures kept under it (or None)."""
        if self.start_figures is None:
            return None, "", None
        from cockpit.start_figures import read_start_figures

        start, profile = self.start_figures(), self.cockpit.current_profile
        key = start.key(profile, self.config.universe)
        return start, key, read_start_figures(start, profile, key)

    def _start(self, factory: Callable[[], Source], *, start: bool = True,
               keep_start: tuple[StartFigures, str] | None = None) -> Feed:
        from cockpit.feeds import Feed

        # the profile on screen: a key may have changed it before a feed was started (`d` after `p`)
        feed = Feed("market", factory, self.cockpit.current_profile, self.config.universe,
                    interval_s=self.interval_s, monotonic=self.monotonic, keep_figures_in=self.figures_cache,
                    keep_start=keep_start)
        self.cockpit.attach_feed(feed, start=start)
        return feed

    def start_demo(self) -> None:
        """Switch to the simulator (offered when live sources are not available)."""
        if self.demo_factory is not None and self.cockpit.feed is None:
            self.cockpit.notice = None
            self._start(self.demo_factory)

    # --- unexpected errors: a crash report, and the app stays up where it can ----------------------------

    def report_crash(self, error: BaseException) -> str:
        """Write the crash report (secrets masked) into the data folder; the one line that says where."""
        from datetime import UTC, datetime

        from cockpit.config import data_dir
        from cockpit.crash import crash_line, write_crash_report

        try:
            path = write_crash_report(error, data_dir(), datetime.now(UTC))
        except OSError as exc:
            line = crash_line(error, None, exc.strerror or str(exc))
        else:
            self.crash_reports.append(path)
            line = crash_line(error, path)
        self.crash_message = line
        return line

    def survive(self, error: Exception) -> bool:
        """An exception in a handler of the app or a cockpit screen: report it; keep running if allowed."""
        line = self.report_crash(error)
        self._reported = error
        if not self.survive_errors or len(self.crash_reports) > MAX_SURVIVED:
            return False
        self.notify(f"{line}; the cockpit keeps running", title="Unexpected error", severity="error", timeout=15)
        return True

    async def _dispatch_message(self, message: Message) -> None:
        """Keys and actions run here: an unexpected exception in one is reported, and the app goes on."""
        try:
            await super()._dispatch_message(message)
        except Exception as error:
            if not self.survive(error):
                raise

    def _handle_exception(self, error: Exception) -> None:
        """Where the app cannot go on: the report is written and one line says where, never a traceback."""
        if error is not self._reported:
            self.report_crash(error)
        if not self.survive_errors:
            super()._handle_exception(error)
            return
        self.exit(return_code=1)

    def fail_with(self, reason: str) -> None:
        """End with exit status 2 and `reason` as the one-line error (bad input found after start)."""
        self.error_message = reason
        self.exit(return_code=2)

    def on_unmount(self) -> None:
        """Stop polling and release the source."""
        feed = self.cockpit.feed if self.is_screen_installed("cockpit") else None
        if feed is not None:
            feed.stop()

    # --- actions ----------------------------------------------------------------------------------

    def action_cycle_theme(self) -> None:
        """The next cockpit theme (shipped and the user's own)."""
        names = [t.name for t in self.cockpit_themes]
        if not names:
            return
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.notify(f"theme {self.theme}", timeout=2)

    def key_help(self) -> tuple[KeyHelp, ...]:
        """Every key of the cockpit and the app, as the keymap has them."""
        from cockpit.screens.help import KeyHelp

        keymap = dict(self.config.keys)
        rows = []
        for binding in (*CockpitScreen.BINDINGS, *APP_BINDINGS):
            if not isinstance(binding, Binding) or not binding.id:
                continue
            key = keymap.get(binding.id, binding.key).split(",")[0]
            description = HELP_TEXT.get(binding.id, binding.description)
            rows.append(KeyHelp(self.get_key_display(Binding(key, binding.action)), description, binding.id))
        return tuple(rows)

    def action_help(self) -> None:
        """Show the keys."""
        from cockpit.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_help()))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette: Textual's own entries plus every cockpit action."""
        yield from super().get_system_commands(screen)
        for title, help_text, action in PALETTE:
            yield SystemCommand(title, help_text, self._screen_action(action))
        yield SystemCommand("Cycle theme", "the next cockpit theme", self.action_cycle_theme)
        yield SystemCommand("Cockpit keys", "every key and what it does", self.action_help)

    def _screen_action(self, action: str) -> Callable[[], None]:
        def run() -> None:
            getattr(self.cockpit, f"action_{action}")()

        return run
