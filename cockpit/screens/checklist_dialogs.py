"""The checklist's two questions: leave (keep, discard or stay) and resume an unfinished run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.checklist import STEP_COUNT

if TYPE_CHECKING:
    from cockpit.journal.checklist import RunRecord


class LeaveChecklist(ModalScreen[str | None]):
    """Asks before leaving: keep the run for later, discard it, or stay."""

    BINDINGS = [
        Binding("k", "choose('keep')", "Keep for later"),
        Binding("d", "choose('discard')", "Discard"),
        Binding("escape", "choose('stay')", "Stay"),
    ]
    DEFAULT_CSS = """
    LeaveChecklist { align: center middle; }
    LeaveChecklist > Vertical {
        width: 80; max-width: 95%; height: auto; border: thick $alert; background: $surface; padding: 1 2;
    }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Leave the checklist?")
            yield Static("k  keep it: offered for resumption next time")
            yield Static("d  discard it: delete this run from the journal")
            yield Static("Esc  stay")

    def action_choose(self, choice: str) -> None:
        """Close with the choice (None for stay)."""
        self.dismiss(None if choice == "stay" else choice)


class ResumeChecklist(ModalScreen[bool]):
    """Offers to resume the newest unfinished run."""

    BINDINGS = [Binding("y", "choose(True)", "Resume"), Binding("n,escape", "choose(False)", "Start new")]
    DEFAULT_CSS = """
    ResumeChecklist { align: center middle; }
    ResumeChecklist > Vertical {
        width: 80; max-width: 95%; height: auto; border: thick $primary; background: $surface; padding: 1 2;
    }
    """

    def __init__(self, run: RunRecord) -> None:
        super().__init__()
        self.run = run

    def compose(self) -> ComposeResult:
        started = self.run.started_at.strftime("%Y-%m-%d %H:%M UTC")
        with Vertical():
            yield Static(Text(f"An unfinished checklist from {started} ({self.run.profile}, {self.run.source})."))
            yield Static(f"It continues at step {self.run.resume_step}/{STEP_COUNT}.")
            yield Static("y  resume it    n  start a new one (the old one is kept as abandoned)")

    def action_choose(self, resume: bool) -> None:
        """Close with the answer."""
        self.dismiss(resume)
