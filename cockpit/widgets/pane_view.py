"""What a pane renders from and shows, apart from the widget that shows it: the context, the view, freshness.

Light on purpose: the first frame (the header, the placeholders, the screen's waiting state) needs these and
not the panes' widgets, whose modules (and the charts') are imported once that frame is on screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from cockpit.universe import Universe, market_open
from cockpit.widgets.format import age_text, styled

if TYPE_CHECKING:
    from cockpit.config import Profile
    from cockpit.kinds import FlagId
    from cockpit.models import Flag, Snapshot, SourceHealth
    from cockpit.story import Story
    from cockpit.widgets.charts import ChartSpec

# The grid's panes by id: their border titles (the first frame's placeholders carry them before the panes exist).
PANE_TITLES = {
    "macro": "Macro", "leadership": "Leadership", "crypto": "Crypto structure", "correlation": "Correlation",
    "flags": "Flags", "book": "Book",
}
FLAG_ROWS = 4  # rows the flag list has from the start: most hours show fewer flags, so the list keeps its height

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


def flag_ages(flags: tuple[Flag, ...], seen: Mapping[FlagId, datetime], as_of: datetime) -> list[float | None]:
    """Each flag's age at `as_of`: since its span began, else since the screen first saw it (None: neither)."""
    return [None if (at := f.since or seen.get(f.id)) is None else max(0.0, (as_of - at).total_seconds())
            for f in flags]


def next_age_change_s(ctx: PaneContext | None, default_s: float, cap_s: float) -> float:
    """Seconds until an age on screen (the readings', the sources', the last good poll's) changes its text."""
    from cockpit.widgets.format import age_changes_in

    if ctx is None:
        return default_s
    readings = ctx.snapshot.readings
    ages = [readings.macro.us10y_age_s, readings.macro.dxy_age_s, readings.leadership.age_s,
            readings.crypto.btc.age_s, readings.crypto.eth.age_s, *(h.age_s for h in readings.health)]
    ages += flag_ages(ctx.snapshot.flags, ctx.first_seen, ctx.as_of)  # the flags' ages count on too
    shown = [age + ctx.extra_age_s for age in ages if age is not None]
    if ctx.trouble is not None and ctx.trouble.since_good_s is not None:
        shown.append(ctx.trouble.since_good_s)
    if not shown:
        return default_s
    return min(cap_s, min(age_changes_in(age) for age in shown)) + 0.02
