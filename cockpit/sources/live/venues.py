"""The crypto venues the exchange source supports, their ccxt clients, and payload validation.

ccxt returns `None` for an HTML or empty 200, and venues send `None`, `""` or NaN in fields and seconds
where milliseconds belong; every value is checked here before it can reach a figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cockpit.errors import UserError

if TYPE_CHECKING:
    from cockpit.redaction import ExchangeKeys


@dataclass(frozen=True, slots=True)
class VenueSpec:
    """What differs per venue: its ccxt id, page sizes, and which liquidation side means a long was closed."""

    name: str
    ccxt_id: str
    options: dict[str, Any] = field(default_factory=dict)
    ohlcv_limit: int = 1000
    oi_history_limit: int = 200
    long_liquidation_side: str = "sell"


VENUES: dict[str, VenueSpec] = {
    "bybit": VenueSpec("bybit", "bybit", {"fetchMarkets": {"types": ["linear"]}, "defaultType": "swap"},
                       1000, 200, "buy"),
    "binanceusdm": VenueSpec("binanceusdm", "binanceusdm", {"fetchMarkets": {"types": ["linear"]}}, 1500, 500, "sell"),
    "okx": VenueSpec("okx", "okx", {"fetchMarkets": {"types": ["swap"]}, "defaultType": "swap"}, 300, 100, "sell"),
}
DEFAULT_VENUE = "bybit"
# How often ccxt's rate limiter looks again while it holds a request back. Its default, a millisecond, spins the
# stream thread's event loop a few hundred times at each reconnect (the markets' requests queue behind each
# other), which is most of what the stream costs while the network is down; a stream client's only requests
# are those markets, at its own back-off, so a slower look delays nothing that matters.
STREAM_THROTTLE_CHECK_S = 0.05


def venue_spec(name: str) -> VenueSpec:
    """The named venue, or a UserError listing the supported ones."""
    try:
        return VENUES[name]
    except KeyError:
        raise UserError(f"unsupported venue '{name}' in [sources] venue (supported: {', '.join(VENUES)})") from None


def make_exchange(spec: VenueSpec, *, timeout_s: float, keys: ExchangeKeys | None = None, pro: bool = False) -> Any:
    """A ccxt client for the venue (rate limiter on, short timeout); keys go straight into the client."""
    if pro:
        import ccxt.pro as module
    else:
        import ccxt as module
    config: dict[str, Any] = {"enableRateLimit": True, "timeout": int(timeout_s * 1000),
                              "options": dict(spec.options)}
    if pro:
        config["tokenBucket"] = {"delay": STREAM_THROTTLE_CHECK_S}
    if keys is not None:
        config.update(keys.ccxt_config())
    return getattr(module, spec.ccxt_id)(config)


def supported(exchange: Any, method: str) -> bool:
    """ccxt's tri-state `has`: True or 'emulated' means callable; False or None means n/a."""
    return exchange.has.get(method) in (True, "emulated")


def finite(value: Any) -> float | None:
    """A finite float, or None for None, '', NaN, inf and anything unparseable."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def plausible_ms(value: Any, now: datetime) -> int | None:
    """A millisecond timestamp within [now - 3 years, now + 1 day]; seconds-for-milliseconds is rejected."""
    number = finite(value)
    if number is None:
        return None
    low = (now - timedelta(days=3 * 365)).timestamp() * 1000
    high = (now + timedelta(days=1)).timestamp() * 1000
    return int(number) if low <= number <= high else None


def ohlcv_rows(rows: Any, now: datetime) -> tuple[list[tuple[int, float, float, float, float, float | None]], int]:
    """Valid OHLCV rows and the count rejected (bad timestamp, missing or non-positive price, high < low)."""
    if not isinstance(rows, list):
        return [], 0
    good = []
    rejected = 0
    for row in rows:
        if not isinstance(row, (list, tuple)) or len(row) < 5:
            rejected += 1
            continue
        ts = plausible_ms(row[0], now)
        prices = [finite(v) for v in row[1:5]]
        volume = finite(row[5]) if len(row) > 5 else None
        if ts is None or any(p is None or p <= 0 for p in prices):
            rejected += 1
            continue
        open_, high, low, close = (float(p) for p in prices if p is not None)
        if high < low:
            rejected += 1
            continue
        good.append((ts, open_, high, low, close, volume))
    return good, rejected


def funding_value(item: Any) -> float | None:
    """A funding rate per interval, or None when missing or absurd (|rate| >= 5 %)."""
    if not isinstance(item, dict):
        return None
    rate = finite(item.get("fundingRate"))
    return rate if rate is not None and abs(rate) < 0.05 else None


def funding_interval_hours(item: Any, market: Any = None) -> float | None:
    """The perp's funding interval in hours: the funding rate's `interval` ("1h", "8h"), else the market's own
    `fundingInterval` (minutes, as bybit lists it); None when the venue says neither."""
    text = item.get("interval") if isinstance(item, dict) else None
    if isinstance(text, str) and text.endswith("h") and text[:-1].replace(".", "", 1).isdigit():
        hours = float(text[:-1])
        return hours if 0 < hours <= 24 else None
    info = market.get("info") if isinstance(market, dict) else None
    minutes = finite(info.get("fundingInterval")) if isinstance(info, dict) else None
    return minutes / 60 if minutes is not None and 0 < minutes <= 24 * 60 else None


def open_interest_coins(item: Any, price: float | None, contract_size: float | None) -> float | None:
    """Open interest in coins (base units): base volume, contracts x contract size, else USD value / price."""
    if not isinstance(item, dict):
        return None
    base = finite(item.get("baseVolume"))
    if base is not None and base > 0:
        return base
    amount, size = finite(item.get("openInterestAmount")), _contract_size(contract_size)
    if amount is not None and amount > 0 and size is not None:
        return finite(amount * size)
    value, price = finite(item.get("openInterestValue")), finite(price)
    if value is not None and value > 0 and price is not None and price > 0:
        return finite(value / price)  # quotients and products of finite figures can still overflow
    return None


def _contract_size(size: float | None) -> float | None:
    """A market's contract size: 1 when the venue names none, None when it names one that is no size."""
    if size is None:
        return 1.0
    number = finite(size)
    return number if number is not None and number > 0 else None


def open_interest_usd(item: Any, price: float | None, contract_size: float | None) -> float | None:
    """Open interest in USD from whichever field the venue filled: value, base volume or contracts."""
    if not isinstance(item, dict):
        return None
    value = finite(item.get("openInterestValue"))
    if value is not None and value > 0:
        return value
    price = finite(price)
    if price is None or price <= 0:
        return None
    base = finite(item.get("baseVolume"))
    if base is not None and base > 0:
        return finite(base * price)
    amount, size = finite(item.get("openInterestAmount")), _contract_size(contract_size)
    if amount is not None and amount > 0 and size is not None:
        return finite(amount * size * price)
    return None
