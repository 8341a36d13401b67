"""Small plotext charts: a frozen spec says what to draw; the widget draws it only when spec, size or theme change.

plotext lays the figure out in a matrix of cells (a character and its colours); the widget turns that matrix
into Textual strips directly, without plotext's ANSI text and Rich's parsing of it, and keeps them until the
spec, the size or the theme change, so a repaint that changes nothing (focus, hover, a tick without a new bar)
costs nothing. Each series is reduced to the chart's cell width first (the lowest and highest value of each
column of cells, in order), so plotext never draws more points than the terminal can show. plotext itself is
imported once the first figures are on screen: the frame that first shows them leaves the charts blank and
asks for plotext after it (a twentieth of a second), then draws them, so the numbers do not wait for it.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary, WeakSet

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color, ColorParseError
from textual.strip import Strip
from textual.widget import Widget


@dataclass(frozen=True, slots=True)
class Series:
    """One line or bar series: values (x is their index unless `xs` is given), a theme colour, an axis side."""

    label: str
    values: tuple[float, ...]
    colour: str = "primary"
    side: str = "left"
    xs: tuple[float, ...] = ()

    def points(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(xs, ys): the given x positions, else the values' indices."""
        return (self.xs if self.xs else tuple(float(i) for i in range(len(self.values)))), self.values


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """What a pane wants drawn: lines, bars (on the right axis), horizontal guides and axis limits."""

    lines: tuple[Series, ...] = ()
    bars: tuple[Series, ...] = ()
    guides: tuple[tuple[float, str], ...] = ()
    ylim: tuple[float, float] | None = None
    bar_share: float = 0.35  # bars use at most this share of the height, under the lines

    @property
    def empty(self) -> bool:
        """True when there is nothing to draw."""
        return not any(len(s.values) > 1 for s in self.lines) and not any(s.values for s in self.bars)

    def x_range(self) -> tuple[float, float] | None:
        """The lowest and highest x of every series (one axis for all of them), None when there are none."""
        ends = [x for s in (*self.lines, *self.bars) if s.values for x in (s.points()[0][0], s.points()[0][-1])]
        return (min(ends), max(ends)) if ends else None


