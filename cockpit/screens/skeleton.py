"""The first frame's panes: one Static each, drawn as the waiting pane is, until the real panes are mounted.

A pane is a frame of three or four widgets (verdict, figures, chart, the flag list) whose styles, layout and
first render cost more than the rest of the first frame; a placeholder is one widget that looks the same
while nothing has arrived. The screen swaps the real panes in right after the first frame, while the feed's
worker builds the source, so they are there long before the first figures. A placeholder knows its pane by
id and title only: the panes' modules (their widgets and the charts) are imported with the swap, after the frame.
"""

from __future__ import annotations

from textual.widgets import Static

from cockpit.widgets.format import styled
from cockpit.widgets.pane_view import FLAG_ROWS, PANE_TITLES, WAITING, PaneView, waiting_view

NO_FLAGS = "no rule is firing"  # what the empty flag list says, under the flags pane's empty verdict


class PanePlaceholder(Static):
    """Stands in for a pane in the first frame: its frame, title, subtitle and waiting lines in one widget."""

    can_focus = True  # the first pane has the focus from the start, as the real one will

    def __init__(self, key: str, view: PaneView) -> None:
        super().__init__(waiting_lines(key, view), id=key, classes="pane")
        self.border_title = PANE_TITLES[key]
        self.border_subtitle = view.subtitle


def waiting_lines(key: str, view: PaneView) -> str:
    """The lines a freshly mounted pane `key` shows once the screen has shown it `view`."""
    if key == "flags":  # verdict, the flag list below its margin, the emphasis below its margin
        born = waiting_view(WAITING)  # its lines start empty; a part of `view` equal to the born one stays so
        verdict = "" if view.verdict == born.verdict else view.verdict
        body = "" if view.body == born.body else view.body
        rows = styled(NO_FLAGS, "$text-muted") + "\n" * (FLAG_ROWS - 1)  # the list's height from the start
        return f"{verdict}\n\n{rows}\n\n{body}"
    return f"{view.verdict}\n{view.body}"
