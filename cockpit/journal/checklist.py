"""Checklist runs in the journal: started, saved step by step, finished with a decision; listed and exported.

An unfinished run is held by the cockpit writing it (`owner`, renewed `lease_until`), so two cockpits on one
data folder each write their own run and a second cockpit offers to resume only a run nobody holds: one
whose holder released it, whose lease ran out, or whose process on this machine is gone.

The functions taking `con` run single statements; wrap several in `store.transaction(con)`.
`RunWriter` is what the screen uses from its worker threads.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cockpit.checklist import STEP_COUNT, STEPS, RunDraft, StepRecord
from cockpit.journal.store import connect, journal_errors, to_db_time, transaction
from cockpit.journal.store import from_db_time as _required_time

LEASE = timedelta(minutes=5)  # a holder renews well within this (each save, and a heartbeat while open)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Owner:
    """Who holds a run: this machine, this process, and a token per checklist screen."""

    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    token: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.token}"


def _process_alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill there would end the process: the lease alone decides
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def held_by_another(owner_text: str | None, lease_until: str | None, me: Owner, now: datetime) -> bool:
    """Whether a run's holder is someone else who still holds it (lease running, process alive here)."""
    if not owner_text or owner_text == str(me):
        return False
    if lease_until is None or _required_time(lease_until) <= now:
        return False
    host, _, rest = owner_text.partition(":")
    pid_text = rest.partition(":")[0]
    if host == me.host and pid_text.isdigit() and int(pid_text) != me.pid:
        return _process_alive(int(pid_text))
    return True


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
    brief: Mapping[str, Any] | None = None  # the brief of the moment the decision was saved (None before v6)

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


def start_run(con: sqlite3.Connection, started_at: datetime, profile: str, source: str,
              owner: Owner | None = None, lease_until: datetime | None = None) -> int:
    """Insert a new unfinished run (held by `owner` until `lease_until` when given); returns its id."""
    cursor = con.execute(
        "INSERT INTO checklist_runs (started_at, profile, source, owner, lease_until) VALUES (?, ?, ?, ?, ?)",
        (to_db_time(started_at), profile, source, None if owner is None else str(owner),
         None if lease_until is None else to_db_time(lease_until)),
    )
    return int(cursor.lastrowid or 0)


def hold_run(con: sqlite3.Connection, run_id: int, owner: Owner, lease_until: datetime) -> bool:
    """Renew `owner`'s hold on an unfinished run; False when the run is gone, closed or held by another."""
    cursor = con.execute(
        "UPDATE checklist_runs SET lease_until = ? WHERE id = ? AND owner = ? AND finished_at IS NULL",
        (to_db_time(lease_until), run_id, str(owner)))
    return cursor.rowcount == 1


def release_run(con: sqlite3.Connection, run_id: int, owner: Owner) -> None:
    """Let go of a run (kept for later): any cockpit may offer it for resumption now."""
    con.execute("UPDATE checklist_runs SET owner = NULL, lease_until = NULL WHERE id = ? AND owner = ?",
                (run_id, str(owner)))


def claim_unfinished(con: sqlite3.Connection, owner: Owner, now: datetime) -> RunRecord | None:
    """The newest unfinished run nobody else holds, now held by `owner` (call inside a transaction)."""
    rows = con.execute("SELECT id, owner, lease_until FROM checklist_runs WHERE finished_at IS NULL "
                       "ORDER BY started_at DESC, id DESC").fetchall()
    for row in rows:
        if held_by_another(row["owner"], row["lease_until"], owner, now):
            continue
        con.execute("UPDATE checklist_runs SET owner = ?, lease_until = ? WHERE id = ?",
                    (str(owner), to_db_time(now + LEASE), row["id"]))
        return load_run(con, int(row["id"]))
    return None


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


