"""Offline stand-ins for the live sources' HTTP seams: a Yahoo replay session, a bybit session, a clock.

Both sessions are `requests.Session` subclasses, so yfinance and ccxt run their own request, status and
parsing code against them; nothing leaves the machine.
"""

from __future__ import annotations

import copy
import json
import math
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

FIXTURES = Path(__file__).parent / "fixtures" / "live"
NOW = datetime(2026, 1, 28, 15, 10, tzinfo=UTC)  # a Wednesday afternoon: every market trades


class FakeClock:
    """Wall clock and monotonic clock that move only when told to."""

    def __init__(self, start: datetime = NOW) -> None:
        self.wall = start
        self.tick = 1000.0

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.tick

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.tick += seconds


class OpenSocket:
    """A ccxt.pro websocket client stand-in whose connection is up (what `exchange.clients` holds)."""

    def __init__(self) -> None:
        import concurrent.futures

        self.connected: concurrent.futures.Future[str] = concurrent.futures.Future()
        self.connected.set_result("wss://stream")

    def closed(self) -> bool:
        return False


def response(url: str, status: int = 200, body: bytes | str = b"", content_type: str = "application/json",
             headers: dict[str, str] | None = None) -> requests.Response:
    """A hand-built requests.Response."""
    resp = requests.Response()
    resp.url = url
    resp.status_code = status
    resp.reason = "OK" if status < 400 else "Error"
    resp.encoding = "utf-8"
    resp._content = body.encode() if isinstance(body, str) else body
    resp.headers = CaseInsensitiveDict({"Content-Type": content_type, **(headers or {})})
    resp.request = requests.Request("GET", url).prepare()
    return resp


# --- Yahoo ------------------------------------------------------------------------------------------


def load_chart(symbol: str) -> dict[str, Any]:
    """One of this project's recorded-shape 1h chart bodies."""
    result: dict[str, Any] = json.loads((FIXTURES / "yahoo" / f"chart-1h-{symbol}.json").read_text())
    return result


def synthetic_chart(symbol: str, start: datetime, end: datetime, *, base: float = 100.0,
                    minute: int = 0, tz: str = "America/New_York") -> dict[str, Any]:
    """A chart body with one bar per hour in [start, end) (24/7), shaped like Yahoo's."""
    template = load_chart("ES=F")
    first = start.replace(minute=minute, second=0, microsecond=0)
    stamps = []
    at = first
    while at < end:
        stamps.append(int(at.timestamp()))
        at += timedelta(hours=1)
    closes = [round(base * (1 + 0.01 * math.sin(t / 25000.0)), 4) for t in stamps]
    body = copy.deepcopy(template)
    result = body["chart"]["result"][0]
    result["meta"]["symbol"] = symbol
    result["meta"]["exchangeTimezoneName"] = tz
    result["timestamp"] = stamps
    result["indicators"]["quote"] = [{"open": closes, "high": [c * 1.001 for c in closes],
                                      "low": [c * 0.999 for c in closes], "close": closes,
                                      "volume": [100] * len(closes)}]
    if not stamps:
        del result["timestamp"]
        result["indicators"]["quote"] = [{}]
    return body


