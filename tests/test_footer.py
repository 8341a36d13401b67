"""The footer is one line of keys: drawn with the first frame, redrawn once per change of the keys it shows.

Textual's Footer drew no key until the screen's first notice that its bindings may have changed, then rebuilt
a widget per key at every notice (eleven at start-up here), while the first figures were on their way.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from test_app_helpers import ScriptedSource, cockpit, make_app, settle, simulator

from cockpit.screens.checklist import ChecklistScreen
from cockpit.widgets.footer import CockpitFooter


def footer_of(app: Any) -> CockpitFooter:
    return app.screen.query_one(CockpitFooter)


def count_redraws(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each redraw of a cockpit footer's keys (the keys it showed changed), as it happens."""
    redraws: list[str] = []
    look = CockpitFooter._redraw_if_changed

    def counted(self: CockpitFooter) -> None:
        before = self._shown
        look(self)
        if self._shown != before:
            redraws.append(self.text)

    monkeypatch.setattr(CockpitFooter, "_redraw_if_changed", counted)
    return redraws


async def test_the_keys_are_in_the_first_frame() -> None:
    source = ScriptedSource([simulator().poll()])
    source.gate = threading.Event()  # no figures: the first frame alone
    app = make_app(lambda: source)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        text = footer_of(app).text
        assert "p Profile" in text and "c Checklist" in text and "q Quit" in text
        assert "Start demo" not in text  # the feed comes with the panes: nothing to start by hand
        source.gate.set()


async def test_start_up_redraws_the_footer_once_per_change_of_its_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    redraws = count_redraws(monkeypatch)
    app = make_app(lambda: simulator())
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.pause()
        assert "Profile" in footer_of(app).text and "Pause" in footer_of(app).text
    # drawn with the first frame; at most once more when the real panes are in (the focus moves)
    assert len(redraws) <= 1


async def test_the_footer_follows_a_change_of_its_keys() -> None:
    app = make_app(None, notice="live sources are not available: press d for the demo",
                   demo_factory=lambda: simulator())
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert "d Start demo" in footer_of(app).text
        await pilot.press("d")
        await settle(pilot)
        await pilot.pause()
        assert cockpit(app).feed is not None
        assert "Start demo" not in footer_of(app).text


async def test_a_click_on_a_key_presses_it() -> None:
    app = make_app(lambda: simulator())
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        column = footer_of(app).text.index("c Checklist") + 4  # on its label
        assert await pilot.click(CockpitFooter, offset=(column, 0))
        await pilot.pause()
        assert isinstance(app.screen, ChecklistScreen)
