"""The chart widget: plotext's figure taken from its matrix, built once per spec and size, series reduced to the
chart's cells without losing a column's extremes."""

from __future__ import annotations

import math
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.visual import Visual, visualize

from cockpit.widgets.charts import Chart, ChartSpec, Series, per_cell
from cockpit.widgets.theme import DEFAULT_THEME, load_themes

WAVE = tuple(100 + 10 * math.sin(i / 7) + (i % 5) for i in range(150))
SPEC = ChartSpec(
    lines=(Series("BTC", WAVE, "primary"), Series("DXY", tuple(v / 10 for v in WAVE), "accent", "right")),
    bars=(Series("liq", tuple(float(i % 9) for i in range(150)), "loss"),),
    guides=((100.0, "alert"),),
)


class Host(App[None]):
    """One chart filling a small screen, in the cockpit's theme."""

    def compose(self) -> ComposeResult:
        yield Chart(id="chart")

    def on_mount(self) -> None:
        for theme in load_themes():
            self.register_theme(theme)
        self.theme = DEFAULT_THEME


def _cells(strip: Strip) -> list[tuple[str, Any, Any, bool]]:
    """Each cell of a strip: its character, colour, background and boldness."""
    return [(char, seg.style.color if seg.style else None, seg.style.bgcolor if seg.style else None,
             bool(seg.style and seg.style.bold)) for seg in strip for char in seg.text]


async def _shown(pilot: Any, spec: ChartSpec) -> Chart:
    chart = pilot.app.query_one(Chart)
    chart.show(spec)
    await pilot.pause()
    return chart


async def test_the_chart_draws_what_plotext_prints() -> None:
    async with Host().run_test(size=(60, 16)) as pilot:
        chart = await _shown(pilot, SPEC)
        width, height = chart.size
        drawn = chart.strips()
        printed = Visual.to_strips(chart, visualize(chart, Text.from_ansi(chart.plt.build())), width, height,
                                   chart.visual_style)
        assert len(drawn) == height and all(strip.cell_length == width for strip in drawn)
        assert [_cells(s) for s in drawn] == [_cells(s) for s in printed]
        assert any("⠀" < char <= "⣿" for strip in drawn for char in strip.text)  # the lines are on it


async def test_a_chart_is_built_once_per_spec_and_size() -> None:
    async with Host().run_test(size=(60, 16)) as pilot:
        chart = await _shown(pilot, SPEC)
        assert chart.builds == 1
        chart.show(ChartSpec(lines=SPEC.lines, bars=SPEC.bars, guides=SPEC.guides))  # equal, a new object
        chart.refresh()  # a repaint (focus, hover, a tick) with nothing new
        await pilot.pause()
        assert chart.builds == 1
        chart.show(ChartSpec(lines=(Series("BTC", (*WAVE[1:], 120.0), "primary"),)))  # a new bar
        await pilot.pause()
        assert chart.builds == 2
        await pilot.resize_terminal(70, 16)
        await pilot.pause()
        assert chart.builds == 3


def test_a_reduced_series_keeps_each_cells_lowest_and_highest_point_and_the_last() -> None:
    values = tuple(float((i * 37) % 101) for i in range(400))
    xs = tuple(float(i) for i in range(400))
    kept_x, kept_y = per_cell(xs, values, 20, (0.0, 399.0))
    assert len(kept_y) <= 2 * 20 + 2 and list(kept_x) == sorted(kept_x)
    assert (kept_x[0], kept_y[0]) == (0.0, values[0]) and (kept_x[-1], kept_y[-1]) == (399.0, values[-1])
    for cell in range(20):
        inside = [y for x, y in zip(xs, values, strict=True) if min(19, int(x / 399.0 * 20)) == cell]
        shown = [y for x, y in zip(kept_x, kept_y, strict=True) if min(19, int(x / 399.0 * 20)) == cell]
        assert min(shown) == min(inside) and max(shown) == max(inside)


def test_reduced_bars_keep_each_cells_highest_bar_and_short_series_stay_whole() -> None:
    values = tuple(float(i % 7) for i in range(100))
    xs = tuple(float(i) for i in range(100))
    kept_x, kept_y = per_cell(xs, values, 10, (0.0, 99.0), bars=True)
    assert len(kept_y) == 10 and all(y == 6.0 for y in kept_y)
    assert per_cell(xs[:30], values[:30], 20, (0.0, 29.0)) == (xs[:30], values[:30])


