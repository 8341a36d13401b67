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
from cockpit.redaction import redact


class FaultKind(StrEnum):
    """What kind of failure, which decides what the source does next."""

    TRANSIENT = "transient"
    RATE_LIMIT = "rate_limit"
    MAINTENANCE = "maintenance"
    PERMANENT = "permanent"
    UNSUPPORTED = "unsupported"
    BAD_DATA = "bad_data"
    GEO_BLOCKED = "geo_blocked"  # the venue refuses this region: it never heals by waiting
    CLOCK = "clock"  # the venue rejects the local clock (nonce, recv_window)
    REJECTED = "rejected"  # the venue refuses the request itself (BadRequest, an unknown ExchangeError)


# What the cockpit does about each kind, in words (a fault may carry its own, more precise advice).
ADVICE: dict[FaultKind, str] = {
    FaultKind.TRANSIENT: "",
    FaultKind.RATE_LIMIT: "polling slowed down",
    FaultKind.MAINTENANCE: "checking again every few minutes",
    FaultKind.PERMANENT: "polling stopped",
    FaultKind.UNSUPPORTED: "shown as n/a",
    FaultKind.BAD_DATA: "showing last good data",
    FaultKind.GEO_BLOCKED: "polling stopped; choose another venue in config.toml [sources] venue",
    FaultKind.CLOCK: "set the system clock right (enable time sync)",
    FaultKind.REJECTED: "check [symbols] and [sources] in config.toml; retrying slowly",
}
STOPS_POLLING = frozenset({FaultKind.PERMANENT, FaultKind.GEO_BLOCKED})


@dataclass(frozen=True, slots=True)
class Fault:
    """One classified failure: its kind, a message in words, and any wait the venue asked for."""

    kind: FaultKind
    message: str
    retry_after_s: float | None = None
    eta: datetime | None = None
    status: int | None = None
    advice: str | None = None

    @property
    def what_to_do(self) -> str:
        """The advice for this fault: its own, else its kind's."""
        return self.advice if self.advice is not None else ADVICE[self.kind]


BASE_DELAY_S = 1.0
MAX_DELAY_S = 300.0
MAX_WAIT_S = 3600.0  # no venue-requested wait (ban, Retry-After) holds a source longer than this
RATE_LIMIT_MIN_S = 60.0
BAN_MIN_S = 600.0
REJECTED_MIN_S = 300.0
SLOW_FOR_S = 1800.0
MAINTENANCE_CHECK_S = 180.0
MAINTENANCE_MAX_S = 300.0

_STATUS_IN_MESSAGE = re.compile(r"^\S+ (?:GET|POST|PUT|DELETE) \S+ (\d{3})\b")
_BANNED_UNTIL = re.compile(r"banned until (\d{12,13})")
_GEO_WORDS = ("restricted location", "unavailable from a restricted", "block access from your country",
              "not available in your country", "not available in your region", "restricted jurisdiction")
_SYMBOL_WORDS = ("symbol", "instrument", "market not found", "contract")


