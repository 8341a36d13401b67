"""What the cockpit screen renders from: the panes' context (the snapshot with its ages as of now), the view of
a pane before any snapshot, and what the header shows.

A mixin of `CockpitScreen` (its snapshot, clock, source, trouble, story and layout are the screen's).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from cockpit.widgets.format import styled
from cockpit.widgets.header import HeaderInfo, oldest_data, side_notice
from cockpit.widgets.pane_view import WAITING, FeedTrouble, PaneContext, PaneView, waiting_view

if TYPE_CHECKING:
    from textual.screen import Screen

    from cockpit.config import Config, Profile
    from cockpit.kinds import FlagId, ProfileName
    from cockpit.liquidity import ThinWindow
    from cockpit.messages import ClockInfo, PollFailed, SourceInfo
    from cockpit.models import Snapshot
    from cockpit.screens.layout import Layout
    from cockpit.story import Story

    _Base = Screen[None]
else:
    _Base = object


class ScreenView(_Base):
    """The screen's state as the panes and the header read it."""

    config: Config
    profile: ProfileName
    notice: str | None
    snapshot: Snapshot | None
    clock: ClockInfo | None
    source_info: SourceInfo | None
    trouble: PollFailed | None
    first_seen: dict[FlagId, datetime]
    story: Story | None
    acknowledged: frozenset[tuple[str, datetime]]
    log_error: str | None
    layout_state: Layout
    page: int
    _monotonic: Callable[[], float]
    _received_at: float | None

    @property
    def current_profile(self) -> Profile:
        """The active profile's settings."""
        return self.config.profile(self.profile)

    def context(self) -> PaneContext | None:
        """The context the panes render from, or None before the first snapshot."""
        if self.snapshot is None:
            return None
        now = self._monotonic()
        trouble = None
        if self.trouble is not None:
            since = None if self.trouble.last_good_at is None else now - self.trouble.last_good_at
            trouble = FeedTrouble(self.trouble.error, since)
        live = self.clock is not None and not self.clock.clocked
        if live:
            extra = now - self._received_at if self._received_at is not None else 0.0
        else:  # a simulated or replayed clock moves on between bars: ages follow it
            extra = max(0.0, (self.clock.now - self.snapshot.as_of).total_seconds()) if self.clock else 0.0
        return PaneContext(self.snapshot, self.current_profile, self.config.universe, trouble, extra, self.first_seen,
                           self.story, self.acknowledged)

    def _empty_view(self) -> PaneView:
        """What a pane shows before any snapshot: waiting, or the source's failure."""
        if self.trouble is not None:
            return PaneView(verdict=styled("NO DATA", "bold $stale"),
                            body=styled(f"source failing: {self.trouble.error}", "$stale"),
                            subtitle=styled(f" STALE no data yet · {self.trouble.error} ", "bold $stale"),
                            state="stale")
        return waiting_view(self.notice or WAITING)

    def header_info(self, ctx: PaneContext | None) -> HeaderInfo:
        """What the header shows now."""
        clock, info = self.clock, self.source_info
        profile = self.current_profile
        snap = ctx.snapshot if ctx is not None else None
        return HeaderInfo(
            source=(clock.kind.value if clock else info.kind.value if info else ""),
            label=clock.label if clock else "",
            clock=clock.now if clock else None,
            clocked=bool(clock and clock.clocked),
            paused=bool(clock and clock.paused),
            speed=clock.speed if clock else None,
            profile=profile.name.value,
            horizon=profile.horizon,
            regime=snap.regime.label if snap else None,
            multiplier=snap.regime.multiplier if snap else None,
            judging=snap is not None and not snap.judged,
            oldest=oldest_data(snap, self.config.universe, ctx.extra_age_s) if snap and ctx else None,
            trouble=self.trouble.error if self.trouble else None,
            notice=self.notice or side_notice(snap) or self.log_error,
            thin=thin_at(snap.as_of) if snap else None,
            pages=self._pages_hint(),
            narrow=self.layout_state.mode == "compact",
        )

    def _pages_hint(self) -> str | None:
        layout = self.layout_state
        page = f"{self.page % layout.pages + 1}/{layout.pages}"
        if layout.mode == "full":
            return None  # the Book page: the footer's n says so, and the header keeps to one line at 160
        return f"{page} n▸" if layout.mode == "compact" else f"panes {page} (n: next)"


def thin_at(moment: datetime) -> ThinWindow | None:
    """The thin-liquidity window at `moment`; its module (and the time zones it loads) is left out of the first
    frame, which has no snapshot and so no moment."""
    from cockpit.liquidity import thin_window

    return thin_window(moment)
