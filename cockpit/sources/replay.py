"""Bring-your-own data and replay (SPEC §9): Parquet or CSV 1h bars in long form, one file or a folder.

Bars are validated and cleaned at this boundary: a file that is not bar data is a DataError naming the
file and the missing column; dirty rows are dropped and counted in `data_quality`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from cockpit.analytics.bars import REQUIRED_COLUMNS, TS_TYPE, clean_bars, empty_bars
from cockpit.errors import DataError
from cockpit.models import DataQuality, MarketState, SourceHealth, SourceKind

BAR_SUFFIXES = (".parquet", ".csv")
EPOCH_S_MAX = 4_102_444_800  # 2100-01-01
EPOCH_MS_FROM = 1e11  # epoch values above this are milliseconds (1e11 s is the year 5138)
MAX_BAR_BYTES = 1_000_000_000  # 1 GB of bar files: a decade of hourly bars for hundreds of symbols fits well below


def _size_words(nbytes: int) -> str:
    return f"{nbytes / 1e9:.1f} GB" if nbytes >= 1e9 else f"{nbytes / 1e6:.0f} MB"


def _check_size(path: Path) -> int:
    """The file's size; a file too large to load, or mostly holes (sparse), is a DataError before reading."""
    try:
        info = path.stat()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    if info.st_size > MAX_BAR_BYTES:
        raise DataError(f"{path}: {_size_words(info.st_size)} is too large for bar data "
                        f"(at most {_size_words(MAX_BAR_BYTES)}; split it or trim it to the symbols in use)")
    allocated = getattr(info, "st_blocks", None)
    if allocated is not None and info.st_size > (1 << 20) and allocated * 512 < info.st_size // 8:
        raise DataError(f"{path}: a sparse file ({_size_words(info.st_size)}, mostly empty space): not bar data")
    return info.st_size


def _parse_ts(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    """`ts` as UTC datetimes from ISO strings, naive or aware datetimes, or epoch seconds/milliseconds."""
    dtype = frame.schema["ts"]
    column = pl.col("ts")
    if dtype == pl.String:
        try:
            parsed = frame.select(column.str.to_datetime(time_zone="UTC", time_unit="us", strict=True))
        except pl.exceptions.PolarsError:
            raise DataError(f"{path}: column 'ts' is not a date-time (expected ISO-8601 UTC)") from None
        return frame.with_columns(parsed["ts"])
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return frame.with_columns(column.dt.replace_time_zone("UTC").cast(TS_TYPE))
        return frame.with_columns(column.dt.convert_time_zone("UTC").cast(TS_TYPE))
    if dtype.is_integer() or dtype.is_float():
        if dtype.is_float():  # NaN is no time: such a row is dropped like one with an empty `ts`
            frame = frame.with_columns(column.fill_nan(None))
        low, high, as_ms, as_s = frame.select(
            column.min().alias("low"), column.max().alias("high"),
            (column.abs() > EPOCH_MS_FROM).sum().alias("ms"), (column.abs() <= EPOCH_MS_FROM).sum().alias("s"),
        ).row(0)
        if as_ms and as_s:
            raise DataError(f"{path}: column 'ts' mixes epoch seconds ({as_s} rows) and milliseconds ({as_ms} rows); "
                            "use one unit")
        in_ms = bool(as_ms)
        if low is not None and (low < 0 or high > (EPOCH_S_MAX * 1000 if in_ms else EPOCH_S_MAX)):
            raise DataError(f"{path}: column 'ts' holds epoch values outside 1970-2100 ({low} .. {high})")
        epoch = column.cast(pl.Int64)
        stamps = pl.from_epoch(epoch, time_unit="ms") if in_ms else pl.from_epoch(epoch, time_unit="s")
        try:
            return frame.with_columns(stamps.dt.replace_time_zone("UTC").cast(TS_TYPE))
        except pl.exceptions.PolarsError as exc:
            raise DataError(f"{path}: column 'ts' is not usable as epoch time ({str(exc).splitlines()[0]})") from None
    raise DataError(f"{path}: column 'ts' has type {dtype}, not a date-time")


def _read_one(path: Path) -> pl.DataFrame:
    _check_size(path)
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
        else:
            frame = pl.read_csv(path, try_parse_dates=False, infer_schema_length=10000)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        kind = "Parquet" if path.suffix.lower() == ".parquet" else "CSV"
        raise DataError(f"{path}: not a readable {kind} file ({str(exc).splitlines()[0]})") from None
    names = [c.strip().lower() for c in frame.columns]
    twins = sorted({n for n in names if names.count(n) > 1})
    if twins:
        raise DataError(f"{path}: column {', '.join(repr(t) for t in twins)} appears twice (names ignore case)")
    frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: not bar data: missing column {', '.join(repr(c) for c in missing)} "
                        f"(need {', '.join(REQUIRED_COLUMNS)}, volume)")
    return _parse_ts(frame, path)