def bounded_wait(seconds: float | None) -> float | None:
    """A venue-requested wait, never negative, never longer than MAX_WAIT_S (None stays None)."""
    if seconds is None or seconds != seconds:
        return None
    return min(MAX_WAIT_S, max(0.0, seconds))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), at most an hour."""
    if not value:
        return None
    text = value.strip()
    try:
        return bounded_wait(float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return bounded_wait((when - now).total_seconds())


def is_geo_block(status: int | None, body: str) -> bool:
    """A venue or its CDN refusing this country or region (HTTP 451, or a 403 saying so)."""
    lowered = body.lower()
    return status == 451 or any(word in lowered for word in _GEO_WORDS)


def _geo_fault(source: str, status: int | None) -> Fault:
    code = f"HTTP {status}" if status else "region blocked"
    return Fault(FaultKind.GEO_BLOCKED, f"{source} blocks access from this country or region ({code})",
                 status=status)


def classify_status(
    status: int, body: str, headers: Mapping[str, str] | None, source: str, now: datetime
) -> Fault | None:
    """The fault an HTTP status and its body mean (None for success), whatever class ccxt gave it."""
    if status < 400:
        return None
    headers = headers or {}
    retry_after = parse_retry_after(headers.get("Retry-After") or headers.get("retry-after"), now)
    lowered = body.lower()
    if is_geo_block(status, body):
        return _geo_fault(source, status)
    if status == 418:
        until = _BANNED_UNTIL.search(body)
        wait = bounded_wait(int(until.group(1)) / 1000 - now.timestamp()) if until else None
        wait = min(MAX_WAIT_S, max(wait or 0.0, retry_after or 0.0, BAN_MIN_S))
        return Fault(FaultKind.RATE_LIMIT, f"{source} banned this IP for a while (HTTP 418)", wait, status=status,
                     advice="polling paused; stop other tools using this IP")
    if status == 429:
        return Fault(FaultKind.RATE_LIMIT, f"rate-limited by {source} (HTTP 429)", retry_after, status=status)
    if status == 403:
        return Fault(FaultKind.RATE_LIMIT, f"{source} refused the request (HTTP 403, firewall or ban)",
                     min(MAX_WAIT_S, max(retry_after or 0.0, BAN_MIN_S)), status=status)
    if status == 401:
        return Fault(FaultKind.PERMANENT, f"{source} rejected the API key (HTTP 401)", status=status,
                     advice="polling stopped; check the key (cockpit keys)")
    if status == 404:
        if any(word in lowered for word in _SYMBOL_WORDS):
            return Fault(FaultKind.PERMANENT, f"{source} does not know this symbol (HTTP 404)", status=status,
                         advice="polling stopped; map the role to another symbol in config.toml [symbols]")
        return Fault(FaultKind.REJECTED, f"{source} answered HTTP 404 (address not found)", status=status,
                     advice="the venue may have moved this address; retrying slowly")
    if status == 503 and ("maint" in lowered or "upgrade" in lowered):
        return Fault(FaultKind.MAINTENANCE, f"{source} under maintenance (HTTP 503)", retry_after, status=status)
    if status >= 500:
        return Fault(FaultKind.TRANSIENT, f"{source} server error (HTTP {status})", retry_after, status=status)
    if status in (408, 425):
        return Fault(FaultKind.TRANSIENT, f"{source} answered HTTP {status}", retry_after, status=status)
    return Fault(FaultKind.REJECTED, f"{source} refused the request (HTTP {status})", retry_after, status=status)


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
    if is_geo_block(status, text):
        return _geo_fault(source, status)
    if isinstance(exc, ccxt.OnMaintenance):
        return Fault(FaultKind.MAINTENANCE, f"{source} under maintenance", status=status)
    if isinstance(exc, ccxt.BadSymbol):
        return Fault(FaultKind.PERMANENT, f"{source} does not list this symbol ({_short(text)})",
                     advice="polling stopped; map the role to another symbol in config.toml [symbols]")
    if isinstance(exc, (ccxt.AuthenticationError, ccxt.AccountSuspended)):
        return Fault(FaultKind.PERMANENT, f"{source} rejected the API key ({type(exc).__name__})",
                     advice="polling stopped; use a valid read-only key")
    if status is not None:  # ccxt saw an HTTP error status: the status and body decide, not the class
        by_status = classify_status(status, text, None, source, now)
        if by_status is not None:
            return by_status
    if isinstance(exc, ccxt.InvalidNonce):
        return Fault(FaultKind.CLOCK, f"{source} rejected this computer's clock ({_short(text, 80)})")
    if isinstance(exc, ccxt.RateLimitExceeded):
        return Fault(FaultKind.RATE_LIMIT, f"rate-limited by {source}")
    if isinstance(exc, ccxt.DDoSProtection):
        return Fault(FaultKind.RATE_LIMIT, f"{source} is shedding load (DDoS protection)")
    if isinstance(exc, ccxt.RequestTimeout):
        return Fault(FaultKind.TRANSIENT, f"{source} timed out")
    if isinstance(exc, (ccxt.BadResponse, ccxt.NullResponse)):
        return Fault(FaultKind.BAD_DATA, f"{source} sent a bad payload ({_short(text)})")
    if isinstance(exc, ccxt.ExchangeNotAvailable):
        return Fault(FaultKind.TRANSIENT, f"{source} not available ({_short(text)})", status=status)
    if isinstance(exc, ccxt.NetworkError):
        return Fault(FaultKind.TRANSIENT, f"cannot reach {source} (network error)")
    if "recvwindow" in text.lower().replace("_", "") or "timestamp" in text.lower():
        return Fault(FaultKind.CLOCK, f"{source} rejected this computer's clock ({_short(text, 80)})")
    if any(word in text.lower() for word in ("internal server error", "system busy", "server is busy", "try again")):
        return Fault(FaultKind.TRANSIENT, f"{source} server error ({_short(text)})")
    if isinstance(exc, ccxt.BadRequest):
        return Fault(FaultKind.REJECTED, f"{source} refused the request as invalid ({_short(text)})")
    return Fault(FaultKind.REJECTED, f"{source} error ({type(exc).__name__}: {_short(text)})")


def _short(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def classify(exc: BaseException, source: str, now: datetime | None = None) -> Fault:
    """Translate any exception raised while fetching into a Fault (never raises itself)."""
    now = now or datetime.now(UTC)
    if isinstance(exc, SourceError):
        try:
            kind = FaultKind(exc.kind)
        except ValueError:
            kind = FaultKind.TRANSIENT
        return Fault(kind, redact(str(exc)), bounded_wait(exc.retry_after_s))
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


# ccxt classes that name the cause more precisely than the HTTP status does
_SPECIFIC = (FaultKind.UNSUPPORTED, FaultKind.MAINTENANCE, FaultKind.GEO_BLOCKED)


def classify_call(exc: BaseException, source: str, now: datetime, last_status: int | None = None,
                  last_body: str = "", last_headers: Mapping[str, str] | None = None) -> Fault:
    """Like `classify`, but the HTTP status and body the session saw win where the vendor class disagrees.

    Venues often answer an error status with a JSON body that ccxt turns into a plain ExchangeError
    (losing a 451 or a 429's Retry-After), or a CDN geo-block page that ccxt calls a rate limit; the
    observed response restores what happened. A bad symbol or key named in the body stays what it is.
    """
    fault = classify(exc, source, now)
    if last_status is None or last_status < 400 or fault.kind in _SPECIFIC:
        return fault
    if fault.kind == FaultKind.PERMANENT and not is_geo_block(last_status, last_body):
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

    def clock(self) -> float:
        """The monotonic clock this guard runs on."""
        return self._monotonic()

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
        if fault.kind in STOPS_POLLING:
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
        elif fault.kind in (FaultKind.REJECTED, FaultKind.CLOCK):  # the same request fails the same way: slowly
            wait = max(wait, fault.retry_after_s or 0.0, REJECTED_MIN_S * 2 ** min(4, self.failures - 1))
        elif fault.kind == FaultKind.MAINTENANCE:  # look again every few minutes, sooner near the ETA
            check = MAINTENANCE_CHECK_S
            if fault.eta is not None and now is not None:
                check = min(MAINTENANCE_MAX_S, max(60.0, (fault.eta - now).total_seconds()))
            wait = max(check, fault.retry_after_s or 0.0)
        wait = min(MAX_WAIT_S, wait)
        self.next_at = tick + wait
        return wait
