"""The checklist screen when the journal fails: the first read, every save, the final save at step 5.

Once the cause is gone the run is saved; Esc always works; nothing is claimed as saved before COMMIT.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from cockpit.checklist import RunDraft
from cockpit.journal.checklist import LEASE, Owner, RunRecord, RunWriter, list_runs, start_run
from cockpit.journal.store import JournalError, connect, describe, journal_path
from cockpit.models import ProfileName, Snapshot
from cockpit.screens.checklist import ChecklistScreen
from cockpit.screens.checklist_dialogs import LeaveChecklist, ResumeChecklist
from tests.test_checklist_screen import SIZE, FakeClock, Host, checklist, snapshots, text_of

__all__ = ["snapshots"]


class FlakyWriter(RunWriter):
    """A RunWriter whose journal fails as a full disk does, until the test frees the space."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path)
        self.full = True
        self.attempts = 0

    def _open(self) -> sqlite3.Connection:
        self.attempts += 1
        if self.full:
            raise JournalError(describe(sqlite3.OperationalError("database or disk is full")))
        return super()._open()


def runs() -> list[RunRecord]:
    con = connect()
    try:
        return list_runs(con)
    finally:
        con.close()


async def until(app: App[None], pilot: Pilot[None], check: Callable[[], bool], rounds: int = 100) -> None:
    """Let journal workers finish and their messages land until `check()` holds. A journal worker still running
    when the screen closes is cancelled by Textual, and its thread finishes the write all the same: over, not
    failed (the run's record is checked after)."""
    for _ in range(rounds):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()
        if check():
            return
    raise AssertionError("the screen did not reach the expected state")


async def test_a_checklist_whose_first_read_failed_saves_once_the_disk_is_freed(
        snapshots: dict[ProfileName, Snapshot]) -> None:
    clock = FakeClock()
    writer = FlakyWriter(journal_path())
    snap = snapshots[ProfileName.SWING]
    app = Host(lambda: ChecklistScreen(lambda: snap, ProfileName.SWING, "demo", clock=clock, writer=writer))
    async with app.run_test(size=SIZE) as pilot:
        await until(app, pilot, lambda: "journal unavailable" in text_of(checklist(app), "#cl-status"))
        screen = checklist(app)
        await pilot.press("n")
        await until(app, pilot, lambda: "NOT saved" in text_of(screen, "#cl-status"))
        assert "the disk is full" in text_of(screen, "#cl-status")
        await pilot.press("n", "n", "n", "w", "enter")  # step 5: save with a decision, still failing
        await until(app, pilot, lambda: "Esc to stop waiting" in text_of(screen, "#cl-status"))
        assert checklist(app) is screen  # not closed: nothing was saved
        await pilot.press("escape")  # Esc at step 5 works: stop waiting
        assert checklist(app) is screen and screen.number == 5
        assert "Still not saved" in text_of(screen, "#cl-status")
        await pilot.press("escape")  # and again: the leave question
        assert isinstance(app.screen, LeaveChecklist)
        await pilot.press("escape")  # stay
        assert runs() == []
        writer.full = False  # the cause is gone
        before = writer.attempts
        clock.advance(31)
        screen.refresh_timer()
        await until(app, pilot, lambda: "saved ✓" in text_of(screen, "#cl-status"))
        assert writer.attempts > before
        [run] = runs()
        assert run.status == "unfinished" and len(run.steps) == 5
        await pilot.press("enter")
        await until(app, pilot, lambda: app.results == ["wait"])
    [run] = runs()
    assert run.decision == "wait" and len(run.steps) == 5


async def test_a_failing_final_save_keeps_retrying_and_closes_when_it_lands(
        snapshots: dict[ProfileName, Snapshot]) -> None:
    clock = FakeClock()
    writer = FlakyWriter(journal_path())
    writer.full = False
    snap = snapshots[ProfileName.SHORT]
    app = Host(lambda: ChecklistScreen(lambda: snap, ProfileName.SHORT, "demo", clock=clock, writer=writer))
    async with app.run_test(size=SIZE) as pilot:
        await until(app, pilot, lambda: isinstance(app.screen, ChecklistScreen))
        screen = checklist(app)
        await pilot.press("n", "n", "n", "n", "h")
        await until(app, pilot, lambda: "saved ✓ step 4" in text_of(screen, "#cl-status"))
        writer.full = True
        await pilot.press("enter")
        await until(app, pilot, lambda: "NOT saved" in text_of(screen, "#cl-status"))
        for pause in (1, 2, 4):  # retried after each pause, while the disk stays full
            attempts = writer.attempts
            clock.advance(pause)
            screen.refresh_timer()
            await until(app, pilot, lambda attempts=attempts: writer.attempts == attempts + 1)
        writer.full = False
        clock.advance(8)
        screen.refresh_timer()
        await until(app, pilot, lambda: app.results == ["hedge"])
    [run] = runs()
    assert run.decision == "hedge"


async def test_a_run_another_cockpit_holds_is_not_offered(snapshots: dict[ProfileName, Snapshot]) -> None:
    now = datetime.now(UTC)
    con = connect()
    held = start_run(con, now - timedelta(minutes=3), "swing", "demo", Owner(token="other"), now + LEASE)
    free = start_run(con, now - timedelta(minutes=9), "swing", "demo")  # kept for later by someone: free
    con.close()
    snap = snapshots[ProfileName.SWING]
    app = Host(lambda: ChecklistScreen(lambda: snap, ProfileName.SWING, "demo", clock=FakeClock()))
    async with app.run_test(size=SIZE) as pilot:
        await until(app, pilot, lambda: isinstance(app.screen, ResumeChecklist))
        resume = app.screen
        assert isinstance(resume, ResumeChecklist) and resume.run.id == free != held
        await pilot.press("y")
        await pilot.press("n", "n", "n", "n", "r", "enter")
        await until(app, pilot, lambda: app.results == ["reduce"])
    by_id = {r.id: r for r in runs()}
    assert by_id[held].status == "unfinished" and by_id[free].decision == "reduce"


class BuggyWriter(RunWriter):
    """A RunWriter whose first write fails in a way nobody foresaw."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path)
        self.failures_left = 1

    def write(self, draft: RunDraft, saved_at: datetime, *, release: bool = False,
              brief: Mapping[str, Any] | None = None) -> int | None:
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("unexpected")
        return super().write(draft, saved_at, release=release, brief=brief)


async def test_an_unforeseen_failure_of_a_save_is_retried_too(snapshots: dict[ProfileName, Snapshot]) -> None:
    clock = FakeClock()
    writer = BuggyWriter(journal_path())
    snap = snapshots[ProfileName.SWING]
    app = Host(lambda: ChecklistScreen(lambda: snap, ProfileName.SWING, "demo", clock=clock, writer=writer))
    async with app.run_test(size=SIZE) as pilot:
        await until(app, pilot, lambda: isinstance(app.screen, ChecklistScreen))
        screen = checklist(app)
        await pilot.press("n")
        await until(app, pilot, lambda: "NOT saved: RuntimeError: unexpected" in text_of(screen, "#cl-status"))
        clock.advance(2)
        screen.refresh_timer()
        await until(app, pilot, lambda: "saved ✓ step 1" in text_of(screen, "#cl-status"))
    assert [len(r.steps) for r in runs()] == [1]
