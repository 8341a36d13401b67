"""The merged live source: parts in parallel under a deadline, built lazily; `snapshot --live` offline."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import ccxt
import pytest
import requests
from live_fakes import NOW, BybitSession, FakeClock, YahooSession, bybit_client, load_chart

from cockpit.analytics.bars import empty_bars
from cockpit.cli import main
from cockpit.config import load_config
from cockpit.models import MarketState, SourceHealth, SourceKind, aged_health
from cockpit.snapshot import build_snapshot, snapshot_json
from cockpit.sources.live import build_live_source, live_settings
from cockpit.sources.live.composite import CompositeSource

RECORDED = ("ES=F", "^TNX", "DX-Y.NYB", "NVDA", "ZQ=F")


class StubSource:
    """A part that answers at once, or blocks until released."""

    kind = SourceKind.LIVE

    def __init__(self, name: str, gate: threading.Event | None = None) -> None:
        self.name = name
        self.poll_interval_s = 30.0
        self.gate = gate
        self.polls = 0
        self.closed = False

    def poll(self) -> MarketState:
        self.polls += 1
        if self.gate is not None:
            self.gate.wait(10)
        return MarketState(SourceKind.LIVE, NOW, empty_bars(), (SourceHealth(self.name, 5.0, False, None, "ok", 60.0),))

    def close(self) -> None:
        self.closed = True


def test_a_hanging_part_neither_blocks_nor_piles_up_threads() -> None:
    gate = threading.Event()
    fast, slow = StubSource("fast"), StubSource("slow", gate)
    composite = CompositeSource([("fast", lambda: fast), ("slow", lambda: slow)], poll_interval_s=30,
                                deadline_s=0.2, now=lambda: NOW)
    started = time.monotonic()
    state = composite.poll()
    assert time.monotonic() - started < 2.0
    by_name = {h.name: h for h in state.health}
    assert by_name["fast"].state == "ok"
    assert by_name["slow"].state == "down" and "no answer within" in (by_name["slow"].error or "")
    threads = threading.active_count()
    composite.poll()
    composite.poll()
    assert slow.polls == 1 and threading.active_count() <= threads  # no second poll while one hangs
    gate.set()
    composite.slots[1].done.wait(5)
    assert {h.name: h.state for h in composite.poll().health}["slow"] == "ok"
    composite.close()
    assert fast.closed and slow.closed


def test_parts_are_built_on_the_first_poll_not_before() -> None:
    built: list[str] = []

    def build() -> StubSource:
        built.append("x")
        return StubSource("x")

    composite = CompositeSource([("x", build)], poll_interval_s=30, deadline_s=1)
    assert built == []
    composite.poll()
    assert built == ["x"]


def offline_factories() -> dict[str, Any]:
    session = YahooSession(raise_exc=requests.exceptions.ConnectionError("Name or service not known"))
    bybit = BybitSession()
    bybit.fault = requests.exceptions.ConnectionError("Name or service not known")
    return {"yahoo_session_factory": lambda: session, "exchange_factory": lambda: bybit_client(bybit),
            "stream_factory": lambda: _NoStream()}


class _NoStream:
    has: dict[str, Any] = {"watchLiquidations": True}

    async def watch_liquidations(self, symbol: str) -> list[Any]:
        raise ccxt.NetworkError("offline")

    async def close(self) -> None:
        return None


def test_the_first_answer_is_the_cache_with_true_ages_before_any_part_is_asked(tmp_path: Path) -> None:
    import yfinance as yf

    yf.set_tz_cache_location(str(tmp_path / "yf"))
    clock = FakeClock()
    config = load_config()
    earlier = build_live_source(config, data_folder=tmp_path, now=clock.now,
                                yahoo_session_factory=lambda: YahooSession({s: load_chart(s) for s in RECORDED}),
                                exchange_factory=lambda: bybit_client(BybitSession()),
                                stream_factory=lambda: _NoStream())
    earlier.poll()  # a run two hours ago left both caches
    earlier.close()
    clock.advance(2 * 3600)
    gate = threading.Event()  # a real poll blocks until it is set: the cached answer must not wait for one
    asked: list[str] = []
    offline = offline_factories()

    def slow(name: str) -> Any:
        def factory() -> Any:
            asked.append(name)
            gate.wait(10)
            return offline[name]()

        return factory

    source = build_live_source(config, data_folder=tmp_path, now=clock.now,
                               yahoo_session_factory=slow("yahoo_session_factory"),
                               exchange_factory=slow("exchange_factory"), stream_factory=lambda: _NoStream())
    assert isinstance(source, CompositeSource)
    try:
        state = source.cached_state()
        assert asked == []  # nobody asked yet
        assert {"ES=F", "BTC/USDT:USDT"} <= set(state.bars["symbol"].unique())
        by_name = {h.name: h for h in state.health}
        for name in ("yahoo", "bybit"):
            health = by_name[name]
            assert health.age_s is not None and health.age_s >= 2 * 3600  # the cache's true age
            assert health.stale and health.state == "stale" and "connecting" in (health.error or "")
        gate.set()
        answered = source.poll()  # the first real polls
        assert sorted(asked) == ["exchange_factory", "yahoo_session_factory"]
        errors = {h.name: h.error or "" for h in answered.health}
        assert "cannot reach" in errors["yahoo"] and "cannot reach" in errors["bybit"]
        assert "connecting" not in errors["yahoo"]
        assert answered.bars.height == state.bars.height  # the cached figures stay, with their age
    finally:
        gate.set()
        source.close()


def test_the_cached_answer_does_not_wait_for_a_part_that_only_polls() -> None:
    gate = threading.Event()
    slow = StubSource("slow", gate)  # no cache: it can only be polled
    composite = CompositeSource([("slow", lambda: slow)], poll_interval_s=30, deadline_s=5, now=lambda: NOW)
    state = composite.cached_state()
    assert slow.polls == 0 and state.health[0].error == "connecting" and not state.health[0].stale
    gate.set()
    assert composite.poll().health[0].state == "ok" and slow.polls == 1


def test_an_age_past_its_limit_makes_a_late_part_stale_but_not_a_closed_market() -> None:
    ok = SourceHealth("yahoo", 100.0, False, None, "ok", 900.0)
    closed = SourceHealth("yahoo", 100.0, False, None, "closed", 900.0)
    assert aged_health(ok, 1000.0, None).stale
    assert aged_health(ok, 1000.0, None).state == "stale"
    assert not aged_health(closed, 1000.0, None).stale


def test_live_source_end_to_end_on_recorded_payloads(tmp_path: Path) -> None:
    import yfinance as yf

    yf.set_tz_cache_location(str(tmp_path / "yf"))
    clock = FakeClock()
    yahoo = YahooSession({s: load_chart(s) for s in RECORDED})
    config = load_config()
    source = build_live_source(config, data_folder=tmp_path, now=clock.now, yahoo_session_factory=lambda: yahoo,
                               exchange_factory=lambda: bybit_client(BybitSession()),
                               stream_factory=lambda: _NoStream())
    state = source.poll()
    source.close()
    snap = snapshot_json(build_snapshot(state, config.profile("swing"), config.universe))
    assert snap["source"] == "live" and snap["label"] == "yahoo + bybit"
    assert snap["freshness"]["yahoo"]["state"] == "ok" and snap["freshness"]["bybit"]["state"] == "ok"
    assert snap["macro"]["us10y"]["value"] is not None and snap["macro"]["dxy"]["value"] is not None
    assert snap["crypto"]["btc"]["funding_rate"] == pytest.approx(0.000125)
    assert snap["crypto"]["btc"]["price"] is not None
    assert snap["leadership"]["coverage"]["have"] == 1  # NVDA only; the others are shown as missing
    assert (tmp_path / "cache" / "yahoo-1h.parquet").exists() and (tmp_path / "cache" / "bybit-1h.parquet").exists()


def test_snapshot_live_offline_finishes_fast_and_says_why(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import cockpit.sources.live as live

    real = live.build_live_source
    monkeypatch.setattr(live, "build_live_source", lambda config: real(config, **offline_factories()))
    started = time.monotonic()
    assert main(["snapshot", "--live", "--json"]) == 0
    assert time.monotonic() - started < live_settings(load_config()).deadline_s + 10
    out, err = capsys.readouterr()
    payload = json.loads(out)
    for name in ("yahoo", "bybit"):
        assert payload["freshness"][name]["stale"] is True
        assert "cannot reach" in payload["freshness"][name]["error"]
    assert any(f["id"] == "STALE_DATA" for f in payload["flags"])
    assert "Traceback" not in err


def test_bad_sources_config_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from cockpit.config import config_path

    config_path().write_text('[sources]\nvenue = "kraken"\n')
    assert main(["snapshot", "--live"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "kraken" in err and "bybit" in err

