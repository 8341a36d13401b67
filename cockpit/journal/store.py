"""The journal's SQLite connection: WAL, synchronous=FULL, explicit transactions, user_version migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cockpit.errors import UserError
from cockpit.journal.schema import MIGRATIONS

JOURNAL_FILE = "journal.sqlite3"
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


def connect(path: Path | None = None) -> sqlite3.Connection:
    """Open (creating and migrating as needed) the journal; a damaged or newer file is a UserError."""
    path = path or journal_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if path.parent.exists() and not path.parent.is_dir():
            raise UserError(f"{path.parent}: is a file, not a folder (COCKPIT_DATA names the data folder)") from None
        raise UserError(f"{path.parent}: cannot create the data folder ({exc.strerror or exc})") from None
    try:
        con = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA foreign_keys=ON")
        migrate(con, path)
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{path}: journal cannot be opened ({exc})") from None
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


def migrate(con: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to the newest version, one transaction per migration."""
    version = int(con.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise UserError(f"{path}: journal schema v{version} is newer than this cockpit (v{len(MIGRATIONS)})")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(con):
            for statement in script.split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute(f"PRAGMA user_version={number}")


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (all or nothing)."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
