"""Liquidation intensity, coin OI, flushes, the current move and funding (SPEC §3 v2) against numpy.

Fixture `build_main`: BTC is an hourly-settling perp (funding_interval_h 1), ETH an 8-hourly one. From
8 March BTC and ETH fall with two flushes, the second four hours long (10 March 02-05 UTC).
"""

from __future__ import annotations

import math

import pytest
from refbars import BTC, ETH, utc
from refcli import FORMATS, check, dig
from refmath import H, column, flushes_in_move, liquidations, move_start

MOMENTS = ("friday", "sunday_evening", "monday_0000", "holiday", "after_holiday", "dst_sunday",
           "dst_monday_0000", "dst_tuesday")
# inside and after the second flush: each hour of it and the quiet hours after (bar ends)
FLUSH_HOURS = [utc(2026, 3, 9, 16), utc(2026, 3, 9, 17), utc(2026, 3, 10, 3), utc(2026, 3, 10, 4),
               utc(2026, 3, 10, 5), utc(2026, 3, 10, 6), utc(2026, 3, 10, 8), utc(2026, 3, 10, 11)]
ASSETS = [("btc", BTC), ("eth", ETH)]


_LIQ: dict[tuple[str, str, object], object] = {}


def _liq(market, symbol, at):  # type: ignore[no-untyped-def]
    key = (market.name, symbol, at)
    if key not in _LIQ:
        ts, long_liq = column(market.frame, symbol, at, "long_liq_usd")
        _, oi_usd = column(market.frame, symbol, at, "open_interest_usd")
        _LIQ[key] = (ts, liquidations(ts, long_liq, oi_usd))
    return _LIQ[key]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("moment", MOMENTS)
def test_liq_zscore_and_share_of_oi_eth(main_market, moment, fmt):  # type: ignore[no-untyped-def]
    """ETH (no missing bars): robust z of the last hour against the 168 h before the current flush
    cluster, and that hour's long liquidations as % of its OI in USD."""
    at = main_market.at(moment)
    _, liq = _liq(main_market, ETH, at)
    snap = main_market.snap(moment, fmt)
    check(snap, "crypto.eth.liq_zscore_1h", float(liq.z[-1]))
    check(snap, "crypto.eth.liq_oi_pct_1h", float(liq.pct[-1]))


@pytest.mark.parametrize("at", FLUSH_HOURS, ids=lambda t: t.strftime("%m%dT%H"))
@pytest.mark.parametrize(("key", "symbol"), ASSETS)
def test_liq_zscore_through_a_flush(main_market, at, key, symbol):  # type: ignore[no-untyped-def]
    """A flush's own hours never enter its baseline: its fourth hour still reads a high z."""
    _, liq = _liq(main_market, symbol, at)
    snap = main_market.snap(at)
    check(snap, f"crypto.{key}.liq_zscore_1h", float(liq.z[-1]))
    check(snap, f"crypto.{key}.liq_oi_pct_1h", float(liq.pct[-1]))


def test_fourth_flush_hour_is_still_a_flush(main_market):  # type: ignore[no-untyped-def]
    at = utc(2026, 3, 10, 6)  # the bar of 05:00, fourth hour of the cluster
    _, liq = _liq(main_market, BTC, at)
    assert liq.z[-1] >= 3 and liq.qualifies[-1]
    assert dig(main_market.snap(at), "crypto.btc.liq_zscore_1h") >= 3


@pytest.mark.parametrize("moment", MOMENTS)
def test_liq_zscore_btc_calendar_baseline(main_market, moment):  # type: ignore[no-untyped-def]
    """SPEC-silent choice: "the 168 hours before" is 168 calendar hours; a missing BTC bar (12 Feb 03:00,
    25 Feb 09:00 UTC) leaves the baseline one bar short rather than reaching an hour further back."""
    at = main_market.at(moment)
    _, liq = _liq(main_market, BTC, at)
    check(main_market.snap(moment), "crypto.btc.liq_zscore_1h", float(liq.z[-1]))
    check(main_market.snap(moment), "crypto.btc.liq_oi_pct_1h", float(liq.pct[-1]))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize(("key", "symbol"), ASSETS)
