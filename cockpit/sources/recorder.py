"""Record what a source delivered (`--record DIR`) and read it back for `--replay DIR` / `--data DIR`.

A recording folder holds bar parts in the canonical long form (`bars-000001.parquet`, only rows that were
new or changed at that poll) plus `polls.jsonl`, one line per delivered state: its as_of, kind, label,
health and data quality. Replaying at a recorded as_of rebuilds exactly the bars known then, so a replayed
snapshot equals the recorded one. Error texts are scrubbed of secrets before they are written.

A recording that fails (disk full) stops alone: the source keeps delivering and says so in its health.
A `polls.jsonl` whose last line was torn (power cut, full disk) keeps every complete line and can be
appended to.
"""

from __future__ import annotations

import errno
import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.errors import DataError, UserError
from cockpit.models import DataQuality, MarketState, SourceHealth, SourceKind
from cockpit.redaction import redact

if TYPE_CHECKING:
    import polars as pl

    from cockpit.sources.base import Source

POLLS_FILE = "polls.jsonl"
PART_PATTERN = "bars-{:06d}.parquet"
RECORDING_HEALTH = "recording"
_ERRNO_WORDS = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded", errno.EFBIG: "file too large",
                errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
                errno.EPERM: "permission denied", errno.EIO: "disk input/output error"}


@dataclass(frozen=True, slots=True)
class RecordedPoll:
    """One delivered state's metadata; its bars are the parts up to `seq`."""

    seq: int
    as_of: datetime
    kind: str
    label: str
    health: tuple[SourceHealth, ...]
    quality: DataQuality
    part: str | None = None


def _poll_line(seq: int, state: MarketState, part: str | None) -> str:
    health = [{**asdict(h), "error": redact(h.error) if h.error else None} for h in state.health]
    payload = {"seq": seq, "as_of": state.as_of.isoformat(), "kind": state.kind.value, "label": state.label,
               "part": part, "health": health, "quality": {**asdict(state.quality),
                                                           "missing_roles": list(state.quality.missing_roles)}}
    return json.dumps(payload, separators=(",", ":")) + "\n"


def _parse_poll(line: str, where: str) -> RecordedPoll:
    try:
        raw = json.loads(line)
        quality = dict(raw["quality"])
        quality["missing_roles"] = tuple(quality.get("missing_roles", ()))
        part = raw.get("part")
        return RecordedPoll(int(raw["seq"]), datetime.fromisoformat(raw["as_of"]), str(raw["kind"]),
                            str(raw.get("label", "")), tuple(SourceHealth(**h) for h in raw["health"]),
                            DataQuality(**quality), str(part) if part else None)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(f"{where}: not a recording line ({exc})") from None


def read_polls(path: Path) -> tuple[list[RecordedPoll], int]:
    """Every complete line of `polls.jsonl`, and the byte length they span.

    A last line cut short (no newline, not valid) is a torn write and is left out; any other bad line is a
    DataError naming its line number.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    lines = raw.split(b"\n")
    polls: list[RecordedPoll] = []
    kept = 0
    for number, line in enumerate(lines, start=1):
        last = number == len(lines)
        if line.strip():
            try:
                polls.append(_parse_poll(line.decode("utf-8"), f"{path}:{number}"))
            except (DataError, UnicodeDecodeError) as exc:
                if last:  # torn tail: keep what came before it
                    break
                raise DataError(str(exc) if isinstance(exc, DataError) else f"{path}:{number}: not UTF-8") from None
        kept += len(line) + (0 if last else 1)
    return polls, kept


def stop_reason(exc: BaseException) -> str:
    """Why a write failed, in a few words ('disk full')."""
    if isinstance(exc, OSError) and exc.errno in _ERRNO_WORDS:
        return _ERRNO_WORDS[exc.errno]
    text = str(exc)
    if "No space left" in text:
        return "disk full"
    if "Disk quota" in text:
        return "disk quota exceeded"
    first = (text.splitlines() or [type(exc).__name__])[0]
    return redact(first[:100])


class Recording:
    """A recording folder read back: bars as known at each recorded poll."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        where = str(folder / POLLS_FILE)
        self.polls, self.complete_bytes = read_polls(folder / POLLS_FILE)
        if not self.polls:
            raise DataError(f"{where}: the recording holds no polls")
        self._cache: tuple[int, Any] | None = None

    @property
    def first_as_of(self) -> datetime:
        """When recording began."""
        return self.polls[0].as_of

    @property
    def last_as_of(self) -> datetime:
        """The last recorded moment."""
        return self.polls[-1].as_of

    def poll_at(self, at: datetime) -> RecordedPoll:
        """The newest poll recorded at or before `at` (the first one before the recording began)."""
        chosen = self.polls[0]
        for poll in self.polls:
            if poll.as_of <= at:
                chosen = poll
        return chosen

    def bars_upto(self, seq: int) -> pl.DataFrame:
        """Every bar delivered by poll `seq`, later deliveries of a bar replacing earlier ones."""
        import polars as pl

        from cockpit.analytics.bars import clean_bars, conform, empty_bars

        done, bars = (0, empty_bars()) if self._cache is None or self._cache[0] > seq else self._cache
        if done == seq:
            known: pl.DataFrame = bars
            return known
        parts = [self.folder / poll.part for poll in self.polls if done < poll.seq <= seq and poll.part]
        try:
            frames = [conform(pl.read_parquet(p)) for p in parts if p.exists()]  # only the parts not yet read
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise DataError(f"{self.folder}: a bar part is unreadable ({stop_reason(exc)})") from None
        if frames:
            bars = clean_bars(pl.concat([bars, *frames], how="vertical"))[0]
        self._cache = (seq, bars)
        return bars

    def state_at(self, at: datetime, kind: SourceKind) -> MarketState:
        """The state as recorded at the newest poll by `at`, with ages moved on to `at`."""
        import polars as pl

        poll = self.poll_at(at)
        bars = self.bars_upto(poll.seq).filter(pl.col("ts") <= at - timedelta(hours=1))
        late = max(0.0, (at - poll.as_of).total_seconds())
        health = tuple(replace(h, age_s=None if h.age_s is None else h.age_s + late) for h in poll.health)
        return MarketState(kind, at, bars, health, poll.quality, label=poll.label)


