"""The last figures a live screen showed, kept in the data folder so that the next start draws them at once.

After each evaluation of a live source the feed's worker keeps the judged snapshot (without its span
window's past hours) in `cache/screen-<profile>.json`, written whole or not at all. The next start reads it
right after the first frame, before any source is built and before polars is imported, and shows it as
`cockpit.snapshot.last_figures` makes it: every age true at that moment, each source STALE once past its
limit, the regime, flags and outlook waiting for the span window to be judged. The bars' own cache and the
network follow at once and replace it. A file that cannot be read, or that was kept for another universe,
profile or schema, is ignored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import TYPE_CHECKING

from cockpit.files import write_text_atomic
from cockpit.models import SCHEMA_VERSION, Snapshot, SourceKind, from_plain, to_plain

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from cockpit.kinds import ProfileName
    from cockpit.settings import Profile
    from cockpit.universe import Universe

VERSION = 1
NOTE = "last session's figures"


def figures_path(folder: Path, profile: ProfileName) -> Path:
    """Where the last figures of `profile` are kept."""
    return folder / f"screen-{profile.value}.json"


def universe_key(universe: Universe) -> str:
    """A short fingerprint of the universe the figures were computed for."""
    return hashlib.sha256(repr(universe).encode()).hexdigest()[:16]


def keep_figures(folder: Path, snap: Snapshot, universe: Universe) -> Path:
    """Write `snap` (without its past hours) as the last figures of its profile; replaces the file whole."""
    payload = {"version": VERSION, "schema": SCHEMA_VERSION, "universe": universe_key(universe),
               "snapshot": to_plain(replace(snap, history=()))}
    folder.mkdir(parents=True, exist_ok=True)
    path = figures_path(folder, snap.profile)
    write_text_atomic(path, json.dumps(payload, separators=(",", ":")))
    return path


def read_figures(folder: Path, profile: Profile, universe: Universe) -> Snapshot | None:
    """The kept snapshot of `profile` as it was judged, or None when there is none that fits."""
    try:
        payload = json.loads(figures_path(folder, profile.name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("version") != VERSION \
            or payload.get("schema") != SCHEMA_VERSION or payload.get("universe") != universe_key(universe):
        return None
    try:
        snap = from_plain(Snapshot, payload["snapshot"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if not isinstance(snap, Snapshot) or snap.profile is not profile.name or snap.source is not SourceKind.LIVE:
        return None
    return snap


def last_figures_at(folder: Path, profile: Profile, universe: Universe, now: datetime) -> Snapshot | None:
    """The kept figures of `profile` as they stand at `now` (a preview), or None."""
    from cockpit.snapshot import last_figures

    snap = read_figures(folder, profile, universe)
    return None if snap is None else last_figures(snap, profile, now, NOTE)
