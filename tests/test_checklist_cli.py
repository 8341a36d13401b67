"""`cockpit checklist history|export`: the saved runs as a table, JSON, or a Markdown review."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cockpit.checklist import record_step, step_view
from cockpit.cli import main
from cockpit.commands.checklist import parse_since
from cockpit.errors import UserError
from cockpit.journal.checklist import finish_run, save_step, start_run
from cockpit.journal.store import connect
from cockpit.models import ProfileName

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def seed_runs() -> None:
    """An older finished run (with an override and notes) and a newer unfinished one."""
    con = connect()
    try:
        done = start_run(con, T0, "swing", "demo cascade-2026-01")
        for number in range(1, 6):
            view = step_view(number, None, ProfileName.SWING)
            chosen = {1: "no", 5: "wait"}.get(number)
            note = "bonds calmer | watch CPI" if number == 1 else ""
            save_step(con, done, record_step(view, chosen, note, 150.0 if number == 1 else 30.0), T0)
        finish_run(con, done, T0 + timedelta(minutes=4), "wait", "no trade before CPI")
        later = start_run(con, T0 + timedelta(days=2), "short", "live")
        save_step(con, later, record_step(step_view(1, None, ProfileName.SHORT), "yes", "", 12.0), T0)
    finally:
        con.close()


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["checklist", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_empty_history(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "history") == (0, "no checklist runs saved yet (press c in the cockpit to run one)\n", "")
    code, out, _ = run_cli(capsys, "history", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run_cli(capsys, "export")
    assert code == 0 and "No checklist runs saved." in out


def test_history_json_lists_runs_newest_last(capsys: pytest.CaptureFixture[str]) -> None:
    seed_runs()
    code, out, _ = run_cli(capsys, "history", "--json")
    runs: list[dict[str, Any]] = json.loads(out)
    assert code == 0 and [r["profile"] for r in runs] == ["swing", "short"]
    first = runs[0]
    assert {"started_at", "finished_at", "profile", "source", "steps", "readings", "decision", "note"} <= set(first)
    assert (first["started_at"], first["finished_at"], first["decision"], first["note"], first["status"]) == (
        "2026-03-10T08:00:00Z", "2026-03-10T08:04:00Z", "wait", "no trade before CPI", "done")
    assert [s["step"] for s in first["steps"]] == [1, 2, 3, 4, 5]
    assert first["steps"][0]["overridden"] is True and first["steps"][0]["answer"] == "no"
    assert first["steps"][0]["budget_s"] == 120 and first["steps"][0]["seconds_spent"] == 150.0
    assert set(first["readings"]) == {"macro", "leadership", "crypto", "correlation", "execution"}
    assert runs[1]["status"] == "unfinished" and runs[1]["decision"] is None


def test_history_table(capsys: pytest.CaptureFixture[str]) -> None:
    seed_runs()
    code, out, _ = run_cli(capsys)  # `cockpit checklist` alone shows the history
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert "swing" in lines[1] and "wait" in lines[1] and "no* " in lines[1] and "no trade before CPI" in lines[1]
    assert "unfinished" in lines[2]


def test_markdown_export_is_a_review(capsys: pytest.CaptureFixture[str]) -> None:
    seed_runs()
    code, out, _ = run_cli(capsys, "export", "--format", "markdown")
    assert code == 0
    assert out.startswith("# Risk-off checklist review")
    assert "## 2026-03-10 08:00 UTC · swing · WAIT" in out and "## 2026-03-12 08:00 UTC · short · UNFINISHED" in out
    assert "- Note: no trade before CPI" in out and "- Source: demo cascade-2026-01" in out
    assert "### 1/5 Macro (2:30 of 2:00 · over budget)" in out
    assert "Answer: **no**, **overridden** (suggested none)" in out
    assert "Note: bonds calmer | watch CPI" in out
    assert "| Data | waiting for the first evaluation |" in out
    assert "### 2/5 Equity leadership" in out and "Not reached." in out


def test_json_export_matches_history(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    seed_runs()
    _, history, _ = run_cli(capsys, "history", "--json")
    target = tmp_path / "review.json"
    code, out, err = run_cli(capsys, "export", "--format", "json", "--output", str(target))
    assert code == 0 and out == "" and "wrote 2 run(s)" in err
    assert json.loads(target.read_text()) == json.loads(history)


@pytest.mark.parametrize(("since", "count"), [("2026-03-11", 1), ("2026-03-10T07:00:00", 2),
                                              ("2026-03-12T09:00:00+01:00", 1), ("2026-03-13", 0)])
def test_since_filters_runs(capsys: pytest.CaptureFixture[str], since: str, count: int) -> None:
    seed_runs()
    code, out, _ = run_cli(capsys, "export", "--format", "json", "--since", since)
    assert code == 0 and len(json.loads(out)) == count


def test_since_accepts_a_span_back_from_now() -> None:
    now = datetime(2026, 3, 12, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("2026-03-01", now) == datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(UserError):
        parse_since("7x", now)


def test_since_converts_an_offset_to_utc_and_keeps_naive_times_utc() -> None:
    now = datetime(2026, 3, 12, tzinfo=UTC)
    assert parse_since("2026-01-01T00:00+05:00", now) == datetime(2025, 12, 31, 19, tzinfo=UTC)
    assert parse_since("2026-01-01T00:00", now) == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(UserError, match="--since: '99999999d' "):
        parse_since("99999999d", now)


@pytest.mark.parametrize("argv", [
    ("history", "--since", "last tuesday"),
    ("export", "--since", "2026-13-40"),
    ("history", "--since", "99999999d"),
    ("history", "--since", "9999999999999d"),
    ("history", "--since", "9999-12-31T23:00-05:00"),
    ("history", "--since", "0001-01-01T00:00+05:00"),
    ("export", "--since", "1969-12-31"),
    ("export", "--format", "pdf"),
    ("export", "--output", "/nonexistent-dir/review.md"),
    ("purge",),
])
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("cockpit: error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_the_installed_command_runs(tmp_path: Path) -> None:
    seed_runs()
    result = subprocess.run([sys.executable, "-m", "cockpit", "checklist", "export", "--since", "2026-03-11"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "short · UNFINISHED" in result.stdout and "swing" not in result.stdout
