"""How fresh a live source is, in words: ok, stale (past its limit), closed, down, disabled or unsupported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cockpit.models import SourceHealth
from cockpit.sources.live.faults import STOPS_POLLING, Fault, FaultKind, PollGuard


@dataclass(frozen=True, slots=True)
class Freshness:
    """What a source knows about its own data: when it last succeeded and its newest bar."""

    last_success: datetime | None = None
    newest_bar: datetime | None = None
    success_tick: float | None = None  # the guard's monotonic clock at that success (None for a cache)


BAR = timedelta(hours=1)
CLOCK_BACK_TOLERANCE_S = 5.0


def cached_freshness(newest_bar: datetime | None, saved_at: datetime | None) -> Freshness:
    """What bars loaded from a cache are worth: no newer than the cache's last write, nor than the newest bar's end.

    A bar stamped in the current hour was still forming when it was fetched: its data is as old as that fetch.
    """
    if newest_bar is None:
        return Freshness()
    bar_end = newest_bar + BAR
    return Freshness(bar_end if saved_at is None else min(saved_at, bar_end), newest_bar)


def data_age_s(now: datetime, freshness: Freshness, tick: float) -> tuple[float | None, str | None]:
    """Seconds since the last success, and a note when the wall clock stepped back past it.

    A clock stepping back never makes figures look fresh: the monotonic clock keeps the true age of a fetch
    this run made; a cache's age is unknown until the next update, and that is said.
    """
    if freshness.last_success is None:
        return None, None
    wall = (now - freshness.last_success).total_seconds()
    if wall >= -CLOCK_BACK_TOLERANCE_S:
        return max(0.0, wall), None
    note = f"system clock moved back {in_words(-wall)}"
    if freshness.success_tick is not None:
        return max(0.0, tick - freshness.success_tick), note
    return None, f"{note}; age unknown until the next update"


def in_words(seconds: float | None) -> str:
    """A duration in words: 42s, 12m, 3.5h (empty for None)."""
    if seconds is None:
        return ""
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


def describe(fault: Fault, retry_in_s: float | None) -> str:
    """The fault in words, what the cockpit does about it and when it tries again ('timed out; retry in 8s')."""
    parts = [fault.message]
    if fault.kind == FaultKind.MAINTENANCE and fault.eta is not None:
        parts[0] += f" (ETA {fault.eta:%H:%M} UTC)"
    if fault.what_to_do:
        parts.append(fault.what_to_do)
    if fault.kind not in STOPS_POLLING and retry_in_s is not None and retry_in_s >= 1:
        parts.append(f"retry in {in_words(retry_in_s)}")
    return "; ".join(parts)


def without_countdown(error: str | None, retry_in_s: float | None) -> str | None:
    """`error` without the 'retry in 8s' that `describe` put in it for `retry_in_s` (what only time moves)."""
    if error is None or retry_in_s is None:
        return error
    return error.replace(f"; retry in {in_words(retry_in_s)}", "")


def source_health(
    name: str,
    *,
    now: datetime,
    freshness: Freshness,
    guard: PollGuard,
    limit_s: float,
    market_open: bool = True,
    notes: tuple[str, ...] = (),
) -> SourceHealth:
    """One SourceHealth: age since the last success, stale past `limit_s` while the market trades."""
    retry_in = guard.retry_in_s()
    fault = guard.disabled or guard.last_fault
    error = describe(fault, retry_in) if fault is not None else None
    if notes:
        error = "; ".join(([error] if error else []) + list(notes))
    age, clock_note = data_age_s(now, freshness, guard.clock())
    if clock_note is not None:
        error = "; ".join(([error] if error else []) + [clock_note])
    if guard.disabled is not None:
        return SourceHealth(name, age, True, error, "disabled", limit_s, None)
    if age is None:
        if clock_note is not None:
            return SourceHealth(name, None, market_open, error, "stale" if market_open else "closed", limit_s, retry_in)
        if fault is None:
            return SourceHealth(name, None, False, "waiting for first data", "ok", limit_s, retry_in)
        state = "closed" if not market_open else "down"
        return SourceHealth(name, None, market_open, error, state, limit_s, retry_in)
    if not market_open:
        return SourceHealth(name, age, False, error, "closed", limit_s, retry_in)
    if age > limit_s:
        return SourceHealth(name, age, True, error or f"no update for {in_words(age)}", "stale", limit_s, retry_in)
    return SourceHealth(name, age, False, error, "ok", limit_s, retry_in)


def unsupported_health(name: str, reason: str) -> SourceHealth:
    """A feature the venue does not offer: shown as n/a, never as stale or zero."""
    return SourceHealth(name, None, False, reason, "unsupported", None, None)
