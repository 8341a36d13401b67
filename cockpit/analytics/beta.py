"""Rolling beta on kept return pairs (SPEC §3 v2, §12; pure, no polars): a price series is a sequence of
(bar ts, close) of 1h bars; a return pair is kept only when both legs span exactly one bar, so a pair across a
session gap (weekend, halt, a missing bar) is dropped and counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

BAR = timedelta(hours=1)
MIN_BETA_PAIRS = 20  # fewer kept pairs than this and a beta is not estimated (the assumption is said instead)
ES_FAMILY = frozenset({"ES=F", "MES=F", "ES", "MES"})
BTC_FAMILY = frozenset({"BTC/USDT:USDT", "BTC-USD", "BTC/USD", "BTC", "XBT"})

Series = Sequence[tuple[datetime, float]]


class BetaSource(StrEnum):
    """Where a beta came from."""

    IDENTITY = "identity"  # the holding is the benchmark (ES=F to ES, the BTC perp to BTC)
    ROLLING = "rolling"  # estimated on kept return pairs over the profile window
    ASSUMED = "assumed"  # too few pairs: 1 to its own class's benchmark, 0 to the other


@dataclass(frozen=True, slots=True)
class Beta:
    """A beta to one benchmark, how it was found and on how many kept pairs."""

    value: float
    source: BetaSource
    pairs: int = 0
    gap_pairs_dropped: int = 0


def kept_returns(series: Series) -> tuple[dict[datetime, float], int]:
    """Log returns keyed by the later bar's ts, only between bars exactly one hour apart; and the gaps dropped."""
    returns: dict[datetime, float] = {}
    dropped = 0
    for (ts0, close0), (ts1, close1) in zip(series, series[1:], strict=False):
        if close0 <= 0 or close1 <= 0:
            continue
        if ts1 - ts0 == BAR:
            returns[ts1] = math.log(close1 / close0)
        else:
            dropped += 1
    return returns, dropped


def rolling_beta(holding: Series, benchmark: Series, window_h: int) -> tuple[float | None, int, int]:
    """OLS beta of the holding's returns on the benchmark's, over kept pairs ending in the last `window_h` hours.

    A pair is kept when both legs span exactly one bar and share their timestamps; returns (beta, pairs, dropped).
    """
    if not holding or not benchmark:
        return None, 0, 0
    mine, _ = kept_returns(holding)
    theirs, _ = kept_returns(benchmark)
    newest = min(holding[-1][0], benchmark[-1][0])
    start = newest - timedelta(hours=window_h)
    keys = sorted(ts for ts in mine if ts in theirs and start < ts <= newest)
    gaps = sum(1 for (ts0, _), (ts1, _) in zip(holding, holding[1:], strict=False)
               if start < ts1 <= newest and ts1 - ts0 != BAR)
    dropped = gaps + sum(1 for ts in mine if start < ts <= newest and ts not in theirs)
    if len(keys) < MIN_BETA_PAIRS:
        return None, len(keys), dropped
    xs = [theirs[k] for k in keys]
    ys = [mine[k] for k in keys]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mean_x) ** 2 for x in xs)
    if var <= 0:
        return None, len(keys), dropped
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    return cov / var, len(keys), dropped


def beta_to(symbol: str, benchmark: str, series: Mapping[str, Series], window_h: int, *, own: bool) -> Beta:
    """The holding's beta to a benchmark: identity, rolling on kept pairs, or assumed (1 own class, 0 other)."""
    family = ES_FAMILY if benchmark in ES_FAMILY or benchmark.endswith("=F") else BTC_FAMILY
    if symbol == benchmark or symbol in family and benchmark in family:
        return Beta(1.0, BetaSource.IDENTITY)
    value, pairs, dropped = rolling_beta(series.get(symbol, ()), series.get(benchmark, ()), window_h)
    if value is None:
        return Beta(1.0 if own else 0.0, BetaSource.ASSUMED, pairs, dropped)
    return Beta(value, BetaSource.ROLLING, pairs, dropped)
