"""Text that changes in place: a block is laid out again only when its new text changes its size, a
`TextBlock` repaints only the lines whose text changed, and each line is parsed from markup once.

Textual re-lays out the whole screen after `Static.update` unless told otherwise; the cockpit's figure blocks
are `height: auto` and keep their height from one bar to the next, so most updates need only a repaint. Most
lines of a block are the same from one bar to the next too (labels, closed markets' figures, the n/a rows):
those keep their drawn cells, and so do the pane borders and backgrounds behind them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Self

from textual.content import Content
from textual.css.scalar import Scalar
from textual.geometry import Region
from textual.markup import MarkupError
from textual.widget import Widget
from textual.widgets import Static

LINES_KEPT = 1024  # several screens of lines (a 160x45 screen shows about 150): unchanged ones hit


@lru_cache(maxsize=LINES_KEPT)
def _line_content(line: str) -> Content:
    return Content.from_markup(line)


def markup_content(markup: str) -> Content:
    """`markup` as Content, line by line through a cache (a style that spans lines parses the whole at once)."""
    try:
        return Content("\n").join([_line_content(line) for line in markup.split("\n")])
    except MarkupError:  # a closing tag on a later line than its opening one
        return Content.from_markup(markup)


def _fit(lines: list[str], rows: list[int], width: int) -> bool:
    """Whether each of these lines is one line on screen at `width` (False when a line is not markup alone)."""
    try:
        return all(_line_content(lines[y]).cell_length <= width for y in rows)
    except MarkupError:
        return False


def _auto(scalar: Scalar | None) -> bool:
    return scalar is not None and scalar.is_auto


if TYPE_CHECKING:
    _Mixin = Widget
else:
    _Mixin = object  # a mixin, not a widget class of its own: no default styles of its own in the MRO


class Narrowed(_Mixin):
    """A widget's mixin: its repaint can be narrowed to the regions that change (`repainting_only`)."""

    _only: tuple[Region, ...] | None = None

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        """As the widget's, but within `repainting_only`, a whole repaint repaints those regions alone."""
        if self._only is not None and not regions and not layout and not recompose:
            regions = self._only
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    @contextmanager
    def repainting_only(self, regions: tuple[Region, ...] | None) -> Iterator[None]:
        """Within this block, a repaint asked for the whole widget repaints `regions` (content-relative) only;
        None leaves it whole."""
        self._only = regions
        try:
            yield
        finally:
            self._only = None


class TextBlock(Narrowed, Static):
    """A block of figures whose new text repaints only its changed lines, while each line of its text is one
    line on screen (none wraps) and their number stays the same; otherwise the whole block, as a Static.

    A `steady` block keeps the tallest height its text has had at its width: a line that goes (a market that
    closes, a figure that is n/a for an hour) leaves a blank row instead of moving the chart under it, so the
    screen is laid out again only when the block grows past that height or its width changes."""

    def __init__(self, content: str = "", *, steady: bool = False, **options: Any) -> None:
        super().__init__(content, **options)
        self.shown_lines: list[str] | None = content.split("\n") if content else None
        self.steady = steady
        self.natural_height: int | None = None  # the text's own height at the last measured width
        self._tallest: tuple[int, int] | None = None  # (width, the tallest height at that width)

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        """The text's height; for a steady block, the tallest it has been at this width."""
        height = super().get_content_height(container, viewport, width)
        self.natural_height = height
        if not self.steady:
            return height
        if self._tallest is None or self._tallest[0] != width or height > self._tallest[1]:
            self._tallest = (width, height)
        return self._tallest[1]

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        """As Static's; text set here, not through `update_text`, is not known line by line."""
        super().update(content, layout=layout)
        self.shown_lines = None

    def changed_rows(self, lines: list[str]) -> list[int] | None:
        """The rows on screen whose text `lines` changes; None when the whole block must repaint."""
        shown = self.shown_lines
        if shown is None or len(shown) != len(lines) or self.natural_height != len(lines) \
                or self.content_size.height < len(lines):
            return None
        return [y for y, (old, new) in enumerate(zip(shown, lines, strict=True)) if old != new]


def update_text(block: TextBlock, content: str) -> None:
    """Show `content` in `block`; the screen's layout runs only when the block's height (or width) would change,
    and a block on screen repaints only the lines that changed."""
    lines = content.split("\n")
    rows = block.changed_rows(lines) if block.region else None
    if rows == []:
        return  # the same text
    width = block.content_size.width
    with block.repainting_only(None if rows is None else tuple(Region(0, y, width, 1) for y in rows)):
        block.update(markup_content(content), layout=False)
    block.shown_lines = lines
    if not block.region:
        return  # hidden, or not laid out yet: the layout that shows it measures the new text
    styles = block.styles
    if _auto(styles.width):
        block.refresh(layout=True)
        return
    auto_height = _auto(styles.height)
    if not auto_height and rows is None:
        return
    size = block.content_size
    if rows is not None and _fit(lines, rows, size.width):
        return  # the changed lines fit the width as the others did: the text's height is still its line count
    height = block.get_content_height(size, block.app.size, size.width)
    if height != size.height and auto_height:
        block.refresh(layout=True)
    elif rows is not None and block.natural_height != len(lines):
        block.refresh()  # a new line wraps: the lines below it move, so the whole block repaints
