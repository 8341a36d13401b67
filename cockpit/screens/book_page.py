"""The cockpit screen's Book page (SPEC §12): rebuilds the book off the UI thread whenever the feed delivers a
new market state, shows it on the Book pane and in the sizing pane's checks, and opens the hedge and holding
dialogs. Like a feed, it runs its workers on its host screen and hands results back as messages.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.worker import Worker, WorkerState

from cockpit.feed_keys import data_version
from cockpit.messages import BookBuilt

if TYPE_CHECKING:  # the book's modules load with the first market state, after the first frame
    from cockpit.analytics.beta import Series
    from cockpit.book import Book, Holding
    from cockpit.config import Profile
    from cockpit.models import MarketState, Snapshot
    from cockpit.reentry import HourlyReading
    from cockpit.screens.main import CockpitScreen

HOURLY_KEPT = 24 * 14  # hourly readings kept for RE_ENTRY_WINDOW (two weeks of this session)
HEDGE_SYMBOLS = ("MES=F", "NQ=F", "MNQ=F", "SH", "PSQ", "SQQQ", "ETH/USDT:USDT")  # priced for the hedge dialog
GROUP = "book"


class BookPage:
    """The book of the screen's newest market state, rebuilt in a thread worker once per new bar or profile."""

    def __init__(self, host: CockpitScreen) -> None:
        self.host = host
        self.book: Book | None = None
        self.series: Mapping[str, Series] = {}
        self.state: MarketState | None = None
        self.shown: BookBuilt | None = None  # the newest book message, shown again on a pane mounted after it
        self.hourly: deque[HourlyReading] = deque(maxlen=HOURLY_KEPT)
        self._key: object = None

    def worker_done(self, worker: Worker[Any], state: WorkerState) -> None:
        """A feed worker delivered a market state: rebuild; a book worker failed: say why on the pane.

        `state` is the one the event announced (an event handled late must not count as the worker's end)."""
        from cockpit.feed_results import PollResult, describe

        if state is WorkerState.SUCCESS and isinstance(worker.result, PollResult):
            self.refresh(worker.result.state)
        elif state is WorkerState.ERROR and worker.group == GROUP:
            self.show(BookBuilt(self.book, self.series, error=describe(worker.error)))

    def refresh(self, state: MarketState, *, force: bool = False) -> None:
        """Mark the book to `state` in a thread worker (once per new bar or profile, or when forced)."""
        host = self.host
        key = (data_version(state), host.profile)
        if key == self._key and not force:
            return
        self._key, self.state = key, state
        work = partial(self._build, state, host.snapshot, host.current_profile, tuple(self.hourly))
        # A description of our own: Textual's default is repr(work), the whole market state and snapshot.
        host.run_worker(work, name=GROUP, group=GROUP, description="mark the book to the newest market state",
                        thread=True, exclusive=True, exit_on_error=False)

    def _build(self, state: MarketState, snapshot: Snapshot | None, profile: Profile,
               hourly: tuple[HourlyReading, ...]) -> None:
        from cockpit.journal.holdings import load_book_for_state

        book, series, flags = load_book_for_state(self.host.config, state, snapshot, profile, hourly, HEDGE_SYMBOLS)
        self.host.post_message(BookBuilt(book, series, flags))

    def show(self, message: BookBuilt) -> None:
        """Show the newest book (or why it could not be built); the sizing pane's plans are judged with it."""
        from cockpit.book import BookRisk
        from cockpit.widgets.book import BookPane

        host = self.host
        self.book, self.series, self.shown = message.book, message.series, message
        ctx = host.context()
        for pane in host.query(BookPane):  # none until the panes are swapped in, just after the first frame
            pane.set_book(message.book, message.error, message.flags, message.series)
            if ctx is not None:
                pane.show_context(ctx)
        host.sizing.set_book(None if message.book is None else BookRisk.of(message.book))

    def note_hour(self, snap: Snapshot) -> None:
        """Keep one reading per hour for RE_ENTRY_WINDOW."""
        from cockpit.reentry import reading_from_snapshot

        reading = reading_from_snapshot(snap)
        if not self.hourly or reading.ts > self.hourly[-1].ts:
            self.hourly.append(reading)

    def open_hedge(self) -> None:
        """The hedge dialog, prefilled from the book."""
        from cockpit.screens.hedge_dialog import HedgeDialog

        universe = self.host.config.universe
        btc = universe.btc if universe.btc in self.series else universe.btc_fallback
        self.host.app.push_screen(HedgeDialog(self.book, self.series, es_symbol=universe.index, btc_symbol=btc))

    def open_entry(self) -> None:
        """The holding form; the book is rebuilt once the journal has the new holding."""
        from cockpit.screens.holding_entry import HoldingEntry

        def stored(holding: Holding | None) -> None:
            if holding is None:
                return
            side = "short" if holding.qty < 0 else "long"
            self.host.notify(f"added {side} {abs(holding.qty):g} {holding.symbol} to the book", timeout=3)
            if self.state is not None:
                self.refresh(self.state, force=True)

        self.host.app.push_screen(HoldingEntry(), stored)
