"""`cockpit doctor`: each source reachable or not with latency and error, paths, keys; exit 1 when down."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from live_fakes import BybitSession, YahooSession, bybit_client, load_chart

import cockpit.sources.live.venues as venues
import cockpit.sources.live.yahoo as yahoo
from cockpit.cli import main


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    session = YahooSession(raise_exc=requests.exceptions.ConnectionError("Name or service not known"))
    bybit = BybitSession()
    bybit.fault = requests.exceptions.ConnectionError("Name or service not known")
    monkeypatch.setattr(yahoo, "default_session", lambda: session)
    monkeypatch.setattr(venues, "make_exchange", lambda spec, **kw: bybit_client(bybit))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    import yfinance as yf

    yf.set_tz_cache_location(str(tmp_path / "yf"))
    session = YahooSession({"ES=F": load_chart("ES=F")})
    monkeypatch.setattr(yahoo, "default_session", lambda: session)
    monkeypatch.setattr(venues, "make_exchange", lambda spec, **kw: bybit_client(BybitSession()))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")


def test_offline_every_source_down_with_its_error_exit_1(offline: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--json"]) == 1
    out, err = capsys.readouterr()
    report = json.loads(out)
    by_name = {s["name"]: s for s in report["sources"]}
    assert set(by_name) == {"yahoo", "bybit"}
    assert not by_name["yahoo"]["ok"] and "cannot reach Yahoo" in by_name["yahoo"]["error"]
    assert not by_name["bybit"]["ok"] and "cannot reach bybit" in by_name["bybit"]["error"]
    assert report["config"]["exists"] is False and report["data"]["path"]
    assert report["keys"]["present"] is False and "COCKPIT_BYBIT_API_KEY" in report["keys"]["set_with"]
    assert "Traceback" not in err


def test_reachable_sources_exit_0_with_latency(online: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "yahoo        reachable" in out and "bybit        reachable" in out
    assert "funding one call" in out and " ms" in out


def test_keys_are_reported_without_showing_them(offline: None, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COCKPIT_BYBIT_API_KEY", "dk-abcdefghijklmnop")
    monkeypatch.setenv("COCKPIT_BYBIT_SECRET", "ds-qrstuvwxyz0123456")
    main(["doctor"])
    out = capsys.readouterr().out
    assert "from env ****mnop" in out
    assert "dk-abcdefghijklmnop" not in out and "ds-qrstuvwxyz0123456" not in out


def test_a_damaged_liquidation_store_is_reported_not_a_crash(offline: None, capsys: pytest.CaptureFixture[str]) -> None:
    from cockpit.config import data_dir

    data_dir().mkdir(parents=True, exist_ok=True)
    (data_dir() / "liquidations.sqlite3").write_bytes(b"not a database at all" * 10)
    assert main(["doctor", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert "unreadable" in report["data"]["liquidation_baseline"]["error"]


def test_a_read_only_data_folder_is_said_and_exits_1(offline: None, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import errno
    import tempfile

    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "NOT WRITABLE" in out and "Read-only file system" in out and "journal saves" in out


def test_a_journal_that_cannot_be_written_is_said(offline: None, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    from cockpit.journal.store import journal_path

    path = journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the journal
    try:
        assert main(["doctor", "--json"]) == 1
        report = json.loads(capsys.readouterr().out)
        assert report["data"]["writable"] is False and "journal" in report["data"]["problem"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_really_read_only_data_folder(offline: None, tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    import os
    import subprocess

    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    if subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True).returncode:
        pytest.skip("cannot make a read-only mount here")
    try:
        monkeypatch.setenv("COCKPIT_DATA", str(folder))
        assert main(["doctor"]) == 1
        out = capsys.readouterr().out
        assert "NOT WRITABLE" in out and "Read-only file system" in out
    finally:
        subprocess.run(["umount", str(folder)], check=False)
