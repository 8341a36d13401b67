"""The one source interface: every implementation (simulator, file/replay, yfinance, ccxt) looks like this.

A source's `poll()` is blocking (call it from a thread worker) and never raises for a data fault: it
returns a MarketState whose `health` says how fresh the data is and what went wrong. Only programming
errors escape, and the feed catches those too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from cockpit.kinds import SourceKind
from cockpit.models import DataQuality, MarketState, SourceHealth


@runtime_checkable
class Source(Protocol):
    """Yields immutable market state for the roles of SPEC §2 and reports its own freshness."""

    name: str
    kind: SourceKind
    poll_interval_s: float

    def poll(self) -> MarketState:
        """Fetch or advance, and return everything held up to now (never raises for data faults)."""
        ...

    def close(self) -> None:
        """Release connections and threads."""
        ...


@runtime_checkable
class ClockedSource(Source, Protocol):
    """A source with a simulated or replayed clock the user can pause, speed up and step."""

    paused: bool
    speed: float

    def step(self, hours: float) -> None:
        """Move the clock forward by `hours` of simulated time."""
        ...


@runtime_checkable
class CachingSource(Source, Protocol):
    """A source that can answer at once with what it holds locally (a bar cache), before asking anyone."""

    def cached_state(self) -> MarketState:
        """The state held now with its true ages, without a network call (its first real poll may start behind)."""
        ...


def merge_states(states: Sequence[MarketState], as_of: datetime) -> MarketState:
    """One state from several sources (live: Yahoo plus an exchange): bars concatenated, health joined."""
    import polars as pl

    from cockpit.analytics.bars import empty_bars

    frames = [s.bars for s in states if s.bars.height]
    bars = pl.concat(frames, how="vertical_relaxed") if frames else empty_bars()
    quality = DataQuality(
        rows_in=sum(s.quality.rows_in for s in states),
        rows_used=sum(s.quality.rows_used for s in states),
        duplicates_dropped=sum(s.quality.duplicates_dropped for s in states),
        bad_prices_dropped=sum(s.quality.bad_prices_dropped for s in states),
        was_unsorted=any(s.quality.was_unsorted for s in states),
        missing_roles=tuple(r for s in states for r in s.quality.missing_roles),
    )
    kind = states[0].kind if states else SourceKind.LIVE
    health: tuple[SourceHealth, ...] = tuple(h for s in states for h in s.health)
    return MarketState(kind, as_of, bars, health, quality, " + ".join(s.label for s in states if s.label))
