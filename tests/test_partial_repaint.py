"""What stays on screen between bars is what a full repaint would draw.

A pane whose subtitle alone changed repaints its bottom border line, and a figure block only its changed lines
(cockpit/widgets/pane.py, cockpit/widgets/text_block.py); every other cell keeps what it drew before. These
tests step the demo bar by bar and compare the screen as drawn (`export_screenshot` composes the widgets' kept
lines) with the same screen after every widget was made to draw itself again from nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from test_app_helpers import cached_simulator, cockpit, make_app, settle, simulator  # noqa: F401
from textual.widget import Widget

from cockpit.widgets.pane import Pane
from cockpit.widgets.text_block import TextBlock


async def _drawn_and_redrawn(pilot: Any) -> tuple[str, str]:
    app = pilot.app
    drawn = app.export_screenshot()
    for widget in app.screen.query(Widget):
        widget.refresh()  # forgets every kept line: each is drawn again from the widget's state
    await pilot.pause()
    return drawn, app.export_screenshot()


def _first_difference(drawn: str, redrawn: str) -> tuple[str, str] | None:
    """The first line of the two screenshots that differs (a short failure, not a diff of two SVGs)."""
    drawn, redrawn = (re.sub(r"terminal-\d+", "terminal", svg) for svg in (drawn, redrawn))  # a hash of the whole
    pairs = zip(drawn.splitlines(), redrawn.splitlines(), strict=False)
    found = next(((a, b) for a, b in pairs if a != b), None)
    if found is None and len(drawn) != len(redrawn):
        return drawn[-200:], redrawn[-200:]
    return found


@pytest.mark.parametrize("size", [(160, 45), (100, 30)])
async def test_the_screen_after_each_bar_equals_a_full_repaint(size: tuple[int, int],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    source = simulator(timedelta(hours=40))  # the week before the cascade's shock, into its first hours
    subtitles: list[str] = []
    narrowed: list[list[int]] = []
    subtitle_only, changed_rows = Pane._set_subtitle, TextBlock.changed_rows

    def counted(pane: Pane, subtitle: str) -> None:
        subtitles.append(subtitle)
        subtitle_only(pane, subtitle)

    def rows(block: TextBlock, lines: list[str]) -> list[int] | None:
        found = changed_rows(block, lines)
        if found:
            narrowed.append(found)
        return found

    monkeypatch.setattr(Pane, "_set_subtitle", counted)
    monkeypatch.setattr(TextBlock, "changed_rows", rows)
    app = make_app(lambda: source)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for _ in range(8):
            as_of = cockpit(app).snapshot.as_of
            source.step(1)
            await pilot.press("r")
            moved = lambda before=as_of: cockpit(app).snapshot.as_of > before and cockpit(app).snapshot.judged  # noqa: E731
            await settle(pilot, moved)
            drawn, redrawn = await _drawn_and_redrawn(pilot)
            assert _first_difference(drawn, redrawn) is None
    # the narrow repaints were exercised: subtitles moved with the ages, blocks changed some of their lines
    assert len(subtitles) >= 8 and len(narrowed) >= 8
