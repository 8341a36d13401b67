"""ES~BTC correlation on kept return pairs (SPEC §3 v2 "Returns and gaps", "Buckets") against numpy.

Fixture: `build_main` in conftest (sessions, MLK and Presidents' Day, the March 2026 DST change, missing
ES and BTC bars), evaluated at the moments of `MAIN_MOMENTS` from Parquet and from CSV.
"""

from __future__ import annotations

import pytest
from refbars import BTC, ES
from refcli import FORMATS, check, dig
from refmath import H, buckets_4h, column, pair_window

MOMENTS = ("friday", "sunday_evening", "monday_0000", "holiday", "after_holiday", "dst_sunday",
           "dst_monday_0000", "dst_tuesday")


def _ref_1h(market, moment):  # type: ignore[no-untyped-def]
    snap = market.snap(moment)
    at = market.at(moment)
    window = dig(snap, "correlation.1h.window")
    es = column(market.frame, ES, at)
    btc = column(market.frame, BTC, at)
    return pair_window(*es, *btc, window)


def _ref_4h(market, moment):  # type: ignore[no-untyped-def]
    snap = market.snap(moment)
    at = market.at(moment)
    window = dig(snap, "correlation.4h.window")
    es = buckets_4h(*column(market.frame, ES, at), at)
    btc = buckets_4h(*column(market.frame, BTC, at), at)
    return pair_window(*es, *btc, window, step=4 * H)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("moment", MOMENTS)
def test_correlation_1h_on_kept_pairs(main_market, moment, fmt):  # type: ignore[no-untyped-def]
    """Pearson of the last `window` 1h return pairs whose legs both span exactly one bar."""
    ref = _ref_1h(main_market, moment)
    snap = main_market.snap(moment, fmt)
    check(snap, "correlation.1h.value", ref.value)
    assert dig(snap, "correlation.1h.n") == ref.n


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("moment", MOMENTS)
def test_correlation_4h_on_completed_buckets(main_market, moment, fmt):  # type: ignore[no-untyped-def]
    """UTC 00/04/... buckets, close = last 1h close, completed buckets only, consecutive buckets only."""
    ref = _ref_4h(main_market, moment)
    snap = main_market.snap(moment, fmt)
    check(snap, "correlation.4h.value", ref.value)
    assert dig(snap, "correlation.4h.n") == ref.n


@pytest.mark.parametrize("moment", MOMENTS)
def test_gap_pairs_dropped_within_the_window(main_market, moment):  # type: ignore[no-untyped-def]
    """SPEC-silent choice: `gap_pairs_dropped` counts the joined return pairs that span a gap (weekend,
    daily halt, holiday, missing bar) inside the span of the window, i.e. after the start of the window's
    first kept pair. Kept separate so the counting convention is easy to adjust."""
    snap = main_market.snap(moment)
    assert dig(snap, "correlation.1h.gap_pairs_dropped") == _ref_1h(main_market, moment).dropped
    assert dig(snap, "correlation.4h.gap_pairs_dropped") == _ref_4h(main_market, moment).dropped


def test_gap_pairs_are_actually_present(main_market):  # type: ignore[no-untyped-def]
    """The fixture exercises the rule: every 1h window spans a dropped pair, and so do the 4h windows just
    after a weekend (a 4h window of 30 kept pairs can fit inside one Sunday-to-Friday week)."""
    for moment in MOMENTS:
        assert _ref_1h(main_market, moment).dropped >= 1, moment
    for moment in ("monday_0000", "holiday", "dst_monday_0000", "dst_tuesday"):
        assert _ref_4h(main_market, moment).dropped >= 1, moment
