"""The Sizing pane's frame: the risk-tier calculator is mounted into it once the first figures are on screen.

The calculator is another module's widget (many inputs, and the input widgets' style sheets); mounting it
after the first figures (or the reason there are none) keeps both the first frame and the first figures
fast. Until it is there, the frame says so; asking for it (`s`) mounts it at once.

The plan's checks need the journal's round trips (REVENGE_ENTRY): a thread worker reads them whenever the
journal file has changed and hands them over in a message; the UI thread never touches the journal.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from cockpit.widgets.format import styled

if TYPE_CHECKING:
    from cockpit.book import BookRisk
    from cockpit.config import Profile
    from cockpit.journal.fills import RoundTrip
    from cockpit.kinds import ProfileName
    from cockpit.models import Readings, Snapshot

Market = tuple[str, float | None, str, float]
JournalStamp = tuple[tuple[int, int], ...]


def journal_stamp(path: Path) -> JournalStamp:
    """What changes when the journal does: size and time of the file and its write-ahead log."""
    stamp = []
    for part in (path, path.with_name(path.name + "-wal")):
        try:
            info = part.stat()
        except OSError:
            stamp.append((0, 0))
        else:
            stamp.append((info.st_mtime_ns, info.st_size))
    return tuple(stamp)


def read_round_trips(path: Path) -> tuple[RoundTrip, ...]:
    """The journal's closed round trips, oldest exit first (none without a journal; I/O: call off the UI thread)."""
    if not path.exists():
        return ()
    from cockpit.journal.fills import load_fills, round_trips
    from cockpit.journal.store import connect, journal_errors

    con = connect(path)
    try:
        with journal_errors(path):
            return tuple(round_trips(load_fills(con)))
    finally:
        con.close()


def make_calculator(profile: Profile) -> Widget:
    """The sizing calculator (imported here, after the first frame)."""
    from cockpit.widgets.sizing import SizingPane

    return SizingPane(profile, id="sizing-calculator")


