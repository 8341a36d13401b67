"""A finished checklist run keeps the brief of the moment its decision was saved; the export shows it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot

from cockpit.brief import finished_brief, snapshot_brief
from cockpit.checklist import record_step, step_view
from cockpit.checklist_run import ChecklistRun, Claim, Write
from cockpit.cli import main
from cockpit.config import load_config
from cockpit.journal.checklist import RunWriter, finish_run, list_runs, load_run, save_step, start_run
from cockpit.journal.store import connect
from cockpit.models import ProfileName, Snapshot
from cockpit.screens.checklist import ChecklistScreen
from cockpit.snapshot import build_snapshot, snapshot_json
from cockpit.sources.simulator import SimulatorSource

# each profile's regime_hold_h as shipped (SPEC §3: 2, 12 and 72 h), read without any user config
SHIPPED = load_config(Path(__file__).with_name("no-config-here.toml"))
HOLD_H = {name: SHIPPED.profile(name).regime_hold_h for name in ProfileName}
T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
SWING = ProfileName.SWING


@pytest.fixture(scope="module")
def moments() -> list[Snapshot]:
    """Two swing snapshots of the seeded cascade: 40 h in (stress building) and 100 h in (after the flush)."""
    config = load_config()
    source = SimulatorSource("cascade-2026-01", 7, universe=config.universe)
    return [build_snapshot(source.state_at(source.scenario.start + timedelta(hours=h)), config.profile(SWING),
                           config.universe) for h in (40, 100)]


def decided(run: ChecklistRun, snap: Snapshot) -> Write:
    """Walk steps 1-4 on `snap`, choose wait, save: the decided draft the run hands the journal."""
    assert run.start() == [Claim()]
    run.claimed(None)
    run.show(snap)
    for second in range(4):
        run.next("", T0 + timedelta(seconds=second))
    run.decide("wait")
    [write] = run.next("", T0 + timedelta(seconds=10))
    assert isinstance(write, Write)
    return write


def same_moment(brief: dict[str, object] | None, snap: Snapshot) -> None:
    plain = snapshot_json(snap)
    assert brief is not None
    assert brief["as_of"] == plain["as_of"]
    assert brief["regime"] == plain["regime"] and brief["flags"] == plain["flags"]
    assert brief["outlook"] == plain["outlook"]


def test_a_finished_runs_record_carries_the_brief_of_the_snapshot_on_screen(moments: list[Snapshot]) -> None:
    early, late = moments
    run = ChecklistRun(SWING, "demo cascade-2026-01", T0, snapshot=early)
    assert run.start() == [Claim()]
    run.claimed(None)
    [step_1] = run.next("", T0)
    assert isinstance(step_1, Write) and finished_brief(step_1.draft, 12) is None  # not decided: no brief
    run.show(late)  # fresher readings arrive before the decision
    for second in range(1, 4):
        run.next("", T0 + timedelta(seconds=second))
    run.decide("wait")
    [write] = run.next("", T0 + timedelta(seconds=10))
    assert isinstance(write, Write) and write.draft.moment is late
    brief = finished_brief(write.draft, HOLD_H[SWING])
    same_moment(brief, late)
    assert brief is not None and brief["cause_map"]["episode_start"] is not None
    run.leave("")  # Esc while the save is out: what is retried is no longer decided, and keeps no brief
    assert run.unsaved is not None and finished_brief(run.unsaved, 12) is None


def test_the_writer_keeps_the_brief_with_the_decided_run_and_drops_it_when_reopened(
        moments: list[Snapshot]) -> None:
    late = moments[1]
    write = decided(ChecklistRun(SWING, "demo", T0), late)
    writer = RunWriter()
    brief = finished_brief(write.draft, 12)
    run_id = writer.write(write.draft, T0, brief=brief)
    con = connect()
    try:
        assert run_id is not None
        record = load_run(con, run_id)
        assert record is not None and record.status == "done"
        assert record.brief == json.loads(json.dumps(brief))
        same_moment(dict(record.brief or {}), late)
        undecided = type(write.draft)(revision=write.draft.revision + 1, started_at=T0, profile=SWING,
                                      source="demo", steps=write.draft.steps)
        writer.write(undecided, T0)  # the trader went back before leaving: the run is open again
        reopened = load_run(con, run_id)
        assert reopened is not None and reopened.status == "unfinished" and reopened.brief is None
    finally:
        con.close()


class Host(App[None]):
    """Pushes the checklist on mount and collects its result."""

    def __init__(self, screen: ChecklistScreen) -> None:
        super().__init__()
        self.checklist = screen
        self.results: list[str | None] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), "gain": "#2ECC71", "loss": "#FF4D4D",
                "stale": "#7F8C8D", "alert": "#FF4D4D"}

    def on_mount(self) -> None:
        self.push_screen(self.checklist, self.results.append)


async def settle(app: App[None], pilot: Pilot[None]) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def test_finishing_a_run_on_the_demo_stores_the_brief_of_that_moment(moments: list[Snapshot]) -> None:
    early, late = moments
    current = [early]
    app = Host(ChecklistScreen(lambda: current[0], SWING, "demo cascade-2026-01", clock=lambda: T0))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("n", "n", "n")
        current[0] = late  # the cockpit's next evaluation lands while the trader is on step 4
        app.checklist.refresh_timer()
        await pilot.press("n", "w", "enter")
        await settle(app, pilot)
        assert app.results == ["wait"]
    con = connect()
    try:
        [run] = list_runs(con)
    finally:
        con.close()
    assert run.status == "done" and run.brief is not None
    same_moment(dict(run.brief), late)
    assert run.brief == json.loads(json.dumps(snapshot_brief(late, HOLD_H[SWING])))


def seed_old_and_new(late: Snapshot) -> None:
    """A run finished before briefs were kept, and a newer one with the brief of its moment."""
    con = connect()
    try:
        for started, brief in ((T0, None), (T0 + timedelta(days=1), snapshot_brief(late, 12))):
            run_id = start_run(con, started, "swing", "demo cascade-2026-01")
            for number in range(1, 6):
                chosen = "wait" if number == 5 else None
                save_step(con, run_id, record_step(step_view(number, None, SWING), chosen, "", 20.0), started)
            finish_run(con, run_id, started + timedelta(minutes=3), "wait", "", brief)
    finally:
        con.close()


def test_export_shows_each_runs_brief_and_says_when_an_old_run_has_none(
        capsys: pytest.CaptureFixture[str], moments: list[Snapshot]) -> None:
    late = moments[1]
    seed_old_and_new(late)
    assert main(["checklist", "export", "--format", "json"]) == 0
    old, new = json.loads(capsys.readouterr().out)
    assert old["brief"] is None
    same_moment(new["brief"], late)
    assert [s["id"] for s in new["brief"]["cause_map"]["stages"]][0] == "narrative_shock"
    assert main(["checklist", "history", "--json"]) == 0
    assert [r["brief"] for r in json.loads(capsys.readouterr().out)] == [old["brief"], new["brief"]]

    assert main(["checklist", "export"]) == 0
    text = capsys.readouterr().out
    first, second = text.split("\n## ")[1:]
    assert "No brief was kept with this run" in first and "| stage | reached | evidence |" not in first
    regime = snapshot_json(late)["regime"]
    assert f"### Brief at {new['brief']['as_of']}" in second
    assert f"Regime **{regime['label']}**" in second and "| stage | reached | evidence |" in second
    assert "| rates and dollar reprice |" in second


def test_a_story_told_from_the_snapshot_alone_leaves_out_only_the_bars_evidence() -> None:
    from cockpit.story import moment_story

    config = load_config()
    source = SimulatorSource("cascade-2026-01", 7, universe=config.universe)
    state = source.state_at(source.scenario.start + timedelta(hours=50))  # the shock is inside the window
    snap = build_snapshot(state, config.profile(SWING), config.universe)
    with_bars = moment_story(state, snap, config.universe, 12)
    alone = moment_story(None, snap, None, 12)
    assert alone.spans == with_bars.spans and alone.thin_now == with_bars.thin_now
    assert alone.cause_map.episode_start == with_bars.cause_map.episode_start
    bars_only = {"narrative_shock", "equities_gap"}  # shocks and leaders' gaps are read from the bars
    kept = [s for s in alone.cause_map.stages if s.id not in bars_only]
    assert kept == [s for s in with_bars.cause_map.stages if s.id not in bars_only]
    full = {s.id: s for s in with_bars.cause_map.stages}
    lone = {s.id: s for s in alone.cause_map.stages}
    assert "its vol" in (full["narrative_shock"].evidence or "") and lone["narrative_shock"].reached_at is None
    # the equities stage is read from the bars (a leaders' gap) or from LEADERSHIP_BREAK: without the bars only
    # the flag can reach it, never earlier than the full story does
    assert full["equities_gap"].reached_at is not None
    lone_at = lone["equities_gap"].reached_at
    assert lone_at is None or lone_at >= full["equities_gap"].reached_at


async def test_a_brief_that_cannot_be_told_never_costs_the_decision(
        moments: list[Snapshot], monkeypatch: pytest.MonkeyPatch) -> None:
    import cockpit.brief

    def broken(draft: object, hold_h: int) -> None:
        raise KeyError("regime")

    monkeypatch.setattr(cockpit.brief, "finished_brief", broken)
    app = Host(ChecklistScreen(lambda: moments[1], SWING, "demo", clock=lambda: T0))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("n", "n", "n", "n", "r", "enter")
        await settle(app, pilot)
        assert app.results == ["reduce"]
    con = connect()
    try:
        [run] = list_runs(con)
    finally:
        con.close()
    assert run.decision == "reduce" and run.brief is None
