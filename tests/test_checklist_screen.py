"""The checklist screen under Pilot, on the seeded simulator: walk, override, go back, save, resume."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App
from textual.binding import Binding
from textual.color import Color
from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import WorkerCancelled

from cockpit.checklist import STEPS
from cockpit.config import load_config
from cockpit.journal.checklist import RunRecord, list_runs, save_step, start_run
from cockpit.journal.store import connect
from cockpit.models import ProfileName, Snapshot
from cockpit.screens.checklist import ChecklistScreen, NoteInput
from cockpit.screens.checklist_dialogs import LeaveChecklist, ResumeChecklist
from cockpit.snapshot import build_snapshot
from cockpit.sources.simulator import SimulatorSource

ALERT = "#FF4D4D"
SIZE = (160, 45)


@pytest.fixture(scope="module")
def snapshots() -> dict[ProfileName, Snapshot]:
    """One seeded-simulator snapshot per profile, 40 h into the cascade (risk budget shrinking for swing)."""
    config = load_config()
    source = SimulatorSource("cascade-2026-01", 7, universe=config.universe)
    state = source.state_at(source.scenario.start + timedelta(hours=40))
    return {p: build_snapshot(state, config.profile(p), config.universe) for p in ProfileName}


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Host(App[None]):
    """A small stand-in for the cockpit: defines the theme variables and pushes the checklist on `c`."""

    BINDINGS = [Binding("c", "open_checklist", "Checklist")]

    def __init__(self, make_screen: Callable[[], ChecklistScreen]) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list[str | None] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), "gain": "#2ECC71", "loss": ALERT, "stale": "#7F8C8D",
                "alert": ALERT}

    def on_mount(self) -> None:
        self.action_open_checklist()

    def action_open_checklist(self) -> None:
        self.push_screen(self.make_screen(), self.results.append)


def host(snapshot: Snapshot | None, profile: ProfileName, clock: FakeClock,
         provider: Callable[[], Snapshot | None] | None = None) -> Host:
    return Host(lambda: ChecklistScreen(provider or (lambda: snapshot), profile, "demo cascade-2026-01",
                                        clock=clock))


async def settle(app: App[None], pilot: Pilot[None]) -> None:
    """Let journal workers finish and their messages land (one cancelled as its screen closed is over: its thread
    finishes the write all the same)."""
    for _ in range(3):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()


def text_of(screen: ChecklistScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def saved_runs() -> list[RunRecord]:
    con = connect()
    try:
        return list_runs(con)
    finally:
        con.close()


def checklist(app: App[None]) -> ChecklistScreen:
    screen = app.screen
    assert isinstance(screen, ChecklistScreen), f"expected the checklist, got {screen!r}"
    return screen


@pytest.mark.parametrize("profile", list(ProfileName))
async def test_walk_override_go_back_and_save_matches_the_screen(
        profile: ProfileName, snapshots: dict[ProfileName, Snapshot]) -> None:
    clock = FakeClock()
    app = host(snapshots[profile], profile, clock)
    shown: dict[int, dict[str, str]] = {}

    def capture(screen: ChecklistScreen) -> None:
        shown[screen.number] = {"title": text_of(screen, "#cl-title"), "question": text_of(screen, "#cl-question"),
                                "readings": text_of(screen, "#cl-readings"), "answer": text_of(screen, "#cl-answer")}

    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = checklist(app)
        assert text_of(screen, "#cl-title") == "1/5 Macro" and screen.title == "1/5 Macro"
        clock.advance(30)
        await pilot.press("n")
        suggested_2 = screen.view.suggested
        await pilot.press("o", "a", *"weak", "escape")
        capture(screen)
        assert "overridden" in shown[2]["answer"]
        clock.advance(50)
        await pilot.press("b")
        assert screen.number == 1 and text_of(screen, "#cl-title") == "1/5 Macro"
        clock.advance(5)
        capture(screen)
        await pilot.press("n")
        assert screen.query_one(NoteInput).value == "weak"  # the note survived going back
        await pilot.press("n", "y")
        capture(screen)
        await pilot.press("n")
        capture(screen)
        await pilot.press("n")
        assert text_of(screen, "#cl-title") == "5/5 Execution rule"
        await pilot.press("r", "a", *"cut")
        capture(screen)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, ChecklistScreen)
        assert app.results == ["reduce"]

    [run] = saved_runs()
    assert (run.status, run.decision, run.note, run.profile, run.source) == (
        "done", "reduce", "cut", profile.value, "demo cascade-2026-01")
    assert run.started_at == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    assert [s.number for s in run.steps] == [1, 2, 3, 4, 5]
    by_number = {s.number: s for s in run.steps}
    assert by_number[1].seconds_spent == 35.0 and by_number[2].seconds_spent == 50.0
    assert by_number[2].overridden and by_number[2].answer != suggested_2 and by_number[2].note == "weak"
    assert by_number[5].answer == "reduce"
    for number, on_screen in shown.items():
        saved = by_number[number]
        assert on_screen["title"] == f"{number}/5 {saved.name}"
        assert on_screen["question"] == saved.question
        for reading in saved.readings.values():
            assert reading["label"] in on_screen["readings"] and reading["text"] in on_screen["readings"]
        assert f"{saved.answer}" in on_screen["answer"]


async def test_countdown_counts_down_and_turns_to_the_alert_colour(snapshots: dict[ProfileName, Snapshot]) -> None:
    clock = FakeClock()
    app = host(snapshots[ProfileName.SWING], ProfileName.SWING, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = checklist(app)
        timer = screen.query_one("#cl-timer", Static)
        assert str(timer.content) == "2:00 / 2:00" and not timer.has_class("-over")
        clock.advance(75)
        screen.refresh_timer()
        assert str(timer.content) == "0:45 / 2:00"
        clock.advance(60)
        screen.refresh_timer()
        await pilot.pause()
        assert str(timer.content) == "-0:15 / 2:00" and timer.has_class("-over")
        assert timer.styles.color == Color.parse(ALERT)
        await pilot.press("n")  # the next step starts its own budget
        assert str(timer.content) == "4:00 / 4:00" and not timer.has_class("-over")


async def test_typing_a_note_never_fires_the_single_key_bindings(snapshots: dict[ProfileName, Snapshot]) -> None:
    clock = FakeClock()
    app = host(snapshots[ProfileName.SHORT], ProfileName.SHORT, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = checklist(app)
        await pilot.press("a", *"yonbhrwc", "escape")
        assert screen.query_one(NoteInput).value == "yonbhrwc"
        assert screen.number == 1 and screen.focused is None
        assert checklist(app) is screen  # Esc left the field, not the screen
        assert len(app.screen_stack) == 2  # and `c` did not open a second checklist
        assert "suggested" in text_of(screen, "#cl-answer")  # neither y nor o fired
        await pilot.press("c")
        assert len(app.screen_stack) == 2


async def test_escape_asks_before_discarding(snapshots: dict[ProfileName, Snapshot]) -> None:
    clock = FakeClock()
    app = host(snapshots[ProfileName.SWING], ProfileName.SWING, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert [r.status for r in saved_runs()] == ["unfinished"]  # saved as the step was left
        await pilot.press("escape")
        assert isinstance(app.screen, LeaveChecklist)
        await pilot.press("escape")
        assert checklist(app).number == 2
        await pilot.press("escape", "d")
        await settle(app, pilot)
        assert not isinstance(app.screen, ChecklistScreen) and app.results == [None]
    assert saved_runs() == []


async def test_escape_with_nothing_done_leaves_at_once(snapshots: dict[ProfileName, Snapshot]) -> None:
    app = host(snapshots[ProfileName.SWING], ProfileName.SWING, FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.results == [None] and len(app.screen_stack) == 1
    assert saved_runs() == []


async def test_keep_then_resume_continues_the_same_run(snapshots: dict[ProfileName, Snapshot]) -> None:
    clock = FakeClock()
    app = host(snapshots[ProfileName.LONG], ProfileName.LONG, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        clock.advance(20)
        await pilot.press("n", "a", *"low", "escape")
        clock.advance(10)
        await pilot.press("escape", "k")
        await settle(app, pilot)
        [kept] = saved_runs()
        assert kept.status == "unfinished" and [s.note for s in kept.steps] == ["", "low"]
        await pilot.press("c")  # open it again: the unfinished run is offered
        await settle(app, pilot)
        assert isinstance(app.screen, ResumeChecklist)
        await pilot.press("y")
        screen = checklist(app)
        assert screen.number == 3 and screen.started_at == kept.started_at
        assert screen.records[1].overridden
        await pilot.press("b")
        assert screen.query_one(NoteInput).value == "low"
        await pilot.press("n", "n", "n", "w", "enter")
        await settle(app, pilot)
    [run] = saved_runs()
    assert run.id == kept.id and run.decision == "wait"
    assert {s.number: s.seconds_spent for s in run.steps}[2] == 10.0
    assert run.steps[0].overridden


async def test_declining_to_resume_keeps_the_old_run_as_abandoned(snapshots: dict[ProfileName, Snapshot]) -> None:
    con = connect()
    old = start_run(con, datetime(2026, 3, 9, 8, tzinfo=UTC), "swing", "demo")
    from cockpit.checklist import record_step, step_view

    save_step(con, old, record_step(step_view(1, None, ProfileName.SWING), "yes", "", 3.0),
              datetime(2026, 3, 9, 8, 1, tzinfo=UTC))
    con.close()
    app = host(snapshots[ProfileName.SWING], ProfileName.SWING, FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ResumeChecklist)
        await pilot.press("n")
        await settle(app, pilot)
        assert checklist(app).number == 1
        await pilot.press("n")
        await settle(app, pilot)
    runs = saved_runs()
    assert [(r.id == old, r.status) for r in runs] == [(True, "abandoned"), (False, "unfinished")]


async def test_step_5_needs_exactly_one_action(snapshots: dict[ProfileName, Snapshot]) -> None:
    app = host(snapshots[ProfileName.SWING], ProfileName.SWING, FakeClock())
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = checklist(app)
        await pilot.press("w")  # not active before step 5
        await pilot.press("n", "n", "n", "n", "enter")
        await settle(app, pilot)
        assert checklist(app) is screen and screen.number == len(STEPS)
        assert "Choose exactly one action" in text_of(screen, "#cl-status")
        assert all(r.decision is None for r in saved_runs())
        await pilot.press("h", "w")  # the last choice counts
        assert "wait" in text_of(screen, "#cl-answer")
        await pilot.press("n")
        await settle(app, pilot)
    assert [r.decision for r in saved_runs()] == ["wait"]


async def test_readings_follow_the_live_snapshot(snapshots: dict[ProfileName, Snapshot]) -> None:
    latest: list[Snapshot | None] = [None]
    app = host(None, ProfileName.SWING, FakeClock(), provider=lambda: latest[0])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = checklist(app)
        assert "waiting for the first evaluation" in text_of(screen, "#cl-readings")
        await pilot.press("y")
        assert "No suggestion" in text_of(screen, "#cl-status")
        latest[0] = snapshots[ProfileName.SWING]
        screen.refresh_timer()
        assert "US10Y change (24h)" in text_of(screen, "#cl-readings")
        assert screen.view.suggested == "yes"
