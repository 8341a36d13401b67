"""Fault classification at the source boundary and the back-off that follows, on an injected clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import ccxt
import pytest
import requests
from live_fakes import BybitSession, FakeClock, bybit_client

from cockpit.errors import SourceError
from cockpit.sources.live.faults import (
    MAX_DELAY_S,
    MAX_WAIT_S,
    RATE_LIMIT_MIN_S,
    REJECTED_MIN_S,
    SLOW_FOR_S,
    Fault,
    FaultKind,
    PollGuard,
    classify,
    classify_call,
    classify_status,
    parse_retry_after,
)
from cockpit.sources.live.health import describe
from cockpit.sources.live.traffic import observe

NOW = datetime(2026, 1, 28, 15, 10, tzinfo=UTC)


def ccxt_fault(status: int, body: str = "{}", headers: dict[str, str] | None = None) -> tuple[BaseException, Fault]:
    """What ccxt's own HTTP handling raises for this response, and the fault the source makes of it."""
    session = BybitSession()
    session.fault = (status, body, headers or {})
    traffic = observe(session)
    exchange = bybit_client(session)
    with pytest.raises(ccxt.BaseError) as info:
        exchange.fetch_time()
    last = traffic.since(0)[-1]
    return info.value, classify_call(info.value, "bybit", NOW, last.status, last.body_head, last.headers)


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (429, "{}", FaultKind.RATE_LIMIT),
        (418, '{"code":-1003,"msg":"banned until 1769613000000"}', FaultKind.RATE_LIMIT),
        (451, '{"code":0,"msg":"Service unavailable from a restricted location"}', FaultKind.GEO_BLOCKED),
        (503, "<html><body>System maintenance in progress</body></html>", FaultKind.MAINTENANCE),
        (502, "<html>bad gateway</html>", FaultKind.TRANSIENT),
        (500, "{}", FaultKind.TRANSIENT),
        (403, "<html>cloudfront</html>", FaultKind.RATE_LIMIT),
        (401, "{}", FaultKind.PERMANENT),
    ],
)
def test_http_status_through_ccxt_is_classified(status: int, body: str, kind: FaultKind) -> None:
    _, fault = ccxt_fault(status, body)
    assert fault.kind == kind, fault


def test_geo_block_is_permanent_although_ccxt_calls_it_retryable() -> None:
    error, fault = ccxt_fault(451, "<html>Unavailable For Legal Reasons</html>")
    assert isinstance(error, ccxt.ExchangeNotAvailable)  # ccxt's class is a retryable NetworkError...
    assert classify(error, "bybit", NOW).kind == FaultKind.GEO_BLOCKED  # ...but a geo-block never heals
    assert fault.kind == FaultKind.GEO_BLOCKED
    assert "451" in fault.message and "venue" in describe(fault, None)


def test_retry_after_header_survives_a_json_error_body() -> None:
    _, fault = ccxt_fault(429, '{"retCode":10006,"retMsg":"Too many visits!"}', {"Retry-After": "42"})
    assert fault.kind == FaultKind.RATE_LIMIT and fault.retry_after_s == 42.0


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (requests.exceptions.ReadTimeout("read timed out"), FaultKind.TRANSIENT),
        (requests.exceptions.ConnectionError("Name or service not known"), FaultKind.TRANSIENT),
    ],
)
def test_transport_errors_through_ccxt_are_transient(exc: BaseException, kind: FaultKind) -> None:
    session = BybitSession()
    session.fault = exc
    exchange = bybit_client(session)
    with pytest.raises(ccxt.NetworkError) as info:
        exchange.fetch_time()
    assert classify(info.value, "bybit", NOW).kind == kind


@pytest.mark.parametrize("body", ["<html>gateway</html>", "", '{"retCode":0,"result":{'])
def test_html_or_empty_200_makes_ccxt_return_none(body: str) -> None:
    session = BybitSession()
    session.fault = (200, body, {})
    exchange = bybit_client(session)
    assert exchange.fetch_time() is None  # no exception: the source must treat None as bad data


def test_ccxt_classes_without_http() -> None:
    assert classify(ccxt.NotSupported("x"), "okx", NOW).kind == FaultKind.UNSUPPORTED
    assert classify(ccxt.BadSymbol("bybit does not have market symbol FOO"), "bybit", NOW).kind == FaultKind.PERMANENT
    assert classify(ccxt.AuthenticationError("invalid key"), "bybit", NOW).kind == FaultKind.PERMANENT
    assert classify(ccxt.OnMaintenance("upgrade"), "bybit", NOW).kind == FaultKind.MAINTENANCE
    assert classify(ccxt.NullResponse("empty"), "bybit", NOW).kind == FaultKind.BAD_DATA
    assert classify(ccxt.RequestTimeout("slow"), "bybit", NOW).kind == FaultKind.TRANSIENT


