"""Thin-liquidity windows (SPEC §13): crypto weekends, the last hour of the US cash session, US holidays.

Pure: a moment in, the window it falls in (with its name and end) out. US market holidays follow the
NYSE rules (observed on the nearest weekday), with Good Friday from the Gregorian Easter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from cockpit.universe import NEW_YORK, zone

CASH_CLOSE = time(16, 0)


@dataclass(frozen=True, slots=True)
class ThinWindow:
    """A stretch of thin liquidity: its id, a name a trader reads, and when it ends (UTC)."""

    id: str  # crypto_weekend, late_session, us_holiday
    name: str
    start: datetime
    end: datetime


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month = (h + leap - 7 * m + 114) // 31
    day = (h + leap - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (Mon=0) of a month; n = -1 for the last."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    """A fixed-date holiday on Saturday is observed Friday, on Sunday the Monday after."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


@lru_cache(maxsize=64)
def us_market_holidays(year: int) -> dict[date, str]:
    """NYSE full-day holidays of `year`, date -> name."""
    days = {
        _observed(date(year, 1, 1)): "New Year's Day",
        _nth_weekday(year, 1, 0, 3): "Martin Luther King Jr. Day",
        _nth_weekday(year, 2, 0, 3): "Presidents' Day",
        easter(year) - timedelta(days=2): "Good Friday",
        _nth_weekday(year, 5, 0, -1): "Memorial Day",
        _observed(date(year, 7, 4)): "Independence Day",
        _nth_weekday(year, 9, 0, 1): "Labor Day",
        _nth_weekday(year, 11, 3, 4): "Thanksgiving",
        _observed(date(year, 12, 25)): "Christmas",
    }
    if year >= 2022:
        days[_observed(date(year, 6, 19))] = "Juneteenth"
    return {d: name for d, name in days.items() if d.year == year}


def holiday_name(day: date) -> str | None:
    """The US market holiday on `day`, or None."""
    return us_market_holidays(day.year).get(day)


def _crypto_weekend(at: datetime) -> ThinWindow | None:
    """Fri 21:00 UTC to Sun 23:00 UTC."""
    monday = datetime.combine(at.date() - timedelta(days=at.weekday()), time(0), tzinfo=UTC)
    start, end = monday + timedelta(days=4, hours=21), monday + timedelta(days=6, hours=23)
    if start <= at < end:
        return ThinWindow("crypto_weekend", "crypto weekend", start, end)
    return None


def _holiday(at: datetime) -> ThinWindow | None:
    local = at.astimezone(zone(NEW_YORK))
    name = holiday_name(local.date())
    if name is None:
        return None
    start = datetime.combine(local.date(), time(0), tzinfo=zone(NEW_YORK)).astimezone(UTC)
    end = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone(NEW_YORK)).astimezone(UTC)
    return ThinWindow("us_holiday", f"US holiday ({name})", start, end)


def _late_session(at: datetime) -> ThinWindow | None:
    """15:00-16:00 New York on a trading day (DST-aware)."""
    local = at.astimezone(zone(NEW_YORK))
    if local.weekday() >= 5 or holiday_name(local.date()) is not None:
        return None
    close = datetime.combine(local.date(), CASH_CLOSE, tzinfo=zone(NEW_YORK))
    start = close - timedelta(hours=1)
    if start <= local < close:
        return ThinWindow("late_session", "last hour of the US cash session", start.astimezone(UTC),
                          close.astimezone(UTC))
    return None


def thin_window(at: datetime) -> ThinWindow | None:
    """The thin-liquidity window `at` falls in (a holiday first, then the crypto weekend, then the late session)."""
    moment = at.astimezone(UTC)
    return _holiday(moment) or _crypto_weekend(moment) or _late_session(moment)
