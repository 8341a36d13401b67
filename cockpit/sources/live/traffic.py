"""What a live source's HTTP session did: one record per request (status, bytes, error, latency).

`observe(session)` wraps the session's `request` on the instance, so yfinance's and ccxt's own clients
run unchanged while the source learns the real HTTP status (429 and its Retry-After, 451, 5xx) and the
benchmark can count requests and bytes per poll.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cockpit.redaction import redact


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request and its outcome (`status` None when the transport failed)."""

    method: str
    url: str
    status: int | None
    nbytes: int
    elapsed_s: float
    error: str | None = None
    headers: Mapping[str, str] | None = None
    body_head: str = ""


class Traffic:
    """A thread-safe log of requests; `mark()` and `since(mark)` bracket one poll."""

    MAX_KEPT = 2000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[Exchange] = []
        self._dropped = 0

    def add(self, record: Exchange) -> None:
        """Append one record (old ones are dropped past MAX_KEPT)."""
        with self._lock:
            self._records.append(record)
            if len(self._records) > self.MAX_KEPT:
                cut = len(self._records) - self.MAX_KEPT
                del self._records[:cut]
                self._dropped += cut

    def mark(self) -> int:
        """A position to read from later."""
        with self._lock:
            return self._dropped + len(self._records)

    def since(self, mark: int) -> list[Exchange]:
        """Every record added after `mark`."""
        with self._lock:
            start = max(0, mark - self._dropped)
            return list(self._records[start:])


def _url_of(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[str, str]:
    method = str(kwargs.get("method", args[0] if args else "GET"))
    url = kwargs.get("url", args[1] if len(args) > 1 else "")
    return method, str(url)


def observe(session: Any, traffic: Traffic | None = None) -> Traffic:
    """Record every request `session` makes into `traffic` (a new log when None); returns the log."""
    log = traffic or Traffic()
    if getattr(session, "_cockpit_traffic", None) is not None:
        existing: Traffic = session._cockpit_traffic
        return existing
    inner = session.request

    def request(*args: Any, **kwargs: Any) -> Any:
        method, url = _url_of(args, kwargs)
        url = redact(url.split("?", 1)[0])
        started = time.monotonic()
        try:
            response = inner(*args, **kwargs)
        except BaseException as exc:
            log.add(Exchange(method, url, None, 0, time.monotonic() - started, redact(type(exc).__name__)))
            raise
        content = getattr(response, "content", b"") or b""
        status = getattr(response, "status_code", None)
        headers = getattr(response, "headers", None)
        head = ""
        if isinstance(status, int) and status >= 400:
            head = redact(content[:300].decode("utf-8", "replace"))
        kept = {k: str(v) for k, v in headers.items() if k.lower() == "retry-after"} if headers else None
        log.add(Exchange(method, url, status if isinstance(status, int) else None, len(content),
                         time.monotonic() - started, None, kept, head))
        return response

    session.request = request
    session._cockpit_traffic = log
    return log