def test_yfinance_rate_limit_and_own_errors() -> None:
    from yfinance.exceptions import YFRateLimitError

    assert classify(YFRateLimitError(), "Yahoo", NOW).kind == FaultKind.RATE_LIMIT
    assert classify(SourceError("empty", kind="bad_data"), "Yahoo", NOW).kind == FaultKind.BAD_DATA
    assert classify(TimeoutError(), "Yahoo", NOW).kind == FaultKind.TRANSIENT
    assert classify(KeyError("rate"), "Yahoo", NOW).kind == FaultKind.TRANSIENT


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("7", NOW) == 7.0
    assert parse_retry_after("Wed, 28 Jan 2026 15:12:00 GMT", NOW) == 120.0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None
    fault = classify_status(429, "", {"Retry-After": "300"}, "Yahoo", NOW)
    assert fault is not None and fault.retry_after_s == 300.0


def test_ban_until_is_read_from_the_body() -> None:
    until_ms = int((NOW + timedelta(minutes=45)).timestamp() * 1000)
    fault = classify_status(418, f'{{"msg":"IP banned until {until_ms}"}}', {}, "binance", NOW)
    assert fault is not None and fault.retry_after_s == pytest.approx(45 * 60)


def test_full_jitter_backoff_stays_within_its_ceiling_and_caps() -> None:
    clock = FakeClock()
    guard = PollGuard(30.0, monotonic=clock.monotonic, rng=random.Random(3))
    transient = Fault(FaultKind.TRANSIENT, "timed out")
    waits = [guard.record_fault(transient) for _ in range(14)]
    for attempt, wait in enumerate(waits, start=1):
        assert wait is not None
        assert 0.0 <= wait <= min(MAX_DELAY_S, 2 ** (attempt - 1))
    assert max(waits[-5:]) > 30.0  # the ceiling grows: late waits exceed early ones
    guard.record_success()
    assert guard.failures == 0 and guard.retry_in_s() == pytest.approx(30.0)


def test_no_call_before_retry_after_and_slow_polling_for_a_while() -> None:
    clock = FakeClock()
    guard = PollGuard(60.0, monotonic=clock.monotonic, rng=random.Random(1))
    wait = guard.record_fault(Fault(FaultKind.RATE_LIMIT, "429", retry_after_s=300.0))
    assert wait is not None and wait >= 300.0
    clock.advance(299)
    assert not guard.due()
    clock.advance(wait - 299)
    assert guard.due()
    guard.record_success()
    assert guard.interval_s == 120.0  # half the poll rate...
    clock.advance(SLOW_FOR_S)
    assert guard.interval_s == 60.0  # ...for a while, then back to normal


def test_rate_limit_waits_at_least_a_minute_without_retry_after() -> None:
    guard = PollGuard(10.0, monotonic=FakeClock().monotonic, rng=random.Random(0))
    assert (guard.record_fault(Fault(FaultKind.RATE_LIMIT, "429")) or 0) >= RATE_LIMIT_MIN_S


def test_permanent_fault_stops_polling_for_good() -> None:
    clock = FakeClock()
    guard = PollGuard(30.0, monotonic=clock.monotonic)
    assert guard.record_fault(Fault(FaultKind.PERMANENT, "HTTP 451")) is None
    for _ in range(48):
        clock.advance(1800)
        assert not guard.due()  # a simulated day: never again


def test_maintenance_checks_every_few_minutes_and_near_the_eta() -> None:
    clock = FakeClock()
    guard = PollGuard(30.0, monotonic=clock.monotonic, rng=random.Random(0))
    far = guard.record_fault(Fault(FaultKind.MAINTENANCE, "maintenance", eta=NOW + timedelta(minutes=20)), NOW)
    assert far == pytest.approx(300.0)
    near = guard.record_fault(Fault(FaultKind.MAINTENANCE, "maintenance", eta=NOW + timedelta(minutes=2)), NOW)
    assert near == pytest.approx(120.0)
    unknown = guard.record_fault(Fault(FaultKind.MAINTENANCE, "maintenance"), NOW)
    assert unknown == pytest.approx(180.0)


