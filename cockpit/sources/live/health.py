"""How fresh a live source is, in words: ok, stale (past its limit), closed, down, disabled or unsupported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cockpit.models import SourceHealth
from cockpit.sources.live.faults import STOPS_POLLING, Fault, FaultKind, PollGuard


@dataclass(frozen=True, slots=True)
class Freshness:
    """What a source knows about its own data: when it last succeeded and its newest bar."""

    last_success: datetime | None = None
    newest_bar: datetime | None = None


def _when(seconds: float | None) -> str:
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
        parts.append(f"retry in {_when(retry_in_s)}")
    return "; ".join(parts)


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
    age = None if freshness.last_success is None else max(0.0, (now - freshness.last_success).total_seconds())
    if guard.disabled is not None:
        return SourceHealth(name, age, True, error, "disabled", limit_s, None)
    if age is None:
        if fault is None:
            return SourceHealth(name, None, False, "waiting for first data", "ok", limit_s, retry_in)
        state = "closed" if not market_open else "down"
        return SourceHealth(name, None, market_open, error, state, limit_s, retry_in)
    if not market_open:
        return SourceHealth(name, age, False, error, "closed", limit_s, retry_in)
    if age > limit_s:
        return SourceHealth(name, age, True, error or f"no update for {_when(age)}", "stale", limit_s, retry_in)
    return SourceHealth(name, age, False, error, "ok", limit_s, retry_in)


def unsupported_health(name: str, reason: str) -> SourceHealth:
    """A feature the venue does not offer: shown as n/a, never as stale or zero."""
    return SourceHealth(name, None, False, reason, "unsupported", None, None)
