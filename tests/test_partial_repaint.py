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

from cockpit.widgets.flags import FlagList
from cockpit.widgets.pane import Pane
from cockpit.widgets.text_block import TextBlock


async def _drawn_and_redrawn(pilot: Any) -> tuple[str, str]:
    app = pilot.app
    drawn = app.export_screenshot()
    for widget in app.screen.query(Widget):
        widget.refresh()  # forgets every kept line: each is drawn again from the widget's state
    await pilot.pause()
    return drawn, app.export_screenshot()


async def _next_bar(pilot: Any, source: Any) -> None:
    """One more hour of the simulator, polled and judged on screen."""
    screen = cockpit(pilot.app)
    as_of = screen.snapshot.as_of
    source.step(1)
    await pilot.press("r")
    await settle(pilot, lambda: screen.snapshot.as_of > as_of and screen.snapshot.judged)


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
            await _next_bar(pilot, source)
            drawn, redrawn = await _drawn_and_redrawn(pilot)
            assert _first_difference(drawn, redrawn) is None
    # the narrow repaints were exercised: subtitles moved with the ages, blocks changed some of their lines
    assert len(subtitles) >= 8 and len(narrowed) >= 8


async def test_bars_that_change_only_figures_lay_the_screen_out_rarely(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the cascade's first day (flags fire and end, markets close for the weekend, figures come and go)
    the screen is laid out again only when something grows past the height it had: a figure block, the header
    and the flag list keep their tallest height, the sizing entry keeps its length."""
    from textual.screen import Screen

    source = simulator(timedelta(hours=96))
    layouts: list[int] = []
    refresh_layout = Screen._refresh_layout

    def counted(screen: Screen[Any], *args: Any, **kwargs: Any) -> None:
        layouts.append(1)
        refresh_layout(screen, *args, **kwargs)

    app = make_app(lambda: source)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Screen, "_refresh_layout", counted)
        flags_seen = set()
        laid_out = [0]
        for _ in range(24):
            await _next_bar(pilot, source)
            laid_out.append(len(layouts))
            flags_seen.add(tuple(sorted(f.id.value for f in cockpit(app).snapshot.flags)))
        drawn, redrawn = await _drawn_and_redrawn(pilot)
        assert _first_difference(drawn, redrawn) is None
        rows = cockpit(app).query_one(FlagList).tallest
    assert len(flags_seen) >= 3  # the flags did change over these bars
    bars_laid_out = sum(1 for before, after in zip(laid_out, laid_out[1:], strict=False) if after > before)
    assert bars_laid_out <= 4, (laid_out, rows)  # 12 of these 24 bars before; the list grows to 9 rows here
