"""The journal's SQLite connection: WAL, synchronous=FULL, explicit transactions, user_version migrations."""

from __future__ import annotations

import errno
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cockpit.errors import UserError
from cockpit.journal.schema import MIGRATIONS

JOURNAL_FILE = "journal.sqlite3"
BUSY_TIMEOUT_S = 30.0  # a writer waits this long for another process's transaction before giving up
DB_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # how stored times parse back; written zero-padded by `to_db_time`


def to_db_time(moment: datetime) -> str:
    """An aware datetime as the journal's fixed-width UTC text (year zero-padded: text order is time order)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the journal stores UTC only")
    utc = moment.astimezone(UTC)
    return (f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"
            f".{utc.microsecond:06d}Z")


def from_db_time(text: str) -> datetime:
    """The journal's UTC text back to an aware datetime."""
    return datetime.strptime(text, DB_TIME_FORMAT).replace(tzinfo=UTC)


def journal_path(data_dir: Path | None = None) -> Path:
    """The journal file in the data folder (`COCKPIT_DATA` overrides the folder)."""
    if data_dir is None:
        from cockpit.config import data_dir as default_data_dir

        data_dir = default_data_dir()
    return data_dir / JOURNAL_FILE


class JournalError(UserError):
    """The journal cannot be used right now (disk full, busy, damaged, read-only): one line in words.

    Raised only after the transaction was rolled back, so nothing half-written is left behind.
    """


def describe(exc: sqlite3.Error, path: Path | None = None) -> str:
    """A SQLite error in words: what happened to the journal and what the trader can do about it."""
    where = f"{path}: " if path is not None else "journal: "
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    lowered = text.lower()
    if name.startswith("SQLITE_FULL") or "disk is full" in lowered:
        return f"{where}the disk is full: nothing was saved and the journal is unchanged; free some space and retry"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in lowered:
        return (f"{where}another cockpit held the journal for more than {BUSY_TIMEOUT_S:.0f} s: nothing was "
                "saved; retry when it is done")
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")) or "not a database" in lowered or "malformed" in lowered:
        return (f"{where}the journal file is damaged ({text}); it was left as it is: move it aside to start "
                "a new one, or restore a backup")
    if name.startswith("SQLITE_READONLY") or "readonly" in lowered or "read-only" in lowered:
        return f"{where}the journal is read-only here: nothing was saved; check the folder's permissions"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in lowered:
        return f"{where}the journal cannot be opened: check that the data folder exists and is writable"
    if name.startswith("SQLITE_IOERR") or "disk i/o" in lowered:
        return f"{where}the disk failed to read or write the journal ({text}): nothing was saved"
    return f"{where}journal error ({text})"


@contextmanager
def journal_errors(path: Path | None = None) -> Iterator[None]:
    """Turn SQLite's errors and the disk's OSErrors into one JournalError line."""
    try:
        yield
    except sqlite3.Error as exc:
        raise JournalError(describe(exc, path)) from None
    except OSError as exc:
        where = f"{path}: " if path is not None else "journal: "
        if exc.errno == errno.ENOSPC:
            raise JournalError(f"{where}the disk is full: nothing was saved; free some space and retry") from None
        raise JournalError(f"{where}{exc.strerror or exc}") from None


def connect(path: Path | None = None) -> sqlite3.Connection:
    """Open (creating and migrating as needed) the journal; a damaged, busy or newer file is a UserError."""
    path = path or journal_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if path.parent.exists() and not path.parent.is_dir():
            raise UserError(f"{path.parent}: is a file, not a folder (COCKPIT_DATA names the data folder)") from None
        raise UserError(f"{path.parent}: cannot create the data folder ({exc.strerror or exc})") from None
    con: sqlite3.Connection | None = None
    try:
        with journal_errors(path):
            con = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
            con.row_factory = sqlite3.Row
            con.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            _use_wal(con)
            con.execute("PRAGMA synchronous=FULL")
            con.execute("PRAGMA foreign_keys=ON")
            migrate(con, path)
    except BaseException:
        if con is not None:
            con.close()
        raise
    assert con is not None
    return con


def connect_readonly(path: Path | None = None) -> sqlite3.Connection | None:
    """Open the journal for reading only: nothing is created, migrated or written; None when there is none yet."""
    path = path or journal_path()
    if not path.is_file():
        return None
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
        con.row_factory = sqlite3.Row
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{path}: journal cannot be opened ({exc})") from None
    if version != len(MIGRATIONS):
        con.close()
        newer = "newer than this cockpit" if version > len(MIGRATIONS) else "older: open the cockpit once to upgrade it"
        raise UserError(f"{path}: journal schema v{version} is {newer} (this cockpit reads v{len(MIGRATIONS)})")
    return con


def _use_wal(con: sqlite3.Connection) -> None:
    """Switch to WAL; SQLite answers a switch that meets another opener with SQLITE_BUSY at once, so wait here."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.005
    while True:
        try:
            if str(con.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                con.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = (getattr(exc, "sqlite_errorname", "") or "").startswith("SQLITE_BUSY") or "locked" in str(exc)
            if not busy or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def migrate(con: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to the newest version, one transaction per migration.

    The version is read inside each BEGIN IMMEDIATE, so of several processes opening a new journal at once
    one migrates and the others wait for it, then find nothing left to do.
    """
    newest = len(MIGRATIONS)
    if int(con.execute("PRAGMA user_version").fetchone()[0]) == newest:
        return  # up to date: no write lock needed (a read-only journal still opens)
    while True:
        with transaction(con):
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
            if version > newest:
                raise UserError(f"{path}: journal schema v{version} is newer than this cockpit (v{newest})")
            if version == newest:
                return
            for statement in MIGRATIONS[version].split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute(f"PRAGMA user_version={version + 1}")


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (all or nothing).

    SQLite may already have rolled back by itself (disk full, I/O error), so ROLLBACK only when still open.
    """
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
