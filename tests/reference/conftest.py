"""Fixtures of the reference suite: seeded markets written as Parquet and CSV, evaluated at chosen moments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from refbars import BTC, ES, ETH, HYG, Book, calm_universe, utc
from refcli import snapshot_at


@dataclass
class Market:
    """A built fixture: its bars, where its cuts are written, and its named moments."""

    name: str
    frame: pl.DataFrame
    folder: Path
    moments: dict[str, datetime]
    book: Book

    def snap(self, moment: str | datetime, fmt: str = "parquet") -> dict[str, Any]:
        at = self.moments[moment] if isinstance(moment, str) else moment
        return snapshot_at(self.frame, self.name, at, fmt, self.folder)

    def at(self, moment: str) -> datetime:
        return self.moments[moment]


PRESIDENTS_DAY_2026 = date(2026, 2, 16)
MLK_DAY_2026 = date(2026, 1, 19)

MAIN_MOMENTS = {
    "friday": utc(2026, 2, 13, 20),  # ES and stocks trading
    "sunday_evening": utc(2026, 2, 15, 22),  # Sunday 16:00 Chicago: ES still shut
    "monday_0000": utc(2026, 2, 16, 0),  # ES reopened 23:00 UTC Sunday; Presidents' Day
    "holiday": utc(2026, 2, 16, 20),  # ES halted since 12:00 Chicago, stocks closed all day
    "after_holiday": utc(2026, 2, 17, 16),  # Tuesday: first cash-session bars after the holiday
    "dst_sunday": utc(2026, 3, 8, 23),  # DST began at 02:00 local: ES reopened at 22:00 UTC, not 23:00
    "dst_monday_0000": utc(2026, 3, 9, 0),
    "dst_tuesday": utc(2026, 3, 10, 21),  # after two flushes into a decline
}


def build_main() -> Book:
    """Nine weeks of every default symbol, 5 Jan - 11 Mar 2026, with sessions, holidays, DST and holes.

    ES and BTC share a factor while ES trades (BTC beta 1.5: 1h correlation around 0.4). MLK Day and
    Presidents' Day are US holidays. DST begins Sunday 8 March. ES misses three mid-session bars and BTC
    two; ES reopens on 8 March with a -1.5 % gap. From the evening of 8 March BTC and ETH fall, with two
    flushes (9 March 15-16 UTC, and four hours 10 March 02-05 UTC) that take out ~10 % of coin OI, while
    HYG/LQD falls and VIX rises.
    """
    book = Book(utc(2026, 1, 5), utc(2026, 3, 11), seed=20260308,
                holidays=frozenset({MLK_DAY_2026, PRESIDENTS_DAY_2026}))
    calm_universe(book, es_btc_beta=1.5)
    k = book.index
    # ES: an opening gap of -1.5 % on the DST Sunday (the move happens while Globex is shut)
    book.inc[ES][k(utc(2026, 3, 8, 12))] += np.log(0.985)
    book.drop(ES, [utc(2026, 2, 11, 15), utc(2026, 3, 4, 16), utc(2026, 3, 10, 14)])
    book.drop(BTC, [utc(2026, 2, 12, 3), utc(2026, 2, 25, 9)])
    # crypto: run-up to a peak on 8 March 12:00, then a decline with two flushes
    up = slice(k(utc(2026, 3, 7, 18)), k(utc(2026, 3, 8, 12)))
    down = slice(k(utc(2026, 3, 9, 14)), k(utc(2026, 3, 10, 20)))
    for sym, beta in ((BTC, 1.0), (ETH, 1.3)):
        book.inc[sym][up] += 0.002 * beta
        book.inc[sym][down] -= 0.003 * beta
    flush = {utc(2026, 3, 9, 15): 2.5e8, utc(2026, 3, 9, 16): 1.5e8, utc(2026, 3, 10, 2): 3.0e8,
             utc(2026, 3, 10, 3): 4.0e8, utc(2026, 3, 10, 4): 2.0e8, utc(2026, 3, 10, 5): 1.2e8}
    for sym, scale in ((BTC, 1.0), (ETH, 0.5)):
        oi = book.perp[sym]["open_interest"]
        for ts, usd in flush.items():
            book.perp[sym]["long_liq_usd"][k(ts)] = usd * scale
            book.inc[sym][k(ts)] += -0.015
            oi[k(ts):] *= 0.982
    # credit widening and VIX rising over the last days
    late = slice(k(utc(2026, 3, 9, 13)), book.n)
    book.inc[HYG][late] -= 0.0006
    book.inc["^VIX"][late] += 0.02
    return book


def _market(name: str, book: Book, moments: dict[str, datetime], tmp_path_factory: pytest.TempPathFactory) -> Market:
    return Market(name, book.frame(), tmp_path_factory.mktemp(name), moments, book)


@pytest.fixture(scope="session")
def main_market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    return _market("main", build_main(), MAIN_MOMENTS, tmp_path_factory)


@pytest.fixture(scope="session")
def market_factory(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Build (once per session) a named market from a builder function."""
    built: dict[str, Market] = {}

    def make(name: str, builder, moments: dict[str, datetime]) -> Market:  # type: ignore[no-untyped-def]
        if name not in built:
            built[name] = _market(name, builder(), dict(moments), tmp_path_factory)
        built[name].moments.update(moments)
        return built[name]

    return make
