"""The cockpit screen's feed controls: refresh, the simulated clock's keys, and the ticker that redraws ages.

A mixin of `CockpitScreen` (its feed, clock, trouble and `render_all` are the screen's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.widgets.pane import next_age_change_s

if TYPE_CHECKING:
    from textual.screen import Screen
    from textual.timer import Timer

    from cockpit.feeds import Feed
    from cockpit.messages import ClockInfo, PollFailed
    from cockpit.widgets.pane import PaneContext

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
