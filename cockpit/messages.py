"""Messages from the feeds to the screen: past tense, immutable payloads, safe to post from worker threads.

High-rate messages define `can_replace`, so a backlog behind a busy UI collapses to the newest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from cockpit.analytics.beta import Series
    from cockpit.book import Book
    from cockpit.kinds import ProfileName, SourceKind
    from cockpit.models import Flag, MarketState, Snapshot

if TYPE_CHECKING:
    from cockpit.story import Story


@dataclass(frozen=True, slots=True)
class ClockInfo:
    """The source's clock as of one poll: simulated or replayed time, paused, speed (None for live)."""

    kind: SourceKind
    label: str
    now: datetime
    clocked: bool
    paused: bool = False
    speed: float | None = None


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What the opened source is: its name, kind, label and whether it has a clock the user can drive."""

    name: str
    kind: SourceKind
    label: str
    clocked: bool
    poll_interval_s: float


class SourceOpened(Message):
    """A feed built its source (off the UI thread) and is about to poll it."""

    def __init__(self, feed: str, info: SourceInfo) -> None:
        self.feed = feed
        self.info = info
        super().__init__()


class SourceUnavailable(Message):
    """A feed could not build its source: `reason` in words; `user_error` when the user's input was bad."""

    def __init__(self, feed: str, reason: str, *, user_error: bool = False) -> None:
        self.feed = feed
        self.reason = reason
        self.user_error = user_error
        super().__init__()


class SnapshotComputed(Message):
    """A poll (or a profile switch) produced a new snapshot; computed off the UI thread."""

    def __init__(self, feed: str, snapshot: Snapshot, clock: ClockInfo, polled_at: float,
                 state: MarketState | None = None) -> None:
        self.feed = feed
        self.snapshot = snapshot
        self.clock = clock
        self.polled_at = polled_at
        self.state = state  # the market state it was judged on (the book is marked to it at once)
        super().__init__()

    @property
    def profile(self) -> ProfileName:
        """The profile the snapshot was computed for."""
        return self.snapshot.profile

    def can_replace(self, message: Message) -> bool:
        """A newer snapshot of the same feed and profile supersedes an older one still queued."""
        return (isinstance(message, SnapshotComputed) and message.feed == self.feed
                and message.profile == self.profile)


class StoryComputed(Message):
    """The timeline up to a snapshot was evaluated: flag spans, the cause map, the thin window (off the UI thread).

    `log_error` says in words why the data folder's flag log could not be written (the story still shows).
    """

    def __init__(self, feed: str, profile: ProfileName, story: Story, log_error: str | None = None,
                 acknowledged: frozenset[tuple[str, datetime]] = frozenset()) -> None:
        self.feed = feed
        self.profile = profile
        self.story = story
        self.log_error = log_error
        self.acknowledged = acknowledged  # (flag id, since) of the ended spans the log has as acknowledged
        super().__init__()

    def can_replace(self, message: Message) -> bool:
        """Only the newest story of a feed and profile matters."""
        return isinstance(message, StoryComputed) and message.feed == self.feed and message.profile == self.profile


class ClockTicked(Message):
    """A poll found nothing new to evaluate (paused, or the same bar); only the clock is news."""

    def __init__(self, feed: str, clock: ClockInfo) -> None:
        self.feed = feed
        self.clock = clock
        super().__init__()

    def can_replace(self, message: Message) -> bool:
        """Only the newest clock matters."""
        return isinstance(message, ClockTicked) and message.feed == self.feed


class PollFailed(Message):
    """A poll raised: the error in words, when it failed, and when the last good poll was (monotonic s)."""

    def __init__(self, feed: str, error: str, failed_at: float, last_good_at: float | None, failures: int) -> None:
        self.feed = feed
        self.error = error
        self.failed_at = failed_at
        self.last_good_at = last_good_at
        self.failures = failures
        super().__init__()


class BookBuilt(Message):
    """The book was marked to the newest market state (off the UI thread), or could not be: `error` says why."""

    def __init__(self, book: Book | None, series: Mapping[str, Series], flags: tuple[Flag, ...] = (),
                 error: str | None = None) -> None:
        self.book = book
        self.series = series
        self.flags = flags
        self.error = error
        super().__init__()

    def can_replace(self, message: Message) -> bool:
        """Only the newest book matters."""
        return isinstance(message, BookBuilt)
