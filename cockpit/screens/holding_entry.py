"""Typing a holding in on the screen (`i`): symbol, quantity, side, entry price and stop, checked like
`cockpit book add`; stored in the journal by a thread worker, the book rebuilt once it is there."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from cockpit.book import Holding
from cockpit.errors import UserError

FIELDS = ("symbol", "qty", "price", "stop")


class HoldingEntry(ModalScreen[Holding | None]):
    """A form for one holding; Enter stores it, Esc leaves without storing. Dismisses with what was stored."""

    BINDINGS = [Binding("escape", "close", "Close")]
    DEFAULT_CSS = """
    HoldingEntry { align: center middle; background: $background 60%; }
    HoldingEntry #holding-box { width: 84; max-width: 98%; height: auto; padding: 0 1; background: $surface;
                                border: thick $accent; border-title-color: $accent; }
    HoldingEntry .holding-row { height: 3; }
    HoldingEntry .holding-row Label { width: 7; padding: 1 0 0 1; }
    HoldingEntry #holding-symbol { width: 20; }
    HoldingEntry #holding-qty, HoldingEntry #holding-price, HoldingEntry #holding-stop { width: 14; }
    HoldingEntry #holding-side { width: 14; }
    HoldingEntry #holding-status { margin: 1 0 0 0; color: $text-muted; }
    HoldingEntry #holding-status.-error { color: $alert; }
    """

    def compose(self) -> ComposeResult:
        """Symbol, qty, side; price and stop; a status line."""
        with Vertical(id="holding-box") as box:
            box.border_title = "Add a holding to the book"
            box.border_subtitle = "Enter stores · Esc closes"
            with Horizontal(classes="holding-row"):
                yield Label("symbol")
                yield Input(placeholder="NVDA, ES=F, BTC/USDT:USDT", id="holding-symbol")
                yield Label("qty")
                yield Input(placeholder="> 0", id="holding-qty")
                yield Select([("long", "long"), ("short", "short")], value="long", allow_blank=False,
                             id="holding-side")
            with Horizontal(classes="holding-row"):
                yield Label("price")
                yield Input(placeholder="entry (optional)", id="holding-price")
                yield Label("stop")
                yield Input(placeholder="optional", id="holding-stop")
            yield Static("contracts for futures; the stop's open risk counts in the book", id="holding-status")

    def value(self, name: str) -> str:
        """What a field holds."""
        return self.query_one(f"#holding-{name}", Input).value.strip()

    def holding(self) -> Holding:
        """The holding the form describes; a UserError names the bad field."""
        from cockpit.journal.holdings import holding_from_text

        side = self.query_one("#holding-side", Select).value
        return holding_from_text(self.value("symbol"), self.value("qty"), self.value("price") or None,
                                 self.value("stop") or None, short=side == "short")

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#holding-status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")

    @on(Input.Submitted)
    def submitted(self) -> None:
        """Enter in any field: check the form, then store it."""
        try:
            holding = self.holding()
        except UserError as exc:
            self._status(str(exc), error=True)
            return
        self._status("saving…")
        self._store(holding)

    @work(thread=True, exit_on_error=False, group="holding-entry")
    def _store(self, holding: Holding) -> Holding:
        from cockpit.journal.holdings import add_holding
        from cockpit.journal.store import connect

        con = connect()
        try:
            add_holding(con, holding, datetime.now(UTC))
        finally:
            con.close()
        return holding

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Close once the journal has the holding; say why when it could not be stored."""
        if event.worker.group != "holding-entry":
            return
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, Holding):
            self.dismiss(event.worker.result)
        elif event.state is WorkerState.ERROR:
            self._status(f"NOT saved: {event.worker.error}", error=True)

    def action_close(self) -> None:
        """Leave without storing."""
        self.dismiss(None)