def finish_run(con: sqlite3.Connection, run_id: int, finished_at: datetime, decision: str, note: str,
               brief: Mapping[str, Any] | None = None) -> None:
    """Close a run with its decision (hedge, reduce or wait), note and the brief of the moment; nobody holds it."""
    con.execute(
        "UPDATE checklist_runs SET finished_at = ?, decision = ?, note = ?, brief = ?, owner = NULL, "
        "lease_until = NULL WHERE id = ?",
        (to_db_time(finished_at), decision, note, None if brief is None else json.dumps(dict(brief)), run_id),
    )


def abandon_run(con: sqlite3.Connection, run_id: int, at: datetime) -> None:
    """Close an unfinished run without a decision: kept for the record, no longer offered for resumption."""
    con.execute("UPDATE checklist_runs SET finished_at = ?, owner = NULL, lease_until = NULL "
                "WHERE id = ? AND finished_at IS NULL", (to_db_time(at), run_id))


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
    with journal_errors():
        return _read_runs(con, where, params)


def _read_runs(con: sqlite3.Connection, where: str, params: tuple[Any, ...]) -> list[RunRecord]:
    rows = con.execute(f"SELECT * FROM checklist_runs {where}", params).fetchall()
    runs = []
    for row in rows:
        steps = con.execute("SELECT * FROM checklist_steps WHERE run_id = ? ORDER BY step",
                            (row["id"],)).fetchall()
        runs.append(RunRecord(
            id=int(row["id"]), started_at=_required_time(row["started_at"]),
            finished_at=from_db_time(row["finished_at"]),
            profile=str(row["profile"]), source=str(row["source"]), decision=row["decision"],
            note=str(row["note"]), steps=tuple(_step_from_row(s) for s in steps), brief=_brief(row["brief"]),
        ))
    return runs


def _brief(text: str | None) -> dict[str, Any] | None:
    """A stored brief back to its JSON object; None when there is none (or it no longer reads as one)."""
    if not text:
        return None
    try:
        brief = json.loads(text)
    except ValueError:
        return None
    return brief if isinstance(brief, dict) else None


def load_run(con: sqlite3.Connection, run_id: int) -> RunRecord | None:
    """One run by id."""
    found = _runs(con, "WHERE id = ?", (run_id,))
    return found[0] if found else None


def newest_unfinished(con: sqlite3.Connection, me: Owner | None = None,
                      now: datetime | None = None) -> RunRecord | None:
    """The most recently started run that was neither finished nor abandoned and that nobody else holds."""
    me, now = me or Owner(), now or _utc_now()
    rows = con.execute("SELECT id, owner, lease_until FROM checklist_runs WHERE finished_at IS NULL "
                       "ORDER BY started_at DESC, id DESC").fetchall()
    free = next((int(r["id"]) for r in rows if not held_by_another(r["owner"], r["lease_until"], me, now)), None)
    return None if free is None else load_run(con, free)


def list_runs(con: sqlite3.Connection, since: datetime | None = None) -> list[RunRecord]:
    """Every run (started at or after `since`), newest last."""
    if since is None:
        return _runs(con, "ORDER BY started_at, id", ())
    return _runs(con, "WHERE started_at >= ? ORDER BY started_at, id", (to_db_time(since),))


