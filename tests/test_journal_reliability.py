"""The journal under load and damage: processes opening and importing at once, absurd numbers, a full disk,
a damaged file. Every failure is one line in words, exit status 2, and nothing already stored is lost."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cockpit.cli import main
from cockpit.journal import store
from cockpit.journal.fills import FillError, count_fills, import_fills, parse_fill
from cockpit.journal.store import JournalError, connect, journal_path

ROOT = Path(__file__).resolve().parents[1]

OPEN_AT_ONCE = """
import sys
from pathlib import Path
from cockpit.journal.store import connect
print("ready", flush=True)
sys.stdin.readline()
connect(Path(sys.argv[1])).close()
"""

IMPORT_AT_ONCE = """
import sys
from cockpit.cli import main
print("ready", flush=True)
sys.stdin.readline()
sys.exit(main(["journal", "import", sys.argv[1]]))
"""


def _start_together(code: str, args: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """One process per argument; each signals it is ready, then all are released at the same instant."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [subprocess.Popen([sys.executable, "-c", code, arg], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=env) for arg in args]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child, arg in zip(children, args, strict=True):
        out, err = child.communicate(timeout=120)
        results.append(subprocess.CompletedProcess([arg], child.returncode, out, err))
    return results


@pytest.mark.parametrize("attempt", range(3))
def test_three_processes_opening_a_new_journal_at_once_all_succeed(tmp_path: Path, attempt: int) -> None:
    path = tmp_path / f"new-{attempt}" / "journal.sqlite3"
    path.parent.mkdir()
    results = _start_together(OPEN_AT_ONCE, [str(path)] * 3)
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "already exists" not in result.stderr and "Traceback" not in result.stderr
    con = connect(path)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == len(store.MIGRATIONS)
    finally:
        con.close()


