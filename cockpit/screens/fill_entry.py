"""Manual entry of one fill: a small form, checked before saving, stored in the journal by a thread worker.

The screen closes with a `FillEntryResult` once the journal has committed the fill (or found it already
there), or with None when cancelled. A failed save keeps the form as typed and says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState

from cockpit.journal.fills import Fill, parse_fill

FORM_FIELDS = ("ts", "symbol", "side", "qty", "price", "fee")


@dataclass(frozen=True, slots=True)
class FillEntryResult:
    """The fill that was entered, and whether it was new to the journal (False: it was already there)."""

    fill: Fill
    stored: bool


class FillEntryScreen(ModalScreen[FillEntryResult | None]):
    """A form for one fill: ts, symbol, side, qty, price, fee; Enter or Ctrl+S saves, Esc cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]
    DEFAULT_CSS = """
    FillEntryScreen { align: center middle; }
    FillEntryScreen > Vertical {
        width: 64; height: auto; border: thick $primary; background: $surface; padding: 1 2;
    }
    FillEntryScreen .fill-row { height: 1; margin-bottom: 1; }
    FillEntryScreen Label { width: 8; color: $text-muted; }
    FillEntryScreen Input { width: 1fr; }
    FillEntryScreen .fill-status { height: auto; color: $text-muted; }
    FillEntryScreen .fill-status.-error { color: $error; }
    """

    def __init__(self, symbol: str = "", price: float | None = None, side: str = "buy", *,
                 ts: datetime | None = None, journal: Path | None = None) -> None:
        super().__init__()
        self.journal = journal
        moment = (ts or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        self.initial = {"ts": moment.isoformat().replace("+00:00", "Z"), "symbol": symbol, "side": side,
                        "qty": "", "price": "" if price is None else f"{price:.10g}", "fee": "0"}
        self.saving = False

    def compose(self) -> ComposeResult:
        """One labelled field per line, then the status line."""
        with Vertical():
            yield Label("[b]Enter a fill[/b]  (Enter or Ctrl+S saves, Esc cancels)")
            for name in FORM_FIELDS:
                with Horizontal(classes="fill-row"):
                    yield Label(name)
                    yield Input(self.initial[name], id=f"fill-{name}", compact=True,
                                placeholder="buy/sell" if name == "side" else "")
            yield Static("", classes="fill-status")

    def on_mount(self) -> None:
        """Start in the first empty field (usually qty)."""
        empty = [name for name in FORM_FIELDS if not self.initial[name]]
        self.query_one(f"#fill-{empty[0] if empty else 'qty'}", Input).focus()

    def field(self, name: str) -> Input:
        """The Input of one field."""
        return self.query_one(f"#fill-{name}", Input)

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one(".fill-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    def form_fill(self) -> Fill:
        """The fill the form describes; ValueError names the first bad field."""
        return parse_fill({name: self.field(name).value for name in FORM_FIELDS}, source="manual")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Check the form and store the fill off the UI thread."""
        if self.saving:
            return
        try:
            fill = self.form_fill()
        except ValueError as exc:
            self._status(str(exc), error=True)
            return
        self.saving = True
        self._status("saving…")
        self._save(fill)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)

    @work(thread=True, exit_on_error=False, group="fill-entry", name="save-fill")
    def _save(self, fill: Fill) -> FillEntryResult:
        from cockpit.journal.fills import import_fills
        from cockpit.journal.store import connect

        con = connect(self.journal)
        try:
            result = import_fills(con, [fill])
        finally:
            con.close()
        return FillEntryResult(fill, stored=result.new == 1)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Close with the result once committed; on failure keep the form and show the error."""
        if event.worker.name != "save-fill":
            return
        if event.state == WorkerState.SUCCESS:
            self.dismiss(event.worker.result)
        elif event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.saving = False
            self._status(f"not saved: {event.worker.error or 'cancelled'}", error=True)
