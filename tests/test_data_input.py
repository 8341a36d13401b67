"""`--data` input that used to end in a traceback or a panic: one clear line (or the bad rows counted)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import polars as pl
import pytest

from cockpit.cli import main
from cockpit.sources.replay import MAX_BAR_BYTES, read_bars

T0 = 1769600000  # 2026-01-28 11:33:20 UTC


def bars(ts: list[float | int]) -> pl.DataFrame:
    n = len(ts)
    return pl.DataFrame({"ts": ts, "symbol": ["ES=F"] * n, "open": [1.0] * n, "high": [1.0] * n,
                         "low": [1.0] * n, "close": [1.0] * n})


def one_line(capsys: pytest.CaptureFixture[str], code: int, *needles: str) -> None:
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err and "panicked" not in err, err
    for needle in needles:
        assert needle in err, err


def test_a_nan_in_a_float_epoch_column_drops_that_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bars.parquet"
    bars([float(T0), math.nan, float(T0 + 3600), float(T0 + 7200)]).write_parquet(path)
    frame, quality = read_bars(path)
    assert frame.height == 3 and quality.rows_in == 4
    assert main(["snapshot", "--data", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["data_quality"]["rows_used"] == 3


def test_epoch_seconds_and_milliseconds_mixed_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bars.csv"
    bars([T0, T0 + 3600, (T0 + 7200) * 1000]).write_csv(path)
    one_line(capsys, main(["snapshot", "--data", str(path)]), "bars.csv", "mixes epoch seconds", "milliseconds")


def test_epoch_milliseconds_alone_still_read(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    bars([T0 * 1000, (T0 + 3600) * 1000]).write_csv(path)
    frame, _ = read_bars(path)
    assert frame["ts"].min().year == 2026  # type: ignore[union-attr]


def test_an_unreadable_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    bars([T0]).write_csv(folder / "a.csv")
    real = Path.iterdir

    def refuse(self: Path) -> object:
        if self == folder:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", refuse)
    one_line(capsys, main(["snapshot", "--data", str(folder)]), "mine", "Permission denied")


def test_an_unreadable_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bars.csv"
    bars([T0]).write_csv(path)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pl, "read_csv", refuse)
    one_line(capsys, main(["snapshot", "--data", str(path)]), "bars.csv", "not a readable CSV")


def test_a_huge_sparse_csv_is_refused_before_it_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(b"ts,symbol,open,high,low,close\n")
        handle.truncate(2 * 1024**3)  # 2 GB, nearly all holes: reading it would exhaust memory
    one_line(capsys, main(["snapshot", "--data", str(path)]), "huge.csv", "too large")
    os.truncate(path, 200 * 1024**2)
    one_line(capsys, main(["snapshot", "--data", str(path)]), "huge.csv", "sparse")
    assert MAX_BAR_BYTES >= 500_000_000  # a decade of hourly bars for many symbols still loads
