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
from typing import TYPE_CHECKING

from cockpit.kept_snapshot import keep_snapshot, read_snapshot
from cockpit.models import Snapshot, SourceKind

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
    return keep_snapshot(figures_path(folder, snap.profile), _header(universe), snap)


def read_figures(folder: Path, profile: Profile, universe: Universe) -> Snapshot | None:
    """The kept snapshot of `profile` as it was judged, or None when there is none that fits."""
    snap = read_snapshot(figures_path(folder, profile.name), _header(universe))
    if snap is None or snap.profile is not profile.name or snap.source is not SourceKind.LIVE:
        return None
    return snap


def _header(universe: Universe) -> dict[str, object]:
    return {"version": VERSION, "universe": universe_key(universe)}


def last_figures_at(folder: Path, profile: Profile, universe: Universe, now: datetime) -> Snapshot | None:
    """The kept figures of `profile` as they stand at `now` (a preview), or None."""
    from cockpit.snapshot import last_figures

    snap = read_figures(folder, profile, universe)
    return None if snap is None else last_figures(snap, profile, now, NOTE)
