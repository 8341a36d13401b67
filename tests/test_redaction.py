"""Secrets never leave the vault: masked repr, scrubbed logs, recordings, errors and the journal."""

from __future__ import annotations

import io
import logging
import pickle
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import ccxt
import pytest
from live_fakes import NOW, BybitSession, FakeClock

from cockpit.errors import UserError
from cockpit.redaction import ExchangeKeys, RedactSecrets, Secret, load_keys, redact
from cockpit.sources.live.exchange import ExchangeSource
from cockpit.sources.live.fills import import_exchange_fills
from cockpit.sources.live.venues import VENUES, make_exchange
from cockpit.sources.recorder import RecordingSource
from cockpit.universe import Universe

CANARY_KEY = "ckey-7Hq2mZp9Wv4Lr8Ta"
CANARY_SECRET = "csec-Xy3Nn6Bb1Vv0Qq5Zz8Kk"


def canary_keys() -> ExchangeKeys:
    return ExchangeKeys("bybit", Secret(CANARY_KEY), Secret(CANARY_SECRET), origin="env")


def leaked(text: str) -> bool:
    return CANARY_KEY in text or CANARY_SECRET in text


class HeaderSession(BybitSession):
    """Keeps the headers each request carried (to prove the key really went out)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_headers: list[dict[str, str]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        self.sent_headers.append(dict(kwargs.get("headers") or {}))
        return super().request(method, url, *args, **kwargs)


def test_secret_is_masked_everywhere_but_reveal() -> None:
    secret = Secret(CANARY_SECRET)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr(canary_keys()), str([secret])):
        assert not leaked(text)
    assert secret.reveal() == CANARY_SECRET
    assert canary_keys().api_key.hint() == "****r8Ta"
    with pytest.raises(TypeError):
        pickle.dumps(secret)
    with pytest.raises(AttributeError):
        secret._value = "x"  # type: ignore[misc]


def test_keys_from_keyring_first_then_env() -> None:
    env = {"COCKPIT_BYBIT_API_KEY": CANARY_KEY, "COCKPIT_BYBIT_SECRET": CANARY_SECRET}
    from_env = load_keys("bybit", environ=env, keyring_get=lambda service, name: None)
    assert from_env is not None and from_env.origin == "env" and from_env.secret.reveal() == CANARY_SECRET
    vault = {("cockpit", "bybit:api_key"): "kr-key-0123456789", ("cockpit", "bybit:secret"): "kr-secret-0123456789"}
    from_keyring = load_keys("bybit", environ=env, keyring_get=lambda s, n: vault.get((s, n)))
    assert from_keyring is not None and from_keyring.origin == "keyring"
    assert load_keys("okx", environ={}, keyring_get=lambda s, n: None) is None
    okx = load_keys("okx", environ={"COCKPIT_OKX_API_KEY": "k" * 12, "COCKPIT_OKX_SECRET": "s" * 12,
                                    "COCKPIT_OKX_PASSWORD": "p" * 12}, keyring_get=lambda s, n: None)
    assert okx is not None and okx.password is not None and okx.ccxt_config()["password"] == "p" * 12


def test_ccxt_debug_request_log_never_shows_the_key(caplog: pytest.LogCaptureFixture) -> None:
    keys = canary_keys()
    session = HeaderSession()
    exchange = make_exchange(VENUES["bybit"], timeout_s=5, keys=keys)
    exchange.session = session
    exchange.enableRateLimit = False
    logging.getLogger("ccxt").setLevel(logging.DEBUG)  # as if a user turned debugging on
    try:
        with caplog.at_level(logging.DEBUG):
            with pytest.raises(ccxt.BaseError):
                exchange.private_get_v5_account_wallet_balance({"accountType": "UNIFIED"})
    finally:
        logging.getLogger("ccxt").setLevel(logging.INFO)
    assert any(CANARY_KEY in str(h.values()) for h in session.sent_headers)  # the key did go out...
    debug = [r for r in caplog.records if r.name.startswith("ccxt")]
    assert debug, "ccxt logged the request at DEBUG"
    assert not any(leaked(r.getMessage()) for r in caplog.records)  # ...but no log line shows it
    assert "****" in " ".join(r.getMessage() for r in debug)


def test_filter_scrubs_records_made_elsewhere() -> None:
    Secret(CANARY_KEY), Secret(CANARY_SECRET)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "signed with %s", (CANARY_SECRET,), None)
    RedactSecrets().filter(record)
    assert record.getMessage() == "signed with ****"
    assert redact(f"GET /v5/x?apiKey={CANARY_KEY}&sign=1") == "GET /v5/x?apiKey=****&sign=1"


def test_errors_and_recordings_never_carry_the_key(tmp_path: Path) -> None:
    keys = canary_keys()
    session = BybitSession()
    session.fault = (401, f'{{"retCode":10003,"retMsg":"API key is invalid: {CANARY_KEY}"}}', {})
    clock = FakeClock()

    def factory() -> Any:
        exchange = make_exchange(VENUES["bybit"], timeout_s=5, keys=keys)
        exchange.session = session
        return exchange

    source = ExchangeSource(VENUES["bybit"], Universe(), exchange_factory=factory, now=clock.now,
                            monotonic=clock.monotonic)
    recorder = RecordingSource(source, tmp_path / "rec")  # type: ignore[arg-type]
    state = recorder.poll()
    assert state.health[0].state == "disabled"
    assert not leaked(str(state.health))
    for path in (tmp_path / "rec").iterdir():
        assert not leaked(path.read_bytes().decode("utf-8", "replace")), path.name


class TradesExchange:
    """A venue client stand-in that returns the user's trades (and checks it got the keys)."""

    def __init__(self, keys: ExchangeKeys) -> None:
        assert keys.api_key.reveal() == CANARY_KEY

    def fetch_my_trades(self, symbol: str, since: int | None = None) -> list[dict[str, Any]]:
        ts = int((NOW - timedelta(hours=3)).timestamp() * 1000)
        return [{"timestamp": ts, "symbol": symbol, "side": "buy", "amount": 0.01, "price": 88000.0,
                 "fee": {"cost": 0.5, "currency": "USDT"}, "info": {"apiKey": CANARY_KEY}},
                {"timestamp": None, "symbol": symbol, "side": "buy", "amount": 1, "price": 1}]


