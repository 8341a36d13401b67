"""The simulator's bars: honest session hours (DST-aware), and the perp columns of SPEC §3 v2 consistent."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from cockpit.sources.simulator.model import generate
from cockpit.sources.simulator.scenarios import SCENARIOS
from cockpit.universe import Universe, equity_open, futures_open, market_open


@pytest.mark.parametrize(("ts", "trades"), [
    (datetime(2026, 1, 29, 22, tzinfo=UTC), False),  # winter: the 16:00-17:00 Chicago halt is 22:00 UTC
    (datetime(2026, 1, 29, 21, tzinfo=UTC), True),
    (datetime(2026, 3, 10, 21, tzinfo=UTC), False),  # summer time: the halt moves to 21:00 UTC
    (datetime(2026, 3, 10, 22, tzinfo=UTC), True),
    (datetime(2026, 1, 30, 22, tzinfo=UTC), False),  # shut from Friday 16:00 Chicago
    (datetime(2026, 2, 1, 22, tzinfo=UTC), False),
    (datetime(2026, 2, 1, 23, tzinfo=UTC), True),  # Sunday 17:00 Chicago
])
def test_cme_hours_follow_chicago(ts: datetime, trades: bool) -> None:
    assert futures_open(ts) is trades


@pytest.mark.parametrize(("ts", "trades"), [
    (datetime(2026, 1, 29, 14, tzinfo=UTC), True),  # the 09:30 bar, stamped 09:00 New York
    (datetime(2026, 1, 29, 13, tzinfo=UTC), False),
    (datetime(2026, 1, 29, 20, tzinfo=UTC), True),  # the 15:30 bar
    (datetime(2026, 1, 29, 21, tzinfo=UTC), False),
    (datetime(2026, 3, 10, 13, tzinfo=UTC), True),  # summer time
    (datetime(2026, 3, 10, 20, tzinfo=UTC), False),
])
def test_cash_session_follows_new_york(ts: datetime, trades: bool) -> None:
    assert equity_open(ts) is trades


def test_vol_and_credit_inputs_print_in_the_us_session_only() -> None:
    universe = Universe()
    night = datetime(2026, 1, 29, 3, tzinfo=UTC)
    for symbol in universe.vol_credit_symbols():
        assert not market_open(symbol, universe, night)
        assert market_open(symbol, universe, datetime(2026, 1, 29, 15, tzinfo=UTC))


@pytest.fixture(scope="module")
def calm_bars() -> pl.DataFrame:
    return generate(SCENARIOS["calm"], 3)


def test_simulated_sessions_are_the_calendars(calm_bars: pl.DataFrame) -> None:
    scenario = calm_bars.filter(pl.col("ts") >= SCENARIOS["calm"].start)
    hours = {s: set(scenario.filter(pl.col("symbol") == s)["ts"].dt.hour().to_list()) for s in ("ES=F", "^VIX", "HYG")}
    assert 21 not in hours["ES=F"] and 22 in hours["ES=F"]  # summer time
    assert hours["^VIX"] == hours["HYG"] == set(range(13, 20))


def test_perp_columns_agree(calm_bars: pl.DataFrame) -> None:
    btc = calm_bars.filter(pl.col("symbol") == "BTC/USDT:USDT", pl.col("open_interest").is_not_null())
    assert btc.height > 24 * 14
    assert set(btc["funding_interval_h"].to_list()) == {8.0}
    ratio = btc["open_interest_usd"] / (btc["open_interest"] * btc["close"])
    assert float((ratio - 1).abs().max()) < 1e-9  # type: ignore[arg-type]
