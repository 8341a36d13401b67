"""The Book page and the hedge dialog on the screen: b shows the book, h opens the dialog prefilled, and the
checklist's step 5 *hedge* opens the same dialog over the checklist."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_app_helpers import cached_simulator, cockpit, make_app, settle  # noqa: F401
from textual.widgets import Input, Select

from cockpit.journal.holdings import add_holding, holding_from_text
from cockpit.journal.store import connect
from cockpit.screens.hedge_dialog import HedgeDialog
from cockpit.screens.holding_entry import HoldingEntry
from cockpit.widgets.book import BookPane

SIZE = (160, 45)


def seed_book() -> None:
    """Equity in the config, two holdings with stops in the journal."""
    Path(os.environ["COCKPIT_CONFIG"]).write_text("[book]\nequity = 1000000\n", encoding="utf-8")
    con = connect()
    for holding in (holding_from_text("ES=F", 2, 6000, 5500), holding_from_text("NVDA", 1000, 180, 150)):
        add_holding(con, holding, datetime(2026, 1, 20, tzinfo=UTC))
    con.close()


def book_ready(app: Any) -> bool:
    return cockpit(app).snapshot is not None and cockpit(app).snapshot.judged and cockpit(app).book is not None


async def test_b_shows_the_book_page_with_positions_limits_and_flags() -> None:
    seed_book()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: book_ready(app))
        screen = cockpit(app)
        pane = screen.query_one(BookPane)
        assert not pane.display  # the six panes first; the book is the next page
        await pilot.press("b")
        await pilot.pause()
        assert pane.display and pane.region.width > 150 and pane.region.height > 30
        assert [p.id for p in screen.query(".pane") if p.display] == ["book"]
        text = pane.figures_text
        assert "ES=F" in text and "NVDA" in text and "book risk" in text and "drawdown" in text
        assert "BOOK_RISK_LIMIT" in text  # 2 × 50 × (ES − 5,500) is far above 3 % of a million
        assert screen.book is not None and screen.book.positions[0].multiplier == 50
        await settle(pilot, lambda: getattr(screen.sizing.calculator, "book_risk", None) is not None)
        risk = screen.sizing.calculator.book_risk  # type: ignore[union-attr]
        assert risk.equity_risk == pytest.approx(screen.book.open_risk)  # the sizing pane's plans join the book
        await pilot.press("n")
        await pilot.pause()
        assert len([p for p in screen.query(".pane") if p.display]) == 6


async def test_a_book_built_before_the_calculator_mounts_reaches_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The book's worker often finishes before the sizing calculator is mounted (it mounts after the first figures,
    a thread worker builds the book): the book risk was handed only to a calculator already there, so the plan's
    BOOK_RISK_LIMIT check went without the book until the next bar rebuilt it (an hour, live)."""
    from cockpit.book import BookRisk
    from cockpit.screens.sizing_slot import SizingSlot

    held: list[SizingSlot] = []
    real = SizingSlot.want_calculator
    monkeypatch.setattr(SizingSlot, "want_calculator", lambda self, **_: held.append(self))
    seed_book()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: book_ready(app))
        screen = cockpit(app)
        assert held and screen.sizing.calculator is None  # the book is built, the calculator not yet mounted
        real(held[0])
        await settle(pilot, lambda: screen.sizing.calculator is not None)
        assert screen.book is not None
        assert getattr(screen.sizing.calculator, "book_risk", None) == BookRisk.of(screen.book)


