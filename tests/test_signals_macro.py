"""SPEC §3 v2 macro and leadership, as a trader would check them: open-market lookbacks, implied vol and credit,
and a leadership verdict that a calm tape does not turn into "breaking"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from cockpit.analytics.leadership import leadership_reading
from cockpit.universe import equity_open
from tests.signal_fixtures import ES, UNIVERSE, bars, cme_hours, hours, snapshot_at

MONDAY_0100 = datetime(2026, 1, 12, 1, tzinfo=UTC)


def cash_hours(start: datetime, end: datetime) -> list[datetime]:
    return hours(start, end, equity_open)


def rising_friday(symbol: str, level: float, friday_change: float, additive: bool) -> Any:
    """CME bars flat all week except a steady rise through Friday's US session (13:00-20:00 UTC)."""
    stamps = cme_hours(datetime(2025, 12, 29, tzinfo=UTC), MONDAY_0100)
    closes = np.full(len(stamps), level)
    friday = [i for i, ts in enumerate(stamps) if ts.weekday() == 4 and 13 <= ts.hour <= 20]
    steps = np.linspace(0, friday_change, len(friday) + 1)[1:]
    for i, step in zip(friday, steps, strict=True):
        closes[i] = level + step if additive else level * (1 + step / 100)
    closes[friday[-1] + 1 :] = closes[friday[-1]]
    return bars(symbol, stamps, closes)


def test_a_closed_weekend_is_not_stable() -> None:
    """Symptom: on Monday morning a Friday of +6 bp and +0.4 % read "stable" over a 24 h lookback."""
    us10y = rising_friday(UNIVERSE.us10y, 4.20, 0.06, additive=True)
    dxy = rising_friday(UNIVERSE.dxy, 99.0, 0.4, additive=False)
    macro = snapshot_at([us10y, dxy], MONDAY_0100)["macro"]
    assert macro["us10y"]["change_bp"] == pytest.approx(6.0, abs=1e-6)
    assert macro["dxy"]["change_pct"] == pytest.approx(0.4, abs=1e-6)
    assert macro["risk_budget"] == "shrinking"


def cash_series(symbol: str, start_level: float, end_level: float, last_bars: int = 24) -> Any:
    stamps = cash_hours(datetime(2025, 12, 29, tzinfo=UTC), MONDAY_0100)
    closes = np.full(len(stamps), start_level)
    closes[-last_bars:] = np.linspace(start_level, end_level, last_bars + 1)[1:]
    return bars(symbol, stamps, closes)


def test_implied_vol_term_structure_and_credit() -> None:
    frames = [
        cash_series(UNIVERSE.vix, 15.0, 21.0), cash_series(UNIVERSE.vix3m, 19.0, 19.5),
        cash_series(UNIVERSE.move, 100.0, 110.0), cash_series(UNIVERSE.hyg, 80.0, 79.2),
        cash_series(UNIVERSE.lqd, 110.0, 110.0),
    ]
    macro = snapshot_at(frames, MONDAY_0100)["macro"]
    assert macro["vix"]["value"] == pytest.approx(21.0)
    assert macro["vix"]["change_pct"] == pytest.approx(40.0)  # over 24 of its own bars: back into last week
    assert macro["vix"]["backwardation"] is True
    assert macro["vix3m"]["value"] == pytest.approx(19.5)
    assert macro["move"]["change_pct"] == pytest.approx(10.0)
    assert macro["credit"]["hyg_lqd_change_pct"] == pytest.approx(-1.0)
    assert macro["credit"]["spreads_widening"] is True
    assert macro["vix"]["age_s"] == pytest.approx((MONDAY_0100 - datetime(2026, 1, 9, 20, tzinfo=UTC)).total_seconds()
                                                  - 3600)


def test_each_new_input_is_null_when_absent() -> None:
    macro = snapshot_at([cash_series(UNIVERSE.vix, 15.0, 16.0), cash_series(UNIVERSE.hyg, 80.0, 80.0)],
                        MONDAY_0100)["macro"]
    assert macro["vix"]["value"] == pytest.approx(16.0)
    assert macro["vix"]["backwardation"] is None  # no VIX3M: no term structure
    assert macro["vix3m"] is None and macro["move"] is None
    assert macro["credit"] is None  # the ratio needs both legs


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_leaders_are_not_breaking_in_a_calm_tape(seed: int) -> None:
    """Symptom: leaders "breaking" in 97 of 97 calm hours."""
    rng = np.random.default_rng(seed)
    start, end = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)
    grid = hours(start, end)
    factor = np.cumsum(rng.normal(0.00001, 0.001, len(grid)))  # about 10 % a year: calm
    at = {ts: i for i, ts in enumerate(grid)}

    def member(sessions: list[datetime], beta: float) -> Any:
        """A leader tracking the factor with its own mean-reverting noise (calm: no relative trend)."""
        shocks, noise = rng.normal(0, 0.003, len(grid)), np.zeros(len(grid))
        for i in range(1, len(grid)):
            noise[i] = 0.98 * noise[i - 1] + shocks[i]
        return [100.0 * np.exp(beta * factor[at[ts]] + noise[at[ts]]) for ts in sessions]

    cash, globex = cash_hours(start, end), cme_hours(start, end)
    leaders = {s: bars(s, cash, member(cash, 1.2)) for s in UNIVERSE.leaders}
    index = bars(ES, globex, [5000.0 * np.exp(factor[at[ts]]) for ts in globex])
    verdicts = []
    for moment in hours(start + timedelta(days=21), end - timedelta(hours=1))[::4]:
        done = moment - timedelta(hours=1)
        reading = leadership_reading({s: f.filter(f["ts"] <= done) for s, f in leaders.items()},
                                     index.filter(index["ts"] <= done), moment, "4h", 20)
        verdicts.append(reading.verdict)
    calm_share = sum(v in {"leading", "neutral"} for v in verdicts) / len(verdicts)
    assert calm_share >= 0.8, {v: verdicts.count(v) for v in set(verdicts)}


def test_new_inputs_are_named_when_missing_and_silent_when_switched_off() -> None:
    from cockpit.analytics.readings import missing_roles
    from cockpit.universe import Universe

    present = {UNIVERSE.index, UNIVERSE.hyg}
    assert {"vix", "vix3m", "move", "credit"} <= set(missing_roles(present, UNIVERSE, MONDAY_0100))
    off = Universe(vix="", vix3m="", move="", hyg="", lqd="")
    assert not {"vix", "vix3m", "move", "credit"} & set(missing_roles(present, off, MONDAY_0100))
