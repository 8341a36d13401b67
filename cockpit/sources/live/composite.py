"""Several live sources as one: each polled in its own daemon thread, merged, bounded by a deadline.

A source that has not answered by the deadline keeps its last state (marked with the wait) and is not
polled again until its previous poll returns, so a hanging DNS lookup can neither block the caller nor
pile up threads. The parts are built in their threads on the first poll, so building the live source
costs nothing before the screen's first frame. `cached_state()` answers at once with what the parts hold
on disk (their true ages, STALE where due), so the screen has figures before any network answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from cockpit.models import MarketState, SourceHealth, SourceKind, aged_health
from cockpit.sources.base import CachingSource, Source, merge_states

CONNECTING = "connecting"


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

    @property
    def idle(self) -> bool:
        """No poll of this part is running."""
        return self.thread is None or not self.thread.is_alive()

    def start(self, *, cache_only: bool = False) -> None:
        """Poll in a new daemon thread (or only build the part and read its cache)."""
        self.done.clear()
        self.thread = threading.Thread(target=self.run, args=(cache_only,), name=f"poll-{self.name}", daemon=True)
        self.thread.start()

    def run(self, cache_only: bool = False) -> None:
        try:
            if self.source is None:
                self.source = self.build()
            if not cache_only:
                self.state = self.source.poll()
            elif isinstance(self.source, CachingSource):
                self.state = self.source.cached_state()
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

    def cached_state(self) -> MarketState:
        """What the parts hold on disk, at once: each is built and reads its cache in its thread, nobody is asked.

        Their first real polls start with the next `poll()`, which the caller makes at once; meanwhile every
        part says it is connecting, its figures keep their true age and are STALE where due.
        """
        for slot in self.slots:
            if slot.idle and slot.state is None:
                slot.start(cache_only=True)
        give_up = self._monotonic() + self.deadline_s
        for slot in self.slots:
            slot.done.wait(max(0.0, give_up - self._monotonic()))
        now = self._now()
        return merge_states([self._state_of(slot, now, CONNECTING) for slot in self.slots], now)

    def poll(self) -> MarketState:
        """Poll every idle part in parallel, wait up to the deadline, and merge what is known."""
        for slot in self.slots:
            if slot.idle:
                slot.start()
        give_up = self._monotonic() + self.deadline_s
        for slot in self.slots:
            slot.done.wait(max(0.0, give_up - self._monotonic()))
        now = self._now()
        return merge_states([self._state_of(slot, now) for slot in self.slots], now)

    def _state_of(self, slot: _Slot, now: datetime, connecting: str | None = None) -> MarketState:
        """The part's last state at `now`: its health aged to the merge, marked when late, failed or connecting."""
        from cockpit.analytics.bars import empty_bars

        waiting = not slot.done.is_set()
        late_note = f"no answer within {self.deadline_s:.0f}s"
        if slot.state is None:
            if connecting is not None:
                error = connecting if slot.error is None else f"{slot.error}; {connecting}"
            elif waiting:
                error = f"{late_note} (offline?)"
            else:
                error = slot.error or "no data"
            health = SourceHealth(slot.name, None, connecting is None, error, "down")
            return MarketState(SourceKind.LIVE, now, empty_bars(), (health,), label=slot.name)
        note = "; ".join(x for x in (late_note if waiting else slot.error, connecting) if x) or None
        late = max(0.0, (now - slot.state.as_of).total_seconds())
        marked = tuple(aged_health(h, late, note if i == 0 else None) for i, h in enumerate(slot.state.health))
        return replace(slot.state, as_of=now, health=marked)

    def close(self) -> None:
        """Close every part that was built."""
        for source in self.sources:
            try:
                source.close()
            except Exception:  # closing is best effort; a dead connection may refuse
                pass