def test_migration_reads_the_version_inside_its_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process migrates between this one's first look at the version and its BEGIN IMMEDIATE:
    this one must find nothing left to do, not run migration 1 again ("table fills already exists")."""
    path = tmp_path / "journal.sqlite3"
    early = sqlite3.connect(path, isolation_level=None)
    real_transaction = store.transaction
    raced: list[bool] = []

    @contextmanager
    def racing(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        if con is early and not raced:
            raced.append(True)
            connect(path).close()  # the other process, all the way through
        with real_transaction(con) as inside:
            yield inside

    monkeypatch.setattr(store, "transaction", racing)
    store.migrate(early, path)
    assert raced and early.execute("PRAGMA user_version").fetchone()[0] == len(store.MIGRATIONS)
    early.close()


def test_three_concurrent_imports_wait_for_each_other(tmp_path: Path) -> None:
    files = []
    for number in range(3):
        csv = tmp_path / f"fills-{number}.csv"
        rows = [f"2026-01-{1 + number:02d}T00:00:{i % 60:02d}.{i:06d}Z,BTC{number},buy,1,{100 + i},0"
                for i in range(15000)]
        csv.write_text("ts,symbol,side,qty,price,fee\n" + "\n".join(rows) + "\n")
        files.append(str(csv))
    results = _start_together(IMPORT_AT_ONCE, files)
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "locked" not in result.stderr and "Traceback" not in result.stderr
    con = connect()
    try:
        assert count_fills(con) == 45000
    finally:
        con.close()


@pytest.mark.parametrize(("row", "words"), [
    ("2026-01-01T00:00:00Z,BTC,buy,1e300,100,0", "qty '1e300' is too large"),
    ("2026-01-01T00:00:00Z,BTC,buy,1,100,1e308", "fee '1e308' is too large"),
    ("2026-01-01T00:00:00Z,BTC,buy,1,1e13,0", "price '1e13' is too large"),
    ("2026-01-01T00:00:00Z,BTC,buy,1e9,1e9,0", "qty x price"),
    ("2026-01-01T00:00:00Z,BTC,buy,1e-300,100,0", "too small"),
    ("2026-01-01T00:00:00Z,BTC,buy,1,100,-inf", "fee must be finite"),
    ("2026-01-01T00:00:00Z,BTC,buy,nan,100,0", "qty must be finite"),
])
def test_absurd_numbers_are_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str,
                                                words: str) -> None:
    csv = tmp_path / "fills.csv"
    csv.write_text("ts,symbol,side,qty,price,fee\n" + row + "\n")
    assert main(["journal", "import", str(csv)]) == 2
    err = capsys.readouterr().err
    assert words in err and f"{csv}:2" in err and len(err.strip().splitlines()) == 1
    assert "inf" not in capsys.readouterr().out


def test_fills_built_in_code_are_checked_at_import_too() -> None:
    fill = parse_fill({"ts": "2026-01-01T00:00:00Z", "symbol": "BTC", "side": "buy", "qty": "1", "price": "100"})
    from dataclasses import replace

    con = connect()
    try:
        with pytest.raises(FillError, match="qty '1e\\+300' is too large.*nothing was stored"):
            import_fills(con, [fill, replace(fill, qty=1e300)])
        assert count_fills(con) == 0
    finally:
        con.close()


def _csv(tmp_path: Path, name: str, price: int) -> Path:
    path = tmp_path / name
    path.write_text(f"ts,symbol,side,qty,price,fee\n2026-01-01T00:00:00Z,BTC,buy,1,{price},0\n")
    return path


def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["journal", "import", str(_csv(tmp_path, "first.csv", 100))]) == 0
    capsys.readouterr()
    real_connect = store.connect

    def full_disk(path: Path | None = None) -> sqlite3.Connection:
        con = real_connect(path)
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        con.execute(f"PRAGMA max_page_count={pages}")  # SQLite's own "database or disk is full"
        return con

    monkeypatch.setattr(store, "connect", full_disk)
    rows = "\n".join(f"2026-01-02T00:00:00.{i:06d}Z,ETH,buy,1,{i + 1},0" for i in range(5000))
    big = tmp_path / "big.csv"
    big.write_text("ts,symbol,side,qty,price,fee\n" + rows + "\n")
    assert main(["journal", "import", str(big)]) == 2
    err = capsys.readouterr().err
    assert "the disk is full" in err and "nothing was saved" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    monkeypatch.setattr(store, "connect", real_connect)
    assert main(["journal", "fills", "--count"]) == 0
    assert capsys.readouterr().out.strip() == "1"


def test_an_oserror_from_the_disk_is_words_too() -> None:
    import errno

    with pytest.raises(JournalError, match="the disk is full"), store.journal_errors():
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_damaged_journal_is_one_line_and_left_untouched(capsys: pytest.CaptureFixture[str]) -> None:
    path = journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    garbage = bytes(range(256)) * 40
    path.write_bytes(garbage)
    for argv in (["journal", "fills", "--count"], ["journal", "trades"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "damaged" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert path.read_bytes() == garbage


@pytest.mark.parametrize(("error", "words"), [
    (sqlite3.OperationalError("database is locked"), "another cockpit held the journal"),
    (sqlite3.OperationalError("database or disk is full"), "the disk is full"),
    (sqlite3.DatabaseError("file is not a database"), "damaged"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
    (sqlite3.OperationalError("disk I/O error"), "failed to read or write"),
])
def test_sqlite_errors_in_words(error: sqlite3.Error, words: str) -> None:
    assert words in store.describe(error)


def test_a_synced_trade_with_an_absurd_amount_is_skipped_not_stored() -> None:
    from datetime import UTC, datetime

    from cockpit.sources.live.fills import trades_to_fills

    now = datetime(2026, 3, 10, tzinfo=UTC)
    base = {"timestamp": 1773100000000, "side": "buy", "symbol": "BTC/USDT:USDT", "price": 70000.0, "id": "1"}
    fills, rejected = trades_to_fills([{**base, "amount": 0.5}, {**base, "amount": 1e300, "id": "2"},
                                       {**base, "amount": 1.0, "fee": {"cost": 1e308}, "id": "3"}], "bybit", now)
    assert [f.venue_trade_id for f in fills] == ["1"] and rejected == 2


def test_a_journal_damaged_inside_its_fills_is_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    """The header and schema are intact, so the journal opens; reading the damaged pages fails in words."""
    con = connect()
    import_fills(con, [parse_fill({"ts": f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}Z",
                                   "symbol": "BTC", "side": "buy", "qty": "1", "price": str(100 + i)})
                       for i in range(6000)])
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    path = journal_path()
    data = bytearray(path.read_bytes())
    data[len(data) // 3: len(data) // 3 + 8192] = b"\xab" * 8192
    path.write_bytes(bytes(data))
    for argv in (["journal", "fills", "--count"], ["journal", "trades"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "damaged" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_journal_from_a_newer_cockpit_is_refused_untouched(capsys: pytest.CaptureFixture[str]) -> None:
    path = journal_path()
    connect().close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version=999")
    raw.commit()
    raw.close()
    before = path.read_bytes()
    assert main(["journal", "fills", "--count"]) == 2
    err = capsys.readouterr().err
    assert "journal schema v999 is newer than this cockpit" in err and len(err.strip().splitlines()) == 1
    assert path.read_bytes() == before


def test_a_writer_held_up_past_the_busy_timeout_gets_one_line_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    connect().close()
    holder = sqlite3.connect(journal_path(), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another cockpit in the middle of a long import
    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.2)
    try:
        assert main(["journal", "import", str(_csv(tmp_path, "fills.csv", 100))]) == 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert "another cockpit held the journal" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert main(["journal", "import", str(_csv(tmp_path, "fills.csv", 100))]) == 0  # free again: it goes in
