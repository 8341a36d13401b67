"""Figure blocks change in place: the screen is laid out again only when a block's new text changes its height."""

from __future__ import annotations

from typing import Any

import pytest
from test_app_helpers import cached_simulator, make_app, settle  # noqa: F401
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region
from textual.widgets import Static

from cockpit.widgets.text_block import TextBlock, markup_content, update_text


class Host(App[None]):
    """An auto-height block over a fixed-height line, and a hidden block."""

    CSS = "#fixed { height: 1; } #hidden { display: none; }"

    def compose(self) -> ComposeResult:
        yield TextBlock("a\nb", id="auto")
        yield TextBlock("verdict", id="fixed")
        yield TextBlock("x", id="hidden")


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
        auto, fixed = pilot.app.query_one("#auto", TextBlock), pilot.app.query_one("#fixed", TextBlock)
        asked = _count_layouts(auto, monkeypatch)
        update_text(auto, "c\nd")
        update_text(fixed, "another verdict")
        assert asked == [False] and not pilot.app.screen._layout_required
        await pilot.pause()
        assert str(auto.visual) == "c\nd" and auto.size.height == 2


async def test_changed_lines_that_fit_are_not_measured_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new figure as short as the width leaves the block's height its line count: the text is not wrapped
    again to find that out (Textual would wrap the whole block); a line too long for the width is measured."""
    async with Host().run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        auto = pilot.app.query_one("#auto", TextBlock)
        measured: list[int] = []
        measure = auto.get_content_height

        def counting(container: Any, viewport: Any, width: int) -> int:
            measured.append(width)
            return measure(container, viewport, width)

        monkeypatch.setattr(auto, "get_content_height", counting)
        update_text(auto, "[b]c 1.25[/b]\nd")
        assert measured == []
        update_text(auto, "[b]c 1.25[/b]\n" + "d" * 41)  # one cell more than the width: it wraps
        assert measured == [40]
        await pilot.pause()
        assert auto.size.height == 3


async def test_a_block_that_grows_is_laid_out_again(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Host().run_test(size=(40, 10)) as pilot:
        auto = pilot.app.query_one("#auto", TextBlock)
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
        hidden = pilot.app.query_one("#hidden", TextBlock)
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


class Blocks(App[None]):
    """A block of figures in a bordered box with padding, as a pane's are, and a one-line verdict."""

    CSS = "#box { border: round $primary; padding: 0 1; height: auto; } #verdict { height: 1; }"

    def __init__(self, figures: str, verdict: str = "CALM") -> None:
        super().__init__()
        self.figures, self.verdict = figures, verdict

    def compose(self) -> ComposeResult:
        from textual.containers import Vertical

        with Vertical(id="box"):
            yield TextBlock(self.verdict, id="verdict")
            yield TextBlock(self.figures, id="figures")


FIGURES = "\n".join(f"[b]row {i}[/b]  {100 + i:>8.2f}  [$success]+{i}.0%[/]" for i in range(8))


def _drawn(block: Static) -> list[str]:
    return [strip.text for strip in block.render_lines(Region(0, 0, *block.size))]


