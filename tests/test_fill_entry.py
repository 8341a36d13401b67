"""Manual fill entry: the modal form saves one fill into the journal off the UI thread and returns a result."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.widgets import Static

from cockpit.journal.fills import FillSide, count_fills, load_fills
from cockpit.journal.store import connect
from cockpit.screens.fill_entry import FillEntryResult, FillEntryScreen

TS = datetime(2026, 2, 2, 15, 30, tzinfo=UTC)


class Host(App[None]):
    """Pushes the form and keeps what it returns; `p` stands for a cockpit key."""

    BINDINGS = [Binding("p", "switch_profile", "Profile")]

    def __init__(self, journal: Path | None = None) -> None:
        super().__init__()
        self.journal = journal
        self.results: list[FillEntryResult | None] = []
        self.profile_switches = 0

    def on_mount(self) -> None:
        self.push_screen(FillEntryScreen("BTC/USDT:USDT", 82_000.5, ts=TS, journal=self.journal),
                         self.results.append)

    def action_switch_profile(self) -> None:
        self.profile_switches += 1


def status(app: Host) -> str:
    return str(app.screen.query_one(".fill-status", Static).render())


async def test_enter_saves_the_fill_and_returns_it() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, FillEntryScreen)
        assert app.focused is screen.field("qty")
        await pilot.press(*"0.5", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.results) == 1 and app.results[0] is not None
        result = app.results[0]
        assert result.stored
        assert (result.fill.ts, result.fill.side, result.fill.qty, result.fill.price) == (TS, FillSide.BUY, 0.5,
                                                                                           82_000.5)
    con = connect()
    stored = load_fills(con)
    assert [(f.symbol, f.qty, f.source) for f in stored] == [("BTC/USDT:USDT", 0.5, "manual")]


async def test_the_same_fill_twice_is_stored_once() -> None:
    for expected in (True, False):
        app = Host()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press(*"2", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert app.results[0] is not None and app.results[0].stored is expected
    assert count_fills(connect()) == 1


async def test_bad_input_keeps_the_form_and_says_why_and_keys_stay_in_the_field() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, FillEntryScreen)
        await pilot.press("p", "enter")
        await pilot.pause()
        assert app.profile_switches == 0
        assert "qty must be a number" in status(app)
        assert app.screen is screen and app.results == []
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
    assert count_fills(connect()) == 0


async def test_a_journal_that_cannot_be_opened_keeps_the_form(tmp_path: Path) -> None:
    broken = tmp_path / "journal.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    app = Host(journal=broken)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press(*"1", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen and app.results == []
        assert "not saved" in status(app)
        assert isinstance(screen, FillEntryScreen) and screen.field("qty").value == "1"
