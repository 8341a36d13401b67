"""The cockpit screen: header, six panes and the footer; feed messages in, pane updates out.

The first frame draws each pane as one placeholder of the same look (`skeleton.py`); the real panes are
swapped in right after it, while the feed's worker builds the source.

Workers of the feed run on this screen, so their endings arrive here and are handed to the feed once.
Widgets change only in the handlers below, on the UI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker

from cockpit.alerts import Notifier, alert_settings
from cockpit.kinds import FlagId, ProfileName
from cockpit.messages import (
    BookBuilt,
    ClockInfo,
    ClockTicked,
    PollFailed,
    SnapshotComputed,
    SourceInfo,
    SourceOpened,
    SourceUnavailable,
    StoryComputed,
)
from cockpit.screens.alerting import ScreenAlerts
from cockpit.screens.book_page import BookPage
from cockpit.screens.layout import Layout, layout_for, mode_for, page_showing
from cockpit.screens.screen_keys import AGE_TICK_S, MAX_AGE_TICK_S, FeedControls, PaneKeys
from cockpit.screens.screen_view import ScreenView
from cockpit.screens.sizing_slot import SizingSlot
from cockpit.screens.skeleton import PanePlaceholder
from cockpit.screens.survive import ReportsErrors
from cockpit.widgets.footer import CockpitFooter
from cockpit.widgets.header import CockpitHeader
from cockpit.widgets.pane_view import next_age_change_s

if TYPE_CHECKING:
    from cockpit.book import Book
    from cockpit.config import Config
    from cockpit.feeds import Feed
    from cockpit.models import Snapshot
    from cockpit.start_figures import StartFigures
    from cockpit.story import Story
    from cockpit.widgets.flags import FlagList
    from cockpit.widgets.pane import Pane

PROFILE_CYCLE = (ProfileName.SHORT, ProfileName.SWING, ProfileName.LONG)
# The panes of the grid in order by id, before and after the Sizing pane (which is its own frame from the start).
PANES_BEFORE_SIZING = ("macro", "leadership", "crypto", "correlation")
PANES_AFTER_SIZING = ("flags", "book")


def pane_classes() -> dict[str, type[Pane]]:
    """The grid's pane classes by id. Their modules (the panes' widgets and the charts, about 5 ms) are imported
    here, when the panes are swapped in after the first frame."""
    from cockpit.widgets.book import BookPane
    from cockpit.widgets.correlation import CorrelationPane
    from cockpit.widgets.crypto import CryptoPane
    from cockpit.widgets.flags import FlagsPane
    from cockpit.widgets.leadership import LeadershipPane
    from cockpit.widgets.macro import MacroPane

    return {pane.PANE_KEY: pane for pane in (MacroPane, LeadershipPane, CryptoPane, CorrelationPane, FlagsPane,
                                            BookPane)}


class CockpitScreen(ScreenView, FeedControls, PaneKeys, ReportsErrors, Screen[None]):
    """Every pane of SPEC §2 on one screen, refreshed by the feed's workers."""

    BINDINGS = [
        Binding("p", "cycle_profile", "Profile", id="profile"),
        Binding("c", "checklist", "Checklist", id="checklist"),
        Binding("s", "focus_sizing", "Sizing", id="sizing"),
        Binding("f", "focus_flags", "Flags", id="flags"),
        Binding("n", "next_panes", "Panes", id="panes"),
        Binding("b", "show_book", "Book", id="book", show=False),  # n reaches it too; the footer is full at 100
        Binding("h", "hedge", "Hedge", id="hedge"),
        Binding("i", "add_holding", "Add holding", id="add_holding", show=False),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("space", "toggle_pause", "Pause", id="pause"),
        Binding("plus", "faster", "Speed", key_display="+/-", id="faster"),
        Binding("minus", "slower", "Slower", key_display="-", id="slower", show=False),
        Binding("m", "cause_map", "Causes", id="causes"),
        Binding("d", "start_demo", "Start demo", id="demo"),
    ]

    def __init__(self, config: Config, profile: ProfileName, *, notice: str | None = None,
                 monotonic: Callable[[], float] = time.monotonic, notifier: Notifier | None = None) -> None:
        super().__init__(id="cockpit")
        self.alerts = ScreenAlerts(notifier or Notifier(alert_settings(config)))
        self.config = config
        self.profile = profile
        self.notice = notice
        self.feed: Feed | None = None
        self.snapshot: Snapshot | None = None
        self.clock: ClockInfo | None = None
        self.source_info: SourceInfo | None = None
        self.trouble: PollFailed | None = None
        self.first_seen: dict[FlagId, datetime] = {}
        self.story: Story | None = None
        self.acknowledged: frozenset[tuple[str, datetime]] = frozenset()
        self.log_error: str | None = None
        self.layout_state = layout_for(160, 45, 0)
        self.page = 0
        self._monotonic = monotonic
        self._received_at: float | None = None
        self._ticker_started = False
        self._age_timer: Timer | None = None
        self.sizing = SizingSlot(config.profile(profile))
        self._panes_mounted = False
        self.book_page = BookPage(self)

    # --- composition and layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, the panes' placeholders in a grid, footer (the layout classes are set first: one styling pass)."""
        self._apply_layout()
        yield CockpitHeader(id="header")
        view = self._empty_view()
        with Container(id="panes"):
            yield from (PanePlaceholder(key, view) for key in PANES_BEFORE_SIZING)
            yield self.sizing
            yield from (PanePlaceholder(key, view) for key in PANES_AFTER_SIZING)
        yield CockpitFooter()

    def on_mount(self) -> None:
        """Show the waiting state until the first snapshot."""
        if not self.children:
            return  # the app closed before the screen's widgets were mounted (a quit within the first frame)
        self._apply_layout()
        self.render_all()

    async def mount_panes(self) -> None:
        """Swap the real panes in for the placeholders (after the first frame); nothing on screen changes."""
        if self._panes_mounted or not self.is_attached:
            return
        self._panes_mounted = True
        grid = self.query_one("#panes", Container)
        placeholders = list(self.query(PanePlaceholder))
        focused = self.focused.id if isinstance(self.focused, PanePlaceholder) else None
        classes = pane_classes()
        with self.app.batch_update():
            await grid.remove_children(placeholders)
            await grid.mount_all([classes[key]() for key in PANES_BEFORE_SIZING], before=self.sizing)
            await grid.mount_all([classes[key]() for key in PANES_AFTER_SIZING], after=self.sizing)
            self._apply_layout()
            self.render_all()
            if self.book_page.shown is not None:  # a book built before the swap
                self.book_page.show(self.book_page.shown)
            if focused is not None:
                self.query_one(f"#{focused}").focus()

    def on_resize(self, event: events.Resize) -> None:
        """Pick the layout that fits the new size."""
        self._apply_layout()

    def _apply_layout(self) -> None:
        width, height = self.size.width or self.app.size.width, self.size.height or self.app.size.height
        previous = self.layout_state
        if mode_for(width, height) != previous.mode:
            # Keep the pane the user was looking at on screen when the layout changes.
            self.page = page_showing(previous.shown[0], mode_for(width, height))
        layout: Layout = layout_for(width, height, self.page)
        self.layout_state = layout
        for mode in ("full", "medium", "compact"):
            self.set_class(layout.mode == mode, f"-{mode}")
        self.set_class(not layout.charts, "-no-charts")
        self.set_class(len(layout.shown) == 1, "-solo")
        for pane in self.query(".pane"):
            pane.display = pane.id in layout.shown
        if self.is_mounted:
            self.refresh_bindings()
            self.query_one(CockpitHeader).show(self.header_info(self.context()))

    def panes(self) -> list[Pane]:
        """The panes that render from a context (every pane but Sizing): none before they are swapped in."""
        if not self._panes_mounted:
            return []
        from cockpit.widgets.pane import Pane

        return list(self.query(Pane))

    # --- rendering --------------------------------------------------------------------------------

    def render_all(self) -> None:
        """Render every pane and the header from the current state (each touches only what changed)."""
        ctx = self.context()
        for pane in self.panes():
            if ctx is not None:
                pane.show_context(ctx)
            else:
                pane.show(self._empty_view())
        if ctx is not None:
            self.sizing.update(ctx.snapshot, ctx.profile)
        self.query_one(CockpitHeader).show(self.header_info(ctx))
        if self._ticker_started:
            self._arm_ages(next_age_change_s(ctx, AGE_TICK_S, MAX_AGE_TICK_S))

    # --- feed messages ----------------------------------------------------------------------------

    def attach_feed(self, feed: Feed, *, start: bool = True) -> None:
        """Run `feed` on this screen and start it (or leave the start to the caller)."""
        self.feed = feed
        feed.attach(self)
        if start:
            feed.start()
        self.refresh_bindings()  # 'Start demo' is offered only while there is no feed

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker endings are handled once, by the feed that started them; a new market state rebuilds the book."""
        if self.feed is not None:
            self.feed.handle_worker(event.worker, event.state)
        self.book_page.worker_done(event.worker, event.state)

    @on(SourceOpened)
    def source_opened(self, message: SourceOpened) -> None:
        """The source is built: remember what it is."""
        self.source_info = message.info
        self.notice = None
        if not message.info.clocked:
            self._start_ticker()
        self.render_all()

    @on(SourceUnavailable)
    def source_unavailable(self, message: SourceUnavailable) -> None:
        """The source could not be opened: bad input ends the app with status 2; otherwise say why."""
        fail_with = getattr(self.app, "fail_with", None)
        if message.user_error and callable(fail_with):
            fail_with(message.reason)
            return
        self.notice = f"source unavailable: {message.reason}"
        self.render_all()
        self.sizing.want_calculator()  # no figures are coming: the calculator need not wait for them

    @property
    def book(self) -> Book | None:
        """The newest book (SPEC §12), None until it is built."""
        return self.book_page.book

    @on(BookBuilt)
    def book_built(self, message: BookBuilt) -> None:
        """Show the newest book."""
        self.book_page.show(message)

    @on(SnapshotComputed)
    def snapshot_computed(self, message: SnapshotComputed) -> None:
        """A new snapshot for the active profile: remember new flags, render, alert as `watch` does."""
        if message.profile != self.profile:
            return
        snap, shown = message.snapshot, self.snapshot
        if not snap.judged and shown is not None and shown.judged and shown.profile is snap.profile:
            return  # a preview never replaces a judged snapshot
        if snap.judged:  # a preview's flags are not yet judged: nothing is remembered or announced from it
            from cockpit.widgets.flags import track_first_seen

            previous = shown.as_of if shown is not None and shown.judged else None
            self.first_seen, _ = track_first_seen(self.first_seen, snap.flags, snap.as_of, previous)
            self.book_page.note_hour(snap)
        self.snapshot, self.clock = snap, message.clock
        self._received_at = message.polled_at
        self.trouble = None
        self.render_all()
        if snap.judged:
            self.alerts.announce(self, snap)
            if message.state is not None:  # the book now, not after the poll's worker has told the week's story
                self.book_page.refresh(message.state)

    def show_last_figures(self, snap: Snapshot) -> None:
        """The figures a live session kept, as they stand now (a preview): shown until the feed's first."""
        if self.snapshot is not None:
            return
        clock = ClockInfo(kind=snap.source, label=snap.label, now=snap.as_of, clocked=False, paused=False,
                          speed=None)
        self.snapshot_computed(SnapshotComputed("market", snap, clock, self._monotonic()))
        self._start_ticker()  # their ages go on counting, whatever the source does next

    def show_start_figures(self, snap: Snapshot, start: StartFigures) -> None:
        """The simulator's first figures kept from the last start with the same key: shown until the feed's."""
        if self.snapshot is not None:
            return
        clock = ClockInfo(kind=snap.source, label=snap.label, now=snap.as_of, clocked=True, paused=False,
                          speed=start.speed)
        self.snapshot_computed(SnapshotComputed("market", snap, clock, self._monotonic()))

    @on(StoryComputed)
    def story_computed(self, message: StoryComputed) -> None:
        """The week's flag spans and cause map: the flags pane lists ended spans, the driver shows."""
        if message.profile != self.profile:
            return
        log_error = None if message.log_error is None else f"flag log: {message.log_error}"
        if message.story == self.story and message.acknowledged <= self.acknowledged and log_error == self.log_error:
            return  # the same week told again (a failed retry offline): nothing on screen would change
        self.story = message.story
        self.acknowledged = self.acknowledged | message.acknowledged  # what the log kept from earlier sessions
        for span in message.story.spans:  # the week sees where a span older than the span window began
            if span.until is None and span.id in self.first_seen:
                self.first_seen[span.id] = min(self.first_seen[span.id], span.since)
        self.log_error = log_error
        self.render_all()

    # The flag list's messages are handled by their names (Textual's on_<widget>_<message>): an @on would need the
    # flag list's module, with every pane's, before the first frame.
    def on_flag_list_acknowledged(self, message: FlagList.Acknowledged) -> None:
        """An ended span acknowledged: it leaves the list now, and the log keeps that (off the UI thread)."""
        since = message.row.flag.since
        if since is None:
            return
        self.acknowledged = self.acknowledged | {(message.row.flag.id.value, since)}
        self.render_all()
        log = self.feed.flag_log if self.feed is not None else None
        if log is not None:
            self.run_worker(lambda: log.acknowledge(message.row.flag.id.value, since), thread=True,
                            group="flag-log", exit_on_error=False)

    @on(ClockTicked)
    def clock_ticked(self, message: ClockTicked) -> None:
        """A good poll with nothing new to evaluate (paused, or no new bar): the clock, and recovery."""
        moved = self.clock is None or message.clock != self.clock
        self.clock = message.clock
        if self.trouble is not None or (message.clock.clocked and moved):
            self.trouble = None
            self.render_all()  # ages move with a simulated clock even between bars
            return
        self.query_one(CockpitHeader).show(self.header_info(self.context()))

    @on(PollFailed)
    def poll_failed(self, message: PollFailed) -> None:
        """The source failed: keep the last good figures, drawn stale with their age and the error."""
        self.trouble = message
        self._start_ticker()
        self.render_all()
        self.sizing.want_calculator()

    def on_flag_list_chosen(self, message: FlagList.Chosen) -> None:
        """Open the chosen flag's evidence."""
        from cockpit.screens.evidence import FlagEvidenceScreen

        self.app.push_screen(FlagEvidenceScreen(message.row, self.snapshot.as_of if self.snapshot else None))

    # --- actions ----------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide 'More panes' when every pane is on screen and 'Start demo' unless live is unavailable."""
        if action == "next_panes":
            return self.layout_state.pages > 1
        if action == "start_demo":  # not in the first frame of a start whose feed comes with the panes
            return self.feed is None and getattr(self.app, "source_factory", None) is None
        return True

    def action_cycle_profile(self) -> None:
        """short → swing → long: the header follows now, the panes as soon as the re-evaluation lands."""
        index = PROFILE_CYCLE.index(self.profile) if self.profile in PROFILE_CYCLE else 0
        self.profile = PROFILE_CYCLE[(index + 1) % len(PROFILE_CYCLE)]
        self.book_page.hourly.clear()  # windows differ by profile: its re-entry history starts again
        if self.feed is not None:
            self.feed.set_profile(self.current_profile)
        self.query_one(CockpitHeader).show(self.header_info(self.context()))
        self.notify(f"profile {self.profile.value}: {self.current_profile.horizon}", timeout=2)

    def action_start_demo(self) -> None:
        """Start the simulator when live sources are not available."""
        start = getattr(self.app, "start_demo", None)
        if self.feed is None and callable(start):
            start()
