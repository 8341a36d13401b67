"""The user's own fills from the venue (read-only key) into the journal, exactly once.

Keys come from the OS keyring or the environment, live only inside the ccxt client, and never reach the
journal, a log line or an error message (every message passes the secret scrubber).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from cockpit.errors import UserError
from cockpit.journal.fills import Fill, FillSide, ImportResult, check_fill
from cockpit.redaction import ExchangeKeys, env_names, install_redaction, load_keys, redact
from cockpit.sources.live.venues import VENUES, finite, make_exchange, plausible_ms, venue_spec


def check_venue(venue: str) -> str:
    """The venue when fills can be synced from it, else a UserError listing the supported ones."""
    if venue not in VENUES:
        raise UserError(f"venue '{venue}' is not supported for journal sync (supported: {', '.join(VENUES)})")
    return venue


def _trade_id(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) else None


def trades_to_fills(trades: Iterable[Any], venue: str, now: datetime) -> tuple[list[Fill], int]:
    """Journal fills from ccxt Trade structures, and how many were rejected as malformed."""
    fills, rejected = [], 0
    for trade in trades:
        if not isinstance(trade, dict):
            rejected += 1
            continue
        ts = plausible_ms(trade.get("timestamp"), now)
        qty, price = finite(trade.get("amount")), finite(trade.get("price"))
        side, symbol = str(trade.get("side") or "").lower(), trade.get("symbol")
        fee_info = trade.get("fee")
        fee = finite(fee_info.get("cost")) if isinstance(fee_info, dict) else None
        if ts is None or not qty or qty <= 0 or not price or price <= 0 or side not in ("buy", "sell") \
                or not isinstance(symbol, str):
            rejected += 1
            continue
        fill = Fill(datetime.fromtimestamp(ts / 1000, UTC), symbol, FillSide(side), qty, price, fee or 0.0,
                    source=venue, venue_trade_id=_trade_id(trade.get("id")))
        try:
            fills.append(check_fill(fill))
        except ValueError:  # a number no real fill has: skipped like any other malformed trade
            rejected += 1
    return fills, rejected


def fetch_exchange_fills(
    venue: str,
    symbols: Iterable[str],
    since: datetime,
    *,
    keys: ExchangeKeys | None = None,
    exchange_factory: Callable[[ExchangeKeys], Any] | None = None,
    now: datetime | None = None,
    timeout_s: float = 8.0,
) -> tuple[list[Fill], int]:
    """The user's fills on `venue` since `since`; a missing or rejected key is a UserError in words."""
    install_redaction()
    check_venue(venue)
    keys = keys or load_keys(venue)
    if keys is None:
        key_name, secret_name, _ = env_names(venue)
        raise UserError(f"no read-only API key for {venue}: store it in the OS keyring (service 'cockpit', "
                        f"'{venue}:api_key' and '{venue}:secret') or set {key_name} and {secret_name}")
    spec = venue_spec(venue)
    exchange = exchange_factory(keys) if exchange_factory else make_exchange(spec, timeout_s=timeout_s, keys=keys)
    moment = now or datetime.now(UTC)
    trades: list[Any] = []
    try:
        for symbol in symbols:
            trades += exchange.fetch_my_trades(symbol, since=int(since.timestamp() * 1000)) or []
    except Exception as exc:  # translated here: the message is scrubbed and the key never shown
        from cockpit.sources.live.faults import classify

        raise UserError(f"cannot import fills from {venue}: {redact(classify(exc, venue, moment).message)}") from None
    return trades_to_fills(trades, venue, moment)


def import_exchange_fills(con: Any, venue: str, symbols: Iterable[str], since: datetime,
                          **options: Any) -> tuple[ImportResult, int]:
    """Fetch and store the fills (duplicates skipped); returns the import result and the rejected count."""
    from cockpit.journal.fills import import_fills

    fills, rejected = fetch_exchange_fills(venue, symbols, since, **options)
    return import_fills(con, fills), rejected
