"""An unexpected exception on the screen: the traceback goes to the data folder with secrets masked, one line
says where, and the app keeps running when it can."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cockpit.app import CockpitApp
from cockpit.config import load_config
from cockpit.crash import crash_line, report_text
from cockpit.messages import SnapshotComputed
from cockpit.redaction import MASK, Secret
from cockpit.screens.main import CockpitScreen
from cockpit.widgets.flags import FlagsPane
from cockpit.widgets.theme import load_themes
from tests.test_app import record_notifications
from tests.test_app_helpers import FrozenClock, cached_simulator, cockpit, settle, simulator

__all__ = ["cached_simulator"]
SIZE = (160, 45)
CANARY = "sk-live-7f3a9c1e55d24b"  # a made-up key value: it must never reach a report


def surviving_app() -> CockpitApp:
    return CockpitApp(load_config(), source_factory=lambda: simulator(), themes=load_themes(), interval_s=3600.0,
                      monotonic=FrozenClock(), survive_errors=True)


def reports(folder: Path) -> list[Path]:
    return sorted(folder.glob("crash-*.txt"))


async def test_an_exception_in_an_action_is_reported_masked_and_the_app_goes_on(
        isolated_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Secret(CANARY)  # known to the redaction, as a loaded key is

    def broken_refresh(self: CockpitScreen) -> None:
        api_secret = CANARY  # a local a rich traceback would print
        raise KeyError(f"rate (key {api_secret})")

    monkeypatch.setattr(CockpitScreen, "action_refresh", broken_refresh)
    app = surviving_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        notes = record_notifications(app)
        await pilot.press("r")
        await pilot.pause()
        [report] = reports(isolated_dirs / "data")
        text = report.read_text()
        assert "KeyError" in text and "broken_refresh" in text and "Traceback" in text
        assert CANARY not in text and MASK in text
        [(line, level)] = [n for n in notes if "unexpected error" in n[0]]
        assert level == "error" and str(report) in line and "keeps running" in line and CANARY not in line
        assert len(line.splitlines()) == 1
        profile = cockpit(app).profile
        await pilot.press("p")  # still answering keys
        await pilot.pause()
        assert cockpit(app).profile != profile and app.is_running


async def test_an_exception_in_a_screen_handler_keeps_the_screen_answering(isolated_dirs: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    app = surviving_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        original = FlagsPane.show_context
        calls = {"n": 0}

        def flaky(self: FlagsPane, ctx: object) -> None:
            calls["n"] += 1
            if calls["n"] == 1:
                raise ZeroDivisionError("division by zero")
            original(self, ctx)  # type: ignore[arg-type]

        monkeypatch.setattr(FlagsPane, "show_context", flaky)
        assert screen.snapshot is not None and screen.clock is not None
        later = dataclasses.replace(screen.snapshot, flags=())
        screen.post_message(SnapshotComputed("market", later, screen.clock, 2000.0))
        await settle(pilot, lambda: bool(reports(isolated_dirs / "data")))
        again = dataclasses.replace(screen.snapshot, flags=())
        screen.post_message(SnapshotComputed("market", again, screen.clock, 2001.0))
        await settle(pilot, lambda: screen.snapshot is again)  # the screen's handlers still run
        assert calls["n"] >= 2 and app.is_running


async def test_where_the_app_cannot_go_on_it_exits_with_one_line(isolated_dirs: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    app = surviving_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app._handle_exception(RuntimeError("compose failed"))  # what Textual calls when nothing caught it
        await pilot.pause()
    assert app.return_code == 1
    assert app.crash_message is not None and "RuntimeError: compose failed" in app.crash_message
    [report] = reports(isolated_dirs / "data")
    assert str(report) in app.crash_message


def test_a_report_that_cannot_be_written_still_says_what_happened() -> None:
    line = crash_line(ValueError("bad"), None, "Read-only file system")
    assert line == "unexpected error (ValueError: bad); no report written (Read-only file system)"


def test_the_report_masks_a_secret_in_a_chained_cause() -> None:
    Secret(CANARY)
    try:
        try:
            raise ConnectionError(f"auth failed for {CANARY}")
        except ConnectionError as inner:
            raise RuntimeError("poll failed") from inner
    except RuntimeError as outer:
        text = report_text(outer, datetime(2026, 3, 10, tzinfo=UTC))
    assert "ConnectionError" in text and "RuntimeError: poll failed" in text and CANARY not in text
