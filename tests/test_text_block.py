"""Figure blocks change in place: the screen is laid out again only when a block's new text changes its height."""

from __future__ import annotations

from typing import Any

import pytest
from test_app_helpers import cached_simulator, make_app, settle  # noqa: F401
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Static

from cockpit.widgets.text_block import markup_content, update_text


class Host(App[None]):
    """An auto-height block over a fixed-height line, and a hidden block."""

    CSS = "#fixed { height: 1; } #hidden { display: none; }"

    def compose(self) -> ComposeResult:
        yield Static("a\nb", id="auto")
        yield Static("verdict", id="fixed")
        yield Static("x", id="hidden")


def _count_layouts(block: Static, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    asked: list[bool] = []
    refresh = block.refresh

    def spy(*regions: Any, **options: Any) -> Any:
        asked.append(bool(options.get("layout")))
        return refresh(*regions, **options)

    monkeypatch.setattr(block, "refresh", spy)
    return asked


async def test_new_text_of_the_same_height_repaints_without_a_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Host().run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        auto, fixed = pilot.app.query_one("#auto", Static), pilot.app.query_one("#fixed", Static)
        asked = _count_layouts(auto, monkeypatch)
        update_text(auto, "c\nd")
        update_text(fixed, "another verdict")
        assert asked == [False] and not pilot.app.screen._layout_required
        await pilot.pause()
        assert str(auto.visual) == "c\nd" and auto.size.height == 2


async def test_a_block_that_grows_is_laid_out_again(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Host().run_test(size=(40, 10)) as pilot:
        auto = pilot.app.query_one("#auto", Static)
        asked = _count_layouts(auto, monkeypatch)
        update_text(auto, "c\nd\ne")
        assert asked == [False, True]
        await pilot.pause()
        assert auto.size.height == 3 and pilot.app.query_one("#fixed").region.y == 3
        update_text(auto, "a line far too long for forty cells, so it wraps onto a fourth")
        await pilot.pause()
        assert auto.size.height == 2


async def test_a_hidden_block_takes_new_text_without_a_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Host().run_test(size=(40, 10)) as pilot:
        hidden = pilot.app.query_one("#hidden", Static)
        asked = _count_layouts(hidden, monkeypatch)
        update_text(hidden, "y\nz")
        assert asked == [False]
        hidden.display = True
        await pilot.pause()
        assert hidden.size.height == 2


async def test_every_panes_figures_read_the_same_parsed_line_by_line() -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        bodies = [pane.view.body for pane in app.cockpit.panes()]
    assert len(bodies) >= 6 and all(markup_content(body) == Content.from_markup(body) for body in bodies)


def test_a_style_spanning_lines_is_parsed_whole() -> None:
    markup = "[$stale]source failing: timeout\nafter 10s[/]\nnext"
    assert markup_content(markup) == Content.from_markup(markup)
    assert markup_content(markup).spans[0].end == len("source failing: timeout\nafter 10s")
