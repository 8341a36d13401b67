"""Ages follow a simulated clock between bars, without re-evaluating the market."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from textual.content import Content

from cockpit.sources.simulator import SimulatorSource
from cockpit.widgets.format import age_changes_in, age_text
from cockpit.widgets.macro import MacroPane
from tests.test_app_helpers import FrozenClock, cached_simulator, cockpit, make_app, settle

__all__ = ["cached_simulator"]


def _macro_age(screen: Any) -> str:
    """The US10Y row's age on the Macro pane."""
    return str(screen.query_one(MacroPane).figures_text.splitlines()[0])


def _cascade_age(screen: Any) -> str:
    """LIQUIDATION_CASCADE's age on the flag list. The flags' ages were counted from their span's start to the
    moment judged: paused between bars (or a live hour without a new bar) the cascade read `3s` for the 52
    minutes after it fired."""
    from cockpit.models import FlagId
    from cockpit.widgets.flags import FlagList

    (row,) = [r for r in screen.query_one(FlagList).rows
              if r.flag.id is FlagId.LIQUIDATION_CASCADE and r.ended is None]
    return str(Content.from_markup(row.markup()).plain.split()[1])


@pytest.mark.parametrize(("hours", "shown"), [(36, _macro_age), (63, _cascade_age)], ids=["data", "flag"])
async def test_ages_follow_a_simulated_clock_between_bars(hours: int, shown: Callable[[Any], str]) -> None:
    source_clock = FrozenClock(0.0)
    source = SimulatorSource("cascade-2026-01", 7, start_offset=timedelta(hours=hours, minutes=1), speed=720.0,
                             monotonic=source_clock)
    app = make_app(lambda: source)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        first = screen.snapshot
        assert first is not None
        assert re.search(r"\b1m\b", shown(screen))
        source_clock.advance(2.0)  # 24 simulated minutes, still inside the same hourly bar
        await pilot.press("r")
        await settle(pilot, lambda: screen.clock is not None and screen.clock.now > first.as_of)
        assert screen.snapshot is first  # same data: nothing re-evaluated
        assert re.search(r"\b25m\b", shown(screen))


@pytest.mark.parametrize("age_s", [0.0, 0.4, 59.5, 60.0, 61.0, 3599.0, 3600.0, 4000.0, 35990.0, 36000.0, 40000.0,
                                   86400.0, 2 * 86400.0 + 5000.0])
def test_an_age_is_redrawn_exactly_when_its_text_changes(age_s: float) -> None:
    wait = age_changes_in(age_s)
    assert wait > 0
    assert age_text(age_s + wait - 0.01) == age_text(age_s)
    assert age_text(age_s + wait + 0.01) != age_text(age_s)
