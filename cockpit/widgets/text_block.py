"""Text that changes in place: a block is laid out again only when its new text changes its size, and each of
its lines is parsed from markup once.

Textual re-lays out the whole screen after `Static.update` unless told otherwise; the cockpit's figure blocks
are `height: auto` and keep their height from one bar to the next, so most updates need only a repaint. Most
lines of a block are the same from one bar to the next too (labels, closed markets' figures, the n/a rows).
"""

from __future__ import annotations

from functools import lru_cache

from textual.content import Content
from textual.css.scalar import Scalar
from textual.markup import MarkupError
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


def _auto(scalar: Scalar | None) -> bool:
    return scalar is not None and scalar.is_auto


def update_text(block: Static, content: str) -> None:
    """Show `content` in `block`; the screen's layout runs only when the block's height (or width) would change."""
    block.update(markup_content(content), layout=False)
    if not block.region:
        return  # hidden, or not laid out yet: the layout that shows it measures the new text
    styles = block.styles
    if _auto(styles.width):
        block.refresh(layout=True)
    elif _auto(styles.height):
        size = block.content_size
        if block.get_content_height(size, block.app.size, size.width) != size.height:
            block.refresh(layout=True)
