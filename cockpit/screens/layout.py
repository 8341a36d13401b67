"""Which panes fit the terminal: all six, a page of three, or one at a time (pure, so it is easy to test).

The Book pane (SPEC §12) is a page of its own at every size: the next page after the six at full size.
"""

from __future__ import annotations

from dataclasses import dataclass

PANE_ORDER = ("macro", "leadership", "crypto", "correlation", "sizing", "flags")
# At medium sizes the first page keeps the panes a trader needs most: macro, correlation, flags.
PAGES = (("macro", "correlation", "flags"), ("leadership", "crypto", "sizing"), ("book",))
COMPACT_ORDER = ("macro", "correlation", "flags", "leadership", "crypto", "sizing", "book")
FULL_PAGES = (PANE_ORDER, ("book",))

FULL_MIN = (120, 34)
MEDIUM_MIN = (84, 22)
CHART_MIN_HEIGHT = 20


@dataclass(frozen=True, slots=True)
class Layout:
    """The layout mode for a terminal size, and which panes are shown."""

    mode: str  # full, medium, compact
    shown: tuple[str, ...]
    charts: bool

    @property
    def pages(self) -> int:
        """How many pages `n` cycles through."""
        return {"full": len(FULL_PAGES), "medium": len(PAGES), "compact": len(COMPACT_ORDER)}[self.mode]


def mode_for(width: int, height: int) -> str:
    """full (all six), medium (three at a time) or compact (one at a time)."""
    if width >= FULL_MIN[0] and height >= FULL_MIN[1]:
        return "full"
    if width >= MEDIUM_MIN[0] and height >= MEDIUM_MIN[1]:
        return "medium"
    return "compact"


def layout_for(width: int, height: int, page: int) -> Layout:
    """The panes shown at this size on this page (the page wraps around)."""
    mode = mode_for(width, height)
    if mode == "full":
        shown: tuple[str, ...] = FULL_PAGES[page % len(FULL_PAGES)]
    elif mode == "medium":
        shown = PAGES[page % len(PAGES)]
    else:
        shown = (COMPACT_ORDER[page % len(COMPACT_ORDER)],)
    return Layout(mode, shown, charts=height >= CHART_MIN_HEIGHT)


def page_showing(pane: str, mode: str) -> int:
    """The page on which `pane` is visible in `mode`."""
    if mode == "medium":
        return next(i for i, page in enumerate(PAGES) if pane in page)
    if mode == "compact":
        return COMPACT_ORDER.index(pane)
    return next(i for i, page in enumerate(FULL_PAGES) if pane in page)
