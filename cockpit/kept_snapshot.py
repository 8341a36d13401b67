"""A snapshot kept in a file for the next start (the live screen's last figures, the simulator's first ones).

The file is the snapshot's JSON form (`models.to_plain`) without its span window's past hours, beside a
header of what it was kept for, written whole or not at all. It reads back through the records' own types
only when every field of the header (and the records' schema) matches; anything else, a file cut short or
not there, reads as None.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from cockpit.files import write_text_atomic
from cockpit.models import SCHEMA_VERSION, Snapshot, from_plain, to_plain

if TYPE_CHECKING:
    from pathlib import Path


def keep_snapshot(path: Path, header: Mapping[str, object], snap: Snapshot) -> Path:
    """Write `snap` (without its past hours) under `header` at `path`; replaces the file whole."""
    payload = {**header, "schema": SCHEMA_VERSION, "snapshot": to_plain(replace(snap, history=()))}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(payload, separators=(",", ":")))
    return path


def read_snapshot(path: Path, header: Mapping[str, object]) -> Snapshot | None:
    """The snapshot kept at `path` under `header`, or None when there is none that fits."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("schema") != SCHEMA_VERSION \
            or any(payload.get(name) != value for name, value in header.items()):
        return None
    try:
        snap = from_plain(Snapshot, payload["snapshot"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return snap if isinstance(snap, Snapshot) else None
