"""On the screen as in `watch`: `[alerts] min_severity`, the bell, desktop and ntfy; and the sizing pane's
REVENGE_ENTRY, fed the journal's round trips by a worker."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cockpit.alerts import Notifier, alert_settings
from cockpit.config import load_config
from cockpit.errors import ConfigError
from cockpit.journal.fills import Fill, FillSide, import_fills
from cockpit.journal.store import connect
from cockpit.messages import SnapshotComputed
from cockpit.models import Flag, FlagId, Severity
from cockpit.widgets.sizing import SizingPane
from tests.test_app import record_notifications
from tests.test_app_helpers import cached_simulator, cockpit, make_app, settle

__all__ = ["cached_simulator"]
SIZE = (160, 45)


class Channels:
    """Stands in for notify-send and the ntfy server, recording what each was asked."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.posts: list[tuple[str, Mapping[str, str]]] = []

    def run(self, command: list[str], **_: Any) -> Any:
        self.commands.append(command)
        return dataclasses.make_dataclass("Done", [("returncode", int)])(0)

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.posts.append((url, headers))
        return 200


def _notifier(channels: Channels) -> Notifier:
    return Notifier(alert_settings(load_config()), post=channels.post, run=channels.run,
                    which=lambda name: f"/usr/bin/{name}", platform="linux")


async def test_min_severity_desktop_and_ntfy_work_on_the_screen(isolated_dirs: Path) -> None:
    (isolated_dirs / "config" / "config.toml").write_text(
        '[alerts]\nmin_severity = "warning"\nntfy_topic = "desk"\nntfy_server = "http://127.0.0.1:9"\n')
    channels = Channels()
    app = make_app(config=load_config())
    app.notifier = _notifier(channels)
    bells: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        notes = record_notifications(app)
        channels.commands.clear()
        channels.posts.clear()
        screen = cockpit(app)
        assert screen.snapshot is not None and screen.clock is not None
        spike = Flag(FlagId.VOL_SPIKE, Severity.WARNING, "Vol spike: test")
        note = Flag(FlagId.SINGLE_RISK_BOOK, Severity.INFO, "One risk book: test")
        quiet = dataclasses.replace(screen.snapshot, flags=())
        flagged = dataclasses.replace(screen.snapshot, flags=(spike, note))
        for snap in (quiet, flagged):  # the flags fire anew (one message at a time: a backlog collapses)
            screen.post_message(SnapshotComputed("market", snap, screen.clock, 2000.0))
            await pilot.pause()
        await settle(pilot, lambda: bool(channels.posts))
        assert notes == [("Vol spike: test", "warning")] and bells == [1]  # the info flag is below the floor
        [command] = channels.commands
        assert command[:2] == ["notify-send", "-a"] and "cockpit warning: VOL_SPIKE" in command
        [(url, headers)] = channels.posts
        assert url == "http://127.0.0.1:9/desk" and headers["Priority"] == "4"


async def test_below_the_floor_nothing_rings(isolated_dirs: Path) -> None:
    channels = Channels()
    app = make_app(config=load_config())  # the default floor: critical
    app.notifier = _notifier(channels)
    bells: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        notes = record_notifications(app)
        channels.commands.clear()
        screen = cockpit(app)
        assert screen.snapshot is not None and screen.clock is not None
        spike = Flag(FlagId.VOL_SPIKE, Severity.WARNING, "Vol spike: test")
        for flags in ((), (spike,)):
            screen.post_message(SnapshotComputed("market", dataclasses.replace(screen.snapshot, flags=flags),
                                                 screen.clock, 2000.0))
            await pilot.pause()
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert notes == [] and bells == [] and channels.commands == []


@pytest.mark.parametrize(("text", "home"), [("bell = false\n", "[alerts] bell"),
                                            ('alert_severity = "info"\n', "[alerts] min_severity")])
def test_the_old_top_level_alert_keys_point_to_their_one_home(isolated_dirs: Path, text: str, home: str) -> None:
    (isolated_dirs / "config" / "config.toml").write_text(text)
    with pytest.raises(ConfigError, match=f"is now \\{home}"):
        load_config()


async def test_revenge_entry_fires_in_the_sizing_pane_from_the_journal(isolated_dirs: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: cockpit(app).snapshot is not None and cockpit(app).snapshot.judged
                     and cockpit(app).sizing.calculator is not None)
        screen = cockpit(app)
        snap = screen.snapshot
        assert snap is not None and screen.clock is not None
        closed = snap.as_of - timedelta(minutes=10)
        con = connect()
        import_fills(con, [Fill(closed - timedelta(hours=1), "BTC/USDT:USDT", FillSide.BUY, 1.0, 100_000.0),
                           Fill(closed, "BTC/USDT:USDT", FillSide.SELL, 1.0, 95_000.0)])  # a 5,000 loss
        con.close()
        screen.post_message(SnapshotComputed("market", snap, screen.clock, 2000.0))  # the next evaluation
        await settle(pilot, lambda: len(screen.sizing.round_trips) == 1)
        calculator = screen.sizing.calculator
        assert isinstance(calculator, SizingPane)
        entry = float(calculator.field("entry").value)
        calculator.field("equity").value = "50000"
        calculator.field("stop").value = f"{entry * 0.98:.2f}"
        await settle(pilot, lambda: calculator.result is not None)
        revenge = [f for f in calculator.flags if f.id is FlagId.REVENGE_ENTRY]
        assert revenge and "10 min after closing BTC/USDT:USDT at a loss" in revenge[0].message
        assert "REVENGE_ENTRY" in str(calculator.query_one(".sizing-figures").render())
