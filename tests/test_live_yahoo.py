"""Yahoo source: recorded payloads through yfinance's own client, incremental polls, faults and staleness."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import requests
from live_fakes import NOW, FakeClock, YahooSession, load_chart, synthetic_chart

from cockpit.analytics.bars import SCHEMA
from cockpit.sources.live.yahoo import YahooSource
from cockpit.sources.live.yahoo_frames import yahoo_to_long
from cockpit.universe import Universe

# the implied-vol and credit roles are left out: their payloads are not among the recordings
SMALL = Universe(leaders=("NVDA",), policy_months=0, vix="", vix3m="", move="", hyg="", lqd="")
RECORDED = ("ES=F", "^TNX", "DX-Y.NYB", "NVDA", "ZQ=F")


@pytest.fixture(autouse=True)
def _yfinance_cache(tmp_path: Path) -> None:
    import yfinance as yf

    yf.set_tz_cache_location(str(tmp_path / "yf"))


def recorded_session() -> YahooSession:
    return YahooSession({s: load_chart(s) for s in RECORDED})


def generator(clock: FakeClock) -> Any:
    """Chart bodies with one bar per hour from period1 up to the fake clock's now."""

    def chart(symbol: str, period1: int, period2: int) -> dict[str, Any]:
        return synthetic_chart(symbol, datetime.fromtimestamp(period1, UTC), clock.now())

    return chart


def make(tmp_path: Path, session: YahooSession, clock: FakeClock, universe: Universe = SMALL) -> YahooSource:
    return YahooSource(universe, cache_dir=tmp_path / "cache", session_factory=lambda: session, now=clock.now,
                       monotonic=clock.monotonic, backfill_h=24 * 5)


def test_shared_recorded_charts_parse_through_yfinance(shared_dir: Path) -> None:
    import yfinance as yf

    files = sorted((shared_dir / "fixtures" / "yahoo").glob("chart-*.json"))
    assert files
    for path in files:
        body = json.loads(path.read_text())
        result = body["chart"]["result"][0]
        symbol = result["meta"]["symbol"]
        first = datetime.fromtimestamp(result["timestamp"][0], UTC)
        last = datetime.fromtimestamp(result["timestamp"][-1], UTC)
        frame = yf.download([symbol], start=first.date().isoformat(), end=(last + timedelta(days=1)).date().isoformat(),
                            interval="1d", progress=False, threads=False, auto_adjust=False,
                            session=YahooSession({symbol: body}))
        bars = yahoo_to_long(frame, Universe())
        closes = [c for c in result["indicators"]["quote"][0]["close"] if c is not None]
        assert bars["close"].to_list() == pytest.approx(closes), path.name
        assert bars["symbol"].unique().to_list() == [symbol]
        assert bars.schema["ts"] == SCHEMA["ts"]


def test_recorded_shape_1h_charts_become_canonical_bars(tmp_path: Path) -> None:
    session, clock = recorded_session(), FakeClock()
    state = make(tmp_path, session, clock).poll()
    bars = state.bars
    assert state.health[0].state == "ok" and state.health[0].error is None
    assert dict(bars.schema) == SCHEMA
    assert set(bars["symbol"].unique()) == {"ES=F", "^TNX", "DX-Y.NYB", "NVDA", "ZQ=F"}
    assert bars.select((pl.col("ts").dt.minute() == 0).all()).item()  # on the hour, UTC
    es = load_chart("ES=F")["chart"]["result"][0]
    stamps = [datetime.fromtimestamp(t, UTC) for t in es["timestamp"]]
    closes = dict(zip(stamps, es["indicators"]["quote"][0]["close"], strict=True))
    got = bars.filter(pl.col("symbol") == "ES=F")
    for ts, close in zip(got["ts"], got["close"], strict=True):
        assert close == pytest.approx(closes[ts])
    nvda_hours = set(bars.filter(pl.col("symbol") == "NVDA")["ts"].dt.hour().to_list())
    assert nvda_hours == set(range(14, 21))  # 09:30-16:00 New York only; pre-market prints dropped


def test_one_batched_call_fetches_each_symbol_once(tmp_path: Path) -> None:
    session, clock = recorded_session(), FakeClock()
    make(tmp_path, session, clock).poll()
    data_calls = [p for _, p in session.chart_calls() if p.get("interval") == "1h"]
    assert len(data_calls) == len(SMALL.yahoo_symbols(NOW)) == 5  # no per-symbol second call
    assert all(p["includePrePost"] is True for p in data_calls)  # so no tradingPeriods refetch


