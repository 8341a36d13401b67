"""The default symbols of SPEC §2 by role, the fed funds strip, and the market-hours calendar."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cache

MONTH_CODES = "FGHJKMNQUVXZ"
LEADERS = ("SMH", "SOXX", "IGV", "NVDA", "AVGO", "AMD", "TSM", "MU", "MSFT", "ORCL", "PLTR", "META")


@dataclass(frozen=True, slots=True)
class Universe:
    """Which symbol plays which role (SPEC §2); the config may map roles to other symbols."""

    us10y: str = "^TNX"
    dxy: str = "DX-Y.NYB"
    policy_front: str = "ZQ=F"
    index: str = "ES=F"
    leaders: tuple[str, ...] = LEADERS
    btc: str = "BTC/USDT:USDT"
    eth: str = "ETH/USDT:USDT"
    btc_fallback: str = "BTC-USD"
    vix: str = "^VIX"
    vix3m: str = "^VIX3M"
    move: str = "^MOVE"
    hyg: str = "HYG"
    lqd: str = "LQD"
    policy_months: int = 5
    extra: Mapping[str, str] = field(default_factory=dict)

    def policy_symbols(self, as_of: datetime) -> tuple[str, ...]:
        """Front month plus the next contracts, `ZQ{month}{yy}.CBT`, relative to `as_of`."""
        return (self.policy_front, *policy_contracts(as_of, self.policy_months))

    def yahoo_symbols(self, as_of: datetime) -> tuple[str, ...]:
        """Every Yahoo-sourced symbol: macro, index, leaders, the policy strip, vol and credit, and the extras."""
        core = (self.us10y, self.dxy, self.index, *self.leaders, *self.policy_symbols(as_of),
                *self.vol_credit_symbols())
        return (*core, *(s for s in self.extra_yahoo_symbols() if s not in core))

    def extra_yahoo_symbols(self) -> tuple[str, ...]:
        """The extra symbols (e.g. the book's holdings) that Yahoo carries: every one but the venue's perps."""
        return tuple(dict.fromkeys(s for s in self.extra.values() if s and "/" not in s))

    def vol_credit_symbols(self) -> tuple[str, ...]:
        """Implied vol and credit inputs of SPEC §3 v2: VIX, VIX3M, MOVE, HYG, LQD (each optional; "" is none)."""
        return tuple(s for s in (self.vix, self.vix3m, self.move, self.hyg, self.lqd) if s)

    def perp_symbols(self) -> tuple[str, ...]:
        """The perps watched on the crypto venue."""
        return (self.btc, self.eth)

    def with_overrides(self, overrides: Mapping[str, object]) -> Universe:
        """A copy with the roles the config maps to other symbols."""
        values: dict[str, object] = {}
        for role, symbol in overrides.items():
            values[role] = tuple(symbol) if isinstance(symbol, list) else symbol
        return replace(self, **values)  # type: ignore[arg-type]


ROLE_NAMES = (
    "us10y", "dxy", "policy_front", "index", "leaders", "btc", "eth", "btc_fallback",
    "vix", "vix3m", "move", "hyg", "lqd",
)


def policy_contracts(as_of: datetime, count: int) -> tuple[str, ...]:
    """The `count` fed funds futures contracts after the front month, e.g. ZQH26.CBT."""
    year, month = as_of.year, as_of.month
    symbols = []
    for _ in range(count):
        month += 1
        if month > 12:
            month, year = 1, year + 1
        symbols.append(f"ZQ{MONTH_CODES[month - 1]}{year % 100:02d}.CBT")
    return tuple(symbols)


# --- calendar: the US sessions in their own time zones (DST-aware); holidays are not modelled ----------

NEW_YORK, CHICAGO = "America/New_York", "America/Chicago"


@cache
def zone(name: str) -> tzinfo:
    """The IANA time zone `name`, loaded when first asked for: the first frame tells no session, and zoneinfo
    with its search path (sysconfig) and the zone files cost about 2 ms before it."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)

EQUITY_OPEN_MIN, EQUITY_CLOSE_MIN = 9 * 60 + 30, 16 * 60  # cash session, New York time
FUTURES_HALT_MIN = 16 * 60  # CME Globex halts 16:00-17:00 Chicago daily; shut Fri 16:00 to Sun 17:00


def futures_open(ts: datetime) -> bool:
    """Whether CME Globex (ES, ZQ, DXY, yields) trades at `ts` (so in the hour starting at an on-the-hour `ts`)."""
    local = ts.astimezone(zone(CHICAGO))
    weekday, minute = local.weekday(), local.hour * 60 + local.minute
    in_halt = FUTURES_HALT_MIN <= minute < FUTURES_HALT_MIN + 60
    if weekday == 5:
        return False
    if weekday == 6:
        return minute >= FUTURES_HALT_MIN + 60
    if weekday == 4 and minute >= FUTURES_HALT_MIN:
        return False
    return not in_halt


def equity_open(ts: datetime) -> bool:
    """Whether US cash equities trade in the hour starting at `ts` (09:30-16:00 New York, weekdays).

    Hourly bars print at :30 and are stamped on the hour before, so the 09:00 bar is the session's first.
    """
    local = ts.astimezone(zone(NEW_YORK))
    minute = local.hour * 60 + local.minute
    return local.weekday() < 5 and EQUITY_OPEN_MIN < minute + 60 and minute < EQUITY_CLOSE_MIN


CME_SUFFIXES = ("=F", ".CBT", ".CME", ".CMX", ".NYM")


def session_kind(symbol: str, universe: Universe) -> str:
    """'crypto' (24/7, UTC days), 'futures' (CME Globex, 17:00 Chicago days) or 'equity' (US cash session).

    The one map from symbol to trading calendar (SPEC §3 v2): perps and coins are crypto; the index, the dollar,
    yields, fed funds futures and any `=F`/exchange-suffixed future are CME; stocks, ETFs (HYG, LQD) and the
    cash-session indices (VIX, VIX3M, MOVE) follow the New York session.
    """
    if symbol in (universe.btc, universe.eth, universe.btc_fallback) or "/" in symbol or symbol.endswith("-USD"):
        return "crypto"
    if symbol in (universe.index, universe.dxy, universe.us10y, universe.policy_front) or symbol.startswith("ZQ"):
        return "futures"
    if symbol.endswith(CME_SUFFIXES) or symbol.endswith("=X") or symbol == "DX-Y.NYB":
        return "futures"  # FX (EURUSD=X) trades round the clock on weekdays, as Globex does
    return "equity"


def market_open(symbol: str, universe: Universe, ts: datetime) -> bool:
    """Whether `symbol` trades in the hour starting at `ts`."""
    kind = session_kind(symbol, universe)
    if kind == "crypto":
        return True
    return equity_open(ts) if kind == "equity" else futures_open(ts)


def floor_hour(ts: datetime) -> datetime:
    """`ts` truncated to the hour, in UTC."""
    return ts.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


BAR = timedelta(hours=1)
