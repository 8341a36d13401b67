"""The simulator's first figures, kept by what decides them, so that the next demo start draws them at once.

A simulated market is a function of its scenario, seed and start offset: the first judged snapshot of
`cockpit --demo --at 36h` is the same at every start with the same universe, profile and code. Computing it
takes the simulator's bars (polars) and a judged evaluation of the span window, a second or more after the
first frame. So the feed's worker keeps that first snapshot (without its span window's past hours) in
`cache/start-<profile>.json` with the key of everything it was computed from, and the next start with the
same key shows it right after the first frame, before the source is built; the source's own first snapshot
follows and replaces it. The key covers the scenario's definition, the seed, the offset, the universe, the
profile's settings, the cockpit's files (size and modification time of each) and the versions of numpy and
polars. A kept snapshot is shown only when its moment is in the clock hour the simulator starts in (the bars
it saw are the start's). A file that cannot be read, or that holds another key, is ignored and replaced.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.kept_snapshot import keep_snapshot, read_snapshot
from cockpit.models import Snapshot, SourceKind

if TYPE_CHECKING:
    from cockpit.kinds import ProfileName
    from cockpit.settings import Profile
    from cockpit.universe import Universe

VERSION = 1
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class StartFigures:
    """Where a simulated start's first figures are kept, and what decides them besides profile and universe."""

    folder: Path
    market: str  # the scenario's definition, the seed and the start offset
    start: datetime  # the simulated moment the clock starts at
    speed: float  # the clock's speed (not in the key: it moves the first poll by simulated seconds only)

    def path(self, profile: ProfileName) -> Path:
        """The file of `profile`'s first figures."""
        return self.folder / f"start-{profile.value}.json"

    def key(self, profile: Profile, universe: Universe) -> str:
        """The key of the first snapshot of `profile` over `universe`."""
        text = "\n".join((self.market, canonical(profile), canonical(universe), code_fingerprint()))
        return hashlib.sha256(text.encode()).hexdigest()


def canonical(value: object) -> str:
    """`value` as text that is the same in every process: a set's members sorted (a set's repr follows the
    process's string hashing), a record's fields and a mapping's items in a fixed order."""
    if is_dataclass(value) and not isinstance(value, type):
        fields_ = ", ".join(f"{f.name}={canonical(getattr(value, f.name))}" for f in fields(value))
        return f"{type(value).__name__}({fields_})"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(canonical(v) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(sorted(f"{canonical(k)}: {canonical(v)}" for k, v in value.items())) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(canonical(v) for v in value) + "]"
    return repr(value)


def simulated_start(folder: Path, scenario: object, seed: int, offset: timedelta, start: datetime,
                    speed: float) -> StartFigures:
    """The start figures of a simulator on `scenario` (its whole definition is part of the key)."""
    market = f"{canonical(scenario)}\nseed={seed}\noffset={offset.total_seconds():.0f}"
    return StartFigures(folder, market, start, speed)


@cache
def code_fingerprint() -> str:
    """The cockpit's files (path, size, modification time) and the versions of the libraries behind its figures."""
    import cockpit

    rows: list[str] = []
    root = os.path.dirname(cockpit.__file__)

    def walk(folder: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        walk(entry.path)
                elif not entry.name.endswith(".pyc"):
                    stat = entry.stat()
                    rows.append(f"{os.path.relpath(entry.path, root)}:{stat.st_size}:{stat.st_mtime_ns}")

    walk(root)
    rows.sort()
    rows.extend(_library(name) for name in ("numpy", "polars"))
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def _library(name: str) -> str:
    """A library's version as its installed files say it (without importing it)."""
    from importlib.util import find_spec

    spec = find_spec(name)
    origin = spec.origin if spec is not None else None
    if origin is None:
        return f"{name}:-"
    stat = os.stat(origin)
    return f"{name}:{origin}:{stat.st_size}:{stat.st_mtime_ns}"


def keep_start_figures(start: StartFigures, snap: Snapshot, key: str) -> Path:
    """Write `snap` (without its past hours) as the first figures of its profile under `key`; whole or not at all."""
    return keep_snapshot(start.path(snap.profile), {"version": VERSION, "key": key}, snap)


def read_start_figures(start: StartFigures, profile: Profile, key: str) -> Snapshot | None:
    """The kept first snapshot of `profile` under `key`, or None when there is none that fits."""
    snap = read_snapshot(start.path(profile.name), {"version": VERSION, "key": key})
    if snap is None or snap.profile is not profile.name or snap.source is not SourceKind.DEMO \
            or not snap.judged or not start.start <= snap.as_of < _hour_after(start.start):
        return None
    return snap


def _hour_after(moment: datetime) -> datetime:
    """The start of the clock hour after `moment`."""
    return moment.replace(minute=0, second=0, microsecond=0) + HOUR
