"""The default symbols of SPEC §2 by role, the fed funds strip, and the market-hours calendar."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

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
        """Every Yahoo-sourced symbol: macro, index, leaders and the policy strip."""
        return (self.us10y, self.dxy, self.index, *self.leaders, *self.policy_symbols(as_of),
                *self.vol_credit_symbols())

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


# --- calendar: hours in UTC, standard-time approximation of the US sessions --------------------------

EQUITY_OPEN_H, EQUITY_CLOSE_H = 14, 21  # cash equities, bars stamped 14:00 .. 20:00
FUTURES_BREAK_H = 22  # CME Globex pauses 22:00-23:00 UTC; closed Fri 22:00 to Sun 23:00


def futures_open(ts: datetime) -> bool:
    """Whether CME Globex (ES, ZQ, DXY, yields) trades in the hour starting at `ts`."""
    weekday, hour = ts.weekday(), ts.hour
    if weekday == 5:
        return False
    if weekday == 6:
        return hour >= 23
    if weekday == 4 and hour >= FUTURES_BREAK_H:
        return False
    return hour != FUTURES_BREAK_H


def equity_open(ts: datetime) -> bool:
    """Whether US cash equities trade in the hour starting at `ts`."""
    return ts.weekday() < 5 and EQUITY_OPEN_H <= ts.hour < EQUITY_CLOSE_H


def session_kind(symbol: str, universe: Universe) -> str:
    """'crypto' (24/7), 'equity' (cash session) or 'futures' (Globex) for a symbol."""
    if symbol in (universe.btc, universe.eth, universe.btc_fallback) or "/" in symbol:
        return "crypto"
    if symbol in universe.leaders:
        return "equity"
    return "futures"


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
