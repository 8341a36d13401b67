"""The flag log (SPEC §13): every flag span, kept in the data folder so it survives a restart.

The log stores spans, it never decides them: spans come from the evaluation (`cockpit.causes.flag_spans`).
A span is keyed by (source, label, flag id, since); writing the same span again updates its end, its peak
severity and the evidence at that peak. Acknowledgement (`a` on the screen) is the only thing a user adds.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from cockpit.causes import FlagSpan
from cockpit.errors import UserError
from cockpit.journal.store import from_db_time, to_db_time, transaction
from cockpit.models import FlagId, Severity, to_plain

FLAG_LOG_FILE = "flags.sqlite3"
_RANK = "CASE {} WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END"
_HIGHER = f"{_RANK.format('excluded.severity')} > {_RANK.format('flag_spans.severity')}"  # escalation keeps the peak
SCHEMA = """
CREATE TABLE IF NOT EXISTS flag_spans (
    source TEXT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    id TEXT NOT NULL,
    since TEXT NOT NULL,
    until TEXT,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '{}',
    acknowledged INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, label, id, since)
);
CREATE INDEX IF NOT EXISTS flag_spans_since ON flag_spans (source, label, since);
"""


def flag_log_path(data_dir: Path | None = None) -> Path:
    """The flag log file in the data folder (`COCKPIT_DATA` overrides the folder)."""
    if data_dir is None:
        from cockpit.config import data_dir as default_data_dir

        data_dir = default_data_dir()
    return data_dir / FLAG_LOG_FILE


class FlagLog:
    """Spans of one source (and scenario label) in SQLite: WAL, one transaction per write."""

    def __init__(self, path: Path | None = None, *, source: str = "live", label: str = "") -> None:
        self.path = path or flag_log_path()
        self.source, self.label = source, label
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = sqlite3.connect(self.path, isolation_level=None, timeout=10.0, check_same_thread=False)
            self._con.execute("PRAGMA journal_mode=WAL")
            self._con.execute("PRAGMA synchronous=NORMAL")
            self._con.executescript(SCHEMA)  # IF NOT EXISTS: safe when two cockpits open it at once
        except (OSError, sqlite3.Error) as exc:
            raise UserError(f"{self.path}: the flag log cannot be opened ({exc})") from None
        self._written: dict[tuple[str, str], tuple[str | None, ...]] = {}  # the last write's rows, by (id, since)

    def close(self) -> None:
        """Close the file."""
        self._con.close()

    def write(self, spans: Iterable[FlagSpan]) -> int:
        """Insert or update each span; returns how many were written.

        A span exactly as this log wrote it last time is not written again: a screen tells the same week at
        every poll, and only the spans that moved (an end, a message, a peak) change the file.
        """
        current: dict[tuple[str, str], tuple[str | None, ...]] = {(row[2], row[3]): row for row in (
            (self.source, self.label, s.id.value, to_db_time(s.since), None if s.until is None else to_db_time(s.until),
             s.severity.value, s.message, json.dumps(to_plain(s.evidence), separators=(",", ":"))) for s in spans)}
        rows = [row for key, row in current.items() if self._written.get(key) != row]
        if not rows:
            self._written = current
            return 0
        try:
            with transaction(self._con):
                # a span seen from further back starts earlier: the rows that dated it later are the same span
                self._con.executemany(
                    "DELETE FROM flag_spans WHERE source = ? AND label = ? AND id = ? AND since > ?"
                    " AND (? IS NULL OR since < ?)",
                    [(r[0], r[1], r[2], r[3], r[4], r[4]) for r in rows],
                )
                self._con.executemany(
                    f"""INSERT INTO flag_spans (source, label, id, since, until, severity, message, evidence)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (source, label, id, since) DO UPDATE SET
                         until = excluded.until,
                         severity = CASE WHEN {_HIGHER} THEN excluded.severity ELSE severity END,
                         message = CASE WHEN {_HIGHER} THEN excluded.message ELSE message END,
                         evidence = CASE WHEN {_HIGHER} THEN excluded.evidence ELSE evidence END""",  # noqa: S608
                    rows,
                )
        except sqlite3.Error as exc:
            self._written = {}  # nothing is known to be in the file: the next write writes every span
            raise UserError(f"{self.path}: the flag log cannot be written ({exc})") from None
        self._written = current  # bounded: the spans of the last write only
        return len(rows)

    def spans(self, since: datetime | None = None, until: datetime | None = None) -> list[FlagSpan]:
        """Spans active at any time after `since` (and starting before `until`), oldest first."""
        query = "SELECT id, since, until, severity, message, evidence FROM flag_spans WHERE source = ? AND label = ?"
        params: list[str] = [self.source, self.label]
        if since is not None:
            query += " AND (until IS NULL OR until >= ?)"
            params.append(to_db_time(since))
        if until is not None:
            query += " AND since <= ?"
            params.append(to_db_time(until))
        rows = self._con.execute(query + " ORDER BY since, id", params).fetchall()
        out = []
        for flag_id, start, end, severity, message, evidence in rows:
            try:
                fid = FlagId(flag_id)
            except ValueError:
                continue  # a flag this version does not know: kept in the file, not shown
            out.append(FlagSpan(fid, from_db_time(start), None if end is None else from_db_time(end),
                                Severity(severity), message, json.loads(evidence)))
        return out

    def acknowledged_spans(self) -> frozenset[tuple[str, datetime]]:
        """(flag id, since) of every acknowledged span."""
        rows = self._con.execute(
            "SELECT id, since FROM flag_spans WHERE source = ? AND label = ? AND acknowledged = 1",
            (self.source, self.label),
        ).fetchall()
        return frozenset((flag_id, from_db_time(start)) for flag_id, start in rows)

    def acknowledged(self) -> dict[tuple[str, str], bool]:
        """(flag id, since as JSON text) -> acknowledged, for every acknowledged span (the JSON's keys)."""
        return {(flag_id, str(to_plain(since))): True for flag_id, since in self.acknowledged_spans()}

    def acknowledge(self, flag_id: str, since: datetime) -> bool:
        """Mark one span acknowledged; False when there is no such span."""
        with transaction(self._con):
            cursor = self._con.execute(
                "UPDATE flag_spans SET acknowledged = 1 WHERE source = ? AND label = ? AND id = ? AND since = ?",
                (self.source, self.label, flag_id, to_db_time(since)),
            )
        return cursor.rowcount > 0


def read_log(source: str, label: str, as_of: datetime, data_dir: Path | None = None
             ) -> tuple[list[FlagSpan], dict[tuple[str, str], bool]]:
    """The week's logged spans before `as_of` and the acknowledgements, read only (no file: nothing logged).

    A one-shot evaluation reads the log but never writes it: the screen, `watch`, `flags` and `brief` do.
    """
    from datetime import timedelta

    path = flag_log_path(data_dir)
    if not path.is_file():
        return [], {}
    try:
        log = FlagLog(path, source=source, label=label)
    except UserError:
        return [], {}
    try:
        return log.spans(since=as_of - timedelta(days=7), until=as_of), log.acknowledged()
    except sqlite3.Error:
        return [], {}
    finally:
        log.close()
