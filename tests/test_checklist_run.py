"""The checklist run as a pure state machine: what it asks the journal for, and what it does with the answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cockpit.checklist import StepRecord
from cockpit.checklist_run import (
    Abandon,
    Adopt,
    AskLeave,
    ChecklistRun,
    Claim,
    Close,
    Discard,
    OfferResume,
    Phase,
    Release,
    Renew,
    Write,
)
from cockpit.models import ProfileName

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Saved:
    id: int
    started_at: datetime
    steps: tuple[StepRecord, ...]
    resume_step: int


def walking() -> ChecklistRun:
    run = ChecklistRun(ProfileName.SWING, "demo", T0)
    assert run.start() == [Claim()]
    assert run.claimed(None) == []
    assert run.phase is Phase.WALKING
    return run


def test_writes_wait_for_the_resume_question_then_go_out() -> None:
    run = ChecklistRun(ProfileName.SWING, "demo", T0)
    run.start()
    assert run.next("", at(5)) == []  # parked: the journal may hold a run to resume
    assert run.number == 2 and run.saving
    [write] = run.claimed(None)
    assert isinstance(write, Write) and [s.number for s in write.draft.steps] == [1]


def test_a_failed_first_read_only_skips_the_offer_and_saves_still_go_out() -> None:
    run = ChecklistRun(ProfileName.SWING, "demo", T0)
    run.start()
    run.next("", at(5))
    effects = run.claim_failed("journal: the disk is full")
    assert [type(e) for e in effects] == [Write] and run.phase is Phase.WALKING
    assert "journal unavailable" in run.status.text and run.status.error


def test_a_failed_save_is_retried_with_a_growing_pause_until_it_lands() -> None:
    run = walking()
    [write] = run.next("", at(1))
    assert isinstance(write, Write)
    assert run.save_failed(write.draft.revision, "disk full", at(2)) == []
    assert "NOT saved: disk full" in run.status.text and "1 s" in run.status.text
    assert run.tick(at(2.5)) == []
    [again] = run.tick(at(3))
    assert isinstance(again, Write) and again.draft == write.draft
    run.save_failed(write.draft.revision, "disk full", at(3))
    assert run.tick(at(4)) == [] and "2 s" in run.status.text
    [third] = run.tick(at(5))
    assert isinstance(third, Write)
    assert run.saved(third.draft.revision, 7) == []
    assert not run.saving and run.status.text == "saved ✓ step 1 · run 7" and not run.status.error


def test_the_pause_between_retries_is_bounded() -> None:
    run = walking()
    [write] = run.next("", at(0))
    assert isinstance(write, Write)
    for _ in range(20):
        run.save_failed(write.draft.revision, "busy", at(0))
    assert run.retry_at is not None and run.retry_at - at(0) == timedelta(seconds=30)


def test_a_failure_of_an_older_draft_does_not_hide_a_newer_one() -> None:
    run = walking()
    [first] = run.next("", at(1))
    [second] = run.next("", at(2))
    assert isinstance(first, Write) and isinstance(second, Write)
    run.save_failed(first.draft.revision, "busy", at(3))
    assert run.retry_at is None  # the newer write is still on its way
    run.saved(second.draft.revision, 1)
    assert not run.saving


def test_step_5_closes_once_saved_and_esc_stops_waiting_when_it_is_not() -> None:
    run = walking()
    for second in range(4):
        run.next("", at(second))
    run.decide("wait")
    [write] = run.next("done", at(10))
    assert isinstance(write, Write) and write.draft.decision == "wait" and run.phase is Phase.LEAVING
    run.save_failed(write.draft.revision, "disk full", at(11))
    assert "Esc to stop waiting" in run.status.text
    assert run.next("", at(12)) == []  # Enter again while leaving does nothing new
    assert run.leave("") == []  # Esc: stop waiting, back on step 5
    assert run.phase is Phase.WALKING and run.number == 5
    assert run.unsaved is not None and run.unsaved.decision is None  # what is retried is no longer decided
    assert run.leave("") == [AskLeave()]  # Esc again: the leave question
    [retry] = run.tick(at(20))
    assert isinstance(retry, Write)
    run.saved(retry.draft.revision, 3)
    [final] = run.next("done", at(21))
    assert isinstance(final, Write) and final.draft.decision == "wait"
    assert run.saved(final.draft.revision, 3) == [Close("wait", "Checklist saved: wait")]


def test_keep_releases_the_run_and_closes_once_saved() -> None:
    run = walking()
    run.next("", at(1))
    assert run.leave("") == [AskLeave()]
    [write] = run.leave_chosen("keep", "", at(2))
    assert isinstance(write, Write) and write.release
    assert run.saved(write.draft.revision, 4) == [Close(None, "Checklist kept: it will be offered next time")]


def test_discard_closes_even_when_the_journal_cannot_delete() -> None:
    run = walking()
    run.next("", at(1))
    assert run.leave_chosen("discard", "", at(2)) == [Discard()]
    [close] = run.discard_failed("journal: the disk is full")
    assert isinstance(close, Close) and close.result is None and "stays unfinished" in (close.notice or "")


def test_nothing_done_leaves_at_once() -> None:
    run = walking()
    assert run.leave("") == [Close(None)]


def test_resume_replaces_the_new_run_and_abandon_keeps_it() -> None:
    step1 = StepRecord(1, "macro", "Macro", "Q?", {}, "yes", "no", True, "note", 12.0)
    old = Saved(5, T0 - timedelta(days=1), (step1,), 2)
    run = ChecklistRun(ProfileName.SWING, "demo", T0)
    run.start()
    assert run.claimed(old) == [OfferResume(old)]
    assert run.resume_answered(old, True, at(1)) == [Adopt(old)]
    assert run.number == 2 and run.run_id == 5 and run.started_at == old.started_at and run.chosen == {1: "no"}
    other = ChecklistRun(ProfileName.SWING, "demo", T0)
    other.start()
    other.claimed(old)
    assert other.resume_answered(old, False, at(1)) == [Abandon(5, at(1))]
    assert other.run_id is None and other.number == 1


def test_a_claim_that_arrives_after_leaving_is_released_not_abandoned() -> None:
    run = ChecklistRun(ProfileName.SWING, "demo", T0)
    run.start()
    run.leave_chosen("discard", "", at(1))
    old = Saved(5, T0, (), 1)
    assert run.claimed(old) == [Release(5)]


def test_an_open_run_renews_its_hold_and_says_when_it_lost_it() -> None:
    run = walking()
    [write] = run.next("", at(0))
    assert isinstance(write, Write)
    run.saved(write.draft.revision, 2)
    assert run.tick(at(1)) == []  # the first tick sets the heartbeat
    assert run.tick(at(30)) == []
    assert run.tick(at(61)) == [Renew()]
    run.renewed(False)
    assert "resumed by another cockpit" in run.status.text and run.status.error