def bar_files(path: Path) -> list[Path]:
    """The bar files at `path`: the file itself, or every .parquet/.csv in the folder (sorted)."""
    try:
        if not path.exists():
            raise DataError(f"{path}: no such file or folder")
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix.lower() in BAR_SUFFIXES and p.is_file())
            if not files:
                raise DataError(f"{path}: folder holds no .parquet or .csv bar files")
            total = sum(_check_size(p) for p in files)
            if total > MAX_BAR_BYTES:
                raise DataError(f"{path}: {_size_words(total)} of bar files is too large "
                                f"(at most {_size_words(MAX_BAR_BYTES)})")
            return files
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if path.suffix.lower() not in BAR_SUFFIXES:
        raise DataError(f"{path}: expected a .parquet or .csv file")
    return [path]


def read_bars(path: Path) -> tuple[pl.DataFrame, DataQuality]:
    """Every bar under `path`, cleaned, with what cleaning did."""
    frames = [_read_one(p) for p in bar_files(path)]
    from cockpit.analytics.bars import conform

    combined = pl.concat([conform(f) for f in frames], how="vertical") if frames else empty_bars()
    if combined.is_empty():
        raise DataError(f"{path}: holds no bars")
    cleaned, quality = clean_bars(combined)
    if cleaned.is_empty():
        raise DataError(f"{path}: no usable bars after cleaning ({quality.bad_prices_dropped} of {quality.rows_in} "
                        "rows had missing, non-positive or impossible prices)")
    return cleaned, quality


class FileSource:
    """A bar file or recording: evaluated at its end (`--data`), or played back on a clock (`--replay`)."""

    def __init__(
        self,
        path: Path,
        *,
        kind: SourceKind = SourceKind.FILE,
        speed: float = 0.0,
        start_offset: timedelta | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        poll_interval_s: float = 1.0,
    ) -> None:
        self.path = path
        self.kind = kind
        self.name = "replay" if kind == SourceKind.REPLAY else "file"
        self.poll_interval_s = poll_interval_s
        self.bars, self.quality = read_bars(path)
        first, last = self.bars["ts"].min(), self.bars["ts"].max()
        assert isinstance(first, datetime) and isinstance(last, datetime)
        self.first: datetime = first.astimezone(UTC)
        self.end: datetime = last.astimezone(UTC) + timedelta(hours=1)
        self.speed = speed
        self.paused = speed == 0.0
        self._monotonic = monotonic
        self._last_tick = monotonic()
        default_start = self.end if speed == 0.0 else min(self.end, self.first + timedelta(days=8))
        from cockpit.sources.recorder import load_recording

        self.recording = load_recording(path)
        if self.recording is not None:  # a `--record` folder: replay from its recorded moments
            default_start = self.recording.last_as_of if speed == 0.0 else self.recording.first_as_of
        self._clock = default_start if start_offset is None else min(self.end, self.first + start_offset)

    @property
    def now(self) -> datetime:
        """The replay clock (the data's end for a plain `--data` file)."""
        tick = self._monotonic()
        if not self.paused:
            self._clock = min(self.end, self._clock + timedelta(seconds=(tick - self._last_tick) * self.speed))
        self._last_tick = tick
        return self._clock

    def step(self, hours: float) -> None:
        """Move the replay clock by `hours`."""
        self._clock = max(self.first, min(self.end, self.now + timedelta(hours=hours)))

    def state_at(self, at: datetime) -> MarketState:
        """The bars known by `at` with the file's data quality."""
        if self.recording is not None:
            return self.recording.state_at(at, self.kind)
        bars = self.bars.filter(pl.col("ts") <= at - timedelta(hours=1))
        last = bars["ts"].max() if bars.height else None
        age = None if not isinstance(last, datetime) else max(0.0, (at - last - timedelta(hours=1)).total_seconds())
        health = SourceHealth(self.name, age, False, None, "ok" if bars.height else "down")
        return MarketState(self.kind, at, bars, (health,), self.quality, label=self.path.name)

    def poll(self) -> MarketState:
        """The state at the replay clock."""
        return self.state_at(self.now)

    def close(self) -> None:
        """Nothing to release."""
