"""Correlations match an independent numpy computation of SPEC §3 v2 on data with gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.analytics.series import align, correlation, correlation_history

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday


def _frame(stamps: list[datetime], closes: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame({"ts": stamps, "close": closes}).with_columns(pl.col("ts").cast(pl.Datetime("us", "UTC")))


def gappy_pair(seed: int, hours: int = 24 * 40) -> tuple[pl.DataFrame, pl.DataFrame]:
    """An equity-like series (weekdays, a daily break, random missing bars) and a 24/7 one with holes."""
    rng = np.random.default_rng(seed)
    stamps = [START + timedelta(hours=h) for h in range(hours)]
    common = rng.normal(0, 0.004, hours)
    es_close = 5000 * np.exp(np.cumsum(common + rng.normal(0, 0.002, hours)))
    btc_close = 90000 * np.exp(np.cumsum(1.5 * common + rng.normal(0, 0.006, hours)))
    es_keep = np.array([ts.weekday() < 5 and ts.hour != 22 for ts in stamps]) & (rng.random(hours) > 0.05)
    btc_keep = rng.random(hours) > 0.03
    es = _frame([s for s, k in zip(stamps, es_keep, strict=True) if k], es_close[es_keep])
    btc = _frame([s for s, k in zip(stamps, btc_keep, strict=True) if k], btc_close[btc_keep])
    return es, btc


def numpy_reference(es: pl.DataFrame, btc: pl.DataFrame, window: int, bucket_hours: int,
                    as_of: datetime | None = None) -> float:
    """SPEC §3 v2 by hand: completed UTC buckets (last close), inner join, log returns of consecutive buckets
    only (a pair whose legs span more than one bucket is dropped), Pearson of the last window."""

    def bucketed(frame: pl.DataFrame) -> dict[int, float]:
        seconds = np.array([int(ts.timestamp()) for ts in frame["ts"].to_list()])
        keys = seconds // (bucket_hours * 3600)
        out: dict[int, float] = {}
        for key, close in zip(keys, frame["close"].to_numpy(), strict=True):
            if as_of is None or (int(key) + 1) * bucket_hours * 3600 <= as_of.timestamp():
                out[int(key)] = float(close)  # rows are sorted, so the last one wins
        return out

    a, b = bucketed(es), bucketed(btc)
    common = sorted(set(a) & set(b))
    pairs = [(np.log(a[k] / a[j]), np.log(b[k] / b[j])) for j, k in zip(common, common[1:], strict=False)
             if k - j == 1]
    ra = np.array([p[0] for p in pairs])[-window:]
    rb = np.array([p[1] for p in pairs])[-window:]
    assert len(ra) == window
    return float(np.corrcoef(ra, rb)[0, 1])


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("timeframe", "bucket", "window"), [("1h", 1, 72), ("1h", 1, 24), ("4h", 4, 30)])
def test_correlation_matches_numpy_on_gappy_data(seed: int, timeframe: str, bucket: int, window: int) -> None:
    es, btc = gappy_pair(seed)
    as_of = max(es["ts"][-1], btc["ts"][-1]) + timedelta(hours=1)
    ours = correlation(es, btc, window, timeframe, as_of)
    assert ours.value is not None
    assert ours.window == window
    assert ours.gap_pairs_dropped > 0  # the gappy data has weekends, daily breaks and holes inside every window
    assert ours.value == pytest.approx(numpy_reference(es, btc, window, bucket, as_of), abs=1e-9)


def test_too_little_history_is_none_never_invented() -> None:
    es, btc = gappy_pair(4, hours=40)
    value = correlation(es, btc, 72, "1h")
    assert value.value is None
    assert value.n < 72


def test_history_ends_at_current_value() -> None:
    es, btc = gappy_pair(5)
    history = correlation_history(es, btc, 48, "1h")
    assert history[-1] == pytest.approx(correlation(es, btc, 48, "1h").value, abs=1e-9)


def test_zero_variance_window_is_none() -> None:
    stamps = [START + timedelta(hours=h) for h in range(50)]
    flat = _frame(stamps, np.full(50, 100.0))
    moving = _frame(stamps, 100 * np.exp(np.cumsum(np.random.default_rng(1).normal(0, 0.01, 50))))
    assert correlation(flat, moving, 24).value is None


hour_sets = st.sets(st.integers(min_value=0, max_value=300), min_size=0, max_size=200)


@settings(max_examples=60, deadline=None)
@given(hour_sets, hour_sets, st.integers(min_value=0, max_value=2**31 - 1))
def test_alignment_never_invents_bars(a_hours: set[int], b_hours: set[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    a_sorted, b_sorted = sorted(a_hours), sorted(b_hours)
    a = _frame([START + timedelta(hours=h) for h in a_sorted], rng.uniform(1, 100, len(a_sorted)))
    b = _frame([START + timedelta(hours=h) for h in b_sorted], rng.uniform(1, 100, len(b_sorted)))
    joined = align(a, b)
    expected = sorted(a_hours & b_hours)
    assert [int((ts - START).total_seconds() // 3600) for ts in joined["ts"].to_list()] == expected


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=3, max_value=60),
       st.floats(min_value=-3, max_value=3))
def test_correlation_is_within_bounds(seed: int, window: int, beta: float) -> None:
    rng = np.random.default_rng(seed)
    n = window + 5
    stamps = [START + timedelta(hours=h) for h in range(n)]
    base = rng.normal(0, 0.01, n)
    a = _frame(stamps, 100 * np.exp(np.cumsum(base)))
    b = _frame(stamps, 100 * np.exp(np.cumsum(beta * base + rng.normal(0, 0.001, n))))
    value = correlation(a, b, window).value
    assert value is None or -1.0 <= value <= 1.0