class SizingSlot(Vertical):
    """Frames the calculator and feeds it the market, the profile and the readings when they change."""

    can_focus = True

    class RoundTripsRead(Message):
        """The journal's round trips as of `stamp` (or why they could not be read)."""

        def __init__(self, stamp: JournalStamp, trips: tuple[RoundTrip, ...], error: str | None = None) -> None:
            self.stamp = stamp
            self.trips = trips
            self.error = error
            super().__init__()

    def __init__(self, profile: Profile, journal: Path | None = None) -> None:
        super().__init__(id="sizing", classes="pane")
        self.border_title = "Sizing"
        self.profile = profile
        self.journal = journal
        self.calculator: Widget | None = None
        self._mount_asked = False
        self._focus_when_mounted = False
        self._market: Market | None = None
        self._readings: Readings | None = None
        self.round_trips: tuple[RoundTrip, ...] = ()
        self.book_risk: BookRisk | None = None  # kept here: the book is often built before the calculator mounts
        self._trips_stamp: JournalStamp | None = None
        self._reading_trips = False
        self._sent: tuple[ProfileName | None, Market | None, Readings | None, Sequence[RoundTrip] | None,
                          BookRisk | None] = (profile.name, None, None, None, None)

    def compose(self) -> ComposeResult:
        """A line until the calculator is mounted."""
        yield Static(styled("loading the sizing calculator…", "$text-muted"), classes="figures")

    def want_calculator(self, *, focus: bool = False) -> None:
        """Mount the calculator after the next refresh (once), and focus its first field if `focus`."""
        self._focus_when_mounted = self._focus_when_mounted or focus
        if self.calculator is None and not self._mount_asked:
            self._mount_asked = True
            self.call_after_refresh(self._mount_calculator)

    async def _mount_calculator(self) -> None:
        if not self.is_attached:
            return  # the screen is closing (a quit within a frame of the start): nothing to mount into
        calculator = make_calculator(self.profile)
        await self.query_one(".figures", Static).remove()
        if not self.is_attached:
            return
        await self.mount(calculator)
        self.calculator = calculator
        self._sent = (None, None, None, None, None)
        self._push()
        self.refresh_round_trips()
        if self._focus_when_mounted:
            self.focus_inside()

    def refresh_round_trips(self) -> None:
        """Read the journal's round trips again if it changed (in a thread worker)."""
        if not self._reading_trips:
            self._reading_trips = True
            self._read_trips(self._trips_stamp)

    @work(thread=True, exit_on_error=False, group="sizing-journal", name="sizing:round-trips")
    def _read_trips(self, known: JournalStamp | None) -> None:
        from cockpit.errors import UserError
        from cockpit.journal.store import journal_path

        path = self.journal or journal_path()
        stamp = journal_stamp(path)
        if stamp == known:
            self.post_message(self.RoundTripsRead(stamp, self.round_trips))
            return
        try:
            trips = read_round_trips(path)
        except UserError as exc:
            self.post_message(self.RoundTripsRead(stamp, (), str(exc)))
            return
        self.post_message(self.RoundTripsRead(stamp, trips))

    @on(RoundTripsRead)
    def _round_trips_read(self, message: RoundTripsRead) -> None:
        self._reading_trips = False
        self._trips_stamp = message.stamp
        subtitle = "" if message.error is None else "journal unreadable: no revenge check"
        if subtitle != self.border_subtitle:  # setting a border title repaints the slot, even to the same text
            self.border_subtitle = subtitle
        if message.trips is not self.round_trips:
            self.round_trips = message.trips
            self._push()

    def set_book(self, book_risk: BookRisk | None) -> None:
        """The book's open risk for the plan's BOOK_RISK_LIMIT check, kept until the calculator is there."""
        self.book_risk = book_risk
        self._push()

    def _current_book(self) -> BookRisk | None:
        """The book's risk under the profile now shown: after a switch, its limit at once, before the book is
        built again (the open risk to stops does not depend on the profile)."""
        risk = self.book_risk
        if risk is None or risk.limit_pct == self.profile.book_risk_pct:
            return risk
        from dataclasses import replace

        return replace(risk, limit_pct=self.profile.book_risk_pct)

    def update(self, snap: Snapshot, profile: Profile) -> None:
        """The latest market and profile; passed to the calculator if they changed."""
        btc, regime = snap.readings.crypto.btc, snap.regime
        self.profile = profile
        self._market = (btc.symbol, btc.price, regime.label.value, regime.multiplier)
        self._readings = snap.readings
        self._push()
        if self.calculator is not None:
            self.refresh_round_trips()
        else:
            self.want_calculator()

    def _push(self) -> None:
        calculator = self.calculator
        if calculator is None:
            return
        sent_profile, sent_market, sent_readings, sent_trips, sent_book = self._sent
        set_profile = getattr(calculator, "set_profile", None)
        if self.profile.name != sent_profile and callable(set_profile):
            set_profile(self.profile)
        set_market = getattr(calculator, "set_market", None)
        if self._market is not None and self._market != sent_market and callable(set_market):
            set_market(*self._market)
        set_context = getattr(calculator, "set_context", None)
        changed = self._readings is not sent_readings or self.round_trips is not sent_trips
        if self._readings is not None and changed and callable(set_context):
            set_context(self._readings, self.round_trips)
        set_book, book_risk = getattr(calculator, "set_book", None), self._current_book()
        if book_risk != sent_book and callable(set_book):
            set_book(book_risk)
        self._sent = (self.profile.name, self._market, self._readings, self.round_trips, book_risk)

    def focus_inside(self) -> None:
        """Focus the calculator's first field (or the frame itself, and the field once the calculator is there)."""
        if self.calculator is None:
            self.want_calculator(focus=True)
        target = next((w for w in self.query("*") if w.focusable), None)
        (target or self).focus()
