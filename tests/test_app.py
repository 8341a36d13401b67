"""Pilot tests: every key of the cockpit, asserting on what the widgets show."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

import pytest
from test_app_helpers import (  # noqa: F401
    FrozenClock,
    ScriptedSource,
    cached_simulator,
    cockpit,
    entered,
    make_app,
    settle,
    settle_ui,
    simulator,
)
from textual.command import CommandPalette

from cockpit.app import PALETTE, CockpitApp
from cockpit.config import load_config
from cockpit.messages import SnapshotComputed
from cockpit.models import Flag, FlagId, ProfileName, Severity
from cockpit.screens.evidence import FlagEvidenceScreen
from cockpit.screens.help import HelpScreen
from cockpit.widgets.flags import FlagList
from cockpit.widgets.format import age_text
from cockpit.widgets.header import CockpitHeader
from cockpit.widgets.sizing import SizingPane

SIZE = (160, 45)


def header_text(app: Any) -> str:
    return str(cockpit(app).query_one(CockpitHeader).visual)


def record_notifications(app: CockpitApp) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    original = app.notify

    def notify(message: str, *, title: str = "", severity: Any = "information", **kw: Any) -> None:
        seen.append((message, str(severity)))
        original(message, title=title, severity=severity, **kw)

    app.notify = notify  # type: ignore[method-assign]
    return seen


async def test_all_six_panes_show_titles_and_figures_at_160x45() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        titles = {w.id: w.border_title for w in screen.query(".pane") if w.display}  # the Book has a page of its own
        assert titles == {"macro": "Macro", "leadership": "Leadership", "crypto": "Crypto structure",
                          "correlation": "Correlation", "sizing": "Sizing", "flags": "Flags"}
        for pane_id in titles:
            region = screen.query_one(f"#{pane_id}").region
            assert region.width > 20 and region.height > 10 and region.right <= 160 and region.bottom <= 45
        snap = screen.snapshot
        assert snap is not None
        m, c = snap.readings.macro, snap.readings.correlation
        macro = screen.query_one("#macro").figures_text  # type: ignore[attr-defined]
        assert f"US10Y   {m.us10y:.3f}%" in macro and f"{m.us10y_change_bp:+.1f}bp" in macro
        assert f"{m.dxy:.2f}" in macro and f"{m.dxy_change_pct:+.2f}%" in macro
        verdict = str(screen.query_one("#macro .verdict").visual)  # type: ignore[attr-defined]
        assert f"risk budget {m.risk_budget.upper()}" in verdict  # type: ignore[union-attr]
        crypto = screen.query_one("#crypto").figures_text  # type: ignore[attr-defined]
        assert "funding" in crypto and "OI" in crypto and "liq L/S" in crypto and "$" in crypto
        corr = screen.query_one("#correlation").figures_text  # type: ignore[attr-defined]
        assert f"{c.c1h.value:+.2f}" in corr and f"{c.c1h.n}/{c.c1h.window}" in corr
        assert f"{c.c4h.n}/{c.c4h.window}" in corr
        assert "CLOSED" in str(screen.query_one("#leadership").border_subtitle)
        header = header_text(app)
        assert "DEMO" in header and "cascade-2026-01" in header and "Fri 2026-01-30 22:00Z" in header
        assert "SWING" in header and snap.regime.label.value.replace("_", " ").upper() in header
        assert f"size ×{snap.regime.multiplier:.2f}" in header
        assert f"oldest data {age_text(snap.readings.leadership.age_s)} (leaders, closed)" in header


async def test_p_cycles_profile_and_the_panes_follow() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        seen = []
        for expected in (ProfileName.LONG, ProfileName.SHORT, ProfileName.SWING):
            await pilot.press("p")
            assert f"profile {expected.value.upper()}" in header_text(app)
            await settle(pilot, lambda e=expected: screen.snapshot is not None and screen.snapshot.judged
                         and screen.snapshot.profile is e)
            lookback = load_config().profile(expected).macro_lookback_h
            assert f"changes over {lookback}h ({expected.value})" in screen.query_one("#macro").figures_text
            seen.append(expected)
        assert seen == [ProfileName.LONG, ProfileName.SHORT, ProfileName.SWING]


async def test_question_mark_lists_every_key() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        body = str(app.screen.query_one("#help-body").visual)  # type: ignore[attr-defined]
        for key, words in (("p", "Cycle profile"), ("c", "checklist"), ("s", "sizing"), ("f", "flags"),
                           ("r", "Poll the source"), ("space", "Pause"), ("+", "faster"), ("-", "slower"),
                           ("t", "theme"), ("?", "This help"), ("q", "Quit"), ("n", "Next page")):
            assert any(line.split()[:1] == [key] and words in line for line in body.splitlines()), key
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_quits_with_status_0() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running and (app.return_code or 0) == 0


def test_quitting_within_a_frame_of_the_start_is_a_clean_exit() -> None:
    app = make_app(notice="no source")  # nothing to wait for: the calculator is asked for at once

    async def quit_now(pilot: Any) -> None:
        pilot.app.exit()

    app.run(headless=True, size=SIZE, auto_pilot=quit_now)
    assert (app.return_code or 0) == 0 and app.crash_message is None and not app.crash_reports


async def test_a_calculator_mount_due_after_the_screen_closed_does_nothing() -> None:
    source = ScriptedSource([simulator().poll()])
    source.gate = threading.Event()  # no figures: the calculator is not asked for
    app = make_app(lambda: source)
    async with app.run_test(size=SIZE) as pilot:
        await entered(pilot, source)
        slot = cockpit(app).sizing
        source.gate.set()
        app.exit()
    await slot._mount_calculator()  # a mount asked for in the screen's last frame runs after it closed
    assert slot.calculator is None


async def test_the_sizing_calculator_comes_after_the_first_figures_or_when_asked_for() -> None:
    source = ScriptedSource([simulator().poll()])
    source.gate = threading.Event()  # the first poll waits: no figures yet
    app = make_app(lambda: source)
    async with app.run_test(size=SIZE) as pilot:
        await entered(pilot, source)
        screen = cockpit(app)
        assert screen.sizing.calculator is None and not screen.query(SizingPane)
        source.gate.set()
        await settle(pilot, lambda: screen.snapshot is not None and screen.sizing.calculator is not None)
        assert isinstance(screen.sizing.calculator, SizingPane)
    waiting = ScriptedSource([simulator().poll()])
    waiting.gate = threading.Event()
    app = make_app(lambda: waiting)
    async with app.run_test(size=SIZE) as pilot:
        await entered(pilot, waiting)
        await pilot.press("s")
        await settle_ui(pilot, lambda: cockpit(app).sizing.calculator is not None)
        calculator = cockpit(app).sizing.calculator
        assert app.focused is not None and calculator in app.focused.ancestors
        waiting.gate.set()


async def test_c_opens_the_checklist_with_the_live_snapshot() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert type(app.screen).__name__ == "ChecklistScreen"
        assert app.screen._provider() is cockpit(app).snapshot  # type: ignore[attr-defined]


async def test_s_focuses_sizing_and_f_focuses_flags_whose_enter_opens_the_evidence() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        await pilot.press("s")
        assert app.focused is not None and screen.query_one("#sizing") in (app.focused, *app.focused.ancestors)
        await pilot.press("escape")
        await pilot.press("f")
        assert isinstance(app.focused, FlagList)
        flag_list = app.focused
        assert screen.snapshot is not None and len(screen.snapshot.flags) >= 1
        assert {r.flag.id for r in flag_list.rows} == {f.id for f in screen.snapshot.flags}
        await pilot.press(*["down"] * (len(flag_list.rows) - 1), "enter")
        await pilot.pause()
        assert isinstance(app.screen, FlagEvidenceScreen)
        chosen = flag_list.rows[-1].flag
        body = str(app.screen.query_one("#evidence-body").visual)  # type: ignore[attr-defined]
        assert chosen.id.value in body and all(key in body for key in chosen.evidence)
        await pilot.press("escape")
        assert app.screen is screen


async def test_r_polls_now() -> None:
    sources: list[Any] = []

    def factory() -> Any:
        sources.append(simulator())
        return sources[-1]

    app = make_app(factory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: cockpit(app).feed is not None and not cockpit(app).feed.busy)  # poll over
        feed = cockpit(app).feed
        assert feed is not None and feed.polls == 1
        await pilot.press("r")
        await settle(pilot, lambda: feed.polls == 2)


async def test_space_pauses_and_plus_minus_change_the_simulator_speed() -> None:
    sources: list[Any] = []

    def factory() -> Any:
        sources.append(simulator())
        return sources[-1]

    app = make_app(factory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sim = sources[0]
        await pilot.press("space")
        await settle(pilot, lambda: "PAUSED" in header_text(app))
        assert sim.paused
        await pilot.press("space")
        await settle(pilot, lambda: "▶ ×720" in header_text(app))
        assert not sim.paused
        await pilot.press("plus")
        await settle(pilot, lambda: "▶ ×1440" in header_text(app))
        await pilot.press("minus", "minus")
        await settle(pilot, lambda: "▶ ×360" in header_text(app))
        assert sim.speed == 360


async def test_clock_keys_are_no_ops_with_a_notification_on_a_source_without_a_clock() -> None:
    from test_app_helpers import ScriptedSource

    source = ScriptedSource([simulator().poll()])
    app = make_app(lambda: source)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        notes = record_notifications(app)
        await pilot.press("space", "plus", "minus")
        await pilot.pause()
        assert len([n for n in notes if "only the simulator and replays have a clock" in n[0]]) == 3


async def test_t_cycles_the_cockpit_themes() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "cockpit-dark"
        await pilot.press("t")
        assert app.theme == "cockpit-light"
        await pilot.press("t")
        assert app.theme == "cockpit-contrast"
        assert app.theme_variables["gain"].upper() == "#56B4E9"


async def test_keys_are_remappable_from_the_config(isolated_dirs: Path) -> None:
    (isolated_dirs / "config" / "config.toml").write_text('[keys]\nprofile = "x"\nquit = "ctrl+q"\n')
    app = make_app(config=load_config())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        assert "profile SWING" in header_text(app)
        await pilot.press("x")
        assert "profile LONG" in header_text(app)
        await pilot.press("q")
        assert app.is_running
        keys = {k.action: k.key for k in app.key_help()}
        assert keys["profile"] == "x" and keys["quit"] == "^q"


async def test_the_command_palette_offers_every_action() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {title for title, _, _ in PALETTE} <= titles and "Cycle theme" in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert CommandPalette.is_open(app)
        await pilot.press(*"Cycle profile")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert "profile LONG" in header_text(app)


async def test_a_new_critical_flag_notifies_and_rings_the_bell_once(isolated_dirs: Path) -> None:
    app = make_app()
    bells: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        notes = record_notifications(app)
        screen = cockpit(app)
        assert screen.snapshot is not None and screen.clock is not None
        cascade = Flag(FlagId.LIQUIDATION_CASCADE, Severity.CRITICAL, "Liquidation cascade: test", {"z": 4.2})
        critical = dataclasses.replace(screen.snapshot, flags=(cascade, *screen.snapshot.flags))
        for _ in range(2):
            screen.post_message(SnapshotComputed("market", critical, screen.clock, 2000.0))
            await pilot.pause()
        assert notes.count(("Liquidation cascade: test", "error")) == 1 and bells == [1]
        rows = screen.query_one(FlagList).rows
        assert rows[0].flag.id is FlagId.LIQUIDATION_CASCADE and rows[0].age_s == 0


async def test_the_bell_can_be_turned_off(isolated_dirs: Path) -> None:
    (isolated_dirs / "config" / "config.toml").write_text("[alerts]\nbell = false\n")
    app = make_app(config=load_config())
    bells: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        screen = cockpit(app)
        assert screen.snapshot is not None and screen.clock is not None
        cascade = Flag(FlagId.LIQUIDATION_CASCADE, Severity.CRITICAL, "Liquidation cascade: test")
        screen.post_message(SnapshotComputed("market", dataclasses.replace(screen.snapshot, flags=(cascade,)),
                                             screen.clock, 2000.0))
        await pilot.pause()
        assert bells == []


async def test_a_snapshot_for_a_profile_no_longer_active_is_ignored() -> None:
    app = make_app(profile=ProfileName.SHORT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        assert screen.snapshot is not None and screen.clock is not None
        before = screen.snapshot
        stale = dataclasses.replace(before, profile=ProfileName.LONG)
        screen.post_message(SnapshotComputed("market", stale, screen.clock, 2000.0))
        await pilot.pause()
        assert screen.snapshot is before


async def test_without_a_source_a_notice_says_so_and_d_starts_the_demo() -> None:
    app = make_app(notice="live sources are not available: press d for the demo",
                   demo_factory=lambda: simulator())
    async with app.run_test(size=SIZE) as pilot:
        await settle_ui(pilot, lambda: bool(cockpit(app).query("#macro .verdict")))  # the real panes, mounted
        assert "live sources are not available" in header_text(app)
        assert "waiting" in str(cockpit(app).query_one("#macro .verdict").visual)  # type: ignore[attr-defined]
        await pilot.press("d")
        await settle(pilot)
        assert "DEMO" in header_text(app) and "not available" not in header_text(app)


async def test_the_demo_started_after_a_profile_change_runs_the_profile_on_screen() -> None:
    app = make_app(notice="live sources are not available: press d for the demo",
                   demo_factory=lambda: simulator())
    async with app.run_test(size=SIZE) as pilot:
        await settle_ui(pilot, lambda: bool(cockpit(app).query("#macro .verdict")))
        screen = cockpit(app)
        started = screen.profile
        await pilot.press("p")
        assert screen.profile is not started
        await pilot.press("d")
        await settle(pilot)  # the feed evaluates the profile on screen, not the one the app started with
        assert screen.snapshot is not None and screen.snapshot.profile is screen.profile


async def test_a_bad_data_file_ends_the_app_with_status_2() -> None:
    from cockpit.errors import DataError

    def factory() -> Any:
        raise DataError("bars.csv: not bar data: missing column 'close'")

    app = make_app(factory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: not app.is_running or app.error_message is not None)
    assert app.return_code == 2 and app.error_message == "bars.csv: not bar data: missing column 'close'"


async def test_an_unchanged_journal_does_not_repaint_the_sizing_calculator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every snapshot re-reads the journal's round trips; its border subtitle was set again each time, and a
    border title repaints the whole slot even when it is the same (three repaints a minute, live)."""
    from cockpit.screens.sizing_slot import SizingSlot

    app = make_app(clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        await settle_ui(pilot, lambda: cockpit(app).sizing.calculator is not None)
        await settle(pilot)
        slot = cockpit(app).sizing
        repaints: list[object] = []
        real = SizingSlot.refresh

        def counted(self: SizingSlot, *args: Any, **kwargs: Any) -> Any:
            if self is slot:
                repaints.append(args)
            return real(self, *args, **kwargs)

        monkeypatch.setattr(SizingSlot, "refresh", counted)
        read_before = slot._trips_stamp
        slot.refresh_round_trips()
        await settle_ui(pilot, lambda: not slot._reading_trips)
        assert slot._trips_stamp == read_before  # the journal was read again and had not changed
        assert repaints == []


async def test_no_pane_repaints_when_nothing_changed() -> None:
    app = make_app(clock=FrozenClock())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        views = {p.id: p.view for p in screen.panes()}
        from cockpit.widgets.charts import Chart

        builds = {c.id or str(i): c.builds for i, c in enumerate(screen.query(Chart))}
        screen.render_all()
        await pilot.pause()
        assert {p.id: p.view for p in screen.panes()} == views
        assert {c.id or str(i): c.builds for i, c in enumerate(screen.query(Chart))} == builds
