"""Textual's strips freed by reference counting as a repaint drops them (cockpit/widgets/strips.py).

Before: `Strip.divide([its length])` and `crop_extend(0, its length, _)` kept the strip in its own cache, so
every strip Textual painted that way lived on until the collector found it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.strip import Strip

from cockpit.widgets.charts import Chart, ChartSpec, Series
from cockpit.widgets.strips import tangled, untangle_strips
from cockpit.widgets.text_block import TextBlock, update_text


@contextmanager
def collected_garbage() -> Iterator[list[Any]]:
    """Within: the collector off; after: what a full collection found unreachable (kept, not freed)."""
    gc.collect()
    gc.disable()
    found: list[Any] = []
    try:
        yield found
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        found.extend(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def _strip(marker: str) -> Strip:
    return Strip([Segment(marker, Style(bold=True)), Segment("-tail")], len(marker) + 5)


def _marked(garbage: list[Any], marker: str) -> list[Strip]:
    return [o for o in garbage if isinstance(o, Strip) and any(s.text == marker for s in o._segments)]


ASKS: list[tuple[str, Callable[[Strip], Any]]] = [
    ("divide at its length", lambda s: s.divide([s.cell_length])),
    ("crop_extend over its width", lambda s: s.crop_extend(0, s.cell_length, None)),
]


def test_textual_still_tangles_its_strips_so_the_wrapping_is_in_place() -> None:
    """The cause is still in Textual's code (when it is fixed there, `tangled` says so and nothing is wrapped),
    and the app's start wraps the methods once."""
    untangle_strips()
    assert tangled()
    assert Strip.divide.__wrapped__ is not Strip.divide  # type: ignore[attr-defined]
    assert untangle_strips() is False  # once per process


@pytest.mark.parametrize(("ask", "call"), ASKS, ids=[a for a, _ in ASKS])
def test_a_strip_asked_to_be_itself_is_freed_without_the_collector(ask: str, call: Callable[[Strip], Any]) -> None:
    untangle_strips()
    with collected_garbage() as garbage:
        strip = _strip(f"kept-{ask}")
        call(strip)
        del strip
    assert _marked(garbage, f"kept-{ask}") == []


@pytest.mark.parametrize(("ask", "call"), ASKS, ids=[a for a, _ in ASKS])
def test_textuals_own_method_leaves_the_strip_to_the_collector(ask: str, call: Callable[[Strip], Any]) -> None:
    """The symptom, with Textual's own methods: the strip refers to itself and only the collector frees it."""
    untangle_strips()
    original = {"divide at its length": Strip.divide,
                "crop_extend over its width": Strip.crop_extend}[ask].__wrapped__  # type: ignore[attr-defined]
    with collected_garbage() as garbage:
        strip = _strip(f"own-{ask}")
        if ask == "divide at its length":
            original(strip, [strip.cell_length])
        else:
            original(strip, 0, strip.cell_length, None)
        del strip
    assert len(_marked(garbage, f"own-{ask}")) == 1


@pytest.mark.parametrize("cuts", [[12], [3, 12], [5], [0, 12], [4, 8, 12], [20], []])
def test_divide_gives_what_textual_gives(cuts: list[int]) -> None:
    untangle_strips()
    original = Strip.divide.__wrapped__  # type: ignore[attr-defined]
    strip = _strip("divide-")
    assert list(strip.divide(cuts)) == list(original(_strip("divide-"), cuts))


@pytest.mark.parametrize(("start", "end"), [(0, 12), (0, 20), (2, 12), (0, 5), (3, 30), (12, 12)])
def test_crop_extend_gives_what_textual_gives(start: int, end: int) -> None:
    untangle_strips()
    crop_extend = Strip.crop_extend.__wrapped__  # type: ignore[attr-defined]
    pad = Style(italic=True)
    assert _strip("crop-").crop_extend(start, end, pad) == crop_extend(_strip("crop-"), start, end, pad)


class _Figures(App[None]):
    def compose(self) -> ComposeResult:
        yield TextBlock("first", id="block")
        yield Chart(id="chart")


async def test_repaints_of_figures_and_a_chart_leave_no_strip_to_the_collector() -> None:
    """Twenty new figures and charts, each painted: every strip of the frames before is freed as it is
    dropped (before the change, each repaint left dozens to the collector)."""
    untangle_strips()
    app = _Figures()
    async with app.run_test(size=(80, 24)) as pilot:
        block, chart = app.query_one("#block", TextBlock), app.query_one("#chart", Chart)
        with collected_garbage() as garbage:
            for bar in range(20):
                update_text(block, "\n".join(f"[b]line {row}[/b] {bar * 1.5 + row:.2f}" for row in range(6)))
                chart.show(ChartSpec(lines=(Series("x", tuple(float((i * bar) % 7) for i in range(40))),)))
                await pilot.pause()
            assert chart.builds >= 19
    assert [o for o in garbage if isinstance(o, Strip)] == []
