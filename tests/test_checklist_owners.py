"""Two cockpits on one data folder: each writes its own checklist run, and only a run nobody holds is offered.

The processes are real (subprocesses) where the claim is about processes; they are released step by step
through their stdin, never by sleeping.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cockpit.checklist import Decision, RunDraft, StepRecord
from cockpit.journal.checklist import LEASE, Owner, RunWriter, list_runs, newest_unfinished
from cockpit.journal.store import connect, journal_path
from cockpit.models import ProfileName

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)

COCKPIT = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from cockpit.checklist import Decision, RunDraft, StepRecord
from cockpit.journal.checklist import RunWriter
from cockpit.models import ProfileName

path, name, decision = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
writer = RunWriter(path)

def steps(upto):
    return tuple(StepRecord(n, "macro", "S", "Q?", {}, "yes", "yes", False, name, 5.0) for n in range(1, upto + 1))

def say(*words):
    print(*words, flush=True)

for line in sys.stdin:
    command = line.split()
    if command[0] == "claim":
        run = writer.claim()
        say("claimed", run.id if run else "none")
        if run:
            writer.adopt(run.id)
    elif command[0] == "step":
        upto = int(command[1])
        draft = RunDraft(upto, datetime(2026, 3, 10, tzinfo=UTC), ProfileName.SWING, name, steps(upto))
        say("saved", writer.write(draft, datetime.now(UTC)))
    elif command[0] == "decide":
        draft = RunDraft(99, datetime(2026, 3, 10, tzinfo=UTC), ProfileName.SWING, name, steps(5), Decision(decision),
                         name, datetime.now(UTC))
        say("saved", writer.write(draft, datetime.now(UTC)))
    elif command[0] == "keep":
        writer.release()
        say("released")
    elif command[0] == "quit":
        break
"""


class Cockpit:
    """A second process driving a RunWriter, one command per line, answering one line each."""

    def __init__(self, name: str, decision: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-c", COCKPIT, str(journal_path()), name, decision],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=env)

    def ask(self, command: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        assert answer, self.process.stderr.read() if self.process.stderr else "no answer"
        return answer

    def quit(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("quit\n")
        self.process.stdin.flush()
        self.process.wait(timeout=60)
        assert self.process.returncode == 0, self.process.stderr.read() if self.process.stderr else ""


def test_two_cockpits_one_data_folder_save_two_runs() -> None:
    """The issue's reproduction: A saves step 1; B opens the checklist, is not offered A's run, saves hedge;
    A goes on and saves wait. Both runs are in the history."""
    connect().close()
    a, b = Cockpit("A", "wait"), Cockpit("B", "hedge")
    try:
        assert a.ask("claim") == "claimed none"
        assert a.ask("step 1") == "saved 1"
        assert b.ask("claim") == "claimed none"  # A's run is held by A: not offered
        assert b.ask("step 1") == "saved 2"
        assert b.ask("decide") == "saved 2"
        assert a.ask("step 4") == "saved 1"
        assert a.ask("decide") == "saved 1"
    finally:
        a.quit()
        b.quit()
    con = connect()
    try:
        runs = list_runs(con)
    finally:
        con.close()
    assert sorted((r.source, r.decision, len(r.steps)) for r in runs) == [("A", "wait", 5), ("B", "hedge", 5)]


def test_a_run_kept_for_later_is_offered_to_the_other_cockpit_once() -> None:
    connect().close()
    a, b, c = Cockpit("A", "wait"), Cockpit("B", "hedge"), Cockpit("C", "reduce")
    try:
        a.ask("claim")
        assert a.ask("step 2") == "saved 1"
        assert a.ask("keep") == "released"
        assert b.ask("claim") == "claimed 1"  # released: B may resume it, and now holds it
        assert c.ask("claim") == "claimed none"  # a third cockpit is not offered the same run
        assert b.ask("decide") == "saved 1"
    finally:
        for cockpit in (a, b, c):
            cockpit.quit()


def test_a_run_whose_cockpit_is_gone_is_offered_at_once() -> None:
    """The holder exited (or was killed) without releasing: its process is gone, so the run is free."""
    connect().close()
    a = Cockpit("A", "wait")
    a.ask("claim")
    assert a.ask("step 2") == "saved 1"
    a.quit()
    con = connect()
    try:
        run = newest_unfinished(con)
        assert run is not None and run.id == 1 and run.resume_step == 3
    finally:
        con.close()


def _draft(revision: int, source: str, steps: int, decision: Decision | None = None) -> RunDraft:
    records = tuple(StepRecord(n, "macro", "S", "Q?", {}, "yes", "yes", False, "", 5.0) for n in range(1, steps + 1))
    return RunDraft(revision, T0, ProfileName.SWING, source, records, decision, "", T0 if decision else None)


def test_two_connections_as_two_cockpits_each_write_their_own_run() -> None:
    path = journal_path()
    a = RunWriter(path, owner=Owner(token="a"))
    b = RunWriter(path, owner=Owner(token="b"))
    assert a.claim() is None
    assert a.write(_draft(1, "A", 1), T0) == 1
    assert b.claim() is None  # held by A
    assert b.write(_draft(1, "B", 1), T0) == 2
    assert b.write(_draft(2, "B", 5, Decision.HEDGE), T0) == 2
    assert a.write(_draft(2, "A", 5, Decision.WAIT), T0) == 1
    con = connect()
    try:
        assert sorted((r.id, r.decision) for r in list_runs(con)) == [(1, "wait"), (2, "hedge")]
    finally:
        con.close()


def test_a_hold_that_ran_out_can_be_taken_over_and_the_old_holder_writes_a_new_run() -> None:
    path = journal_path()
    now = [T0]
    a = RunWriter(path, owner=Owner(host="elsewhere", token="a"), clock=lambda: now[0])
    b = RunWriter(path, owner=Owner(token="b"), clock=lambda: now[0])
    a.write(_draft(1, "A", 2), T0)
    assert b.claim() is None
    now[0] = T0 + LEASE + timedelta(seconds=1)  # A went quiet past its lease (a laptop asleep)
    claimed = b.claim()
    assert claimed is not None and claimed.id == 1
    b.adopt(claimed.id)
    assert not a.renew()  # A learns it lost the run
    assert a.write(_draft(2, "A", 3), T0) == 2 and a.taken_over == 1  # A's draft is kept, as a run of its own
    assert b.write(_draft(1, "B", 4, Decision.REDUCE), T0) == 1
    con = connect()
    try:
        runs = {r.id: r for r in list_runs(con)}
    finally:
        con.close()
    assert runs[1].decision == "reduce" and len(runs[1].steps) == 4
    assert runs[2].status == "unfinished" and len(runs[2].steps) == 3
