"""Checklist runs in the journal: started, saved step by step, finished with a decision; listed and exported.

The functions taking `con` run single statements; wrap several in `store.transaction(con)`.
`RunWriter` is what the screen uses from its worker threads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit.checklist import STEP_COUNT, STEPS, RunDraft, StepRecord
from cockpit.journal.store import connect, to_db_time, transaction
from cockpit.journal.store import from_db_time as _required_time


def from_db_time(text: str | None) -> datetime | None:
    """The journal's UTC text back to an aware datetime (None stays None)."""
    return None if text is None else _required_time(text)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """A saved run with its steps, oldest step first."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    profile: str
    source: str
    decision: str | None
    note: str
    steps: tuple[StepRecord, ...]

    @property
    def status(self) -> str:
        """done (decided), abandoned (closed without a decision) or unfinished (can be resumed)."""
        if self.decision is not None:
            return "done"
        return "abandoned" if self.finished_at is not None else "unfinished"

    @property
    def resume_step(self) -> int:
        """The step to continue from: the one after the last saved step (at most 5)."""
        return min(STEP_COUNT, max((s.number for s in self.steps), default=0) + 1)

    @property
    def seconds_total(self) -> float:
        """Time spent over all steps."""
        return sum(s.seconds_spent for s in self.steps)


def start_run(con: sqlite3.Connection, started_at: datetime, profile: str, source: str) -> int:
    """Insert a new unfinished run; returns its id."""
    cursor = con.execute(
        "INSERT INTO checklist_runs (started_at, profile, source) VALUES (?, ?, ?)",
        (to_db_time(started_at), profile, source),
    )
    return int(cursor.lastrowid or 0)


def save_step(con: sqlite3.Connection, run_id: int, step: StepRecord, saved_at: datetime) -> None:
    """Insert or replace one step of a run (saved each time the step is left)."""
    con.execute(
        """
        INSERT INTO checklist_steps (run_id, step, name, question, readings, suggested, answer, overridden,
                                     note, seconds_spent, saved_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (run_id, step) DO UPDATE SET
            name = excluded.name, question = excluded.question, readings = excluded.readings,
            suggested = excluded.suggested, answer = excluded.answer, overridden = excluded.overridden,
            note = excluded.note, seconds_spent = excluded.seconds_spent, saved_at = excluded.saved_at
        """,
        (run_id, step.number, step.name, step.question, json.dumps(dict(step.readings)), step.suggested,
         step.answer, int(step.overridden), step.note, step.seconds_spent, to_db_time(saved_at)),
    )


def finish_run(con: sqlite3.Connection, run_id: int, finished_at: datetime, decision: str, note: str) -> None:
    """Close a run with its decision (hedge, reduce or wait) and note."""
    con.execute(
        "UPDATE checklist_runs SET finished_at = ?, decision = ?, note = ? WHERE id = ?",
        (to_db_time(finished_at), decision, note, run_id),
    )


def abandon_run(con: sqlite3.Connection, run_id: int, at: datetime) -> None:
    """Close an unfinished run without a decision: kept for the record, no longer offered for resumption."""
    con.execute("UPDATE checklist_runs SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                (to_db_time(at), run_id))


def delete_run(con: sqlite3.Connection, run_id: int) -> None:
    """Remove a run and its steps (the trader chose to discard it)."""
    con.execute("DELETE FROM checklist_runs WHERE id = ?", (run_id,))


def _step_from_row(row: sqlite3.Row) -> StepRecord:
    number = int(row["step"])
    return StepRecord(
        number=number,
        key=STEPS[number - 1].key.value,
        name=str(row["name"]),
        question=str(row["question"]),
        readings=json.loads(row["readings"]),
        suggested=row["suggested"],
        answer=row["answer"],
        overridden=bool(row["overridden"]),
        note=str(row["note"]),
        seconds_spent=float(row["seconds_spent"]),
    )


def _runs(con: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> list[RunRecord]:
    rows = con.execute(f"SELECT * FROM checklist_runs {where}", params).fetchall()
    runs = []
    for row in rows:
        steps = con.execute("SELECT * FROM checklist_steps WHERE run_id = ? ORDER BY step",
                            (row["id"],)).fetchall()
        runs.append(RunRecord(
            id=int(row["id"]), started_at=_required_time(row["started_at"]),
            finished_at=from_db_time(row["finished_at"]),
            profile=str(row["profile"]), source=str(row["source"]), decision=row["decision"],
            note=str(row["note"]), steps=tuple(_step_from_row(s) for s in steps),
        ))
    return runs


def load_run(con: sqlite3.Connection, run_id: int) -> RunRecord | None:
    """One run by id."""
    found = _runs(con, "WHERE id = ?", (run_id,))
    return found[0] if found else None


def newest_unfinished(con: sqlite3.Connection) -> RunRecord | None:
    """The most recently started run that was neither finished nor abandoned, for resumption."""
    found = _runs(con, "WHERE finished_at IS NULL ORDER BY started_at DESC, id DESC LIMIT 1", ())
    return found[0] if found else None


def list_runs(con: sqlite3.Connection, since: datetime | None = None) -> list[RunRecord]:
    """Every run (started at or after `since`), newest last."""
    if since is None:
        return _runs(con, "ORDER BY started_at, id", ())
    return _runs(con, "WHERE started_at >= ? ORDER BY started_at, id", (to_db_time(since),))


class RunWriter:
    """Saves a RunDraft from any thread: one connection per write, serialized, the newest revision wins.

    Every write carries the whole run, so a write that lost the race to a newer one can be skipped.
    """

    def __init__(self, path: Path | None = None, run_id: int | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._applied = -1
        self._discarded = False
        self.run_id = run_id

    def write(self, draft: RunDraft, saved_at: datetime) -> int | None:
        """Create the run if needed, upsert every step, close it when decided; returns the run id."""
        with self._lock:
            if self._discarded or draft.revision <= self._applied:
                return self.run_id
            con = connect(self._path)
            try:
                with transaction(con):
                    run_id = self.run_id
                    if run_id is None:
                        run_id = start_run(con, draft.started_at, draft.profile.value, draft.source)
                    for step in draft.steps:
                        save_step(con, run_id, step, saved_at)
                    if draft.decision is not None and draft.finished_at is not None:
                        finish_run(con, run_id, draft.finished_at, draft.decision.value, draft.note)
            finally:
                con.close()
            self.run_id, self._applied = run_id, draft.revision
            return run_id

    def discard(self) -> None:
        """Delete the run (if one was written) and ignore every later write."""
        with self._lock:
            self._discarded = True
            if self.run_id is None:
                return
            con = connect(self._path)
            try:
                with transaction(con):
                    delete_run(con, self.run_id)
            finally:
                con.close()


def find_unfinished(path: Path | None = None) -> RunRecord | None:
    """Open the journal, return the newest unfinished run (or None), close it again."""
    con = connect(path)
    try:
        return newest_unfinished(con)
    finally:
        con.close()


def abandon(run_id: int, at: datetime, path: Path | None = None) -> None:
    """Open the journal and close run `run_id` without a decision."""
    con = connect(path)
    try:
        with transaction(con):
            abandon_run(con, run_id, at)
    finally:
        con.close()
