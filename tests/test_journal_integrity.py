"""Journal integrity: identical fills stay distinct, v2 journals migrate intact, dates stay in range, sync keys."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cockpit.cli import main
from cockpit.journal.fills import (
    Fill,
    FillError,
    FillSide,
    ImportResult,
    count_fills,
    import_fills,
    load_fills,
    parse_ts,
    read_fills_csv,
)
from cockpit.journal.schema import MIGRATIONS
from cockpit.journal.store import connect, journal_path, to_db_time
from cockpit.redaction import ExchangeKeys, Secret
from cockpit.sources.live.fills import import_exchange_fills

BTC = "BTC/USDT:USDT"
PARTIAL = "2026-01-05T10:00:00Z,BTC/USDT:USDT,buy,0.1,90000,1"
CLOSE = "2026-01-05T12:00:00Z,BTC/USDT:USDT,sell,0.2,91000,2"
NOW = datetime(2026, 1, 6, tzinfo=UTC)


def write_csv(path: Path, *rows: str) -> Path:
    path.write_text("\n".join(["ts,symbol,side,qty,price,fee", *rows]) + "\n", encoding="utf-8")
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    assert err.startswith("cockpit: error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


# --- identical partial fills ----------------------------------------------------------------------------


def test_two_identical_partial_fills_are_two_fills(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "partial.csv", PARTIAL, PARTIAL, CLOSE)
    code, out, _ = cli(capsys, "journal", "import", str(path))
    assert code == 0 and "3 new" in out
    _, out, _ = cli(capsys, "journal", "trades", "--json")
    trades = json.loads(out)
    assert sum(t["qty"] for t in trades) == pytest.approx(0.2)
    assert sum(t["pnl"] for t in trades) == pytest.approx(0.2 * 1000 - 4)


def test_importing_the_same_file_twice_still_changes_nothing(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "partial.csv", PARTIAL, PARTIAL, CLOSE)
    assert cli(capsys, "journal", "import", str(path))[0] == 0
    code, out, _ = cli(capsys, "journal", "import", str(path))
    assert code == 0 and "0 new" in out and "3 already known" in out
    assert cli(capsys, "journal", "fills", "--count")[1] == "3\n"


def test_a_later_export_with_one_more_identical_fill_adds_only_that_one(tmp_path: Path) -> None:
    con = connect()
    fill = Fill(datetime(2026, 1, 5, 10, tzinfo=UTC), BTC, FillSide.BUY, 0.1, 90_000.0, 1.0)
    assert import_fills(con, [fill]).new == 1
    result = import_fills(con, [fill, fill])
    assert (result.new, result.known) == (1, 1)
    assert count_fills(con) == 2


# --- migration 3 ----------------------------------------------------------------------------------------

V2_ROWS = [
    (5, "2026-01-05T10:00:00.000000Z", BTC, "buy", 0.1, 90_000.0, 1.0, "csv"),
    (9, "2026-01-05T12:00:00.000000Z", BTC, "sell", 0.1, 91_000.0, 1.0, "bybit"),
    (12, "999-01-01T00:00:00.000000Z", "X", "buy", 1.0, 1.0, 0.0, "csv"),  # stored unpadded by the old code
]


def make_v2_journal(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:2]:
        for statement in script.split(";"):
            if statement.strip():
                con.execute(statement)
    con.execute("PRAGMA user_version=2")
    con.executemany("INSERT INTO fills (id, ts, symbol, side, qty, price, fee, source) VALUES (?,?,?,?,?,?,?,?)",
                    V2_ROWS)
    con.execute("INSERT INTO checklist_runs (started_at, profile, source) VALUES ('2026-01-05', 'swing', 'x')")
    con.close()


def test_a_v2_journal_migrates_with_its_rows_intact() -> None:
    make_v2_journal(journal_path())
    con = connect()
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) >= 3
    rows = con.execute("SELECT id, ts, symbol, side, qty, price, fee, source, occurrence, venue_trade_id "
                       "FROM fills ORDER BY id").fetchall()
    assert [tuple(r)[:8] for r in rows] == [V2_ROWS[0], V2_ROWS[1],
                                            (12, "0999-01-01T00:00:00.000000Z", *V2_ROWS[2][2:])]
    assert all(r["occurrence"] == 0 and r["venue_trade_id"] is None for r in rows)
    assert [f.ts.year for f in load_fills(con)] == [999, 2026, 2026]  # the padded year loads again
    assert con.execute("SELECT COUNT(*) FROM checklist_runs").fetchone()[0] == 1
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again = [Fill(datetime(2026, 1, 5, 10, tzinfo=UTC), BTC, FillSide.BUY, 0.1, 90_000.0, 1.0)]
    assert import_fills(con, again).new == 0  # a migrated fill is still known
    con.close()


# --- dates outside 1970-2100 -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00Z", "0999-12-31T23:00:00Z", "1969-12-31T23:59:59Z",
                                  "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00",
                                  "2101-01-01T00:00:00Z", "99999999999999"])
def test_parse_ts_refuses_dates_outside_1970_to_2100(text: str) -> None:
    with pytest.raises(ValueError, match="ts .* outside the years 1970-2100"):
        parse_ts(text)


def test_db_time_is_zero_padded_so_text_order_is_time_order() -> None:
    assert to_db_time(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "0999-01-02T03:04:05.000006Z"
    assert to_db_time(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-02T00:00:00.000000Z"


@pytest.mark.parametrize("ts", ["0001-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00"])
def test_a_fill_dated_out_of_range_is_refused_and_the_journal_still_loads(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], ts: str) -> None:
    path = write_csv(tmp_path / "odd.csv", PARTIAL, f"{ts},X,buy,1,1,0")
    code, _, err = cli(capsys, "journal", "import", str(path))
    assert code == 2 and f"odd.csv:3: ts '{ts}'" in one_error_line(err)
    with pytest.raises(FillError, match="odd.csv:3: ts"):
        read_fills_csv(path)
    assert cli(capsys, "journal", "fills")[0] == 0


# --- the data folder is a file ---------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [("journal", "fills"), ("checklist", "history")])
def test_data_folder_that_is_a_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    a_file = tmp_path / "datafile"
    a_file.write_text("x", encoding="utf-8")
    monkeypatch.setenv("COCKPIT_DATA", str(a_file))
    code, out, err = cli(capsys, *argv)
    assert code == 2 and out == ""
    assert f"{a_file}: is a file, not a folder" in one_error_line(err)


# --- journal sync ------------------------------------------------------------------------------------------


def test_sync_refuses_an_unsupported_venue_before_asking_for_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "journal", "sync", "--venue", "kraken")
    assert code == 2
    assert "'kraken' is not supported" in one_error_line(err) and "bybit, binanceusdm, okx" in err
    assert "KEY" not in err


def test_sync_converts_an_aware_since_to_utc(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[datetime] = []

    def fake_import(con: Any, venue: str, symbols: Any, since: datetime) -> tuple[ImportResult, int]:
        seen.append(since)
        return ImportResult(0, 0), 0

    monkeypatch.setattr("cockpit.sources.live.fills.import_exchange_fills", fake_import)
    assert cli(capsys, "journal", "sync", "--since", "2026-01-01T00:00+05:00")[0] == 0
    assert cli(capsys, "journal", "sync", "--since", "2026-01-01T00:00")[0] == 0
    assert seen == [datetime(2025, 12, 31, 19, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)]


@pytest.mark.parametrize("since", ["99999999d", "9999-12-31T23:00-05:00", "0001-01-01T00:00+05:00"])
def test_sync_since_out_of_range_is_one_line(capsys: pytest.CaptureFixture[str], since: str) -> None:
    code, _, err = cli(capsys, "journal", "sync", "--since", since)
    assert code == 2 and f"--since: '{since}'" in one_error_line(err)


class FakeVenue:
    """Stands in for the ccxt client: returns the given trades for every symbol."""

    def __init__(self, trades: list[dict[str, Any]]) -> None:
        self.trades = trades

    def fetch_my_trades(self, symbol: str, since: int | None = None) -> list[dict[str, Any]]:
        return [t for t in self.trades if t["symbol"] == symbol]


def trade(trade_id: str | None, price: float = 90_000.0) -> dict[str, Any]:
    return {"id": trade_id, "timestamp": int(datetime(2026, 1, 5, 10, tzinfo=UTC).timestamp() * 1000),
            "symbol": BTC, "side": "buy", "amount": 0.1, "price": price, "fee": {"cost": 1.0}}


def sync(con: sqlite3.Connection, trades: list[dict[str, Any]]) -> int:
    keys = ExchangeKeys("bybit", Secret("k"), Secret("s"))
    result, rejected = import_exchange_fills(con, "bybit", [BTC], datetime(2026, 1, 1, tzinfo=UTC), keys=keys,
                                             exchange_factory=lambda _keys: FakeVenue(trades), now=NOW)
    assert rejected == 0
    return result.new


def test_sync_keys_venue_fills_by_their_trade_id() -> None:
    con = connect()
    assert sync(con, [trade("A"), trade("B")]) == 2  # identical executions, two trade ids
    assert sync(con, [trade("A"), trade("B")]) == 0
    assert sync(con, [trade("B"), trade("C")]) == 1
    assert count_fills(con) == 3
    assert {f.venue_trade_id for f in load_fills(con)} == {"A", "B", "C"}


def test_sync_adopts_a_fill_stored_before_trade_ids_were_kept() -> None:
    con = connect()
    legacy = Fill(datetime(2026, 1, 5, 10, tzinfo=UTC), BTC, FillSide.BUY, 0.1, 90_000.0, 1.0, source="bybit")
    import_fills(con, [legacy])
    assert sync(con, [trade("A")]) == 0  # the same execution: it gets the id, not a twin
    assert sync(con, [trade("A"), trade("B")]) == 1
    assert [f.venue_trade_id for f in load_fills(con)] == ["A", "B"]
    assert sync(con, [trade(None, price=90_500.0)]) == 1  # no id: keyed like a CSV row
    assert sync(con, [trade(None, price=90_500.0)]) == 0
