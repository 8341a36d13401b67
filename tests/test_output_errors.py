"""stdout closed, on a full disk, or a pipe whose reader left: one line on stderr (or none), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILLS = ("ts,exchange,symbol,side,qty,price,fee,fee_currency,fill_id\n"
         "2026-01-28T10:00:00Z,bybit,BTC/USDT:USDT,buy,0.1,88000,1.0,USDT,f1\n")
COMMANDS = [["snapshot", "--demo", "--json"], ["scenarios"],
            ["watch", "--demo", "--json", "--at", "46h"], ["journal", "fills", "--count"]]


def cockpit(args: list[str], tmp_path: Path, stdout: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COCKPIT_DATA": str(tmp_path / "data"),
           "COCKPIT_CONFIG": str(tmp_path / "config.toml")}
    return subprocess.run([sys.executable, "-m", "cockpit", *args], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, env=env, timeout=120, close_fds=True)


def closed_stdout(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run with fd 1 closed, as `cockpit ... >&-` does."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COCKPIT_DATA": str(tmp_path / "data"),
           "COCKPIT_CONFIG": str(tmp_path / "config.toml")}
    return subprocess.run([sys.executable, "-m", "cockpit", *args], stderr=subprocess.PIPE, text=True, env=env,
                          timeout=120, preexec_fn=lambda: os.close(1))


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_closed_stdout_is_one_line_not_a_traceback(args: list[str], tmp_path: Path) -> None:
    done = closed_stdout(args, tmp_path)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "stdout is closed" in done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_stdout_on_a_full_disk_is_one_line(args: list[str], tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = cockpit(args, tmp_path, full)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "No space left" in done.stderr


def test_a_pipe_whose_reader_left_ends_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COCKPIT_DATA": str(tmp_path / "data"),
           "COCKPIT_CONFIG": str(tmp_path / "config.toml")}
    writer = subprocess.Popen([sys.executable, "-m", "cockpit", "snapshot", "--demo", "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert writer.stdout is not None and writer.stderr is not None
    writer.stdout.read(10)
    writer.stdout.close()
    err = writer.stderr.read().decode()
    assert writer.wait(timeout=120) == 0 and "Traceback" not in err and "Exception ignored" not in err


@pytest.mark.parametrize("where", ["closed", "full"])
def test_an_import_that_committed_exits_0_without_its_summary(where: str, tmp_path: Path) -> None:
    fills = tmp_path / "fills.csv"
    fills.write_text(FILLS)
    if where == "closed":
        done = closed_stdout(["journal", "import", str(fills)], tmp_path)
    else:
        with open("/dev/full", "w") as full:
            done = cockpit(["journal", "import", str(fills)], tmp_path, full)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert "imported 1 new fill(s)" in done.stderr  # the user learns it was saved
    count = cockpit(["journal", "fills", "--count"], tmp_path, subprocess.PIPE)
    assert count.stdout.strip() == "1"
