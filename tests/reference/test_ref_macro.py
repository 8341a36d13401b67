"""Macro changes over the lookback counted in open-market hours (SPEC §3 v2), implied vol and credit.

"Open-market hours" are the instrument's own bars: the change is the last close against the close
`macro.lookback_h` bars earlier in that instrument's series, so a shut weekend or holiday is skipped, not
read as "stable". ^TNX is quoted in percent, so its change in bp is 100 x the difference. HYG/LQD is the
ratio of the two closes on their common bars.
"""

from __future__ import annotations

import numpy as np
import pytest
from refbars import DXY, HYG, LQD, MOVE, TNX, VIX, VIX3M, Book, calm_universe, utc
from refcli import FORMATS, check, dig
from refmath import change_over_bars, column

MOMENTS = ("friday", "sunday_evening", "monday_0000", "holiday", "after_holiday", "dst_sunday",
           "dst_monday_0000", "dst_tuesday")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("moment", MOMENTS)
def test_us10y_and_dxy_changes_in_open_market_hours(main_market, moment, fmt):  # type: ignore[no-untyped-def]
    at = main_market.at(moment)
    snap = main_market.snap(moment, fmt)
    bars = dig(snap, "macro.lookback_h")
    last, then = change_over_bars(column(main_market.frame, TNX, at)[1], bars)
    check(snap, "macro.us10y.change_bp", (last - then) * 100)
    last, then = change_over_bars(column(main_market.frame, DXY, at)[1], bars)
    check(snap, "macro.dxy.change_pct", (last / then - 1) * 100)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("moment", MOMENTS)
def test_vix_level_and_change(main_market, moment, fmt):  # type: ignore[no-untyped-def]
    at = main_market.at(moment)
    snap = main_market.snap(moment, fmt)
    bars = dig(snap, "macro.lookback_h")
    last, then = change_over_bars(column(main_market.frame, VIX, at)[1], bars)
    check(snap, "macro.vix.value", last)
    check(snap, "macro.vix.change_pct", (last / then - 1) * 100)
    check(snap, "macro.vix3m.value", float(column(main_market.frame, VIX3M, at)[1][-1]))
    check(snap, "macro.move.value", float(column(main_market.frame, MOVE, at)[1][-1]))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("moment", MOMENTS)
def test_credit_hyg_lqd(main_market, moment, fmt):  # type: ignore[no-untyped-def]
    """HYG/LQD change over the lookback; spreads widening when the ratio fell >= 0.5 %."""
    at = main_market.at(moment)
    snap = main_market.snap(moment, fmt)
    bars = dig(snap, "macro.lookback_h")
    ts_h, hyg = column(main_market.frame, HYG, at)
    ts_l, lqd = column(main_market.frame, LQD, at)
    _, ih, il = np.intersect1d(ts_h, ts_l, return_indices=True)
    last, then = change_over_bars(hyg[ih] / lqd[il], bars)
    change = (last / then - 1) * 100
    check(snap, "macro.credit.hyg_lqd_change_pct", change)
    assert dig(snap, "macro.credit.spreads_widening") is bool(change <= -0.5)


def test_credit_widens_in_the_decline(main_market):  # type: ignore[no-untyped-def]
    """The fixture does exercise the widening branch."""
    assert dig(main_market.snap("dst_tuesday"), "macro.credit.spreads_widening") is True


def _no_vol_credit() -> Book:
    book = Book(utc(2026, 1, 5), utc(2026, 2, 20), seed=7)
    calm_universe(book, skip=(VIX, VIX3M, MOVE, HYG, LQD))
    return book


def test_missing_vol_and_credit_roles_are_null(market_factory):  # type: ignore[no-untyped-def]
    """A role without data is `null`, never invented."""
    market = market_factory("novolcredit", _no_vol_credit, {"end": utc(2026, 2, 19, 20)})
    snap = market.snap("end")
    for key in ("macro.vix", "macro.vix3m", "macro.move", "macro.credit"):
        assert dig(snap, key) is None, key
