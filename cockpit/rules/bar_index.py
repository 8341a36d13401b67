"""One index of a state's bars for an evaluation and its timeline (pure): filtered to the hours they read,
sorted by time once, each row hashed once (an hour's fingerprint is a difference of running sums) and split
by symbol once, so every hour's bars are slices of it, never a new filter, sort or split.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

HOUR = timedelta(hours=1)


class BarIndex:
    """The bars every evaluated hour can reach, sorted by time, with running row hashes for fingerprints.

    `through` (a moment at or after `last_hour`, within its hour) also takes in the bars complete by that
    moment, so the moment's own figures are read from the same index (`split_until`) as its past hours'.
    """

    def __init__(self, bars: pl.DataFrame, first_hour: datetime, last_hour: datetime, history_h: int,
                 through: datetime | None = None) -> None:
        self.source, self.first_hour, self.last_hour, self.history_h = bars, first_hour, last_hour, history_h
        self.through = last_hour if through is None else max(last_hour, through)
        low = first_hour - timedelta(hours=history_h)
        frame = bars.filter((pl.col("ts") > low) & (pl.col("ts") <= self.through - HOUR))
        self.frame = frame if frame.get_column("ts").is_sorted() else frame.sort("ts", maintain_order=True)
        self.history = timedelta(hours=history_h)
        self.bounds: dict[datetime, tuple[int, int]] = {}
        self.stamps = self.frame.get_column("ts").to_numpy()
        hashes = self.frame.hash_rows(seed=7).to_numpy().astype(np.uint64)
        self.running = np.concatenate((np.zeros(1, dtype=np.uint64), np.cumsum(hashes, dtype=np.uint64)))
        # each symbol's bars once (sorted by ts), so an hour's bars are a slice of each, never a re-split
        self.symbols: dict[str, tuple[pl.DataFrame, np.ndarray]] = {}
        if self.frame.height:  # with the perps' open-interest columns made once, not per hour
            from cockpit.analytics.crypto import with_oi_columns

            for key, part in with_oi_columns(self.frame).partition_by("symbol", as_dict=True,
                                                                      maintain_order=True).items():
                self.symbols[str(key[0])] = (part, part.get_column("ts").to_numpy())

    def covers(self, bars: pl.DataFrame, first_hour: datetime, last_hour: datetime, history_h: int,
               through: datetime | None = None) -> bool:
        """Whether these are the bars an evaluation of hours first_hour..last_hour of `bars` (and of the moment
        `through`) would index."""
        return (bars is self.source and history_h == self.history_h and self.first_hour <= first_hour
                and last_hour <= self.last_hour and (through is None or through <= self.through))

    def index(self, hours: Sequence[datetime]) -> None:
        """Find, in one vectorized search, the rows each of these hours reads."""
        naive = np.array([h.replace(tzinfo=None) for h in hours], dtype="datetime64[us]")
        lows = np.searchsorted(self.stamps, naive - np.timedelta64(self.history), side="right")
        highs = np.searchsorted(self.stamps, naive - np.timedelta64(HOUR), side="right")
        self.bounds.update({h: (int(lo), int(hi)) for h, lo, hi in zip(hours, lows, highs, strict=True)})

    def fingerprint(self, hour: datetime) -> tuple[int, int]:
        """(rows, sum of row hashes) of the bars `compute_readings` reads at `hour` (an indexed hour)."""
        lo, hi = self.bounds[hour]
        return hi - lo, (int(self.running[hi]) - int(self.running[lo])) % 2**64

    def at(self, hour: datetime) -> pl.DataFrame:
        """Those bars themselves."""
        lo, hi = self.bounds[hour]
        return self.frame.slice(lo, hi - lo)

    def split_until(self, moment: datetime) -> dict[str, pl.DataFrame]:
        """The bars `compute_readings` reads at `moment` (complete by then, within the history), split by symbol
        as slices of each symbol's bars (on the hour: what `split_symbols` makes of `at(hour)`); `moment` at or
        before `through`."""
        naive = np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "us")
        low, high = naive - np.timedelta64(self.history), naive - np.timedelta64(HOUR)
        out = {}
        for symbol, (part, stamps) in self.symbols.items():
            lo = int(np.searchsorted(stamps, low, side="right"))
            hi = int(np.searchsorted(stamps, high, side="right"))
            if hi > lo:
                out[symbol] = part.slice(lo, hi - lo)
        return out


_SHARED: ContextVar[BarIndex | None] = ContextVar("shared_bars", default=None)


@contextmanager
def sharing(index: BarIndex) -> Iterator[None]:
    """Within this block (and this thread), `bar_index` answers with `index` where it covers what is asked."""
    token = _SHARED.set(index)
    try:
        yield
    finally:
        _SHARED.reset(token)


def bar_index(bars: pl.DataFrame, first: datetime, now: datetime, history_h: int,
              through: datetime | None = None) -> BarIndex:
    """The index of `bars` for hours first..now (and the moment `through`): the shared one where it covers them."""
    shared = _SHARED.get()
    if shared is not None and shared.covers(bars, first, now, history_h, through):
        return shared
    return BarIndex(bars, first, now, history_h, through)