def test_second_poll_is_incremental_and_keeps_history(tmp_path: Path) -> None:
    clock = FakeClock()
    session = YahooSession(default=generator(clock))
    source = make(tmp_path, session, clock)
    first = source.poll()
    before = len(session.chart_calls())
    clock.advance(3600)
    second = source.poll()
    new_calls = [p for _, p in session.chart_calls()[before:] if p.get("interval") == "1h"]
    assert len(new_calls) == 5
    assert min(int(p["period1"]) for p in new_calls) >= int((NOW - timedelta(hours=1)).timestamp())
    assert second.bars.height > first.bars.height
    assert first.bars["ts"].min() == second.bars["ts"].min()


def test_restart_opens_with_cached_history_even_offline(tmp_path: Path) -> None:
    clock = FakeClock()
    make(tmp_path, recorded_session(), clock).poll()
    clock.advance(120)
    offline = YahooSession(raise_exc=requests.exceptions.ConnectionError("Name or service not known"))
    state = make(tmp_path, offline, clock).poll()
    assert state.bars.height > 300
    health = state.health[0]
    assert health.error is not None and "cannot reach Yahoo" in health.error
    assert health.age_s is not None


def test_silent_empty_frame_is_an_error_and_last_good_data_stays(tmp_path: Path) -> None:
    clock = FakeClock()
    session = recorded_session()
    source = make(tmp_path, session, clock)
    good = source.poll()
    session.charts = {s: synthetic_chart(s, NOW, NOW - timedelta(hours=1)) for s in RECORDED}  # 200, no bars
    clock.advance(61)
    state = source.poll()
    assert state.bars.sort(["ts", "symbol"]).equals(good.bars.sort(["ts", "symbol"]))
    assert state.health[0].error is not None and "empty frame" in state.health[0].error


def test_rate_limit_backs_off_minutes_and_makes_no_calls_meanwhile(tmp_path: Path) -> None:
    clock = FakeClock()
    session = YahooSession(status=429, headers={"Retry-After": "120"})
    source = make(tmp_path, session, clock)
    state = source.poll()
    assert state.health[0].error is not None and "rate-limited by Yahoo" in state.health[0].error
    assert (source.guard.retry_in_s() or 0) >= 120
    calls = len(session.calls)
    clock.advance(100)
    source.poll()
    assert len(session.calls) == calls  # honoured: nothing sent before Retry-After
    assert source.guard.interval_s == 2 * source.poll_interval_s


def test_stale_past_its_limit_then_recovers_without_user_action(tmp_path: Path) -> None:
    clock = FakeClock()
    session = YahooSession(default=generator(clock))
    source = make(tmp_path, session, clock)
    assert source.poll().health[0].state == "ok"
    session.raise_exc = requests.exceptions.ReadTimeout("read timed out")
    health = None
    for _ in range(20):
        clock.advance(61)
        health = source.poll().health[0]
    assert health is not None and health.stale and health.state == "stale"
    assert health.error is not None and "timed out" in health.error
    session.raise_exc = None
    clock.advance(400)
    recovered = source.poll().health[0]
    assert recovered.state == "ok" and not recovered.stale and recovered.error is None


def test_weekend_is_closed_not_stale(tmp_path: Path) -> None:
    clock = FakeClock()
    session = YahooSession(default=generator(clock))
    source = make(tmp_path, session, clock)
    source.poll()
    clock.advance((datetime(2026, 1, 31, 12, tzinfo=UTC) - NOW).total_seconds())  # Saturday noon
    session.raise_exc = requests.exceptions.ConnectionError("offline")
    health = source.poll().health[0]
    assert health.state == "closed" and not health.stale


def test_unknown_symbol_is_left_out_and_not_asked_again_soon(tmp_path: Path) -> None:
    clock = FakeClock()
    session = YahooSession({s: load_chart(s) for s in RECORDED if s != "ZQ=F"})
    source = make(tmp_path, session, clock)
    state = source.poll()
    assert state.health[0].state == "ok"
    assert state.health[0].error is not None and "no data for ZQ=F" in state.health[0].error
    before = len(session.chart_calls())
    clock.advance(61)
    source.poll()
    asked = [url for url, _ in session.chart_calls()[before:]]
    assert asked and not any(url.endswith("/ZQ=F") for url in asked)


