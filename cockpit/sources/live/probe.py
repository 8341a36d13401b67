"""One cheap request per live source, for `cockpit doctor`: reachable or not, how fast, and why not."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cockpit.sources.live.faults import classify
from cockpit.sources.live.traffic import observe

if TYPE_CHECKING:
    from cockpit.universe import Universe


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one probe found: reachable, latency, the error in words, and extra facts."""

    name: str
    ok: bool
    latency_ms: float | None
    error: str | None = None
    detail: dict[str, str] = field(default_factory=dict)


def probe_yahoo(universe: Universe, timeout_s: float, session_factory: Callable[[], Any] | None = None) -> ProbeResult:
    """Fetch one day of the index's 1h bars through yfinance."""
    from cockpit.sources.live.yahoo import default_session, quiet_yfinance, traffic_fault, utc_now

    now = utc_now()
    started = time.monotonic()
    try:
        import logging

        import yfinance as yf

        quiet_yfinance()
        session = (session_factory or default_session)()
        traffic = observe(session)
        logger = logging.getLogger("yfinance")
        quiet = logging.NullHandler()
        logger.addHandler(quiet)
        try:
            frame = yf.download([universe.index], period="1d", interval="1h", progress=False, threads=False,
                                timeout=timeout_s, session=session, auto_adjust=False)
        finally:
            logger.removeHandler(quiet)
        latency = (time.monotonic() - started) * 1000
        fault = traffic_fault(traffic.since(0), "Yahoo", now)
        if fault is not None:
            return ProbeResult("yahoo", False, latency, fault.message)
        if frame is None or len(frame) == 0:
            return ProbeResult("yahoo", False, latency, f"Yahoo returned no bars for {universe.index}")
        return ProbeResult("yahoo", True, latency, None, {"bars": str(len(frame)), "symbol": universe.index})
    except Exception as exc:  # any failure is the answer
        return ProbeResult("yahoo", False, (time.monotonic() - started) * 1000, classify(exc, "Yahoo", now).message)


def probe_exchange(venue: str, timeout_s: float, exchange_factory: Callable[[], Any] | None = None) -> ProbeResult:
    """Ask the venue for its time (one small request) and report what it supports."""
    from cockpit.sources.live.venues import make_exchange, supported, venue_spec

    spec = venue_spec(venue)
    now = datetime.now(UTC)
    started = time.monotonic()
    try:
        exchange = exchange_factory() if exchange_factory else make_exchange(spec, timeout_s=timeout_s)
        if getattr(exchange, "session", None) is not None:
            observe(exchange.session)
        detail = {
            "funding": "one call" if supported(exchange, "fetchFundingRates") else
            ("per symbol" if supported(exchange, "fetchFundingRate") else "n/a"),
            "open interest history": "yes" if supported(exchange, "fetchOpenInterestHistory") else "n/a",
        }
        server_ms = exchange.fetch_time()
        latency = (time.monotonic() - started) * 1000
        if server_ms is None:
            return ProbeResult(venue, False, latency, f"{venue} sent an empty or HTML answer", detail)
        skew = float(server_ms) / 1000 - time.time()
        detail["clock skew"] = f"{skew:+.1f}s"
        return ProbeResult(venue, True, latency, None, detail)
    except Exception as exc:  # any failure is the answer
        return ProbeResult(venue, False, (time.monotonic() - started) * 1000, classify(exc, venue, now).message)


def run_probes(probes: list[tuple[str, Callable[[], ProbeResult]]], deadline_s: float) -> list[ProbeResult]:
    """Run probes in parallel daemon threads; one still running at the deadline counts as unreachable."""
    results: dict[str, ProbeResult] = {}
    threads = []
    for name, probe in probes:
        def work(name: str = name, probe: Callable[[], ProbeResult] = probe) -> None:
            results[name] = probe()

        thread = threading.Thread(target=work, name=f"probe-{name}", daemon=True)
        thread.start()
        threads.append((name, thread))
    give_up = time.monotonic() + deadline_s
    for _, thread in threads:
        thread.join(max(0.0, give_up - time.monotonic()))
    return [results.get(name) or ProbeResult(name, False, None, f"no answer within {deadline_s:.0f}s")
            for name, _ in threads]