def _spy_rows(block: Static, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    rows: list[int] = []
    render_line = block.render_line

    def spy(y: int) -> Any:
        rows.append(y)
        return render_line(y)

    monkeypatch.setattr(block, "render_line", spy)
    return rows


async def _fresh(figures: str, verdict: str = "CALM") -> tuple[list[str], list[str]]:
    async with Blocks(figures, verdict).run_test(size=(50, 14)) as pilot:
        await pilot.pause()
        return _drawn(pilot.app.query_one("#figures", Static)), _drawn(pilot.app.query_one("#verdict", Static))


async def test_a_text_block_repaints_only_the_lines_whose_text_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = FIGURES.split("\n")
    lines[2], lines[5] = "[b]row 2[/b]    99.10  [$error]-1.2%[/]", "[b]row 5[/b]   111.00  [$success]+5.5%[/]"
    new = "\n".join(lines)
    async with Blocks(FIGURES).run_test(size=(50, 14)) as pilot:
        await pilot.pause()
        figures = pilot.app.query_one("#figures", TextBlock)
        rows = _spy_rows(figures, monkeypatch)
        update_text(figures, new)
        update_text(pilot.app.query_one("#verdict", TextBlock), "RISK-OFF")
        await pilot.pause()
        assert sorted(set(rows)) == [2, 5]  # the six unchanged lines kept their drawn cells
        drawn = _drawn(figures), _drawn(pilot.app.query_one("#verdict", Static))
    assert drawn == await _fresh(new, "RISK-OFF")  # what a block given that text at once draws


async def test_a_text_block_repaints_whole_when_a_line_wraps_or_the_count_changes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    wrapping = FIGURES.replace("row 3[/b]", "row 3 with a label far too long for the pane[/b]")
    shorter = "\n".join(FIGURES.split("\n")[:5])
    async with Blocks(FIGURES).run_test(size=(50, 14)) as pilot:
        await pilot.pause()
        figures = pilot.app.query_one("#figures", TextBlock)
        rows = _spy_rows(figures, monkeypatch)
        update_text(figures, wrapping)
        await pilot.pause()
        assert figures.size.height == 9 and sorted(set(rows)) == list(range(9))
        assert _drawn(figures) == (await _fresh(wrapping))[0]
        rows.clear()
        update_text(figures, shorter)
        await pilot.pause()
        assert sorted(set(rows)) == list(range(5)) and _drawn(figures) == (await _fresh(shorter))[0]


async def test_text_set_without_update_text_is_repainted_whole_next_time(monkeypatch: pytest.MonkeyPatch) -> None:
    other = FIGURES.replace("row 1[/b]", "row one[/b]")
    async with Blocks(FIGURES).run_test(size=(50, 14)) as pilot:
        await pilot.pause()
        figures = pilot.app.query_one("#figures", TextBlock)
        figures.update(markup_content(other), layout=False)  # the lines it shows are no longer known
        await pilot.pause()
        rows = _spy_rows(figures, monkeypatch)
        update_text(figures, FIGURES)
        await pilot.pause()
        assert sorted(set(rows)) == list(range(8)) and _drawn(figures) == (await _fresh(FIGURES))[0]


async def test_a_line_that_wraps_in_a_fixed_height_block_repaints_the_lines_below_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    wrapping = FIGURES.replace("row 3[/b]", "row 3 with a label far too long for the pane[/b]")
    async with Blocks(FIGURES).run_test(size=(50, 14)) as pilot:
        await pilot.pause()
        figures = pilot.app.query_one("#figures", TextBlock)
        figures.styles.height = 8  # as tall as its eight lines: the wrapped line pushes row 7 out of sight
        await pilot.pause()
        rows = _spy_rows(figures, monkeypatch)
        update_text(figures, wrapping)
        await pilot.pause()
        assert sorted(set(rows)) == list(range(8))
        assert "row 6" in _drawn(figures)[7]  # the row under the wrapped one moved down a line


class Steady(App[None]):
    """A steady figures block over a line that must not move when the block loses a line."""

    CSS = "#under { height: 1; }"

    def compose(self) -> ComposeResult:
        yield TextBlock(FIGURES, id="figures", steady=True)
        yield Static("under", id="under")


async def test_a_steady_block_keeps_its_tallest_height_and_lays_nothing_out_when_it_shrinks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    shorter = "\n".join(FIGURES.split("\n")[:6])
    async with Steady().run_test(size=(50, 14)) as pilot:
        await pilot.pause()
        figures, under = pilot.app.query_one("#figures", TextBlock), pilot.app.query_one("#under", Static)
        assert figures.size.height == 8 and under.region.y == 8
        asked = _count_layouts(figures, monkeypatch)
        update_text(figures, shorter)
        assert True not in asked and not pilot.app.screen._layout_required
        await pilot.pause()
        drawn = _drawn(figures)
        assert figures.size.height == 8 and under.region.y == 8  # the line under it stayed where it was
        fresh = [line.rstrip() for line in (await _fresh(shorter))[0]]
        assert [line.rstrip() for line in drawn] == [*fresh, "", ""]  # two blank rows under it, no stale text
        rows = _spy_rows(figures, monkeypatch)
        update_text(figures, shorter.replace("row 4[/b]", "row four[/b]"))
        await pilot.pause()
        assert sorted(set(rows)) == [4]  # still repaints only the changed line
        update_text(figures, FIGURES + "\n[b]row 8[/b]")  # past its tallest: laid out again, one row taller
        assert asked[-1] is True
        await pilot.pause()
        assert figures.size.height == 9 and under.region.y == 9


async def test_a_steady_block_measures_anew_at_a_new_width() -> None:
    shorter = "\n".join(FIGURES.split("\n")[:6])
    async with Steady().run_test(size=(50, 14)) as pilot:
        await pilot.pause()
        figures = pilot.app.query_one("#figures", TextBlock)
        update_text(figures, shorter)
        await pilot.pause()
        assert figures.size.height == 8
        await pilot.resize_terminal(60, 14)
        await pilot.pause()
        assert figures.size.height == 6  # a resize lays the screen out anyway: the block takes its own height
