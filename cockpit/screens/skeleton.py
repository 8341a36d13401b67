"""The first frame's panes: one Static each, drawn as the waiting pane is, until the real panes are mounted.

A pane is a frame of three or four widgets (verdict, figures, chart, the flag list) whose styles, layout and
first render cost more than the rest of the first frame; a placeholder is one widget that looks the same
while nothing has arrived. The screen swaps the real panes in right after the first frame, while the feed's
worker builds the source, so they are there long before the first figures.
"""

from __future__ import annotations

from textual.widgets import Static

from cockpit.widgets.flags import FLAG_ROWS, FlagsPane
from cockpit.widgets.format import styled
from cockpit.widgets.pane import WAITING, Pane, PaneView, waiting_view

NO_FLAGS = "no rule is firing"  # what the empty flag list says, under the flags pane's empty verdict


class PanePlaceholder(Static):
    """Stands in for a pane in the first frame: its frame, title, subtitle and waiting lines in one widget."""

    can_focus = True  # the first pane has the focus from the start, as the real one will

    def __init__(self, pane: type[Pane], view: PaneView) -> None:
        super().__init__(waiting_lines(pane, view), id=pane.PANE_KEY, classes="pane")
        self.pane = pane
        self.border_title = pane.TITLE
        self.border_subtitle = view.subtitle


def waiting_lines(pane: type[Pane], view: PaneView) -> str:
    """The lines a freshly mounted pane of this class shows once the screen has shown it `view`."""
    if issubclass(pane, FlagsPane):  # verdict, the flag list below its margin, the emphasis below its margin
        born = waiting_view(WAITING)  # its lines start empty; a part of `view` equal to the born one stays so
        verdict = "" if view.verdict == born.verdict else view.verdict
        body = "" if view.body == born.body else view.body
        rows = styled(NO_FLAGS, "$text-muted") + "\n" * (FLAG_ROWS - 1)  # the list's height from the start
        return f"{verdict}\n\n{rows}\n\n{body}"
    return f"{view.verdict}\n{view.body}"
