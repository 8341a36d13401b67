"""The bordered pane widget: it shows a `PaneView` and touches only the parts that changed.

A pane module turns a `PaneContext` into a `PaneView` (pure formatting, testable without a screen; both live
in `pane_view.py`, which the first frame reads without this module).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Region

from cockpit.widgets.charts import Chart, ChartSpec
from cockpit.widgets.pane_view import WAITING, PaneContext, PaneView, waiting_view
from cockpit.widgets.text_block import Narrowed, TextBlock, update_text


class Pane(Narrowed, Vertical):
    """A bordered pane: a verdict line, a block of figures and an optional chart; updated in place."""

    can_focus = True
    PANE_KEY = "pane"
    TITLE = "Pane"
    HAS_CHART = True

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        # Born in the waiting state, so the first render of that state changes nothing (a fast first frame). That
        # state has no class of its own (its text is muted by its markup): the first figures restyle no pane.
        super().__init__(id=id or self.PANE_KEY, classes=f"pane {classes or ''}".strip())
        self.border_title = self.TITLE
        self.view: PaneView = waiting_view(WAITING)
        self.border_subtitle = self.view.subtitle

    def _set_subtitle(self, subtitle: str) -> None:
        """A new subtitle repaints the bottom border line, not the pane (whose figures repaint as they change)."""
        offset, (width, height) = self.content_offset, self.outer_size
        # regions are relative to the content; the border line is below it (not laid out yet: all of it)
        with self.repainting_only((Region(-offset.x, height - 1 - offset.y, width, 1),) if height else None):
            self.border_subtitle = subtitle

    def compose(self) -> ComposeResult:
        """Verdict, figures and chart."""
        yield TextBlock(self.view.verdict, classes="verdict")
        yield TextBlock(self.view.body, classes="figures", steady=True)
        if self.HAS_CHART:
            yield Chart(classes="chart")

    def render_view(self, ctx: PaneContext) -> PaneView:
        """The pane's view of a context (each pane module implements this)."""
        raise NotImplementedError

    def show_context(self, ctx: PaneContext) -> None:
        """Render the context and show it."""
        self.show(self.render_view(ctx))

    def show(self, view: PaneView) -> None:
        """Update only the parts of the pane that differ from what is on screen."""
        old = self.view
        if view == old:
            return
        self.view = view
        if view.verdict != old.verdict:
            update_text(self.query_one(".verdict", TextBlock), view.verdict)
        if view.body != old.body:
            update_text(self.query_one(".figures", TextBlock), view.body)
        if view.subtitle != old.subtitle:
            self._set_subtitle(view.subtitle)
        if view.state != old.state:
            for state in ("stale", "closed"):
                self.set_class(view.state == state, f"-{state}")
        if self.HAS_CHART:
            self.query_one(Chart).show(view.chart or ChartSpec())

    @property
    def figures_text(self) -> str:
        """The figures as plain text (for tests and the checklist)."""
        return str(self.query_one(".figures", TextBlock).visual)