def test_while_markets_are_shut_yahoo_is_asked_rarely(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 1, 31, 12, tzinfo=UTC))  # Saturday noon
    session = YahooSession(default=generator(clock))
    source = make(tmp_path, session, clock)
    assert source.poll().health[0].state == "closed"
    calls = len(session.calls)
    for _ in range(10):
        clock.advance(61)
        assert source.poll().health[0].state == "closed"
    assert len(session.calls) == calls  # ten minutes of weekend: no request
    clock.advance(300)
    source.poll()
    assert len(session.calls) > calls


def test_implied_vol_and_credit_ride_the_same_batch_and_a_missing_one_fails_nothing(tmp_path: Path) -> None:
    """^VIX, ^VIX3M, ^MOVE, HYG and LQD are in the one batched download; one without data is only a note."""
    clock = FakeClock()
    with_inputs = Universe(leaders=("NVDA",), policy_months=0)
    charts: dict[str, Any] = {s: load_chart(s) for s in RECORDED}
    for symbol, base in (("^VIX", 17.0), ("^VIX3M", 19.0), ("HYG", 80.0), ("LQD", 110.0)):
        charts[symbol] = synthetic_chart(symbol, NOW - timedelta(days=3), NOW, base=base, minute=30)
    session = YahooSession(charts)  # no ^MOVE payload
    state = make(tmp_path, session, clock, with_inputs).poll()
    asked = [url.rsplit("/", 1)[-1] for url, p in session.chart_calls() if p.get("interval") == "1h"]
    assert set(asked) == set(with_inputs.yahoo_symbols(NOW)) and len(set(asked)) == 10
    assert all(asked.count(s) == 1 for s in set(asked) - {"^MOVE"})  # one batch; yfinance may retry a miss
    health = state.health[0]
    assert health.state == "ok" and not health.stale
    assert health.error is not None and "no data for ^MOVE" in health.error
    held = set(state.bars["symbol"].unique())
    assert {"^VIX", "^VIX3M", "HYG", "LQD"} <= held and "^MOVE" not in held
    hyg_hours = set(state.bars.filter(pl.col("symbol") == "HYG")["ts"].dt.hour().to_list())
    assert hyg_hours <= set(range(13, 21))  # an ETF keeps its regular session only


def test_a_failed_poll_leaves_the_cache_file_as_it_was(tmp_path: Path) -> None:
    clock = FakeClock()
    session = recorded_session()
    source = make(tmp_path, session, clock)
    source.poll()
    cache = tmp_path / "cache" / "yahoo-1h.parquet"
    before = (cache.read_bytes(), cache.stat().st_mtime_ns)
    session.raise_exc = requests.exceptions.ConnectionError("Name or service not known")
    for _ in range(3):
        clock.advance(61)
        source.guard.next_at = None  # due again, whatever the back-off drew
        assert source.poll().health[0].error is not None
    assert (cache.read_bytes(), cache.stat().st_mtime_ns) == before  # nothing merged, nothing written


def test_while_unreachable_one_symbol_asks_first_and_the_batch_follows_once_it_answers(tmp_path: Path) -> None:
    clock = FakeClock()
    session = recorded_session()
    source = make(tmp_path, session, clock)
    source.poll()
    session.raise_exc = requests.exceptions.ConnectionError("Name or service not known")
    clock.advance(61)
    assert "cannot reach Yahoo" in (source.poll().health[0].error or "")  # the first failure: the whole batch
    before = len(session.chart_calls())
    clock.advance(61)
    source.guard.next_at = None
    assert "cannot reach Yahoo" in (source.poll().health[0].error or "")
    probed = {url.rsplit("/", 1)[-1] for url, _ in session.chart_calls()[before:]}
    assert len(probed) == 1  # still unreachable: one symbol asked, not every one
    session.raise_exc = None
    before = len(session.chart_calls())
    clock.advance(61)
    source.guard.next_at = None
    recovered = source.poll()
    asked = {url.rsplit("/", 1)[-1] for url, p in session.chart_calls()[before:] if p.get("interval") == "1h"}
    assert asked == set(RECORDED) and recovered.health[0].state == "ok"


def test_cached_state_shows_the_cache_with_its_true_age_without_a_request(tmp_path: Path) -> None:
    clock = FakeClock()
    make(tmp_path, recorded_session(), clock).poll()
    clock.advance(2 * 3600)
    session = recorded_session()
    state = make(tmp_path, session, clock).cached_state()
    assert session.calls == [] and state.bars.height > 300
    health = state.health[0]
    assert health.age_s is not None and health.age_s >= 2 * 3600  # fetched two hours ago, not now
    assert health.stale and health.state == "stale"