def per_cell(xs: tuple[float, ...], ys: tuple[float, ...], cells: int, x_range: tuple[float, float], *,
             bars: bool = False) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The points to draw in `cells` columns over `x_range`: each column's lowest and highest point in x order,
    the first and the last point always (bars: each column's highest bar). A gap (NaN) stays a gap."""
    count = len(ys)
    if cells < 1 or count <= (1 if bars else 2) * cells:
        return xs, ys
    low, high = x_range
    span = (high - low) or 1.0
    kept: dict[int, list[int]] = {}
    gaps: set[int] = set()
    for index, (x, y) in enumerate(zip(xs, ys, strict=True)):
        column = max(0, min(cells - 1, int((x - low) / span * cells)))
        if math.isnan(y):
            gaps.add(index)
            continue
        pair = kept.setdefault(column, [index, index])
        if bars:
            if y > ys[pair[1]]:
                pair[0] = pair[1] = index
            continue
        if y < ys[pair[0]]:
            pair[0] = index
        if y > ys[pair[1]]:
            pair[1] = index
    picks = {index for pair in kept.values() for index in pair} | gaps
    if not bars:
        picks |= {0, count - 1}
    order = sorted(picks)
    return tuple(xs[i] for i in order), tuple(ys[i] for i in order)


@lru_cache(maxsize=512)
def _cell_style(foreground: Any, style: Any, background: Any) -> Style:
    """The Rich style of a plotext cell's colours (read once per distinct triple through plotext's own ANSI)."""
    from plotext._utility import ansi_end, colors_to_ansi

    text = Text.from_ansi(colors_to_ansi(foreground, style, background) + "x" + ansi_end)
    return Style.combine(span.style for span in text.spans if isinstance(span.style, Style))


def _hashable(colour: Any) -> Any:
    return tuple(colour) if isinstance(colour, list) else colour


def matrix_strips(matrix: Any, width: int, base: Style) -> list[Strip]:
    """A plotext matrix (rows bottom-up: marker, fullground, style, background per cell) as strips of `width`, top
    row first, each cell's style over `base` (the widget's own)."""
    strips = []
    for row in reversed(range(matrix.rows)):
        markers, fores, styles, backs = (matrix.marker[row], matrix.fullground[row], matrix.style[row],
                                         matrix.background[row])
        segments = []
        start, key = 0, None
        for column in range(matrix.cols):
            cell = (_hashable(fores[column]), _hashable(styles[column]), _hashable(backs[column]))
            if cell != key:
                if key is not None:
                    segments.append(Segment("".join(markers[start:column]), base + _cell_style(*key)))
                start, key = column, cell
        if key is not None:
            segments.append(Segment("".join(markers[start:]), base + _cell_style(*key)))
        strips.append(Strip(segments, matrix.cols).crop_extend(0, width, None))
    return strips


PLOTEXT = "textual_plotext.plot"
_WAITING: WeakKeyDictionary[Any, WeakSet[Chart]] = WeakKeyDictionary()  # per app: charts waiting for plotext


def _load_plotext(app: Any) -> None:
    """Import plotext (after the frame that showed the first figures), then draw the charts that waited."""
    import importlib

    importlib.import_module(PLOTEXT)
    for chart in list(_WAITING.pop(app, ())):
        if chart.is_attached:
            chart.refresh()


class Chart(Widget):
    """A plotext chart driven by a ChartSpec, rebuilt only when the spec, its size or the theme change."""

    DEFAULT_CSS = """
    Chart { height: 1fr; min-height: 4; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self._spec = ChartSpec()
        self._cache_key: tuple[object, ...] | None = None
        self._strips: list[Strip] = []
        self._plot: Any = None
        self.builds = 0

    @property
    def plt(self) -> Any:
        """This chart's own plotext figure (no global state), created on first use."""
        if self._plot is None:
            from textual_plotext.plot import Plot

            self._plot = Plot()
        return self._plot

    @property
    def spec(self) -> ChartSpec:
        """The spec being drawn."""
        return self._spec

    def show(self, spec: ChartSpec) -> None:
        """Draw `spec` (nothing happens when it equals the one on screen)."""
        if spec == self._spec:
            return
        self._spec = spec
        self.refresh()

    def _rgb(self, name: str) -> tuple[int, int, int]:
        """A theme colour as RGB; muted text is the foreground blended toward the surface."""
        variables = self.app.theme_variables
        try:
            if name == "text-muted":
                foreground, surface = Color.parse(variables["foreground"]), Color.parse(variables["surface"])
                return foreground.blend(surface, 0.45).rgb
            return Color.parse(variables.get(name) or variables["foreground"]).rgb
        except (KeyError, ColorParseError):
            return (160, 160, 160)

    def render_line(self, y: int) -> Strip:
        """Line `y` of the figure, rebuilt first when the spec, size or theme changed (blank while plotext is
        not loaded yet: it loads after this frame)."""
        if PLOTEXT not in sys.modules and self._needs_build():
            waiting = _WAITING.get(self.app)
            if waiting is None:
                waiting = _WAITING[self.app] = WeakSet()
                self.app.call_after_refresh(_load_plotext, self.app)
            waiting.add(self)
            return Strip.blank(self.size.width, self.rich_style)
        strips = self.strips()
        if 0 <= y < len(strips):
            return strips[y]
        return Strip.blank(self.size.width, self.rich_style)

    def _key(self) -> tuple[object, ...]:
        return (self._spec, self.size.width, self.size.height, self.app.theme)

    def _drawable(self) -> bool:
        return self.size.width >= 12 and self.size.height >= 4 and not self._spec.empty

    def _needs_build(self) -> bool:
        return self._key() != self._cache_key and self._drawable()

    def strips(self) -> list[Strip]:
        """The figure's lines, from the cache unless the spec, size or theme changed since they were built."""
        key = self._key()
        if key != self._cache_key:
            self._cache_key = key
            self._strips = self.build(self.size.width, self.size.height) if self._drawable() else []
        return self._strips

    def build(self, width: int, height: int) -> list[Strip]:
        """Lay the spec out with plotext at `width` x `height` cells and take its matrix as strips."""
        plt = self.plt
        plt.clear_figure()
        plt.plotsize(width, height)
        plt._set_size(width, height)
        plt.canvas_color(self._rgb("surface"))
        plt.axes_color(self._rgb("surface"))
        plt.ticks_color(self._rgb("text-muted"))
        self._draw(self._spec, width, height - 2)  # the frame's two lines: no title, labels or x ticks
        plt._set_sizes()
        plt._build_matrix()
        self.builds += 1
        return matrix_strips(plt.monitor.matrix, width, self.rich_style)

    def _draw(self, spec: ChartSpec, cells: int, rows: int) -> None:
        plt = self.plt
        x_range = spec.x_range() or (0.0, 1.0)
        right_used = False
        # plotext's legend is a row per series over the top left: on a chart of fewer than two rows a series it
        # would hide half the figure, so there the axes' figures and the pane's text say what is drawn
        labelled = sum(1 for series in (*spec.bars, *spec.lines) if series.label)
        legend = rows >= 2 * labelled
        for series in spec.bars:
            xs, ys = per_cell(*series.points(), cells, x_range, bars=True)
            if not ys:
                continue
            top = max(max(ys), 1e-9)
            share = spec.bar_share if rows > 3 else 1.0  # two or three rows: a third of them is no bar at all
            plt.ylim(0, top / share, yside="right")
            right_used = True
            # One full block per column, filled down to zero: the columns a bar chart draws at this width, without
            # plotext drawing each bar as a rectangle (a third of the cost). Only the tallest bar and those that
            # reach half a row are drawn: plotext puts any value, zero too, in the row it rounds to, so every hour
            # would fill the bottom row and a quiet hour would look like the spike's base.
            least = min(top, top / share / max(1, rows - 1) / 2)
            kept = [(x, y) for x, y in zip(xs, ys, strict=True) if y >= least]
            if kept:  # on the chart's own x range: the bars left out do not narrow it (one point: plotext's own)
                if x_range[1] > x_range[0]:
                    plt.xlim(*x_range)
                plt.scatter([x for x, _ in kept], [y for _, y in kept], yside="right", marker="sd", fillx=True,
                            color=self._rgb(series.colour), label=(series.label or None) if legend else None)
        for series in spec.lines:
            xs, ys = per_cell(*series.points(), cells, x_range)
            if len(ys) < 2:
                continue
            side = series.side if series.side in ("left", "right") else "left"
            plt.plot(list(xs), list(ys), marker="braille", color=self._rgb(series.colour), yside=side,
                     label=(series.label or None) if legend else None)
            right_used = right_used or side == "right"
        for level, colour in spec.guides:
            plt.hline(level, color=self._rgb(colour))
        if spec.ylim is not None:
            plt.ylim(*spec.ylim)
        plt.xticks([])
        if right_used:
            plt.yfrequency(3, yside="right")
        plt.yfrequency(4)
