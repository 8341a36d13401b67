"""The cockpit screen's keys: the feed's (refresh, the simulated clock, with the ticker that redraws ages) and
the panes' (pages, focus, and the screens they open: checklist, cause map, hedge, holding).

Mixins of `CockpitScreen` (its feed, clock, snapshot, story, layout and `render_all` are the screen's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.screens.layout import page_showing
from cockpit.widgets.pane_view import next_age_change_s

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.timer import Timer

    from cockpit.feeds import Feed
    from cockpit.kinds import ProfileName
    from cockpit.messages import ClockInfo, PollFailed, SourceInfo
    from cockpit.models import Snapshot
    from cockpit.screens.book_page import BookPage
    from cockpit.screens.layout import Layout
    from cockpit.screens.sizing_slot import SizingSlot
    from cockpit.settings import Profile
    from cockpit.story import Story
    from cockpit.widgets.pane_view import PaneContext

    _Base = Screen[None]
else:
    _Base = object

SPEED_STEP = 2.0
AGE_TICK_S = 5.0  # the age ticker's step when no age is on screen yet
MAX_AGE_TICK_S = 60.0  # ages of an hour or more change once an hour; still look once a minute


class FeedControls(_Base):
    """Keys that act on the feed (r, space, + and -) and the age ticker of a live or failing source."""

    feed: Feed | None
    clock: ClockInfo | None
    trouble: PollFailed | None
    _ticker_started: bool
    _age_timer: Timer | None

    def context(self) -> PaneContext | None:
        raise NotImplementedError

    def render_all(self) -> None:
        raise NotImplementedError

    def _start_ticker(self) -> None:
        if not self._ticker_started:
            self._ticker_started = True
            self._arm_ages(next_age_change_s(self.context(), AGE_TICK_S, MAX_AGE_TICK_S))

    def _arm_ages(self, delay: float) -> None:
        if self._age_timer is not None:
            self._age_timer.stop()
        self._age_timer = self.set_timer(delay, self._tick_ages, name="ages")

    def _tick_ages(self) -> None:
        self._age_timer = None
        if self.trouble is not None or (self.clock is not None and not self.clock.clocked):
            self.render_all()  # re-arms the ticker
        else:
            self._arm_ages(MAX_AGE_TICK_S)

    def action_refresh(self) -> None:
        """Poll the source now."""
        if self.feed is None or self.feed.source is None:
            self.notify("no source to refresh", severity="warning")
            return
        self.feed.request_poll()
        self.notify("refreshing…", timeout=1)

    def _clock(self, what: str, **change: object) -> None:
        if self.feed is None or not self.feed.adjust_clock(**change):  # type: ignore[arg-type]
            self.notify(f"{what}: only the simulator and replays have a clock", severity="warning")

    def action_toggle_pause(self) -> None:
        """Pause or resume the simulated clock."""
        self._clock("pause", toggle_pause=True)

    def action_faster(self) -> None:
        """Double the simulator's speed."""
        self._clock("speed", speed_factor=SPEED_STEP)

    def action_slower(self) -> None:
        """Halve the simulator's speed."""
        self._clock("speed", speed_factor=1 / SPEED_STEP)


class PaneKeys(_Base):
    """Keys that move between the panes and open the screens over them."""

    profile: ProfileName
    snapshot: Snapshot | None
    story: Story | None
    clock: ClockInfo | None
    source_info: SourceInfo | None
    layout_state: Layout
    page: int
    sizing: SizingSlot
    book_page: BookPage

    @property
    def current_profile(self) -> Profile:
        raise NotImplementedError

    def _apply_layout(self) -> None:
        raise NotImplementedError

    def action_cause_map(self) -> None:
        """Open the cause map of the current stress episode."""
        from cockpit.screens.cause_map import CauseMapScreen

        self.app.push_screen(CauseMapScreen(self.story.cause_map if self.story else None))

    def action_checklist(self) -> None:
        """Open the daily checklist (step 5's *hedge* opens the hedge dialog over it)."""
        from cockpit.screens.checklist import ChecklistScreen

        self.app.push_screen(ChecklistScreen(lambda: self.snapshot, self.profile, self.source_label(),
                                             on_hedge=self.action_hedge,
                                             hold_h=self.current_profile.regime_hold_h))

    def source_label(self) -> str:
        """The source in words for other screens: `demo cascade-2026-01`."""
        if self.clock is not None:
            return f"{self.clock.kind.value} {self.clock.label}".strip()
        return self.source_info.kind.value if self.source_info else "none"

    def _reveal(self, pane: str) -> None:
        page = page_showing(pane, self.layout_state.mode)
        if page != self.page:
            self.page = page
            self._apply_layout()

    def action_focus_sizing(self) -> None:
        """Put the keyboard on the sizing calculator."""
        self._reveal("sizing")
        self.sizing.focus_inside()

    def action_show_book(self) -> None:
        """Show the Book page."""
        self._reveal("book")

    def action_hedge(self) -> None:
        """Open the hedge dialog, prefilled from the book."""
        self.book_page.open_hedge()

    def action_add_holding(self) -> None:
        """Type a holding in; the book is rebuilt once the journal has it."""
        self.book_page.open_entry()

    def action_focus_flags(self) -> None:
        """Put the keyboard on the flag list."""
        from cockpit.widgets.flags import FlagsPane

        self._reveal("flags")
        for pane in self.query(FlagsPane):  # none until the panes are swapped in, just after the first frame
            pane.focus_list()

    def action_next_panes(self) -> None:
        """Show the next page of panes (medium and compact layouts)."""
        self.page = (self.page + 1) % self.layout_state.pages
        self._apply_layout()
