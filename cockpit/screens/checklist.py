"""The daily risk-off checklist screen (SPEC §7): one step per page, a countdown, live readings,
the suggested answer to confirm or override, a note; each step saved to the journal as it is left.
"""

from __future__ import annotations

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
from textual.widgets import Footer, Input, Label, Static
from textual.worker import Worker, WorkerState

from cockpit.checklist import (
    STEP_COUNT,
    STEPS,
    Decision,
    RunDraft,
    StepRecord,
    StepView,
    countdown,
    format_clock,
    overridden_choice,
    record_step,
    step_view,
)
from cockpit.journal.checklist import RunRecord, RunWriter, abandon, find_unfinished
from cockpit.models import ProfileName, Snapshot
from cockpit.screens.checklist_dialogs import LeaveChecklist, ResumeChecklist


def _utc_now() -> datetime:
    return datetime.now(UTC)


class NoteInput(Input):
    """The step's note: typing here never reaches the checklist's keys; Esc leaves the field."""

    BINDINGS = [Binding("escape", "leave_field", "Leave note", show=False)]

    def action_leave_field(self) -> None:
        """Give the keys back to the checklist."""
        self.screen.set_focus(None)


class ChecklistScreen(Screen[str | None]):
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

    class RunSaved(Message):
        """A draft reached the journal (after COMMIT); `close` when the screen leaves once it is safe."""

        def __init__(self, revision: int, run_id: int | None, close: bool) -> None:
            self.revision = revision
            self.run_id = run_id
            self.close = close
            super().__init__()

    class RunDiscarded(Message):
        """The run was deleted from the journal."""

    class UnfinishedFound(Message):
        """The journal was checked for a run to resume."""

        def __init__(self, run: RunRecord | None) -> None:
            self.run = run
            super().__init__()

    def __init__(
        self,
        snapshot_provider: Callable[[], Snapshot | None],
        profile: ProfileName,
        source_label: str,
        *,
        clock: Callable[[], datetime] | None = None,
        journal_path: Path | None = None,
        on_hedge: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self._on_hedge = on_hedge  # step 5's *hedge* opens the hedge dialog, prefilled from the book
        self._provider = snapshot_provider
        self.profile = ProfileName(profile)
        self.source_label = source_label
        self._clock = clock or _utc_now
        self._journal_path = journal_path
        self.writer = RunWriter(journal_path)
        self.number = 1
        self.started_at = self._clock()
        self._entered_at = self.started_at
        self._chosen: dict[int, str | None] = {}
        self._notes: dict[int, str] = {}
        self._spent: dict[int, float] = {}
        self.records: dict[int, StepRecord] = {}
        self._revision = 0
        self._ready = False
        self._pending: tuple[RunDraft, bool] | None = None
        self._finishing = False
        self._close_with: str | None = None
        self.snapshot: Snapshot | None = None
        self.view: StepView = step_view(1, None, self.profile)

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
        yield Footer()

    def on_mount(self) -> None:
        self.snapshot = self._provider()
        self._show_step()
        self.set_interval(1.0, self.refresh_timer)
        self._check_unfinished()

    # --- state --------------------------------------------------------------------------------------

    def answers(self) -> dict[int, str | None]:
        """The effective answers to steps 1-4 so far (saved ones, else the current choice or suggestion)."""
        found: dict[int, str | None] = {n: r.answer for n, r in self.records.items() if n < STEP_COUNT}
        if self.number < STEP_COUNT:
            found[self.number] = self.current_answer()
        return found

    def current_answer(self) -> str | None:
        """The answer the current page would be saved with."""
        chosen = self._chosen.get(self.number)
        if chosen is not None or self.number == STEP_COUNT:
            return chosen
        return self.view.suggested

    def spent_s(self) -> float:
        """Seconds spent on the current step, over every visit."""
        return self._spent.get(self.number, 0.0) + (self._clock() - self._entered_at).total_seconds()

    def _record_current(self) -> StepRecord:
        note = self._notes[self.number] = self.query_one("#cl-note", NoteInput).value
        record = record_step(self.view, self._chosen.get(self.number), note, self.spent_s())
        self.records[self.number] = record
        return record

    def _draft(self, *, decision: Decision | None = None) -> RunDraft:
        self._revision += 1
        steps = tuple(self.records[n] for n in sorted(self.records))
        return RunDraft(
            revision=self._revision, started_at=self.started_at, profile=self.profile,
            source=self.source_label, steps=steps, decision=decision,
            note=self._notes.get(STEP_COUNT, "").strip(),
            finished_at=self._clock() if decision is not None else None,
        )

    # --- drawing -------------------------------------------------------------------------------------

    def _show_step(self) -> None:
        self.view = step_view(self.number, self.snapshot, self.profile, self.answers())
        spec = STEPS[self.number - 1]
        self.title = f"{self.number}/{STEP_COUNT} {spec.name}"
        self.query_one("#cl-title", Static).update(self.title)
        self.query_one("#cl-question", Static).update(Text(self.view.question))
        self.query_one("#cl-prompts", Static).update(Text("\n".join(f"· {p}" for p in self.view.prompts)))
        note = self.query_one("#cl-note", NoteInput)
        note.value = self._notes.get(self.number, "")
        self._draw_readings()
        self.refresh_timer()
        self.refresh_bindings()

    def _draw_readings(self) -> None:
        width = max((len(r.label) for r in self.view.readings), default=10) + 2
        lines = Text()
        for reading in self.view.readings:
            lines.append(f"{reading.label:<{width}}", style="dim")
            lines.append(f"{reading.text}\n")
        self.query_one("#cl-readings", Static).update(lines)
        suggested = self.view.suggested or "none"
        self.query_one("#cl-suggested", Static).update(Text(f"Suggested: {suggested} ({self.view.reason})"))
        self._draw_answer()

    def _draw_answer(self) -> None:
        answer = self.current_answer()
        if self.number == STEP_COUNT:
            text = Text("Decision: ")
            for decision in Decision:
                style = "reverse bold" if decision == answer else ""
                text.append(f" {decision.value[0]} {decision.value} ", style=style)
                text.append("  ")
            text.append("not chosen: press h, r or w" if answer is None else "Enter saves", style="dim")
        else:
            chosen = self._chosen.get(self.number)
            how = "overridden" if chosen is not None and chosen != self.view.suggested else (
                "confirmed" if chosen is not None else "suggested")
            text = Text(f"Your answer: {answer or 'none'} ({how})    ")
            text.append("y confirm · o override", style="dim")
        self.query_one("#cl-answer", Static).update(text)

    def refresh_timer(self) -> None:
        """Redraw the countdown (called once a second) and pick up fresher readings."""
        snap = self._provider()
        if snap is not self.snapshot:
            self.snapshot = snap
            self.view = step_view(self.number, snap, self.profile, self.answers())
            self._draw_readings()
        budget = STEPS[self.number - 1].budget_s
        left, over = countdown(budget, self.spent_s())
        timer = self.query_one("#cl-timer", Static)
        timer.update(f"{left} / {format_clock(budget)}")
        timer.set_class(over, "-over")

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#cl-status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")

    # --- keys ---------------------------------------------------------------------------------------

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
        if self.view.suggested is None:
            self._status("No suggestion without data: press o to answer yes or no", error=True)
            return
        self._chosen[self.number] = self.view.suggested
        self._draw_answer()

    def action_override(self) -> None:
        """Switch to the other answer."""
        self._chosen[self.number] = overridden_choice(self.view, self.current_answer())
        self._draw_answer()

    def action_decide(self, decision: str) -> None:
        """Step 5: choose hedge, reduce or wait; *hedge* opens the hedge dialog over the checklist."""
        self._chosen[STEP_COUNT] = Decision(decision).value
        self._draw_answer()
        if Decision(decision) is Decision.HEDGE and self._on_hedge is not None:
            self._on_hedge()

    def action_already_open(self) -> None:
        """`c` opens the checklist in the main screen; here it is already open."""
        self._status("The checklist is already open")

    def action_note(self) -> None:
        """Move into the note field."""
        self.query_one("#cl-note", NoteInput).focus()

    def action_next(self) -> None:
        """Save this step and go on; on step 5 save the run (a decision is required)."""
        if self._finishing:
            return
        if self.number == STEP_COUNT:
            decision = self._chosen.get(STEP_COUNT)
            if decision is None:
                self._status("Choose exactly one action first: h hedge, r reduce, w wait", error=True)
                return
            self._record_current()
            self._finishing, self._close_with = True, decision
            self._save(self._draft(decision=Decision(decision)), close=True)
            return
        self._leave_step(self.number + 1)

    def action_back(self) -> None:
        """Save this step and go back one."""
        if self.number > 1 and not self._finishing:
            self._leave_step(self.number - 1)

    def _leave_step(self, target: int) -> None:
        record = self._record_current()
        self._spent[self.number] = record.seconds_spent
        self._save(self._draft())
        self.number = target
        self._entered_at = self._clock()
        self._show_step()

    def action_leave(self) -> None:
        """Esc: leave the walk-through, asking before anything is discarded."""
        if self._finishing:
            return
        if not (self.records or self._chosen or self.query_one("#cl-note", NoteInput).value):
            self.dismiss(None)
            return
        self.app.push_screen(LeaveChecklist(), self._after_leave_choice)

    def _after_leave_choice(self, choice: str | None) -> None:
        """Leave only after the journal has the run (keep) or has dropped it (discard)."""
        if choice == "keep":
            record = self._record_current()
            self._spent[self.number] = record.seconds_spent
            self._entered_at = self._clock()
            self._finishing, self._close_with = True, None
            self._save(self._draft(), close=True)
        elif choice == "discard":
            self._finishing = True
            self._discard()

    @on(Input.Submitted, "#cl-note")
    def _note_submitted(self, event: Input.Submitted) -> None:
        self.set_focus(None)
        self.action_next()

    # --- journal (thread workers; results come back as messages) -------------------------------------

    def _save(self, draft: RunDraft, *, close: bool = False) -> None:
        if not self._ready:
            self._pending = (draft, close)
            return
        self._write(draft, self._clock(), close)

    @work(thread=True, exit_on_error=False, group="checklist-journal")
    def _write(self, draft: RunDraft, saved_at: datetime, close: bool) -> None:
        run_id = self.writer.write(draft, saved_at)
        self.post_message(self.RunSaved(draft.revision, run_id, close))

    @work(thread=True, exit_on_error=False, group="checklist-journal")
    def _discard(self) -> None:
        self.writer.discard()
        self.post_message(self.RunDiscarded())

    @work(thread=True, exit_on_error=False, group="checklist-journal")
    def _check_unfinished(self) -> None:
        self.post_message(self.UnfinishedFound(find_unfinished(self._journal_path)))

    @work(thread=True, exit_on_error=False, group="checklist-journal")
    def _abandon(self, run_id: int, at: datetime) -> None:
        abandon(run_id, at, self._journal_path)

    @on(UnfinishedFound)
    def _unfinished_found(self, message: UnfinishedFound) -> None:
        run = message.run
        if run is None:
            self._set_ready()
            return

        def chosen(resume: bool | None) -> None:
            if resume:
                self._resume(run)
            else:
                self._abandon(run.id, self._clock())
            self._set_ready(resumed=bool(resume))

        self.app.push_screen(ResumeChecklist(run), chosen)

    def _resume(self, run: RunRecord) -> None:
        self.writer.run_id = run.id
        self.started_at = run.started_at
        self.records = {s.number: s for s in run.steps}
        self._spent = {s.number: s.seconds_spent for s in run.steps}
        self._notes = {s.number: s.note for s in run.steps}
        self._chosen = {s.number: s.answer for s in run.steps if s.overridden}
        self.number = run.resume_step
        self._entered_at = self._clock()
        self._show_step()
        self._status(f"Resumed the run started {run.started_at:%Y-%m-%d %H:%M} UTC at step {self.number}")

    def _set_ready(self, *, resumed: bool = False) -> None:
        """Writes wait until the resume question is settled; a resumed run replaces what came before."""
        self._ready = True
        pending, self._pending = self._pending, None
        if resumed:
            self._finishing = False
        elif pending is not None:
            self._save(pending[0], close=pending[1])

    @on(RunSaved)
    def _run_saved(self, message: RunSaved) -> None:
        if not message.close:
            self._status(f"saved ✓ step {max(self.records, default=0)} · run {message.run_id}")
            return
        if self._close_with is not None:
            self.app.notify(f"Checklist saved: {self._close_with}", title="Risk-off checklist")
        else:
            self.app.notify("Checklist kept: it will be offered next time", title="Risk-off checklist")
        self.dismiss(self._close_with)

    @on(RunDiscarded)
    def _run_discarded(self) -> None:
        self.dismiss(None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A journal write failed: say so, keep the screen (nothing is claimed as saved)."""
        if event.state is WorkerState.ERROR and event.worker.group == "checklist-journal":
            self._finishing = False
            self._status(f"NOT saved: {event.worker.error}", error=True)