def load_recording(path: Path) -> Recording | None:
    """The recording at `path`, or None when it is a plain bar file or folder."""
    if path.is_dir() and (path / POLLS_FILE).exists():
        return Recording(path)
    return None


class RecordingSource:
    """Wraps a source; every state it delivers is appended to `folder`. Transparent to callers."""

    def __init__(self, inner: Source, folder: Path) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "folder", folder)
        object.__setattr__(self, "_seq", 0)
        object.__setattr__(self, "_seen", None)
        object.__setattr__(self, "stopped", None)
        self._open()

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        """isinstance checks see the wrapped source (the simulator stays a simulator)."""
        return type(object.__getattribute__(self, "_inner"))

    def __getattr__(self, name: str) -> Any:
        return getattr(object.__getattribute__(self, "_inner"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(object.__getattribute__(self, "_inner"), name, value)

    def _open(self) -> None:
        import polars as pl

        folder: Path = object.__getattribute__(self, "folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"--record {folder}: cannot create the folder ({exc.strerror})") from None
        if folder.exists() and any(folder.iterdir()) and not (folder / POLLS_FILE).exists():
            raise UserError(f"--record {folder}: folder is not empty and is not a recording")
        seq = 0
        seen = pl.Series("hash", [], dtype=pl.UInt64)
        polls_file = folder / POLLS_FILE
        if polls_file.exists():
            polls, complete = read_polls(polls_file)
            try:
                if complete < polls_file.stat().st_size:  # drop a torn tail before appending
                    os.truncate(polls_file, complete)
                _end_with_newline(polls_file)
            except OSError as exc:
                raise UserError(f"--record {folder}: cannot append to the recording ({stop_reason(exc)})") from None
            if polls:
                recording = Recording(folder)
                seq = recording.polls[-1].seq
                seen = recording.bars_upto(seq).hash_rows()
        object.__setattr__(self, "_seq", seq)
        object.__setattr__(self, "_seen", seen)

    def record(self, state: MarketState) -> None:
        """Append the new or changed bars of `state` and one metadata line."""
        import polars as pl

        from cockpit.analytics.bars import conform

        folder: Path = object.__getattribute__(self, "folder")
        seq = object.__getattribute__(self, "_seq") + 1
        seen: pl.Series = object.__getattribute__(self, "_seen")
        bars = conform(state.bars)
        hashes = bars.hash_rows()
        fresh = bars.filter(~hashes.is_in(seen.implode()))
        part = None
        if fresh.height:
            part = PART_PATTERN.format(seq)
            fresh.write_parquet(folder / part)
            # one chunk: a series grown by many small concats keeps every chunk and its memory alive
            seen = pl.concat([seen, hashes.filter(~hashes.is_in(seen.implode()))], rechunk=True)
        polls_file = folder / POLLS_FILE
        size = polls_file.stat().st_size if polls_file.exists() else 0
        try:
            with polls_file.open("a", encoding="utf-8") as handle:
                handle.write(_poll_line(seq, state, part))
        except OSError:
            try:  # leave no half line behind
                os.truncate(polls_file, size)
            except OSError:
                pass
            raise
        object.__setattr__(self, "_seq", seq)
        object.__setattr__(self, "_seen", seen)

    def _keep(self, state: MarketState) -> MarketState:
        """Record `state`; a failed write stops the recording alone and the state says so in its health."""
        import polars as pl

        stopped: str | None = object.__getattribute__(self, "stopped")
        if stopped is None:
            try:
                self.record(state)
                return state
            except (OSError, pl.exceptions.PolarsError) as exc:
                folder = object.__getattribute__(self, "folder")
                stopped = f"recording stopped: {stop_reason(exc)} ({folder})"
                object.__setattr__(self, "stopped", stopped)
        note = SourceHealth(RECORDING_HEALTH, None, False, stopped, "disabled")
        return replace(state, health=(*state.health, note))

    def poll(self) -> MarketState:
        """Poll the wrapped source and record what it delivered."""
        return self._keep(object.__getattribute__(self, "_inner").poll())

    def state_at(self, at: datetime) -> MarketState:
        """A clocked source's state at `at`, recorded too (e.g. `snapshot --every`)."""
        return self._keep(object.__getattribute__(self, "_inner").state_at(at))

    def close(self) -> None:
        """Close the wrapped source."""
        object.__getattribute__(self, "_inner").close()


def _end_with_newline(path: Path) -> None:
    with path.open("rb+") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() == 0:
            return
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) != b"\n":
            handle.write(b"\n")


def wrap_for_recording(source: Source, folder: str | Path | None) -> Source:
    """`source` wrapped in a recorder when a folder is given (the `--record DIR` flag)."""
    if not folder:
        return source
    return RecordingSource(source, Path(folder).expanduser())
