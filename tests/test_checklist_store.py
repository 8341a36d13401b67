"""Checklist runs in the journal: saved per step, finished, resumed, listed; and they survive a kill."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.checklist import Decision, RunDraft, StepRecord
from cockpit.journal.checklist import (
    RunWriter,
    abandon_run,
    delete_run,
    finish_run,
    list_runs,
    load_run,
    newest_unfinished,
    save_step,
    start_run,
    to_db_time,
)
from cockpit.journal.store import connect, journal_path
from cockpit.models import ProfileName

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def con() -> Iterator[sqlite3.Connection]:
    connection = connect()
    yield connection
    connection.close()


def step(number: int, answer: str | None = "yes", *, note: str = "", seconds: float = 10.0,
         overridden: bool = False) -> StepRecord:
    readings = {"us10y_change_bp": {"label": "US10Y change (24h)", "value": 7.3, "unit": "bp", "text": "+7.3 bp"}}
    return StepRecord(number, "macro", f"Step {number}", f"Question {number}?", readings, "yes", answer,
                      overridden, note, seconds)


def test_a_run_round_trips_with_readings_and_units(con: sqlite3.Connection) -> None:
    run_id = start_run(con, T0, "swing", "demo cascade-2026-01")
    save_step(con, run_id, step(1, "no", note="ZN agrees", overridden=True), T0 + timedelta(minutes=2))
    save_step(con, run_id, step(5, "wait"), T0 + timedelta(minutes=14))
    finish_run(con, run_id, T0 + timedelta(minutes=15), "wait", "flat into the weekend")
    run = load_run(con, run_id)
    assert run is not None
    assert (run.status, run.decision, run.note, run.profile, run.source) == (
        "done", "wait", "flat into the weekend", "swing", "demo cascade-2026-01")
    assert run.started_at == T0 and run.finished_at == T0 + timedelta(minutes=15)
    first = run.steps[0]
    assert (first.number, first.key, first.answer, first.overridden, first.note) == (1, "macro", "no", True,
                                                                                      "ZN agrees")
    assert first.readings["us10y_change_bp"]["unit"] == "bp"
    assert first.readings["us10y_change_bp"]["value"] == 7.3
    assert run.steps[1].key == "execution" and run.steps[1].budget_s == 120


def test_saving_a_step_again_replaces_it(con: sqlite3.Connection) -> None:
    run_id = start_run(con, T0, "short", "live")
    save_step(con, run_id, step(2, "yes", seconds=30), T0)
    save_step(con, run_id, step(2, "no", seconds=95, note="second look"), T0 + timedelta(seconds=95))
    rows = con.execute("SELECT answer, seconds_spent, note FROM checklist_steps WHERE run_id = ?",
                       (run_id,)).fetchall()
    assert [tuple(r) for r in rows] == [("no", 95.0, "second look")]


def test_the_newest_unfinished_run_is_offered_for_resumption(con: sqlite3.Connection) -> None:
    old = start_run(con, T0, "swing", "demo")
    newer = start_run(con, T0 + timedelta(hours=1), "long", "demo")
    done = start_run(con, T0 + timedelta(hours=2), "swing", "demo")
    finish_run(con, done, T0 + timedelta(hours=2, minutes=10), "hedge", "")
    save_step(con, newer, step(1), T0)
    save_step(con, newer, step(2), T0)
    found = newest_unfinished(con)
    assert found is not None and found.id == newer and found.resume_step == 3
    abandon_run(con, newer, T0 + timedelta(hours=3))
    assert load_run(con, newer).status == "abandoned"  # type: ignore[union-attr]
    assert newest_unfinished(con).id == old  # type: ignore[union-attr]
    RunWriter().abandon(old, T0 + timedelta(hours=3))
    assert newest_unfinished(con) is None


def test_delete_removes_the_steps_too(con: sqlite3.Connection) -> None:
    run_id = start_run(con, T0, "swing", "demo")
    save_step(con, run_id, step(1), T0)
    delete_run(con, run_id)
    assert con.execute("SELECT COUNT(*) FROM checklist_steps").fetchone()[0] == 0
    assert load_run(con, run_id) is None


def test_list_is_newest_last_and_filters_by_start(con: sqlite3.Connection) -> None:
    for hours in (5, 1, 3):
        start_run(con, T0 + timedelta(hours=hours), "swing", f"run {hours}")
    assert [r.source for r in list_runs(con)] == ["run 1", "run 3", "run 5"]
    assert [r.source for r in list_runs(con, T0 + timedelta(hours=3))] == ["run 3", "run 5"]


def test_only_aware_times_are_stored() -> None:
    with pytest.raises(ValueError):
        to_db_time(datetime(2026, 3, 10))  # noqa: DTZ001 - the point of the test
    assert to_db_time(datetime(2026, 3, 10, 9, tzinfo=UTC)) == "2026-03-10T09:00:00.000000Z"


def draft(revision: int, steps: int, decision: Decision | None = None) -> RunDraft:
    return RunDraft(revision, T0, ProfileName.SWING, "demo", tuple(step(n, note=f"r{revision}") for n in
                                                                   range(1, steps + 1)),
                    decision, "done" if decision else "", T0 + timedelta(minutes=15) if decision else None)


def test_writer_creates_the_run_once_and_an_older_revision_never_wins(con: sqlite3.Connection) -> None:
    writer = RunWriter()
    run_id = writer.write(draft(1, 1), T0)
    assert writer.write(draft(3, 3), T0) == run_id
    assert writer.write(draft(2, 2), T0) == run_id  # arrived late: skipped
    run = load_run(con, run_id)  # type: ignore[arg-type]
    assert run is not None and [s.note for s in run.steps] == ["r3", "r3", "r3"] and run.status == "unfinished"
    writer.write(draft(4, 5, Decision.WAIT), T0)
    assert load_run(con, run_id).decision == "wait"  # type: ignore[arg-type, union-attr]
    assert len(list_runs(con)) == 1


def test_writer_from_many_threads_keeps_the_newest_revision(con: sqlite3.Connection) -> None:
    writer = RunWriter()
    writer.write(draft(0, 1), T0)
    revisions = list(range(1, 25))
    random.Random(3).shuffle(revisions)
    threads = [threading.Thread(target=writer.write, args=(draft(r, 1 + r % 5), T0)) for r in revisions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run = load_run(con, writer.run_id)  # type: ignore[arg-type]
    assert run is not None and [s.note for s in run.steps] == ["r24"] * 5  # revision 24 holds five steps
    assert len(list_runs(con)) == 1


def test_discard_deletes_the_run_and_ignores_later_writes(con: sqlite3.Connection) -> None:
    writer = RunWriter()
    writer.write(draft(1, 2), T0)
    writer.discard()
    writer.write(draft(2, 3), T0)
    assert list_runs(con) == []


def test_a_run_survives_the_app_being_killed_mid_walk() -> None:
    """Two steps saved, then SIGKILL: the next start finds the run with both steps, ready to resume."""
    path = journal_path()
    code = f"""
import os, signal
from datetime import UTC, datetime
from pathlib import Path
from cockpit.checklist import RunDraft, StepRecord
from cockpit.journal.checklist import RunWriter
from cockpit.models import ProfileName
writer = RunWriter(Path({str(path)!r}))
steps = tuple(StepRecord(n, "macro", "S", "Q?", {{}}, "yes", "yes", False, "", 5.0) for n in (1, 2))
writer.write(RunDraft(1, datetime(2026, 3, 10, tzinfo=UTC), ProfileName.SHORT, "demo", steps), datetime.now(UTC))
os.kill(os.getpid(), signal.SIGKILL)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert result.returncode == -9
    con = connect(Path(path))
    found = newest_unfinished(con)
    con.close()
    assert found is not None and [s.number for s in found.steps] == [1, 2] and found.resume_step == 3
