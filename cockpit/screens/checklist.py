"""The daily risk-off checklist screen (SPEC §7): one step per page, a countdown, live readings,
the suggested answer to confirm or override, a note; each step saved to the journal as it is left.

The run itself is `cockpit.checklist_run.ChecklistRun`: this screen draws it, forwards keys and journal
results to it, and carries out the effects it hands back (journal work in thread workers).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState

from cockpit.checklist import STEP_COUNT, STEPS, Decision, StepRecord, StepView, countdown, format_clock
from cockpit.checklist_run import (
    Abandon,
    Adopt,
    AskLeave,
    ChecklistRun,
    Claim,
    Close,
    Discard,
    Effect,
    OfferResume,
    Release,
    Renew,
    Write,
)
from cockpit.errors import UserError
from cockpit.journal.checklist import RunRecord, RunWriter
from cockpit.models import ProfileName, Snapshot
from cockpit.screens.checklist_dialogs import LeaveChecklist, ResumeChecklist
from cockpit.screens.survive import ReportsErrors
from cockpit.widgets.footer import CockpitFooter


def _utc_now() -> datetime:
    return datetime.now(UTC)


class NoteInput(Input):
    """The step's note: typing here never reaches the checklist's keys; Esc leaves the field."""

    BINDINGS = [Binding("escape", "leave_field", "Leave note", show=False)]

    def action_leave_field(self) -> None:
        """Give the keys back to the checklist."""
        self.screen.set_focus(None)


class ChecklistScreen(ReportsErrors, Screen[str | None]):
    """The five-step walk-through; dismisses with the decision when saved, None when left."""

    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("y", "confirm", "Confirm"),
        Binding("o", "override", "Override"),
        Binding("h", "decide('hedge')", "Hedge"),
        Binding("r", "decide('reduce')", "Reduce"),
        Binding("w", "decide('wait')", "Wait"),
        Binding("a", "note", "Note"),
        Binding("n,enter", "next", "Next / save"),
        Binding("b", "back", "Back"),
        Binding("escape", "leave", "Leave"),
        Binding("c", "already_open", show=False),
    ]
    DEFAULT_CSS = """
    ChecklistScreen { layout: vertical; }
    ChecklistScreen #cl-head { height: 1; padding: 0 1; background: $panel; }
    ChecklistScreen #cl-title { width: 1fr; text-style: bold; }
    ChecklistScreen #cl-timer { width: auto; }
    ChecklistScreen #cl-timer.-over { color: $alert; text-style: bold; }
    ChecklistScreen #cl-body { height: 1fr; padding: 0 1; }
    ChecklistScreen #cl-question { text-style: bold; margin: 1 0 0 0; }
    ChecklistScreen #cl-prompts { color: $text-muted; }
    ChecklistScreen #cl-readings { margin: 1 0; }
    ChecklistScreen #cl-answer { margin: 1 0 0 0; }
    ChecklistScreen #cl-note-row { height: 3; }
    ChecklistScreen #cl-note-row Label { width: 6; padding: 1 0; }
    ChecklistScreen NoteInput { width: 1fr; }
    ChecklistScreen #cl-status { height: 1; padding: 0 1; color: $text-muted; }
    ChecklistScreen #cl-status.-error { color: $alert; }
    """

    class JournalAnswered(Message):
        """A journal job finished: what it was, and its result or the error in words."""

        def __init__(self, effect: Effect, result: object = None, error: str | None = None,
                     taken_over: int | None = None) -> None:
            self.effect = effect
            self.result = result
            self.error = error
            self.taken_over = taken_over
            super().__init__()

    def __init__(
        self,
        snapshot_provider: Callable[[], Snapshot | None],
        profile: ProfileName,
        source_label: str,
        *,
        clock: Callable[[], datetime] | None = None,
        journal_path: Path | None = None,
        writer: RunWriter | None = None,
        on_hedge: Callable[[], None] | None = None,
        hold_h: int | None = None,
    ) -> None:
        super().__init__()
        self._hold_h = hold_h  # the profile's regime_hold_h: an episode ends after this long calm
        self._on_hedge = on_hedge  # step 5's *hedge* opens the hedge dialog, prefilled from the book
        self._provider = snapshot_provider
        self.source_label = source_label
        self._clock = clock or _utc_now
        self.writer = writer or RunWriter(journal_path)
        self.run = ChecklistRun(ProfileName(profile), source_label, self._clock())
        self._jobs: dict[Worker[None], Effect] = {}

    # what the tests and the cockpit read of the run
    @property
    def profile(self) -> ProfileName:
        """The run's profile."""
        return self.run.profile

    @property
    def number(self) -> int:
        """The page on screen (1..5)."""
        return self.run.number

    @property
    def view(self) -> StepView:
        """The page on screen."""
        return self.run.page

    @property
    def records(self) -> dict[int, StepRecord]:
        """The steps as last left."""
        return self.run.records

    @property
    def started_at(self) -> datetime:
        """When the run started."""
        return self.run.started_at

    @property
    def snapshot(self) -> Snapshot | None:
        """The readings the page shows."""
        return self.run.snapshot

    def compose(self) -> ComposeResult:
        with Horizontal(id="cl-head"):
            yield Static(id="cl-title")
            yield Static(id="cl-timer")
        with VerticalScroll(id="cl-body"):
            yield Static(id="cl-question")
            yield Static(id="cl-prompts")
            yield Static(id="cl-readings")
            yield Static(id="cl-suggested")
            yield Static(id="cl-answer")
            with Horizontal(id="cl-note-row"):
                yield Label("Note")
                yield NoteInput(placeholder="a to add a note; Enter or Esc to leave it", id="cl-note")
        yield Static(f"profile {self.profile.value} · source {self.source_label}", id="cl-status")
        yield CockpitFooter()

    def on_mount(self) -> None:
        self.run.show(self._provider())
        self._show_step()
        self.set_interval(1.0, self.refresh_timer)
        self._apply(self.run.start())

    # --- drawing -------------------------------------------------------------------------------------

    def _note(self) -> str:
        return self.query_one("#cl-note", NoteInput).value

    def _show_step(self) -> None:
        view = self.run.page
        self.title = f"{self.number}/{STEP_COUNT} {view.spec.name}"
        self.query_one("#cl-title", Static).update(self.title)
        self.query_one("#cl-question", Static).update(Text(view.question))
        self.query_one("#cl-prompts", Static).update(Text("\n".join(f"· {p}" for p in view.prompts)))
        self.query_one("#cl-note", NoteInput).value = self.run.notes.get(self.number, "")
        self._draw_readings()
        self.refresh_timer()
        self.refresh_bindings()

    def _draw_readings(self) -> None:
        view = self.run.page
        width = max((len(r.label) for r in view.readings), default=10) + 2
        lines = Text()
        for reading in view.readings:
            lines.append(f"{reading.label:<{width}}", style="dim")
            lines.append(f"{reading.text}\n")
        self.query_one("#cl-readings", Static).update(lines)
        suggested = view.suggested or "none"
        self.query_one("#cl-suggested", Static).update(Text(f"Suggested: {suggested} ({view.reason})"))
        self._draw_answer()

    def _draw_answer(self) -> None:
        answer = self.run.current_answer()
        if self.number == STEP_COUNT:
            text = Text("Decision: ")
            for decision in Decision:
                style = "reverse bold" if decision == answer else ""
                text.append(f" {decision.value[0]} {decision.value} ", style=style)
                text.append("  ")
            text.append("not chosen: press h, r or w" if answer is None else "Enter saves", style="dim")
        else:
            chosen = self.run.chosen.get(self.number)
            how = "overridden" if chosen is not None and chosen != self.view.suggested else (
                "confirmed" if chosen is not None else "suggested")
            text = Text(f"Your answer: {answer or 'none'} ({how})    ")
            text.append("y confirm · o override", style="dim")
        self.query_one("#cl-answer", Static).update(text)

    def _draw_status(self) -> None:
        status = self.run.status
        if not status.text:
            return
        line = self.query_one("#cl-status", Static)
        line.update(Text(status.text))
        line.set_class(status.error, "-error")

    def refresh_timer(self) -> None:
        """Redraw the countdown (called once a second), pick up fresher readings, retry a failed save."""
        snap = self._provider()
        if snap is not self.run.snapshot:
            self.run.show(snap)
            self._draw_readings()
        budget = STEPS[self.number - 1].budget_s
        left, over = countdown(budget, self.run.spent_s(self._clock()))
        timer = self.query_one("#cl-timer", Static)
        timer.update(f"{left} / {format_clock(budget)}")
        timer.set_class(over, "-over")
        self._apply(self.run.tick(self._clock()))

    # --- keys: forwarded to the run -------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """y/o on steps 1-4 only, h/r/w on step 5 only."""
        if action in ("confirm", "override"):
            return self.number < STEP_COUNT
        if action == "decide":
            return self.number == STEP_COUNT
        if action == "back":
            return self.number > 1
        return True

    def action_confirm(self) -> None:
        """Accept the suggested answer."""
        self._apply(self.run.confirm())
        self._draw_answer()

    def action_override(self) -> None:
        """Switch to the other answer."""
        self.run.override()
        self._draw_answer()

    def action_decide(self, decision: str) -> None:
        """Step 5: choose hedge, reduce or wait; *hedge* opens the hedge dialog over the checklist."""
        self.run.decide(decision)
        self._draw_answer()
        if Decision(decision) is Decision.HEDGE and self._on_hedge is not None:
            self._on_hedge()

    def action_already_open(self) -> None:
        """`c` opens the checklist in the main screen; here it is already open."""
        line = self.query_one("#cl-status", Static)
        line.update(Text("The checklist is already open"))
        line.set_class(False, "-error")

    def action_note(self) -> None:
        """Move into the note field."""
        self.query_one("#cl-note", NoteInput).focus()

    def action_next(self) -> None:
        """Save this step and go on; on step 5 save the run (a decision is required)."""
        self._turn(self.run.next)

    def action_back(self) -> None:
        """Save this step and go back one."""
        self._turn(self.run.back)

    def action_leave(self) -> None:
        """Esc: leave the walk-through, asking before anything is discarded; stops waiting for a save."""
        self._apply(self.run.leave(self._note()))

    def _turn(self, move: Callable[[str, datetime], list[Effect]]) -> None:
        page = self.number
        self._apply(move(self._note(), self._clock()))
        if self.number != page:
            self._show_step()

    @on(Input.Submitted, "#cl-note")
    def _note_submitted(self, event: Input.Submitted) -> None:
        self.set_focus(None)
        self.action_next()

    # --- effects: journal work in thread workers, questions as modal screens -----------------------------

    def _apply(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Close):
                if effect.notice:
                    self.app.notify(effect.notice, title="Risk-off checklist")
                self.dismiss(effect.result)
                return
            if isinstance(effect, OfferResume):
                run = effect.run
                assert isinstance(run, RunRecord)
                self.app.push_screen(ResumeChecklist(run),
                                     lambda resume, run=run: self._resume_answered(run, bool(resume)))
            elif isinstance(effect, AskLeave):
                self.app.push_screen(LeaveChecklist(), self._leave_chosen)
            elif isinstance(effect, Adopt):
                self.writer.adopt(effect.run.id)
            else:
                self._jobs[self._journal(effect, self._clock())] = effect
        self._draw_status()

    def _resume_answered(self, run: RunRecord, resume: bool) -> None:
        self._apply(self.run.resume_answered(run, resume, self._clock()))
        self._show_step()

    def _leave_chosen(self, choice: str | None) -> None:
        self._apply(self.run.leave_chosen(choice, self._note(), self._clock()))

    @work(thread=True, exit_on_error=False, group="checklist-journal")
    def _journal(self, effect: Effect, now: datetime) -> None:
        """One journal job; its result or its failure in words comes back as a message."""
        try:
            result: object = None
            taken_over = None
            if isinstance(effect, Write):
                result = self.writer.write(effect.draft, now, release=effect.release, brief=self._brief(effect))
                taken_over = self.writer.taken_over
            elif isinstance(effect, Claim):
                result = self.writer.claim()
            elif isinstance(effect, Abandon):
                self.writer.abandon(effect.run_id, effect.at)
            elif isinstance(effect, Release):
                self.writer.release(effect.run_id)
            elif isinstance(effect, Renew):
                result = self.writer.renew()
            elif isinstance(effect, Discard):
                self.writer.discard()
        except (UserError, OSError, sqlite3.Error) as exc:
            self.post_message(self.JournalAnswered(effect, error=str(exc)))
            return
        self.post_message(self.JournalAnswered(effect, result, taken_over=taken_over))

    def _brief(self, effect: Write) -> dict[str, object] | None:
        """The brief a decided run keeps, of the snapshot on screen at the decision (worker thread only).

        A brief that cannot be told never costs the decision: the run is saved without one.
        """
        from cockpit.brief import finished_brief

        try:
            hold_h = self._hold_h
            if hold_h is None:  # the profile as configured
                from cockpit.config import load_config

                hold_h = load_config().profile(self.profile).regime_hold_h
            return finished_brief(effect.draft, hold_h)
        except Exception:  # noqa: BLE001 - the decision matters more than its brief
            return None

    @on(JournalAnswered)
    def _journal_answered(self, message: JournalAnswered) -> None:
        effect, error, now = message.effect, message.error, self._clock()
        effects: list[Effect] = []
        if isinstance(effect, Write):
            effects = (self.run.save_failed(effect.draft.revision, error, now) if error else
                       self.run.saved(effect.draft.revision, message.result, message.taken_over))  # type: ignore[arg-type]
        elif isinstance(effect, Claim):
            effects = (self.run.claim_failed(error) if error else
                       self.run.claimed(message.result))  # type: ignore[arg-type]
        elif isinstance(effect, Renew) and not error:
            effects = self.run.renewed(bool(message.result))
        elif isinstance(effect, Discard):
            effects = self.run.discard_failed(error) if error else self.run.discarded()
        self._apply(effects)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A journal job failed in a way nobody foresaw: the run hears of it as of any failure (and retries)."""
        if event.worker.group != "checklist-journal" or event.state not in (
                WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        effect = self._jobs.pop(event.worker, None)
        if event.state is not WorkerState.SUCCESS and effect is not None:
            error = event.worker.error
            text = f"{type(error).__name__}: {error}" if error is not None else "cancelled"
            self._journal_answered(self.JournalAnswered(effect, error=text))
