"""The Textual app: registers the themes, composes the cockpit screen, applies the user's keys, starts the feed.

Nothing heavy is imported here: the source is built by the feed's worker after the first frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from cockpit.config import Config
from cockpit.feeds import Feed
from cockpit.models import ProfileName
from cockpit.screens.help import HelpScreen, KeyHelp
from cockpit.screens.main import CockpitScreen
from cockpit.sources.base import Source
from cockpit.widgets.theme import DEFAULT_THEME, THEME_VARIABLE_DEFAULTS, load_themes, style_paths

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
    "panes": "Next page of panes (small terminals)",
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
    ("More panes", "the next page of panes on small terminals", "next_panes"),
)


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
    ) -> None:
        super().__init__(css_path=style_paths())  # type: ignore[arg-type]
        self.config = config
        self.profile_name = profile or config.default_profile
        self.source_factory = source_factory
        self.demo_factory = demo_factory
        self.notice = notice
        self.interval_s = interval_s
        self.monotonic = monotonic
        self.cockpit_themes = tuple(themes) if themes is not None else load_themes()
        self.error_message: str | None = None

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
        """Themes, keys, the cockpit screen; the feed starts after the first frame."""
        for theme in self.cockpit_themes:
            self.register_theme(theme)
        names = {t.name for t in self.cockpit_themes}
        self.theme = self.config.theme if self.config.theme in names else DEFAULT_THEME
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))
        screen = CockpitScreen(self.config, self.profile_name, notice=self.notice, monotonic=self.monotonic)
        self.install_screen(screen, "cockpit")
        self.push_screen("cockpit")
        self.call_after_refresh(self.start_feeds)

    def start_feeds(self) -> None:
        """Start the feed of the chosen source (none when live sources are unavailable)."""
        if self.source_factory is not None:
            self._start(self.source_factory)

    def _start(self, factory: Callable[[], Source]) -> None:
        feed = Feed("market", factory, self.config.profile(self.profile_name), self.config.universe,
                    interval_s=self.interval_s, monotonic=self.monotonic)
        self.cockpit.attach_feed(feed)

    def start_demo(self) -> None:
        """Switch to the simulator (offered when live sources are not available)."""
        if self.demo_factory is not None and self.cockpit.feed is None:
            self.cockpit.notice = None
            self._start(self.demo_factory)

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
