"""One walk through the checklist as a state machine (pure): the screen forwards keys and journal results,
carries out the effects it is handed, and draws what the run says.

Saving is never parked for good: a write that fails is retried with a growing pause until it lands, a
journal that could not be read at the start only skips the offer to resume, and Esc always gets the trader
out. No clock and no I/O here: every time comes in as an argument.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from cockpit.checklist import (
    STEP_COUNT,
    Decision,
    RunDraft,
    StepRecord,
    StepView,
    overridden_choice,
    record_step,
    step_view,
)
from cockpit.models import ProfileName, Snapshot

RETRY_FIRST = timedelta(seconds=1)
RETRY_MAX = timedelta(seconds=30)
HEARTBEAT = timedelta(seconds=60)  # how often an open run's hold is renewed (well inside the journal's lease)


class Phase(StrEnum):
    """Where the run is."""

    STARTING = "starting"  # asking the journal for an unfinished run nobody holds
    OFFERING = "offering"  # the resume question is on screen
    WALKING = "walking"
    LEAVING = "leaving"  # waiting for the journal before the screen closes
    CLOSED = "closed"


class SavedRun(Protocol):
    """What the run needs of a journal run to resume it."""

    @property
    def id(self) -> int: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def steps(self) -> tuple[StepRecord, ...]: ...
    @property
    def resume_step(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Claim:
    """Ask the journal for the newest unfinished run nobody holds, holding it for this run."""


@dataclass(frozen=True, slots=True)
class OfferResume:
    """Ask the trader whether to resume `run`."""

    run: SavedRun


@dataclass(frozen=True, slots=True)
class Adopt:
    """Later writes go to the resumed run."""

    run: SavedRun


@dataclass(frozen=True, slots=True)
class Abandon:
    """Close the claimed run without a decision (the trader starts a new one)."""

    run_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Release:
    """Let go of a run claimed after the screen had moved on."""

    run_id: int


@dataclass(frozen=True, slots=True)
class Write:
    """Save the whole draft; `release` lets go of the run in the same transaction (kept for later)."""

    draft: RunDraft
    release: bool = False


@dataclass(frozen=True, slots=True)
class Renew:
    """Keep holding the open run."""


@dataclass(frozen=True, slots=True)
class Discard:
    """Delete the run from the journal."""


@dataclass(frozen=True, slots=True)
class AskLeave:
    """Ask keep, discard or stay."""


@dataclass(frozen=True, slots=True)
class Close:
    """Dismiss the screen with `result` (the decision, or None); `notice` is said on the way out."""

    result: str | None
    notice: str | None = None


Effect = Claim | OfferResume | Adopt | Abandon | Release | Write | Renew | Discard | AskLeave | Close


@dataclass(frozen=True, slots=True)
class Status:
    """The status line: text, and whether it reports a problem."""

    text: str
    error: bool = False


@dataclass(slots=True)
class ChecklistRun:
    """The walk: the page, the trader's choices, notes and time per step, and what the journal has."""

    profile: ProfileName
    source: str
    started_at: datetime
    number: int = 1
    entered_at: datetime | None = None
    chosen: dict[int, str | None] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    spent: dict[int, float] = field(default_factory=dict)
    records: dict[int, StepRecord] = field(default_factory=dict)
    phase: Phase = Phase.STARTING
    status: Status = field(default_factory=lambda: Status(""))
    run_id: int | None = None
    snapshot: Snapshot | None = None
    view: StepView | None = None
    revision: int = 0
    unsaved: RunDraft | None = None  # the newest draft the journal does not have yet
    leaving: bool = False  # the screen closes once the journal has `unsaved` (or has dropped the run)
    closing: str | None = None  # the decision it closes with (None: kept for later)
    releasing: bool = False
    failures: int = 0
    retry_at: datetime | None = None
    renew_at: datetime | None = None

    def __post_init__(self) -> None:
        self.entered_at = self.entered_at or self.started_at
        self.profile = ProfileName(self.profile)
        self.show(self.snapshot)

    # --- what is on the page ----------------------------------------------------------------------------

    def show(self, snapshot: Snapshot | None) -> None:
        """Use the newest readings for the current page."""
        self.snapshot = snapshot
        self.view = step_view(self.number, snapshot, self.profile, self.answers())

    @property
    def page(self) -> StepView:
        """The current page."""
        assert self.view is not None
        return self.view

    def answers(self) -> dict[int, str | None]:
        """The effective answers to steps 1-4 so far (saved ones, else the current choice or suggestion)."""
        found: dict[int, str | None] = {n: r.answer for n, r in self.records.items() if n < STEP_COUNT}
        if self.number < STEP_COUNT and self.view is not None:
            found[self.number] = self.current_answer()
        return found

    def current_answer(self) -> str | None:
        """The answer the current page would be saved with."""
        chosen = self.chosen.get(self.number)
        if chosen is not None or self.number == STEP_COUNT:
            return chosen
        return self.page.suggested

    def spent_s(self, now: datetime) -> float:
        """Seconds spent on the current step, over every visit."""
        assert self.entered_at is not None
        return self.spent.get(self.number, 0.0) + (now - self.entered_at).total_seconds()

    def has_progress(self, note: str) -> bool:
        """Whether leaving would lose anything (a saved step, a choice or a note)."""
        return bool(self.records or self.chosen or note.strip())

    @property
    def saving(self) -> bool:
        """Whether a draft is waiting for the journal."""
        return self.unsaved is not None

    # --- the journal's answers ----------------------------------------------------------------------------

    def start(self) -> list[Effect]:
        """Look for a run to resume first."""
        self.phase = Phase.STARTING
        return [Claim()]

    def claimed(self, run: SavedRun | None) -> list[Effect]:
        """The journal answered: a run nobody holds (now held for us) or none."""
        if self.phase is not Phase.STARTING:
            return [] if run is None else [Release(run.id)]
        if run is None or self.leaving:  # none, or the trader is already on the way out
            return ([] if run is None else [Release(run.id)]) + self._walk()
        self.phase = Phase.OFFERING
        return [OfferResume(run)]

    def claim_failed(self, error: str) -> list[Effect]:
        """The journal could not be read: walk anyway; saves retry until it can be written."""
        if self.phase is not Phase.STARTING:
            return []
        self.status = Status(f"journal unavailable: {error} (saves will retry)", error=True)
        return self._walk()

    def resume_answered(self, run: SavedRun, resume: bool, now: datetime) -> list[Effect]:
        """Resume `run` (it replaces what was done meanwhile), or abandon it and go on with this one."""
        if resume:
            self.run_id = run.id
            self.started_at = run.started_at
            self.records = {s.number: s for s in run.steps}
            self.spent = {s.number: s.seconds_spent for s in run.steps}
            self.notes = {s.number: s.note for s in run.steps}
            self.chosen = {s.number: s.answer for s in run.steps if s.overridden}
            self.number = run.resume_step
            self.entered_at = now
            self.unsaved, self.leaving, self.closing, self.releasing = None, False, None, False
            self.show(self.snapshot)
            self.status = Status(f"Resumed the run started {run.started_at:%Y-%m-%d %H:%M} UTC at step {self.number}")
            self.phase = Phase.WALKING
            self.renew_at = now + HEARTBEAT
            return [Adopt(run)]
        return [Abandon(run.id, now), *self._walk()]

    def _walk(self) -> list[Effect]:
        """Writes may go out now: send what waited for the resume question."""
        self.phase = Phase.LEAVING if self.leaving else Phase.WALKING
        if self.unsaved is None:
            return []
        return [Write(self.unsaved, release=self.releasing)]

    def saved(self, revision: int, run_id: int | None, taken_over: int | None = None) -> list[Effect]:
        """A draft reached the journal (after COMMIT)."""
        self.run_id = run_id
        self.failures, self.retry_at = 0, None
        if self.unsaved is not None and revision >= self.unsaved.revision:
            self.unsaved = None
        moved = f" (run {taken_over} was resumed by another cockpit: saved as run {run_id})" if taken_over else ""
        if self.unsaved is not None:
            return []
        if self.phase is Phase.LEAVING and self.leaving:
            self.phase = Phase.CLOSED
            if self.closing:
                return [Close(self.closing, f"Checklist saved: {self.closing}{moved}")]
            return [Close(None, f"Checklist kept: it will be offered next time{moved}")]
        self.status = Status(f"saved ✓ step {max(self.records, default=0)} · run {run_id}{moved}")
        return []

    def save_failed(self, revision: int, error: str, now: datetime) -> list[Effect]:
        """A write failed: nothing is claimed as saved; the newest draft is tried again after a pause."""
        if self.unsaved is None or revision < self.unsaved.revision:
            return []  # a newer draft already landed
        self.failures += 1
        pause = min(RETRY_MAX, RETRY_FIRST * 2 ** (self.failures - 1))
        self.retry_at = now + pause
        hint = " · Esc to stop waiting" if self.phase is Phase.LEAVING else ""
        self.status = Status(f"NOT saved: {error} · retrying in {pause.total_seconds():.0f} s{hint}", error=True)
        return []

    def renewed(self, held: bool) -> list[Effect]:
        """The hold was renewed, or another cockpit has taken the run over."""
        if not held and self.run_id is not None and self.phase is Phase.WALKING:
            self.status = Status(f"run {self.run_id} was resumed by another cockpit: your next save starts a new "
                                 "run", error=True)
        return []

    def discarded(self) -> list[Effect]:
        """The run is gone from the journal."""
        self.phase = Phase.CLOSED
        return [Close(None)]

    def discard_failed(self, error: str) -> list[Effect]:
        """Deleting failed: leave anyway; the run stays unfinished and is offered next time."""
        self.phase = Phase.CLOSED
        what = f"run {self.run_id}" if self.run_id is not None else "the run"
        return [Close(None, f"Could not delete {what} ({error}): it stays unfinished in the journal")]

    def tick(self, now: datetime) -> list[Effect]:
        """Once a second: retry a failed save when its pause is over, renew the hold now and then."""
        effects: list[Effect] = []
        if self.unsaved is not None and self.retry_at is not None and now >= self.retry_at:
            self.retry_at = None
            if self.phase in (Phase.WALKING, Phase.LEAVING):
                effects.append(Write(self.unsaved, release=self.releasing))
        if self.run_id is not None and self.phase is Phase.WALKING:
            if self.renew_at is None:
                self.renew_at = now + HEARTBEAT
            elif now >= self.renew_at:
                self.renew_at = now + HEARTBEAT
                effects.append(Renew())
        return effects

    # --- the trader's keys ----------------------------------------------------------------------------------

    def confirm(self) -> list[Effect]:
        """Accept the suggested answer."""
        if self.page.suggested is None:
            self.status = Status("No suggestion without data: press o to answer yes or no", error=True)
            return []
        self.chosen[self.number] = self.page.suggested
        return []

    def override(self) -> None:
        """Switch to the other answer."""
        self.chosen[self.number] = overridden_choice(self.page, self.current_answer())

    def decide(self, decision: str) -> None:
        """Step 5: choose hedge, reduce or wait."""
        self.chosen[STEP_COUNT] = Decision(decision).value

    def next(self, note: str, now: datetime) -> list[Effect]:
        """Save this step and go on; on step 5 save the run with its decision and close once it is saved."""
        if self.leaving or self.phase is Phase.CLOSED:
            return []
        if self.number < STEP_COUNT:
            return self._leave_step(self.number + 1, note, now)
        decision = self.chosen.get(STEP_COUNT)
        if decision is None:
            self.status = Status("Choose exactly one action first: h hedge, r reduce, w wait", error=True)
            return []
        self._record(note, now)
        self.closing, self.releasing = decision, False
        return self._save(self._draft(now, Decision(decision)), leaving=True)

    def back(self, note: str, now: datetime) -> list[Effect]:
        """Save this step and go back one."""
        if self.number > 1 and not self.leaving and self.phase is not Phase.CLOSED:
            return self._leave_step(self.number - 1, note, now)
        return []

    def leave(self, note: str) -> list[Effect]:
        """Esc: stop waiting for a save on the way out, else leave (asking first when anything would be lost)."""
        if self.leaving:
            self.leaving, self.closing, self.releasing = False, None, False
            if self.phase is Phase.LEAVING:
                self.phase = Phase.WALKING
            if self.unsaved is not None and self.unsaved.decision is not None:
                self.unsaved = self._undecided(self.unsaved)
            self.status = Status("Still not saved (retrying): Enter saves, Esc again to leave", error=True)
            return []
        if self.phase is Phase.CLOSED:
            return []
        if not self.has_progress(note):
            self.phase = Phase.CLOSED
            return [Close(None)]
        return [AskLeave()]

    def leave_chosen(self, choice: str | None, note: str, now: datetime) -> list[Effect]:
        """Keep (leave once the journal has the run, released for any cockpit), discard, or stay."""
        if choice == "keep":
            self._record(note, now)
            self.spent[self.number] = self.records[self.number].seconds_spent
            self.entered_at = now
            self.closing, self.releasing = None, True
            return self._save(self._draft(now), leaving=True)
        if choice == "discard":
            self.unsaved, self.retry_at, self.leaving = None, None, True
            if self.phase is Phase.WALKING:
                self.phase = Phase.LEAVING
            return [Discard()]
        return []

    # --- drafts ---------------------------------------------------------------------------------------------

    def _record(self, note: str, now: datetime) -> StepRecord:
        self.notes[self.number] = note
        record = record_step(self.page, self.chosen.get(self.number), note, self.spent_s(now))
        self.records[self.number] = record
        return record

    def _leave_step(self, target: int, note: str, now: datetime) -> list[Effect]:
        record = self._record(note, now)
        self.spent[self.number] = record.seconds_spent
        effects = self._save(self._draft(now))
        self.number = target
        self.entered_at = now
        self.show(self.snapshot)
        return effects

    def _draft(self, now: datetime, decision: Decision | None = None) -> RunDraft:
        self.revision += 1
        steps = tuple(self.records[n] for n in sorted(self.records))
        return RunDraft(revision=self.revision, started_at=self.started_at, profile=self.profile, source=self.source,
                        steps=steps, decision=decision, note=self.notes.get(STEP_COUNT, "").strip(),
                        finished_at=now if decision is not None else None,
                        moment=self.snapshot if decision is not None else None)

    def _undecided(self, draft: RunDraft) -> RunDraft:
        self.revision += 1
        return replace(draft, revision=self.revision, decision=None, finished_at=None, moment=None)

    def _save(self, draft: RunDraft, *, leaving: bool = False) -> list[Effect]:
        self.unsaved = draft
        if leaving:
            self.leaving = True
            if self.phase is Phase.WALKING:
                self.phase = Phase.LEAVING
        if self.phase in (Phase.STARTING, Phase.OFFERING):
            return []  # sent once the resume question is settled
        self.retry_at = None
        return [Write(draft, release=self.releasing)]