def test_a_gap_in_a_reduced_series_stays_a_gap() -> None:
    values = tuple(float("nan") if i == 150 else float(i % 13) for i in range(300))
    xs = tuple(float(i) for i in range(300))
    _, kept_y = per_cell(xs, values, 10, (0.0, 299.0))
    assert sum(1 for y in kept_y if math.isnan(y)) == 1


async def test_bars_are_columns_of_blocks_and_the_tallest_is_the_spike() -> None:
    values = tuple(9.0 if i == 30 else 1.0 for i in range(61))
    async with Host().run_test(size=(60, 16)) as pilot:
        chart = await _shown(pilot, ChartSpec(bars=(Series("liq", values, "loss"),), bar_share=1.0))
        rows = [strip.text for strip in chart.strips()]
        heights = [sum(row[column] == "█" for row in rows) for column in range(len(rows[0]))]
        filled = [column for column, height in enumerate(heights) if height]
        spike = max(range(len(heights)), key=heights.__getitem__)
        assert heights[spike] >= 2 * sorted(heights)[-2]  # a spike of 9 over bars of 1
        assert abs(spike - (filled[0] + filled[-1]) / 2) <= 1  # in the middle, as index 30 of 61


async def test_quiet_hours_draw_no_block_and_the_bars_keep_their_place() -> None:
    # a liquidation tape: zero most hours, a few small ones, one flush; the bars take a third of the height
    values = tuple(12.0 if i == 40 else 0.05 if i % 7 == 0 else 0.0 for i in range(60))
    line = tuple(100.0 + i for i in range(60))
    for size in ((60, 16), (60, 6), (60, 4)):
        async with Host().run_test(size=size) as pilot:
            chart = await _shown(pilot, ChartSpec(lines=(Series("BTC", line, "primary"),),
                                                  bars=(Series("liq", values, "loss"),), bar_share=1 / 3))
            rows = [strip.text for strip in chart.strips()]
            legend = {(y, row.index("██ liq") + k) for y, row in enumerate(rows) if "██ liq" in row for k in (0, 1)}
            columns = {column for y, row in enumerate(rows) for column, char in enumerate(row)
                       if char == "█" and (y, column) not in legend}
            assert len(columns) == 1, (size, rows)  # the flush alone: no band of zero and 0.05 hours
            frame = [column for column, char in enumerate(rows[0]) if char in "┌┐"]
            inner = frame[1] - frame[0] - 1
            assert abs((columns.pop() - frame[0] - 1) - 40 / 59 * (inner - 1)) <= 1.5  # where hour 40 is


async def test_the_legend_is_left_out_where_it_would_cover_half_the_chart() -> None:
    spec = ChartSpec(lines=(Series("BTC", WAVE, "primary"),),
                     bars=(Series("long liq $M", tuple(float(i % 9) for i in range(150)), "loss"),))
    for size, shown in (((60, 16), True), ((60, 6), True), ((60, 5), False), ((60, 4), False)):
        async with Host().run_test(size=size) as pilot:
            chart = await _shown(pilot, spec)
            text = "\n".join(strip.text for strip in chart.strips())
            assert ("long liq $M" in text and "BTC" in text) is shown, (size, text)
            assert ("long liq" in text or "BTC" in text) is shown


async def test_a_chart_of_one_hour_draws_without_failing() -> None:
    # the first bar of a fresh history: one price and one liquidation hour span no x range at all
    for spec in (ChartSpec(bars=(Series("liq", (5.0,), "loss"),)),
                 ChartSpec(lines=(Series("BTC", (90_000.0,), "primary"),), bars=(Series("liq", (3.0,), "loss"),))):
        async with Host().run_test(size=(60, 16)) as pilot:
            chart = await _shown(pilot, spec)
            assert len(chart.strips()) == chart.size.height


async def test_the_first_charts_wait_for_plotext_after_the_frame_that_shows_the_figures(
        monkeypatch: Any) -> None:
    import sys

    from cockpit.widgets.charts import PLOTEXT

    monkeypatch.delitem(sys.modules, PLOTEXT, raising=False)  # as in a cockpit that has drawn no chart yet
    async with Host().run_test(size=(60, 16)) as pilot:
        chart = pilot.app.query_one(Chart)
        chart.show(SPEC)
        blank = chart.render_line(3)  # the frame with the first figures: this chart blank, plotext not asked for
        assert blank.text.strip() == "" and chart.builds == 0 and PLOTEXT not in sys.modules
        await pilot.pause()  # that frame is written; plotext loads after it and the chart is drawn
        await pilot.pause()
        assert PLOTEXT in sys.modules and chart.builds == 1
        assert any("⠀" < char <= "⣿" for strip in chart.strips() for char in strip.text)
