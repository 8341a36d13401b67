"""Several live sources as one: each polled in its own daemon thread, merged, bounded by a deadline.

A source that has not answered by the deadline keeps its last state (marked with the wait) and is not
polled again until its previous poll returns, so a hanging DNS lookup can neither block the caller nor
pile up threads. The parts are built on the first poll, inside the caller's worker thread, so building
the live source costs nothing before the screen's first frame.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from cockpit.models import MarketState, SourceHealth, SourceKind
from cockpit.sources.base import Source, merge_states


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Slot:
    """One part: its builder, the built source, its last state and the poll in flight (if any)."""

    def __init__(self, name: str, build: Callable[[], Source]) -> None:
        self.name = name
        self.build = build
        self.source: Source | None = None
        self.state: MarketState | None = None
        self.error: str | None = None
        self.thread: threading.Thread | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            if self.source is None:
                self.source = self.build()
            self.state = self.source.poll()
            self.error = None
        except Exception as exc:  # poll() must not raise; a bug in one part still must not sink the rest
            self.error = f"internal error: {type(exc).__name__}: {exc}"
        finally:
            self.done.set()


class CompositeSource:
    """Yahoo plus an exchange (or any parts) behind the one Source interface."""

    kind = SourceKind.LIVE
    name = "live"

    def __init__(
        self,
        parts: Sequence[tuple[str, Callable[[], Source]]],
        *,
        poll_interval_s: float,
        deadline_s: float,
        now: Callable[[], datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.slots = [_Slot(name, build) for name, build in parts]
        self.poll_interval_s = poll_interval_s
        self.deadline_s = deadline_s
        self._now = now
        self._monotonic = monotonic

    @property
    def sources(self) -> list[Source]:
        """The parts built so far."""
        return [slot.source for slot in self.slots if slot.source is not None]

    def poll(self) -> MarketState:
        """Poll every idle part in parallel, wait up to the deadline, and merge what is known."""
        for slot in self.slots:
            if slot.thread is None or not slot.thread.is_alive():
                slot.done.clear()
                slot.thread = threading.Thread(target=slot.run, name=f"poll-{slot.name}", daemon=True)
                slot.thread.start()
        give_up = self._monotonic() + self.deadline_s
        for slot in self.slots:
            slot.done.wait(max(0.0, give_up - self._monotonic()))
        now = self._now()
        return merge_states([self._state_of(slot, now) for slot in self.slots], now)

    def _state_of(self, slot: _Slot, now: datetime) -> MarketState:
        from cockpit.analytics.bars import empty_bars

        waiting = not slot.done.is_set()
        if slot.state is None:
            if waiting:
                error = f"no answer within {self.deadline_s:.0f}s (offline?)"
            else:
                error = slot.error or "no data"
            health = SourceHealth(slot.name, None, True, error, "down")
            return MarketState(SourceKind.LIVE, now, empty_bars(), (health,), label=slot.name)
        if not waiting and slot.error is None:
            return slot.state
        note = f"no answer within {self.deadline_s:.0f}s" if waiting else slot.error
        late = max(0.0, (now - slot.state.as_of).total_seconds())
        marked = tuple(self._aged(h, late, note if i == 0 else None) for i, h in enumerate(slot.state.health))
        return replace(slot.state, as_of=now, health=marked)

    @staticmethod
    def _aged(health: SourceHealth, late: float, note: str | None) -> SourceHealth:
        age = None if health.age_s is None else health.age_s + late
        stale = health.stale or (age is not None and health.limit_s is not None and age > health.limit_s)
        state = "stale" if stale and health.state == "ok" else health.state
        error = "; ".join(x for x in (health.error, note) if x) or None
        return replace(health, age_s=age, stale=stale, state=state, error=error)

    def close(self) -> None:
        """Close every part that was built."""
        for source in self.sources:
            try:
                source.close()
            except Exception:  # closing is best effort; a dead connection may refuse
                pass
