"""Text that changes in place: a block is laid out again only when its new text changes its size.

Textual re-lays out the whole screen after `Static.update` unless told otherwise; the cockpit's figure blocks
are `height: auto` and keep their height from one bar to the next, so most updates need only a repaint.
"""

from __future__ import annotations

from textual.css.scalar import Scalar
from textual.widgets import Static


def _auto(scalar: Scalar | None) -> bool:
    return scalar is not None and scalar.is_auto


def update_text(block: Static, content: str) -> None:
    """Show `content` in `block`; the screen's layout runs only when the block's height (or width) would change."""
    block.update(content, layout=False)
    if not block.region:
        return  # hidden, or not laid out yet: the layout that shows it measures the new text
    styles = block.styles
    if _auto(styles.width):
        block.refresh(layout=True)
    elif _auto(styles.height):
        size = block.content_size
        if block.get_content_height(size, block.app.size, size.width) != size.height:
            block.refresh(layout=True)