def test_imported_fills_land_once_and_the_journal_holds_no_key(tmp_path: Path) -> None:
    from cockpit.journal.store import connect, journal_path

    con = connect()
    options = {"keys": canary_keys(), "exchange_factory": TradesExchange, "now": NOW}
    result, rejected = import_exchange_fills(con, "bybit", ["BTC/USDT:USDT"], NOW - timedelta(days=1), **options)
    again, _ = import_exchange_fills(con, "bybit", ["BTC/USDT:USDT"], NOW - timedelta(days=1), **options)
    assert (result.new, rejected, again.new, again.known) == (1, 1, 0, 1)
    con.close()
    for path in journal_path().parent.glob("journal*"):
        assert not leaked(path.read_bytes().decode("latin-1")), path.name
    rows = sqlite3.connect(journal_path()).execute("SELECT symbol, side, qty, price, fee, source FROM fills").fetchall()
    assert rows == [("BTC/USDT:USDT", "buy", 0.01, 88000.0, 0.5, "bybit")]


def test_missing_key_is_one_clear_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    from cockpit.sources.live.fills import fetch_exchange_fills

    with pytest.raises(UserError, match="COCKPIT_BYBIT_API_KEY"):
        fetch_exchange_fills("bybit", ["BTC/USDT:USDT"], NOW)


def test_crash_report_with_locals_shows_no_secret() -> None:
    from rich.console import Console
    from rich.traceback import Traceback

    def poll_with_keys() -> None:
        keys = load_keys("bybit", environ={"COCKPIT_BYBIT_API_KEY": CANARY_KEY,
                                           "COCKPIT_BYBIT_SECRET": CANARY_SECRET},
                         keyring_get=lambda s, n: None)
        secret = keys.secret if keys else None
        raise RuntimeError(f"worker failed with {secret!r}")

    try:
        poll_with_keys()
    except RuntimeError as exc:
        trace = Traceback.from_exception(type(exc), exc, exc.__traceback__, show_locals=True)
    out = io.StringIO()
    Console(file=out, width=200).print(trace)
    text = out.getvalue()
    assert "keys" in text and "Secret" in text  # the locals are there...
    assert not leaked(text)  # ...masked
