"""Ages follow a simulated clock between bars, without re-evaluating the market."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.content import Content

from cockpit.sources.simulator import SimulatorSource
from cockpit.widgets.format import age_changes_in, age_text
from cockpit.widgets.macro import MacroPane
from tests.test_app_helpers import FrozenClock, cached_simulator, cockpit, make_app, settle

__all__ = ["cached_simulator"]


async def test_ages_follow_a_simulated_clock_between_bars() -> None:
    source_clock = FrozenClock(0.0)
    source = SimulatorSource("cascade-2026-01", 7, start_offset=timedelta(hours=36, minutes=1), speed=720.0,
                             monotonic=source_clock)
    app = make_app(lambda: source)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        first = screen.snapshot
        assert first is not None
        assert "1m" in screen.query_one(MacroPane).figures_text.splitlines()[0]
        source_clock.advance(2.0)  # 24 simulated minutes, still inside the same hourly bar
        await pilot.press("r")
        await settle(pilot, lambda: screen.clock is not None and screen.clock.now > first.as_of)
        assert screen.snapshot is first  # same data: nothing re-evaluated
        assert "25m" in screen.query_one(MacroPane).figures_text.splitlines()[0]


@pytest.mark.parametrize("age_s", [0.0, 0.4, 59.5, 60.0, 61.0, 3599.0, 3600.0, 4000.0, 35990.0, 36000.0, 40000.0,
                                   86400.0, 2 * 86400.0 + 5000.0])
def test_an_age_is_redrawn_exactly_when_its_text_changes(age_s: float) -> None:
    wait = age_changes_in(age_s)
    assert wait > 0
    assert age_text(age_s + wait - 0.01) == age_text(age_s)
    assert age_text(age_s + wait + 0.01) != age_text(age_s)


async def test_a_flags_age_follows_the_clock_between_bars() -> None:
    """The flags' ages counted from their span's start to the moment judged: paused between bars (or a live hour
    without a new bar) LIQUIDATION_CASCADE read `3s` for the 52 minutes after it fired."""
    from cockpit.models import FlagId
    from cockpit.widgets.flags import FlagList

    source_clock = FrozenClock(0.0)
    source = SimulatorSource("cascade-2026-01", 7, start_offset=timedelta(hours=63, minutes=1), speed=720.0,
                             monotonic=source_clock)
    app = make_app(lambda: source)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        first = screen.snapshot
        assert first is not None

        def cascade_line() -> str:
            rows = screen.query_one(FlagList).rows
            (row,) = [r for r in rows if r.flag.id is FlagId.LIQUIDATION_CASCADE and r.ended is None]
            return Content.from_markup(row.markup()).plain

        assert cascade_line().split()[1] == "1m"
        source_clock.advance(2.0)  # 24 simulated minutes, still inside the same hourly bar
        await pilot.press("r")
        await settle(pilot, lambda: screen.clock is not None and screen.clock.now > first.as_of)
        assert screen.snapshot is first  # same data: nothing re-evaluated
        assert cascade_line().split()[1] == "25m"
