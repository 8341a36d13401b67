"""Fault classes of RELIABILITY §1.5, decided once at the source boundary, and the back-off that follows.

Every vendor error (ccxt, yfinance, requests, curl) becomes a `Fault` here; `PollGuard` then decides when
the source may call out again, with an injectable clock and random so tests run in milliseconds.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

from cockpit.errors import SourceError
from cockpit.secrets import redact


class FaultKind(StrEnum):
    """What kind of failure, which decides what the source does next."""

    TRANSIENT = "transient"
    RATE_LIMIT = "rate_limit"
    MAINTENANCE = "maintenance"
    PERMANENT = "permanent"
    UNSUPPORTED = "unsupported"
    BAD_DATA = "bad_data"


@dataclass(frozen=True, slots=True)
class Fault:
    """One classified failure: its kind, a message in words, and any wait the venue asked for."""

    kind: FaultKind
    message: str
    retry_after_s: float | None = None
    eta: datetime | None = None
    status: int | None = None


BASE_DELAY_S = 1.0
MAX_DELAY_S = 300.0
RATE_LIMIT_MIN_S = 60.0
BAN_MIN_S = 600.0
SLOW_FOR_S = 1800.0
MAINTENANCE_CHECK_S = 180.0
MAINTENANCE_MAX_S = 300.0

_STATUS_IN_MESSAGE = re.compile(r"^\S+ (?:GET|POST|PUT|DELETE) \S+ (\d{3})\b")
_BANNED_UNTIL = re.compile(r"banned until (\d{12,13})")


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def classify_status(
    status: int, body: str, headers: Mapping[str, str] | None, source: str, now: datetime
) -> Fault | None:
    """The fault an HTTP status means (None for success); 451 is permanent although ccxt calls it retryable."""
    if status < 400:
        return None
    headers = headers or {}
    retry_after = parse_retry_after(headers.get("Retry-After") or headers.get("retry-after"), now)
    lowered = body.lower()
    if status == 451 or "restricted location" in lowered or "unavailable from a restricted" in lowered:
        return Fault(FaultKind.PERMANENT, f"{source} blocks this region (HTTP {status}); choose another venue "
                     "in config.toml [sources] venue", status=status)
    if status == 418:
        until = _BANNED_UNTIL.search(body)
        wait = None
        if until:
            wait = max(0.0, int(until.group(1)) / 1000 - now.timestamp())
        wait = max(wait or 0.0, retry_after or 0.0, BAN_MIN_S)
        return Fault(FaultKind.RATE_LIMIT, f"{source} banned this IP for a while (HTTP 418)", wait, status=status)
    if status == 429:
        return Fault(FaultKind.RATE_LIMIT, f"rate-limited by {source} (HTTP 429)", retry_after, status=status)
    if status == 403:
        return Fault(FaultKind.RATE_LIMIT, f"{source} refused the request (HTTP 403, firewall or ban)",
                     max(retry_after or 0.0, BAN_MIN_S), status=status)
    if status == 401:
        return Fault(FaultKind.PERMANENT, f"{source} rejected the API key (HTTP 401); check the key", status=status)
    if status == 404:
        return Fault(FaultKind.PERMANENT, f"{source} does not know this symbol (HTTP 404)", status=status)
    if status == 503 and ("maint" in lowered or "upgrade" in lowered):
        return Fault(FaultKind.MAINTENANCE, f"{source} under maintenance (HTTP 503)", retry_after, status=status)
    if status >= 500:
        return Fault(FaultKind.TRANSIENT, f"{source} server error (HTTP {status})", retry_after, status=status)
    return Fault(FaultKind.TRANSIENT, f"{source} answered HTTP {status}", retry_after, status=status)


def _ccxt_fault(exc: BaseException, source: str, now: datetime) -> Fault | None:
    import sys

    ccxt = sys.modules.get("ccxt")
    if ccxt is None or not isinstance(exc, ccxt.BaseError):
        return None
    text = redact(str(exc))
    match = _STATUS_IN_MESSAGE.match(text)
    status = int(match.group(1)) if match else None
    if isinstance(exc, ccxt.NotSupported):
        return Fault(FaultKind.UNSUPPORTED, f"not available on {source}")
    if isinstance(exc, ccxt.OnMaintenance):
        return Fault(FaultKind.MAINTENANCE, f"{source} under maintenance", status=status)
    if status is not None and status not in (429, 418):
        by_status = classify_status(status, text, None, source, now)
        if by_status is not None and by_status.kind != FaultKind.TRANSIENT:
            return by_status
    if "restricted location" in text.lower():
        return classify_status(451, text, None, source, now)
    if isinstance(exc, (ccxt.AuthenticationError, ccxt.AccountSuspended)):
        return Fault(FaultKind.PERMANENT, f"{source} rejected the API key ({type(exc).__name__}); "
                     "use a valid read-only key")
    if isinstance(exc, ccxt.BadSymbol):
        return Fault(FaultKind.PERMANENT, f"{source} does not list this symbol ({_short(text)}); "
                     "map the role to another symbol in config.toml [symbols]")
    if isinstance(exc, (ccxt.RateLimitExceeded, ccxt.DDoSProtection)):
        return classify_status(status or 429, text, None, source, now)
    if isinstance(exc, ccxt.RequestTimeout):
        return Fault(FaultKind.TRANSIENT, f"{source} timed out")
    if isinstance(exc, (ccxt.BadResponse, ccxt.NullResponse)):
        return Fault(FaultKind.BAD_DATA, f"{source} sent a bad payload ({_short(text)})")
    if isinstance(exc, ccxt.ExchangeNotAvailable):
        return Fault(FaultKind.TRANSIENT, f"{source} not available ({_short(text)})", status=status)
    if isinstance(exc, ccxt.NetworkError):
        return Fault(FaultKind.TRANSIENT, f"cannot reach {source} (network error)")
    return Fault(FaultKind.TRANSIENT, f"{source} error: {_short(text)}")


def _short(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def classify(exc: BaseException, source: str, now: datetime | None = None) -> Fault:
    """Translate any exception raised while fetching into a Fault (never raises itself)."""
    now = now or datetime.now(UTC)
    if isinstance(exc, SourceError):
        return Fault(FaultKind(exc.kind), redact(str(exc)), exc.retry_after_s)
    ccxt_fault = _ccxt_fault(exc, source, now)
    if ccxt_fault is not None:
        return ccxt_fault
    name = type(exc).__name__
    if name == "YFRateLimitError":
        return Fault(FaultKind.RATE_LIMIT, f"rate-limited by {source}")
    if name in ("YFPricesMissingError", "YFTzMissingError", "YFTickerMissingError"):
        return Fault(FaultKind.BAD_DATA, f"{source} returned no data ({_short(redact(str(exc)))})")
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        body = str(getattr(response, "text", "") or "")
        headers = getattr(response, "headers", None)
        by_status = classify_status(status, body, headers, source, now)
        if by_status is not None:
            return by_status
    lowered = name.lower()
    if "timeout" in lowered or isinstance(exc, TimeoutError):
        return Fault(FaultKind.TRANSIENT, f"{source} timed out")
    if "connection" in lowered or "dns" in lowered or isinstance(exc, OSError):
        return Fault(FaultKind.TRANSIENT, f"cannot reach {source} (offline?)")
    return Fault(FaultKind.TRANSIENT, f"{source}: unexpected {name}: {_short(redact(str(exc)))}")


def classify_call(exc: BaseException, source: str, now: datetime, last_status: int | None = None,
                  last_body: str = "", last_headers: Mapping[str, str] | None = None) -> Fault:
    """Like `classify`, but the HTTP status the session saw wins over a generic vendor error.

    Venues often answer an error status with a JSON body that ccxt turns into a plain ExchangeError,
    losing the status (451, 429 with Retry-After); the observed response restores it.
    """
    fault = classify(exc, source, now)
    if last_status is None or last_status < 400 or fault.kind not in (FaultKind.TRANSIENT, FaultKind.RATE_LIMIT):
        return fault
    return classify_status(last_status, last_body, last_headers, source, now) or fault


class PollGuard:
    """When a source may call out again: full-jitter exponential back-off, Retry-After, slow mode, disable."""

    def __init__(
        self,
        poll_interval_s: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        base_s: float = BASE_DELAY_S,
        cap_s: float = MAX_DELAY_S,
    ) -> None:
        self.poll_interval_s = poll_interval_s
        self._monotonic = monotonic
        self._rng = rng or random.Random()
        self._base_s = base_s
        self._cap_s = cap_s
        self.failures = 0
        self.next_at: float | None = None
        self.slow_until: float | None = None
        self.disabled: Fault | None = None
        self.last_fault: Fault | None = None

    @property
    def interval_s(self) -> float:
        """The poll interval now: doubled for a while after a rate limit."""
        slow = self.slow_until is not None and self._monotonic() < self.slow_until
        return self.poll_interval_s * (2.0 if slow else 1.0)

    def due(self) -> bool:
        """Whether a call may go out now (never for a disabled source)."""
        if self.disabled is not None:
            return False
        return self.next_at is None or self._monotonic() >= self.next_at

    def retry_in_s(self) -> float | None:
        """Seconds until the next allowed call (None when disabled or due now)."""
        if self.disabled is not None or self.next_at is None:
            return None
        wait = self.next_at - self._monotonic()
        return wait if wait > 0 else None

    def backoff_s(self) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(failures-1))]."""
        ceiling = min(self._cap_s, self._base_s * 2 ** max(0, self.failures - 1))
        return self._rng.uniform(0.0, ceiling)

    def record_success(self) -> None:
        """Data arrived: reset the failure count and wait one interval."""
        self.failures = 0
        self.last_fault = None
        self.next_at = self._monotonic() + self.interval_s

    def record_fault(self, fault: Fault, now: datetime | None = None) -> float | None:
        """Schedule the next call for this fault; returns the wait in seconds (None when disabled)."""
        self.last_fault = fault
        tick = self._monotonic()
        if fault.kind == FaultKind.PERMANENT:
            self.disabled = fault
            self.next_at = None
            return None
        if fault.kind == FaultKind.UNSUPPORTED:
            self.next_at = tick + self.interval_s
            return self.interval_s
        self.failures += 1
        wait = self.backoff_s()
        if fault.kind == FaultKind.RATE_LIMIT:
            wait = max(wait, fault.retry_after_s or 0.0, RATE_LIMIT_MIN_S)
            self.slow_until = tick + max(SLOW_FOR_S, wait)
        elif fault.kind == FaultKind.MAINTENANCE:  # look again every few minutes, sooner near the ETA
            check = MAINTENANCE_CHECK_S
            if fault.eta is not None and now is not None:
                check = min(MAINTENANCE_MAX_S, max(60.0, (fault.eta - now).total_seconds()))
            wait = min(3600.0, max(check, fault.retry_after_s or 0.0))
        self.next_at = tick + wait
        return wait