async def test_a_profile_switch_gives_the_calculator_its_book_limit_before_the_book_is_built_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits are the profile's (short 1.5 %, swing 3 %, long 5 %): after `p` the plan was judged against the
    old profile's limit until the book's worker had built the book again."""
    from cockpit.models import ProfileName
    from cockpit.screens.book_page import BookPage

    seed_book()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: book_ready(app) and cockpit(app).sizing.calculator is not None)
        screen = cockpit(app)
        calculator: Any = screen.sizing.calculator
        assert calculator.book_risk.limit_pct == 3.0
        built = screen.book
        monkeypatch.setattr(BookPage, "refresh", lambda *args, **kwargs: None)  # no new book from here on
        await pilot.press("p")  # swing -> long
        await settle(pilot, lambda: screen.snapshot is not None and screen.snapshot.judged
                     and screen.snapshot.profile is ProfileName.LONG)
        assert screen.book is built  # the book was not built again
        risk = calculator.book_risk
        assert risk.limit_pct == 5.0 and risk.equity_risk == pytest.approx(built.open_risk)


async def test_the_book_page_at_100x30_is_a_page_of_its_own() -> None:
    seed_book()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, lambda: book_ready(app))
        await pilot.press("n", "n")
        await pilot.pause()
        pane = cockpit(app).query_one(BookPane)
        assert pane.display and pane.region.right <= 100 and pane.region.bottom <= 30
        assert "ES=F" in pane.figures_text


async def test_h_opens_the_hedge_dialog_prefilled_from_the_book() -> None:
    seed_book()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: book_ready(app))
        await pilot.press("h")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, HedgeDialog)
        assert dialog.query_one("#hedge-with", Select).value == "MES=F"
        assert dialog.query_one("#hedge-share", Input).value == "0.5"
        assert "hedge 50% of the ES-beta with MES=F" in dialog.answer_text and "sell" in dialog.answer_text
        await pilot.press("tab", "ctrl+a", "backspace", *"2")  # a share outside (0, 1] is said, not raised
        await pilot.pause()
        assert "share must be above 0 and at most 1" in dialog.answer_text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HedgeDialog)


async def test_checklist_step_5_hedge_opens_the_dialog_prefilled() -> None:
    seed_book()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: book_ready(app))
        await pilot.press("c")
        await settle(pilot, lambda: type(app.screen).__name__ == "ChecklistScreen")
        checklist = app.screen
        await pilot.press("n", "n", "n", "n")
        await pilot.pause()
        assert checklist.number == 5  # type: ignore[attr-defined]
        await pilot.press("h")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, HedgeDialog) and dialog.book is cockpit(app).book
        assert dialog.query_one("#hedge-with", Select).value == "MES=F"
        assert "ES-beta" in dialog.answer_text and "residual ES-beta" in dialog.answer_text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is checklist and "hedge" in str(checklist.query_one("#cl-answer").visual)


@pytest.mark.parametrize("size", [(160, 45), (100, 30)], ids=["160x45", "100x30"])
def test_snapshot_the_book_page(snap_compare: Any, size: tuple[int, int]) -> None:
    seed_book()

    async def book_page(pilot: Any) -> None:
        await settle(pilot, lambda: book_ready(pilot.app))
        await pilot.press("b")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=book_page)


def test_snapshot_the_hedge_dialog(snap_compare: Any) -> None:
    seed_book()

    async def dialog(pilot: Any) -> None:
        await settle(pilot, lambda: book_ready(pilot.app))
        await pilot.press("h")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=dialog)


async def test_i_types_a_holding_in_and_the_book_follows() -> None:
    seed_book()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: book_ready(app))
        await pilot.press("b", "i")
        await pilot.pause()
        entry = app.screen
        assert isinstance(entry, HoldingEntry)
        await pilot.press(*"NVDA", "tab", *"0", "enter")  # zero is refused in words, nothing stored
        await pilot.pause()
        assert "qty must be greater than zero" in str(entry.query_one("#holding-status").visual)
        await pilot.press("backspace", *"5", "enter")
        await settle(pilot, lambda: any(p.symbol == "NVDA" and p.qty == 1005
                                        for p in (cockpit(app).book.positions if cockpit(app).book else ())))
        assert not isinstance(app.screen, HoldingEntry)


async def test_the_long_profile_shows_the_re_entry_window_from_the_hours_it_has_seen() -> None:
    from datetime import timedelta

    from cockpit.models import FlagId, ProfileName, Regime
    from cockpit.reentry import HourlyReading

    seed_book()
    app = make_app(profile=ProfileName.LONG)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: book_ready(app))
        screen = cockpit(app)
        start = datetime(2026, 1, 20, tzinfo=UTC)
        page = screen.book_page
        page.hourly.clear()
        page.hourly.extend(HourlyReading(start + timedelta(hours=i), 0.8 if i < 5 else 0.3, 0.9,
                                           Regime.VOLATILITY_EVENT if i < 5 else Regime.CALM) for i in range(60))
        assert page.state is not None
        page.refresh(page.state, force=True)
        pane = screen.query_one(BookPane)
        await settle(pilot, lambda: bool(pane.extra_flags))
        assert pane.extra_flags[0].id is FlagId.RE_ENTRY_WINDOW
        await pilot.press("b")
        await pilot.pause()
        assert "RE_ENTRY_WINDOW" in pane.figures_text


async def test_rebuilding_the_book_does_not_print_the_market_state(monkeypatch: pytest.MonkeyPatch) -> None:
    from cockpit.models import MarketState, Snapshot

    seed_book()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: book_ready(app))
        printed: list[str] = []
        for cls in (MarketState, Snapshot):
            monkeypatch.setattr(cls, "__repr__", lambda self, name=cls.__name__: printed.append(name) or name)
        page = cockpit(app).book_page
        assert page.state is not None
        page.refresh(page.state, force=True)  # on the UI thread at every new bar
        await settle(pilot, lambda: not any(w.group == "book" for w in app.workers))
        assert printed == []


async def test_the_book_is_marked_from_the_judged_snapshot_while_the_week_is_still_being_told(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The poll's worker tells the week's story after posting its snapshot; the book must not wait for it."""
    import threading

    from cockpit.feeds import Feed

    seed_book()
    gate, tell = threading.Event(), Feed._tell_story

    def held_story(self: Feed, *args: Any) -> None:
        gate.wait(timeout=60)
        tell(self, *args)

    monkeypatch.setattr(Feed, "_tell_story", held_story)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        try:
            for _ in range(4000):  # not `settle`: it waits on the workers, and the poll's is held on purpose
                await pilot.pause(0.005)
                if book_ready(app):
                    break
            assert book_ready(app) and cockpit(app).story is None  # the book is there, the story not yet
        finally:
            gate.set()
        await settle(pilot, lambda: cockpit(app).story is not None)
