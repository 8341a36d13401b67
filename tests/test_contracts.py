"""Contract multipliers: the journal's FIFO PnL of futures, and the config's per-symbol overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.config import load_config
from cockpit.contracts import DEFAULT_MULTIPLIERS, merged_multipliers, multiplier
from cockpit.errors import ConfigError
from cockpit.journal.fills import Fill, FillSide, match_fifo, round_trips

T0 = datetime(2026, 1, 30, 15, tzinfo=UTC)


def fill(minute: int, side: FillSide, qty: float, price: float, symbol: str, fee: float = 0.0) -> Fill:
    return Fill(T0 + timedelta(minutes=minute), symbol, side, qty, price, fee)


@pytest.mark.parametrize(("symbol", "expected"), [("ES=F", 50), ("MES=F", 5), ("NQ=F", 20), ("MNQ=F", 2),
                                                  ("NVDA", 1), ("BTC/USDT:USDT", 1)])
def test_default_multipliers(symbol: str, expected: float) -> None:
    assert multiplier(symbol) == expected


def test_an_es_round_trip_earns_fifty_dollars_a_point() -> None:
    (trip,) = round_trips([fill(0, FillSide.BUY, 1, 6000, "ES=F"), fill(5, FillSide.SELL, 1, 6010, "ES=F")])
    assert trip.pnl == pytest.approx(500.0)
    assert trip.multiplier == 50
    assert trip.entry_notional == pytest.approx(300_000.0)


def test_fees_are_not_multiplied() -> None:
    (trip,) = round_trips([fill(0, FillSide.BUY, 2, 6000, "MES=F", fee=1.0),
                           fill(5, FillSide.SELL, 2, 5990, "MES=F", fee=1.0)])
    assert trip.pnl == pytest.approx(-10 * 2 * 5 - 2.0)


def test_open_lots_carry_the_multiplier_and_overrides_win() -> None:
    _, lots = match_fifo([fill(0, FillSide.SELL, 3, 21000, "NQ=F")], {"NQ=F": 10.0})
    assert lots[0].multiplier == 10.0 and lots[0].side == "short"
    assert merged_multipliers({"XYZ": 7})["XYZ"] == 7 and merged_multipliers()["ES=F"] == DEFAULT_MULTIPLIERS["ES=F"]


def test_config_book_section(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[book]\nequity = 250000\n[book.multipliers]\n"RTY=F" = 50\n', encoding="utf-8")
    config = load_config(path)
    assert config.equity == 250_000 and config.multipliers == {"RTY=F": 50.0}
    path.write_text('[book.multipliers]\n"RTY=F" = -1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="book.multipliers.RTY=F"):
        load_config(path)
    path.write_text('[book]\nequty = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="book.equty"):
        load_config(path)


def test_profile_limits_are_configurable(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[profiles.long]\nbook_risk_pct = 4.0\n", encoding="utf-8")
    assert load_config(path).profile("long").book_risk_pct == 4.0
    path.write_text("[profiles.long]\nbook_risk_pct = 400.0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="book_risk_pct"):
        load_config(path)


def test_journal_trades_use_the_configs_multipliers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import os

    from cockpit.cli import main

    Path(os.environ["COCKPIT_CONFIG"]).write_text('[book.multipliers]\n"RTY=F" = 50\n', encoding="utf-8")
    fills = tmp_path / "fills.csv"
    fills.write_text("ts,symbol,side,qty,price,fee\n2026-01-20T15:00:00Z,RTY=F,buy,2,2000,1.5\n"
                     "2026-01-20T16:00:00Z,RTY=F,sell,2,2004,1.5\n", encoding="utf-8")
    assert main(["journal", "import", str(fills)]) == 0
    capsys.readouterr()
    assert main(["journal", "trades", "--json"]) == 0
    (trip,) = json.loads(capsys.readouterr().out)
    assert trip["pnl"] == pytest.approx(4 * 2 * 50 - 3.0)