def test_open_interest_in_coins(main_market, moment, fmt, key, symbol):  # type: ignore[no-untyped-def]
    """`open_interest` is coins; `oi_change_pct` (over the JSON's `oi_lookback_h`) and
    `oi_change_pct_24h` compare coins with the bar that many hours earlier."""
    at = main_market.at(moment)
    ts, coins = column(main_market.frame, symbol, at, "open_interest")
    snap = main_market.snap(moment, fmt)
    lookback = dig(snap, f"crypto.{key}.oi_lookback_h")

    def change(hours: int) -> float:
        earlier = coins[ts == ts[-1] - hours * H]
        assert earlier.size == 1
        return float((coins[-1] / earlier[0] - 1) * 100)

    check(snap, f"crypto.{key}.open_interest", float(coins[-1]))
    check(snap, f"crypto.{key}.oi_change_pct", change(lookback))
    check(snap, f"crypto.{key}.oi_change_pct_24h", change(24))


@pytest.mark.parametrize("at", [*(MOMENTS), *FLUSH_HOURS], ids=str)
def test_oi_reset_and_flush_count_in_the_current_move(main_market, at):  # type: ignore[no-untyped-def]
    """The move begins at BTC's highest close of the last 72 h (swing); `oi_reset` = coin OI >= 8 % below
    its highest since then; `flush_count` = BTC flush clusters with an hour at or after that start.

    SPEC-silent choice: both are BTC's (the fixture's ETH flushes in the same hours, so a BTC-or-ETH
    reading agrees wherever ETH shows no flush of its own; see `test_flush_count_btc_and_eth_agree`)."""
    moment = main_market.at(at) if isinstance(at, str) else at
    ts, close = column(main_market.frame, BTC, moment)
    _, coins = column(main_market.frame, BTC, moment, "open_interest")
    _, liq = _liq(main_market, BTC, moment)
    start = move_start(ts, close, moment)
    snap = main_market.snap(at)
    assert dig(snap, "crypto.oi_reset") == bool(coins[-1] <= 0.92 * coins[start:].max())
    assert dig(snap, "crypto.flush_count") == flushes_in_move(liq, start)


def test_flush_count_btc_and_eth_agree(main_market):  # type: ignore[no-untyped-def]
    """The flush-count assertions above do not depend on choosing BTC rather than ETH."""
    for moment in [*(main_market.at(m) for m in MOMENTS), *FLUSH_HOURS]:
        counts = []
        for symbol in (BTC, ETH):
            ts, close = column(main_market.frame, symbol, moment)
            _, liq = _liq(main_market, symbol, moment)
            counts.append(flushes_in_move(liq, move_start(ts, close, moment)))
        assert counts[0] == counts[1], moment


def test_two_flushes_and_a_reset_after_the_decline(main_market):  # type: ignore[no-untyped-def]
    snap = main_market.snap("dst_tuesday")
    assert dig(snap, "crypto.flush_count") == 2
    assert dig(snap, "crypto.oi_reset") is True


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("key", "interval", "rate"), [("btc", 1.0, 0.0000125), ("eth", 8.0, 0.0001)])
def test_funding_interval_and_annualised(main_market, fmt, key, interval, rate):  # type: ignore[no-untyped-def]
    """Annualised funding = rate x 8,760 / interval x 100, the interval from the data file."""
    snap = main_market.snap("friday", fmt)
    assert dig(snap, f"crypto.{key}.funding_interval_h") == interval
    check(snap, f"crypto.{key}.funding_annualised_pct", rate * 8760 / interval * 100)
    assert math.isclose(rate * 8760 / interval * 100, 10.95)
