"""The memo of hours the span windows judged: bounded by size, and by a horizon behind the newest hour (pure).

Worker threads evaluate in parallel, so it is locked. A screen left open for weeks keeps a constant memo: an
hour more than its profile's horizon before the newest one is never read again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from cockpit.settings import Profile

V = TypeVar("V")

MEMO_SIZE = 6000
# How far before the newest hour a memoized hour can still be read: a moment's own windows (its span window or
# the outlook's stress window, whichever is longer) plus the week of past hours the flag log evaluates, each
# with those windows of its own. Older hours are dropped, so a screen left open for weeks keeps a constant memo
# (it grew by a day of hours a day, up to MEMO_SIZE: months of a screen's hours).
MEMO_WEEK_H = 7 * 24


class HourMemo(Generic[V]):
    """A bounded, thread-safe map from an hour's key to its view (worker threads evaluate in parallel).

    Keys are `(profile, universe, hour, ...)`. When a put brings a context's newest hour, the hours of that
    context more than its horizon before it are dropped (once per new hour: a walk back in time, as a
    replay's seek, keeps what it puts); the least recently used go beyond `size`.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._latest: dict[tuple[Any, Any], datetime] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            view = self._items.get(key)
            if view is not None:
                self._items.move_to_end(key)
            return view

    def put(self, key: tuple[Any, ...], view: V, horizon_h: int | None = None) -> None:
        with self._lock:
            self._items[key] = view
            self._items.move_to_end(key)
            context, hour = key[:2], key[2]
            newest = self._latest.get(context)
            if newest is None or hour > newest:
                self._latest[context] = hour
                if newest is not None and horizon_h is not None:
                    oldest = hour - timedelta(hours=horizon_h)
                    for old in [k for k in self._items if k[:2] == context and k[2] < oldest]:  # type: ignore[index]
                        del self._items[old]
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._latest.clear()


def memo_horizon_h(profile: Profile) -> int:
    """Hours before the newest one that an evaluation, or the week of past hours behind it, may read."""
    return MEMO_WEEK_H + max(profile.span_window_h, profile.outlook_stress_h) + 1