# --- faults the ccxt class misreads: the HTTP status and body decide (issue: faults misread) ----------

GEO_403 = ("<html><head><title>403 ERROR</title></head><body>The Amazon CloudFront distribution is configured "
           "to block access from your country.</body></html>")


def test_cdn_geo_block_403_is_its_own_class_with_change_venue_advice() -> None:
    error, fault = ccxt_fault(403, GEO_403)
    assert isinstance(error, ccxt.RateLimitExceeded)  # what ccxt makes of bybit's 403
    assert fault.kind == FaultKind.GEO_BLOCKED and fault.kind != FaultKind.RATE_LIMIT
    assert "country" in fault.message and "venue" in describe(fault, None)
    guard = PollGuard(30.0, monotonic=FakeClock().monotonic)
    assert guard.record_fault(fault) is None and not guard.due()  # never retried every 600 s forever
    assert classify(error, "bybit", NOW).kind == FaultKind.GEO_BLOCKED  # the body alone says so too


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ("<html><body>404 Not Found</body></html>", FaultKind.REJECTED),
        ('{"retCode":10001,"retMsg":"no fixture"}', FaultKind.REJECTED),
        ('{"retCode":10001,"retMsg":"symbol invalid"}', FaultKind.PERMANENT),
    ],
)
def test_404_is_an_unknown_symbol_only_when_the_body_says_so(body: str, kind: FaultKind) -> None:
    _, fault = ccxt_fault(404, body)
    assert fault.kind == kind, fault
    if kind == FaultKind.REJECTED:
        assert "symbol" not in fault.message


def test_invalid_nonce_is_a_clock_problem_not_a_network_error() -> None:
    session = BybitSession()
    session.fault = (200, '{"retCode":10002,"retMsg":"invalid request, please check your server timestamp or '
                     'recv_window param"}', {})
    with pytest.raises(ccxt.InvalidNonce) as info:
        bybit_client(session).fetch_time()
    fault = classify(info.value, "bybit", NOW)
    assert fault.kind == FaultKind.CLOCK
    assert "network" not in fault.message and "clock" in describe(fault, None)
    assert classify(ccxt.InvalidNonce("nonce"), "bybit", NOW).kind == FaultKind.CLOCK


@pytest.mark.parametrize("exc", [ccxt.BadRequest("bybit params error"), ccxt.ExchangeError("bybit odd answer")])
def test_bad_request_and_unknown_exchange_error_back_off_bounded(exc: BaseException) -> None:
    clock = FakeClock()
    guard = PollGuard(30.0, monotonic=clock.monotonic, rng=random.Random(0))
    fault = classify(exc, "bybit", NOW)
    assert fault.kind == FaultKind.REJECTED
    waits = [guard.record_fault(fault) or 0.0 for _ in range(12)]
    assert waits[0] >= REJECTED_MIN_S  # not hammered every few seconds...
    assert waits == sorted(waits) and max(waits) <= MAX_WAIT_S  # ...and never more than an hour apart
    assert "config.toml" in describe(fault, guard.retry_in_s())


def test_ban_until_far_future_and_huge_retry_after_wait_at_most_an_hour() -> None:
    _, ban = ccxt_fault(418, '{"code":-1003,"msg":"Way too many requests; IP banned until 1999999999999."}')
    _, retry = ccxt_fault(429, "{}", {"Retry-After": "205000000"})
    for fault in (ban, retry):
        assert fault.retry_after_s is not None and fault.retry_after_s <= MAX_WAIT_S
        guard = PollGuard(30.0, monotonic=FakeClock().monotonic, rng=random.Random(0))
        wait = guard.record_fault(fault)
        assert wait is not None and wait <= MAX_WAIT_S
    assert parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT", NOW) == MAX_WAIT_S
    assert classify(SourceError("slow", kind="rate_limit", retry_after_s=1e12), "x", NOW).retry_after_s == MAX_WAIT_S


def test_ddos_protection_without_a_status_does_not_claim_http_429() -> None:
    fault = classify(ccxt.DDoSProtection("bybit Too many visits"), "bybit", NOW)
    assert fault.kind == FaultKind.RATE_LIMIT and "429" not in fault.message


def test_every_fault_kind_has_advice_in_words() -> None:
    for kind in FaultKind:
        text = describe(Fault(kind, "bybit failed"), 30.0)
        assert text.startswith("bybit failed")
        if kind != FaultKind.TRANSIENT:
            assert len(text) > len("bybit failed; retry in 30s"), kind