class RunWriter:
    """Saves a RunDraft from any thread: one connection per write, serialized, the newest revision wins.

    Every write carries the whole run, so a write that lost the race to a newer one can be skipped. The run
    is held by `owner` while open; if another cockpit took it over (the hold ran out), the draft is saved as
    a new run of this writer's own rather than over the other's. Failures are JournalErrors in words.
    """

    def __init__(self, path: Path | None = None, run_id: int | None = None, *, owner: Owner | None = None,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._applied = -1
        self._discarded = False
        self.owner = owner or Owner()
        self._clock = clock
        self.run_id = run_id
        self.taken_over: int | None = None  # a run another cockpit took over; the draft went to a new one
        self._finished: int | None = None

    def _open(self) -> sqlite3.Connection:
        return connect(self._path)

    def write(self, draft: RunDraft, saved_at: datetime, *, release: bool = False,
              brief: Mapping[str, Any] | None = None) -> int | None:
        """Create the run if needed, upsert every step, close it when decided; returns the run id.

        `release` lets go of the run in the same transaction (kept for later: any cockpit may offer it);
        `brief`, the brief of the moment of the decision, is kept with a decided run.
        """
        with self._lock:
            self.taken_over = None
            if self._discarded or draft.revision <= self._applied:
                return self.run_id
            con = self._open()
            try:
                with journal_errors(self._path), transaction(con):
                    run_id = self._hold(con, self._clock() + LEASE)
                    if run_id is None:
                        run_id = start_run(con, draft.started_at, draft.profile.value, draft.source, self.owner,
                                           self._clock() + LEASE)
                    for step in draft.steps:
                        save_step(con, run_id, step, saved_at)
                    if draft.decision is not None and draft.finished_at is not None:
                        finish_run(con, run_id, draft.finished_at, draft.decision.value, draft.note, brief)
                        self._finished = run_id
                    elif release:
                        release_run(con, run_id, self.owner)
            finally:
                con.close()
            self.run_id, self._applied = run_id, draft.revision
            return run_id

    def _hold(self, con: sqlite3.Connection, lease_until: datetime) -> int | None:
        """The run to write: ours still, or reopened after we decided it; None when it must be a new one."""
        run_id = self.run_id
        if run_id is None or hold_run(con, run_id, self.owner, lease_until):
            return run_id
        if run_id == self._finished:  # decided, then the trader went back to it before leaving
            reopened = con.execute(
                "UPDATE checklist_runs SET finished_at = NULL, decision = NULL, brief = NULL, owner = ?, "
                "lease_until = ? WHERE id = ? AND owner IS NULL AND decision IS NOT NULL",
                (str(self.owner), to_db_time(lease_until), run_id))
            if reopened.rowcount == 1:
                self._finished = None
                return run_id
        self.taken_over = run_id
        return None

    def claim(self) -> RunRecord | None:
        """The newest unfinished run nobody holds, now held by this writer (None when there is none)."""
        with self._lock:
            con = self._open()
            try:
                with journal_errors(self._path), transaction(con):
                    return claim_unfinished(con, self.owner, self._clock())
            finally:
                con.close()

    def adopt(self, run_id: int) -> None:
        """Continue run `run_id` (claimed by this writer): later writes go to it."""
        with self._lock:
            self.run_id = run_id

    def renew(self) -> bool:
        """Keep holding the open run; False when another cockpit has taken it over (or there is none)."""
        with self._lock:
            if self.run_id is None or self._discarded:
                return False
            con = self._open()
            try:
                with journal_errors(self._path), transaction(con):
                    return hold_run(con, self.run_id, self.owner, self._clock() + LEASE)
            finally:
                con.close()

    def release(self, run_id: int | None = None) -> None:
        """Let go of a run (the open one by default), so any cockpit may offer it."""
        with self._lock:
            run_id = self.run_id if run_id is None else run_id
            if run_id is None:
                return
            con = self._open()
            try:
                with journal_errors(self._path), transaction(con):
                    release_run(con, run_id, self.owner)
            finally:
                con.close()

    def abandon(self, run_id: int, at: datetime) -> None:
        """Close a claimed run without a decision (the trader chose to start a new one)."""
        with self._lock:
            con = self._open()
            try:
                with journal_errors(self._path), transaction(con):
                    abandon_run(con, run_id, at)
            finally:
                con.close()

    def discard(self) -> None:
        """Delete the run (if one was written) and ignore every later write."""
        with self._lock:
            self._discarded = True
            if self.run_id is None:
                return
            con = self._open()
            try:
                with journal_errors(self._path), transaction(con):
                    delete_run(con, self.run_id)
            finally:
                con.close()
