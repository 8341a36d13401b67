"""Every user error is one clear line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from cockpit.cli import main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    err = capsys.readouterr().err
    return code, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("cockpit: error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]


def test_unknown_scenario_lists_the_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(*run(["snapshot", "--demo", "--scenario", "crash"], capsys), "crash", "calm",
                          "cascade-2026-01", "outlook-c")


def test_unknown_profile_lists_the_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(*run(["snapshot", "--demo", "--profile", "scalp"], capsys), "scalp", "short, swing, long")


@pytest.mark.parametrize("offset", ["soon", "12x", "-3h"])
def test_bad_offset(offset: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(*run(["snapshot", "--demo", f"--at={offset}"], capsys), "duration")


def test_offset_past_the_scenario_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(*run(["snapshot", "--demo", "--scenario", "calm", "--at", "9d"], capsys), "4d")


def test_file_that_is_not_bar_data_names_the_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "prices.csv"
    pl.DataFrame({"ts": ["2026-01-01T00:00:00Z"], "symbol": ["ES=F"], "open": [1.0], "high": [1.0],
                  "low": [1.0]}).write_csv(path)
    assert_one_line_error(*run(["snapshot", "--data", str(path)], capsys), "prices.csv", "'close'")


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [("notes.txt", b"hello", "expected a .parquet or .csv"), ("bars.parquet", b"not parquet", "not a readable Parquet"),
     ("bars.csv", b"ts,symbol,open,high,low,close\nyesterday,ES=F,1,1,1,1\n", "not a date-time")],
)
def test_unreadable_files(name: str, content: bytes, needle: str, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert_one_line_error(*run(["snapshot", "--data", str(path)], capsys), needle)


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(*run(["snapshot", "--data", str(tmp_path / "nope.parquet")], capsys), "no such file")


def test_broken_config_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "broken.toml"
    config.write_text('default_profile = "swing"\n[profiles.swing\ncorr_window_1h = 3\n')
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    assert_one_line_error(*run(["snapshot", "--demo"], capsys), "broken.toml:2: not valid TOML")


@pytest.mark.parametrize(
    ("content", "needle"),
    [('colour = "red"\n', "unknown key 'colour'"),
     ("[profiles.swing]\ncorr_windw_1h = 48\n", "unknown key 'corr_windw_1h'"),
     ("[profiles.swing]\ncorr_window_1h = \"many\"\n", "corr_window_1h"),
     ("[profiles.swing]\ncorr_window_1h = -4\n", "must be above 2"),
     ("[profiles.daytrade]\n", "unknown profile 'daytrade'"),
     ("[symbols]\nindx = \"NQ=F\"\n", "unknown key 'symbols.indx'"),
     ('default_profile = "yolo"\n', "unknown profile 'yolo'")],
)
def test_bad_config_values(content: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content)
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    assert_one_line_error(*run(["snapshot", "--demo"], capsys), needle)


def test_valid_config_overrides_a_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('default_profile = "short"\n[profiles.short]\ncorr_window_1h = 36\n')
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    assert main(["snapshot", "--demo", "--json", "--at", "1d"]) == 0
    out = capsys.readouterr().out
    assert '"profile": "short"' in out and '"window": 36' in out


def test_unknown_option_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(*run(["snapshot", "--demo", "--colour"], capsys), "--colour")


def test_real_entry_point_exits_2_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "cockpit", "snapshot", "--demo", "--scenario", "nope"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "needle"),
    [("ts,symbol,open,high,low,close\n2026-01-01T00:00:00Z,ES=F,nan,1,1,1\n2026-01-01T01:00:00Z,ES=F,1,1,1,-2\n",
      "no usable bars after cleaning"),
     ("ts,symbol,open,high,low,close,Close\n2026-01-01T00:00:00Z,ES=F,1,1,1,1,1\n", "'close' appears twice"),
     ("ts,symbol,open,high,low,close\n99999999999999999,ES=F,1,1,1,1\n", "outside 1970-2100"),
     ("ts,symbol,open,high,low,close\n-40000000000,ES=F,1,1,1,1\n", "outside 1970-2100")],
)
def test_files_that_cannot_become_bars(content: str, needle: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(content)
    assert_one_line_error(*run(["snapshot", "--data", str(path)], capsys), needle)


def test_options_before_the_command_are_kept(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["--profile", "long", "--scenario", "calm", "snapshot", "--demo", "--json", "--at", "1d"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["profile"] == "long" and payload["label"] == "calm"


@pytest.mark.parametrize("args", [["--seed", "-1"], ["--seed", "99999999999"], ["--at", "999999999999d"],
                                  ["--every", "99999999999999999999d"]])
def test_out_of_range_numbers_are_one_line(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["snapshot", "--demo", *args], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "needle"),
    [("[profiles.swing]\ntiers = { 1 = \"abc\" }\n", "tiers.1"),
     ("[profiles.swing]\ntiers = { a = 1.0 }\n", "tier 'a' is not a whole number"),
     ("[profiles.swing]\ntiers = { 1 = -1.0, 2 = 0.5 }\n", "risk must be above 0"),
     ("[profiles.swing]\ntiers = { 1 = 0.25, 2 = 0.5, 4 = 50.0 }\n", "at most 10"),
     ("[symbols]\nindex = 5\n", "symbols.index: expected a symbol"),
     ("[symbols]\nleaders = \"NVDA\"\n", "symbols.leaders: expected a list"),
     ("[profiles.swing]\nrules = [\"BOGUS\"]\n", "unknown rule 'BOGUS'"),
     ("[profiles.swing]\nliq_baseline_h = 1\n", "liq_baseline_h: must be above 23"),
     ("[profiles.swing]\ntrend_ma_bars = 100000000\n", "trend_ma_bars: must be above 0 and at most 5000"),
     ("[profiles.swing]\nsingle_book_corr = 1.5\n", "single_book_corr")],
)
def test_config_values_are_checked(content: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content)
    monkeypatch.setenv("COCKPIT_CONFIG", str(config))
    assert_one_line_error(*run(["snapshot", "--demo"], capsys), needle, "config.toml")


@pytest.mark.parametrize("args", [["--live", "--at", "3h"], ["--demo", "--every", "6h", "--at", "3h"]])
def test_at_where_it_cannot_apply_is_refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_error(*run(["snapshot", *args], capsys), "--")