class YahooSession(requests.Session):
    """Answers yfinance like Yahoo would: cookie, crumb, then one chart body per symbol.

    `charts` maps a symbol to a fixed body or to a function (symbol, period1, period2) -> body.
    `status` forces an HTTP status for chart requests; `raise_exc` makes them fail in transport.
    """

    def __init__(self, charts: dict[str, Any] | None = None, *, default: Callable[..., Any] | None = None,
                 status: int = 200, raise_exc: BaseException | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.charts = charts or {}
        self.default = default
        self.status = status
        self.raise_exc = raise_exc
        self.extra_headers = headers or {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def chart_calls(self) -> list[tuple[str, dict[str, Any]]]:
        return [(url, params) for url, params in self.calls if "/v8/finance/chart/" in url]

    def request(self, method: str, url: str, params: Any = None, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        params = dict(params or {})
        self.calls.append((url, params))
        path = urllib.parse.urlparse(url).path
        if "fc.yahoo.com" in url:
            self.cookies.set("A3", "d=fake", domain=".yahoo.com", expires=int(NOW.timestamp()) + 10 * 365 * 86400)
            return response(url, 200, b"", "text/html")
        if path.endswith("/v1/test/getcrumb"):
            return response(url, 200, b"fakecrumb", "text/plain")
        if "/v8/finance/chart/" in path:
            if self.raise_exc is not None:
                raise self.raise_exc
            if self.status != 200:
                return response(url, self.status, b"Too Many Requests" if self.status == 429 else b"error",
                                "text/html", self.extra_headers)
            symbol = urllib.parse.unquote(path.rsplit("/", 1)[-1])
            if params.get("range") == "1d" and params.get("interval") == "1d":  # yfinance's timezone lookup
                body = synthetic_chart(symbol, NOW - timedelta(hours=2), NOW)
                body["chart"]["result"][0]["meta"]["exchangeTimezoneName"] = self._tz(symbol)
                return response(url, 200, json.dumps(body))
            chart = self.charts.get(symbol, self.default)
            if chart is None:
                missing = {"chart": {"result": None, "error": {"code": "Not Found",
                                                               "description": "No data found, symbol may be delisted"}}}
                return response(url, 404, json.dumps(missing))
            if callable(chart):
                chart = chart(symbol, int(params.get("period1", 0)), int(params.get("period2", 0)))
            return response(url, 200, json.dumps(chart))
        if "consent" in url:
            return response(url, 200, b"<html><body></body></html>", "text/html")
        return response(url, 404, b"{}", "application/json")

    def _tz(self, symbol: str) -> str:
        chart = self.charts.get(symbol)
        if isinstance(chart, dict):
            return str(chart["chart"]["result"][0]["meta"]["exchangeTimezoneName"])
        return "America/New_York"


# --- bybit ------------------------------------------------------------------------------------------


def bybit_fixture(name: str) -> Any:
    return json.loads((FIXTURES / "bybit" / name).read_text())


class BybitSession(requests.Session):
    """Serves bybit v5 public endpoints from this project's fixtures, or injects a fault.

    `fault` is None, an exception to raise, or (status, body, headers) returned for every request whose
    path contains `fault_path` (all requests when it is None).
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []
        self.fault: Any = None
        self.fault_path: str | None = None
        self.overrides: dict[str, Any] = {}

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls.append(url)
        parsed = urllib.parse.urlparse(url)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        if self.fault is not None and (self.fault_path is None or self.fault_path in parsed.path):
            if isinstance(self.fault, BaseException):
                raise self.fault
            status, body, headers = self.fault
            return response(url, status, body, "text/html" if "<" in str(body) else "application/json", headers)
        for fragment, body in self.overrides.items():
            if fragment in url:
                text = body if isinstance(body, (str, bytes)) else json.dumps(body)
                kind = "text/html" if str(text).lstrip().startswith("<") else "application/json"
                return response(url, 200, text, kind)
        path = parsed.path
        if path.endswith("/v5/market/instruments-info"):
            if query.get("status") == "PreLaunch":
                return response(url, 200, json.dumps({"retCode": 0, "retMsg": "OK",
                                                      "result": {"category": "linear", "list": [],
                                                                 "nextPageCursor": ""}, "time": 1}))
            return response(url, 200, json.dumps(bybit_fixture("instruments-info-linear.json")))
        if path.endswith("/v5/market/kline"):
            return response(url, 200, json.dumps(bybit_fixture(f"kline-{query['symbol']}.json")))
        if path.endswith("/v5/market/tickers"):
            return response(url, 200, json.dumps(bybit_fixture("tickers-linear.json")))
        if path.endswith("/v5/market/open-interest"):
            return response(url, 200, json.dumps(bybit_fixture(f"open-interest-{query['symbol']}.json")))
        if path.endswith("/v5/market/time"):
            return response(url, 200, json.dumps({"retCode": 0, "retMsg": "OK", "result": {
                "timeSecond": str(int(NOW.timestamp())), "timeNano": str(int(NOW.timestamp() * 1e9))},
                "retExtInfo": {}, "time": int(NOW.timestamp() * 1000)}))
        if path.endswith("/v5/system/status"):
            return response(url, 200, json.dumps({"retCode": 0, "retMsg": "OK", "result": {"list": []}}))
        return response(url, 404, json.dumps({"retCode": 10001, "retMsg": "no fixture"}))


def bybit_client(session: BybitSession | None = None) -> Any:
    """A real ccxt bybit client (linear markets only, no rate-limit sleeps) on a fake session."""
    import ccxt

    exchange = ccxt.bybit({"enableRateLimit": False, "timeout": 5000,
                           "options": {"fetchMarkets": {"types": ["linear"]}, "defaultType": "swap"}})
    exchange.session = session or BybitSession()
    return exchange
