"""What every pane shares: the context it renders from, its freshness, and the bordered view that shows it.

A pane module turns a `PaneContext` into a `PaneView` (pure formatting, testable without a screen); the
`Pane` widget shows a view and touches only the parts that changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Region

from cockpit.universe import Universe, market_open
from cockpit.widgets.charts import Chart, ChartSpec
from cockpit.widgets.format import age_text, styled
from cockpit.widgets.text_block import Narrowed, TextBlock, update_text

if TYPE_CHECKING:
    from cockpit.config import Profile
    from cockpit.kinds import FlagId
    from cockpit.models import Snapshot, SourceHealth
    from cockpit.story import Story

# Which panes a source's health covers, by words in its name; a name matching none covers every pane.
_EQUITY_WORDS = ("yahoo", "yfinance", "equit", "macro")
_CRYPTO_WORDS = ("ccxt", "exchange", "crypto", "bybit", "binance", "okx", "perp", "venue")
EQUITY_PANES = frozenset({"macro", "leadership", "correlation"})
CRYPTO_PANES = frozenset({"crypto", "correlation"})
ALL_PANES = frozenset({"macro", "leadership", "crypto", "correlation", "flags", "sizing"})


def panes_for_health(name: str) -> frozenset[str]:
    """The panes whose figures come from the source called `name`."""
    lowered = name.lower()
    if any(word in lowered for word in _EQUITY_WORDS):
        return EQUITY_PANES
    if any(word in lowered for word in _CRYPTO_WORDS):
        return CRYPTO_PANES
    return ALL_PANES


@dataclass(frozen=True, slots=True)
class FeedTrouble:
    """The feed itself failing: the error in words and how long since the last good data (seconds)."""

    error: str
    since_good_s: float | None


@dataclass(frozen=True, slots=True)
class PaneContext:
    """Everything a pane renders from: the snapshot, the active profile, the universe and the feed's trouble."""

    snapshot: Snapshot
    profile: Profile
    universe: Universe
    trouble: FeedTrouble | None = None
    extra_age_s: float = 0.0
    first_seen: Mapping[FlagId, datetime] = field(default_factory=dict)
    story: Story | None = None  # the flag log and cause map of the week up to the snapshot (None until told)
    acknowledged: frozenset[tuple[str, datetime]] = frozenset()  # ended spans the user acknowledged (id, since)

    @property
    def as_of(self) -> datetime:
        """The moment the snapshot describes."""
        return self.snapshot.as_of

    def age(self, seconds: float | None) -> float | None:
        """A reading's age plus the time since the snapshot was taken (live sources between polls)."""
        return None if seconds is None else seconds + self.extra_age_s

    def is_open(self, symbol: str) -> bool:
        """Whether `symbol` trades at the snapshot's time."""
        return market_open(symbol, self.universe, self.as_of)

    def stale_health(self, pane: str) -> tuple[SourceHealth, ...]:
        """The sources behind `pane` that are past their limit."""
        return tuple(h for h in self.snapshot.readings.health if h.stale and pane in panes_for_health(h.name))


@dataclass(frozen=True, slots=True)
class PaneView:
    """One pane's rendered state: verdict line, figures, border subtitle, chart, and its freshness class."""

    verdict: str
    body: str
    subtitle: str = ""
    chart: ChartSpec | None = None
    state: str = "ok"  # ok, closed, stale, waiting


def freshness(ctx: PaneContext, pane: str, age_s: float | None, closed: bool = False) -> tuple[str, str]:
    """(state, subtitle markup) for a pane: STALE with age and error, CLOSED with the last bar's age, or the age."""
    age = ctx.age(age_s)
    if ctx.trouble is not None:
        since = ctx.trouble.since_good_s
        when = f"last good {age_text(since)} ago" if since is not None else "no data yet"
        return "stale", styled(f" STALE {when} · {ctx.trouble.error} ", "bold $stale")
    stale = ctx.stale_health(pane)
    if stale:
        worst = max(stale, key=lambda h: h.age_s or 0.0)
        reason = f" ({worst.error})" if worst.error else ""
        age_words = "no data" if worst.age_s is None else age_text(worst.age_s)
        return "stale", styled(f" STALE {age_words} · {worst.name} {worst.state}{reason} ", "bold $stale")
    if closed:
        return "closed", styled(f" CLOSED · last bar {age_text(age)} ago ", "$text-muted")
    return "ok", styled(f" age {age_text(age)} ", "$text-muted")


WAITING = "waiting for data…"


def waiting_view(message: str) -> PaneView:
    """The view before any data has arrived (or when the source could not be opened)."""
    return PaneView(verdict=styled("waiting", "$text-muted"), body=styled(message, "$text-muted"),
                    subtitle=styled(" no data ", "$text-muted"), state="waiting")


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


def next_age_change_s(ctx: PaneContext | None, default_s: float, cap_s: float) -> float:
    """Seconds until an age on screen (the readings', the sources', the last good poll's) changes its text."""
    from cockpit.widgets.format import age_changes_in

    if ctx is None:
        return default_s
    readings = ctx.snapshot.readings
    ages = [readings.macro.us10y_age_s, readings.macro.dxy_age_s, readings.leadership.age_s,
            readings.crypto.btc.age_s, readings.crypto.eth.age_s, *(h.age_s for h in readings.health)]
    shown = [age + ctx.extra_age_s for age in ages if age is not None]
    if ctx.trouble is not None and ctx.trouble.since_good_s is not None:
        shown.append(ctx.trouble.since_good_s)
    if not shown:
        return default_s
    return min(cap_s, min(age_changes_in(age) for age in shown)) + 0.02
