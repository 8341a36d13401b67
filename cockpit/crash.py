"""Crash reports: an unexpected exception's traceback written to the data folder, secrets masked.

The report has the traceback without local variables (where a key would show) and every known secret
value replaced by the mask (`cockpit.redaction.redact`); the one line that says where it is never carries
more than the exception's type and message, masked the same way.
"""

from __future__ import annotations

import platform
import sys
import traceback
from datetime import datetime
from pathlib import Path

from cockpit import __version__
from cockpit.redaction import redact

CRASH_PREFIX = "crash-"
MESSAGE_CHARS = 200  # the one-line summary keeps the exception message this short


def summary(error: BaseException) -> str:
    """`KeyError: 'rate'`: the exception in one short line, secrets masked."""
    text = " ".join(str(error).split())
    if len(text) > MESSAGE_CHARS:
        text = text[: MESSAGE_CHARS - 1] + "…"
    return redact(f"{type(error).__name__}: {text}" if text else type(error).__name__)


def report_text(error: BaseException, at: datetime) -> str:
    """The whole report: when, which versions, and the traceback (chained causes included), masked."""
    lines = [
        f"cockpit {__version__} crash report",
        f"time: {at.isoformat()}",
        f"python: {sys.version.split()[0]} on {platform.system()} {platform.release()}",
        f"error: {summary(error)}",
        "",
        *traceback.format_exception(type(error), error, error.__traceback__),
    ]
    return redact("\n".join(line.rstrip("\n") for line in lines) + "\n")


def write_crash_report(error: BaseException, folder: Path, at: datetime) -> Path:
    """Write the report into `folder` (created if needed) and return its path; OSError if the disk refuses."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{CRASH_PREFIX}{at:%Y%m%d-%H%M%S-%f}"
    path = folder / f"{stem}.txt"
    number = 1
    while path.exists():
        number += 1
        path = folder / f"{stem}-{number}.txt"
    path.write_text(report_text(error, at), encoding="utf-8")
    return path


def crash_line(error: BaseException, path: Path | None, problem: str | None = None) -> str:
    """The one line the trader sees: what happened and where the report is (or why there is none)."""
    where = f"report: {path}" if path is not None else f"no report written ({problem or 'unknown reason'})"
    return f"unexpected error ({summary(error)}); {where}"
