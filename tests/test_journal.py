"""The journal: CSV fills, the atomic idempotent import (also under kill -9), FIFO round trips, the CLI."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.cli import main
from cockpit.journal.fills import (
    Fill,
    FillError,
    FillSide,
    count_fills,
    import_fills,
    load_fills,
    match_fifo,
    parse_ts,
    read_fills_csv,
    round_trips,
)
from cockpit.journal.store import connect, journal_path

T0 = datetime(2026, 1, 30, 10, tzinfo=UTC)
BUY, SELL = FillSide.BUY, FillSide.SELL


def fill(
    minute: int, side: FillSide, qty: float, price: float, fee: float = 0.0, symbol: str = "BTC"
) -> Fill:
    return Fill(T0 + timedelta(minutes=minute), symbol, side, qty, price, fee)


def write_csv(path: Path, rows: list[str], header: str = "ts,symbol,side,qty,price,fee") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# --- FIFO ---------------------------------------------------------------------------------------------


def test_fifo_partial_close_gives_two_round_trips() -> None:
    trips = round_trips([fill(0, BUY, 1, 100), fill(1, BUY, 1, 110), fill(2, SELL, 1.5, 120)])
    assert [(t.qty, t.entry_price, t.exit_price, t.pnl) for t in trips] == [
        (1, 100, 120, 20.0),
        (0.5, 110, 120, 5.0),
    ]
    assert all(t.side == "long" and t.exit_ts == T0 + timedelta(minutes=2) for t in trips)


def test_fifo_leaves_the_newest_lot_open() -> None:
    _, open_lots = match_fifo([fill(0, BUY, 1, 100), fill(1, BUY, 1, 110), fill(2, SELL, 1.5, 120)])
    assert [(lot.side, lot.qty, lot.entry_price) for lot in open_lots] == [("long", 0.5, 110)]


def test_fees_split_pro_rata_over_matched_quantity() -> None:
    trips = round_trips(
        [fill(0, BUY, 2, 100, fee=2.0), fill(1, SELL, 1, 110, fee=0.5), fill(2, SELL, 1, 90, fee=0.5)]
    )
    assert [t.fees for t in trips] == pytest.approx([1.5, 1.5])
    assert [t.pnl for t in trips] == pytest.approx([10 - 1.5, -10 - 1.5])


def test_shorts_match_fifo() -> None:
    trips = round_trips(
        [fill(0, SELL, 2, 100), fill(1, SELL, 1, 95), fill(2, BUY, 1, 90), fill(3, BUY, 2, 105)]
    )
    assert [(t.side, t.qty, t.entry_price, t.exit_price) for t in trips] == [
        ("short", 1, 100, 90),
        ("short", 1, 100, 105),
        ("short", 1, 95, 105),
    ]
    assert [t.pnl for t in trips] == pytest.approx([10, -5, -10])


def test_a_close_larger_than_the_position_flips_it() -> None:
    trips, open_lots = match_fifo([fill(0, BUY, 1, 100), fill(1, SELL, 2, 110), fill(2, BUY, 1, 100)])
    assert [(t.side, t.pnl) for t in trips] == [("long", 10.0), ("short", 10.0)]
    assert open_lots == []


def test_symbols_are_matched_separately_and_input_order_does_not_matter() -> None:
    fills = [
        fill(2, SELL, 1, 120, symbol="ETH"),
        fill(0, BUY, 1, 100, symbol="ETH"),
        fill(1, SELL, 1, 50),
        fill(3, BUY, 1, 40),
    ]
    trips = round_trips(fills)
    assert [(t.symbol, t.side, t.pnl) for t in trips] == [("ETH", "long", 20.0), ("BTC", "short", 10.0)]


def test_float_remainders_do_not_leave_phantom_lots() -> None:
    trips, open_lots = match_fifo([fill(0, BUY, 0.1, 100), fill(1, BUY, 0.2, 100), fill(2, SELL, 0.3, 101)])
    assert open_lots == [] and len(trips) == 2


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([BUY, SELL]), st.integers(1, 5), st.integers(50, 150), st.integers(0, 3)),
        min_size=1,
        max_size=30,
    )
)
def test_flat_book_pnl_equals_cash_flow(legs: list[tuple[FillSide, int, int, int]]) -> None:
    fills = [fill(i, side, qty, price, fee / 10) for i, (side, qty, price, fee) in enumerate(legs)]
    net = sum(f.qty if f.side is BUY else -f.qty for f in fills)
    if net:  # close the book so every unit is matched
        fills.append(fill(len(fills), SELL if net > 0 else BUY, abs(net), 100))
    trips, open_lots = match_fifo(fills)
    assert open_lots == []
    cash = sum((f.price if f.side is SELL else -f.price) * f.qty - f.fee for f in fills)
    assert sum(t.pnl for t in trips) == pytest.approx(cash, abs=1e-6)


# --- CSV ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-30T10:00:00Z", T0),
        ("2026-01-30T11:00:00+01:00", T0),
        ("2026-01-30 10:00:00", T0),
        ("1769767200", T0),
        ("1769767200000", T0),
    ],
)
def test_parse_ts(text: str, expected: datetime) -> None:
    assert parse_ts(text) == expected


def test_read_csv_tolerates_bom_extra_columns_missing_fee_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        "\ufeffTS,Symbol,Side,Qty,Price,Venue\n2026-01-30T10:00:00Z,BTC,BUY,1,100,x\n\n"
        "2026-01-30T10:05:00Z,BTC,sell,1,101,x\n",
        encoding="utf-8",
    )
    fills = read_fills_csv(path)
    assert [(f.side, f.fee) for f in fills] == [(BUY, 0.0), (SELL, 0.0)]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("yesterday,BTC,buy,1,100,0", "f.csv:3: ts"),
        ("2026-01-30T10:00:00Z,,buy,1,100,0", "symbol"),
        ("2026-01-30T10:00:00Z,BTC,hold,1,100,0", "side"),
        ("2026-01-30T10:00:00Z,BTC,buy,0,100,0", "qty"),
        ("2026-01-30T10:00:00Z,BTC,buy,1,-1,0", "price"),
        ("2026-01-30T10:00:00Z,BTC,buy,1,nan,0", "price"),
        ("2026-01-30T10:00:00Z,BTC,buy,1,100,abc", "fee"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path: Path, row: str, message: str) -> None:
    path = write_csv(tmp_path / "f.csv", ["2026-01-30T09:00:00Z,BTC,buy,1,100,0", row])
    with pytest.raises(FillError, match=message):
        read_fills_csv(path)


def test_missing_columns_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FillError, match="missing column"):
        read_fills_csv(write_csv(tmp_path / "f.csv", [], header="ts,symbol,qty"))
    with pytest.raises(FillError, match="no such file"):
        read_fills_csv(tmp_path / "absent.csv")


# --- import -------------------------------------------------------------------------------------------


def test_import_twice_changes_nothing() -> None:
    con = connect()
    fills = [fill(0, BUY, 1, 100), fill(1, BUY, 1, 110), fill(2, SELL, 1.5, 120, fee=0.3)]
    first = import_fills(con, fills)
    second = import_fills(con, fills)
    assert (first.new, first.known, second.new, second.known) == (3, 0, 0, 3)
    assert count_fills(con) == 3
    assert [t.pnl for t in round_trips(load_fills(con))] == pytest.approx([19.8, 4.9])


def test_import_is_all_or_nothing_when_a_row_fails() -> None:
    con = connect()
    bad = Fill(T0, "BTC", BUY, -1.0, 100.0)  # refused after the first row went in
    with pytest.raises(FillError, match="qty must be greater than zero"):
        import_fills(con, [fill(0, BUY, 1, 100), bad])
    assert count_fills(con) == 0


def test_cli_import_fills_and_trades(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        [
            "2026-01-30T10:00:00Z,BTC,buy,1,100,0",
            "2026-01-30T11:00:00Z,BTC,buy,1,110,0",
            "2026-01-30T12:00:00Z,BTC,sell,1.5,120,0",
        ],
    )
    assert main(["journal", "import", str(path)]) == 0
    assert "3 new" in capsys.readouterr().out
    assert main(["journal", "import", str(path)]) == 0
    assert "0 new" in capsys.readouterr().out
    assert main(["journal", "fills", "--count"]) == 0
    assert capsys.readouterr().out == "3\n"
    assert main(["journal", "trades", "--json"]) == 0
    trades = json.loads(capsys.readouterr().out)
    assert [t["pnl"] for t in trades] == [20.0, 5.0]
    assert set(trades[0]) == {
        "symbol",
        "side",
        "qty",
        "entry_ts",
        "exit_ts",
        "entry_price",
        "exit_price",
        "fees",
        "pnl",
    }
    assert trades[1] | {"pnl": None} == {
        "symbol": "BTC",
        "side": "long",
        "qty": 0.5,
        "entry_ts": "2026-01-30T11:00:00Z",
        "exit_ts": "2026-01-30T12:00:00Z",
        "entry_price": 110.0,
        "exit_price": 120.0,
        "fees": 0.0,
        "pnl": None,
    }
    assert main(["journal", "trades"]) == 0
    assert "2 round trip(s)" in capsys.readouterr().out


def test_cli_bad_file_stores_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(
        tmp_path / "f.csv", ["2026-01-30T10:00:00Z,BTC,buy,1,100,0", "2026-01-30T11:00:00Z,BTC,buy,x,1,0"]
    )
    assert main(["journal", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "f.csv:3: qty" in err
    assert main(["journal", "fills", "--count"]) == 0
    assert capsys.readouterr().out == "0\n"


def test_cli_journal_without_action_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["journal"]) == 2
    assert "journal needs an action" in capsys.readouterr().err


# --- kill -9 ------------------------------------------------------------------------------------------

N_FILLS = 20_000

CHILD = """
import sys
from datetime import UTC, datetime, timedelta
from cockpit.journal.fills import Fill, FillSide, import_fills
from cockpit.journal.store import connect

stop_at = sys.argv[1]
con = connect()
t0 = datetime(2026, 1, 1, tzinfo=UTC)

def hold(marker):
    sys.stdout.write(marker + "\\n")
    sys.stdout.flush()
    sys.stdin.readline()  # the parent kills us here

def fills():
    for i in range({n}):
        if stop_at == "mid" and i == {n} // 2:
            hold("mid")
        side = FillSide.BUY if i % 2 else FillSide.SELL
        yield Fill(t0 + timedelta(seconds=i), "BTC", side, 1.0, 100.0 + i % 7)

if stop_at == "before":
    hold("before")
import_fills(con, fills())
hold("committed")
""".replace("{n}", str(N_FILLS))


def _journal_state(data: Path) -> tuple[int, str]:
    con = sqlite3.connect(journal_path(data))
    try:
        has_table = con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'fills'").fetchone()[0]
        count = con.execute("SELECT count(*) FROM fills").fetchone()[0] if has_table else 0
        return int(count), str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def _env(data: Path) -> dict[str, str]:
    return {**os.environ, "COCKPIT_DATA": str(data)}


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["before", "mid", "committed"])
def test_kill_at_a_known_moment_leaves_none_or_all(tmp_path: Path, moment: str) -> None:
    data = tmp_path / "kill"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, moment],
        env=_env(data),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == moment
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    count, integrity = _journal_state(data)
    assert integrity == "ok"
    assert count == (N_FILLS if moment == "committed" else 0)


@pytest.mark.slow
def test_kill_9_at_random_moments_of_a_20000_fill_import(tmp_path: Path) -> None:
    rows = [
        f"2026-01-01T00:00:{i % 60:02d}.{i:06d}Z,BTC,{'buy' if i % 2 else 'sell'},1,{100 + i % 7},0.01"
        for i in range(N_FILLS)
    ]
    csv_path = write_csv(tmp_path / "fills.csv", rows)
    command = [sys.executable, "-m", "cockpit", "journal", "import", str(csv_path)]
    started = time.perf_counter()
    subprocess.run(command, env=_env(tmp_path / "full"), check=True, capture_output=True)
    duration = time.perf_counter() - started
    assert _journal_state(tmp_path / "full") == (N_FILLS, "ok")
    for seed in range(8):
        data = tmp_path / f"seed{seed}"
        delay = random.Random(seed).uniform(0.0, duration * 1.2)
        proc = subprocess.Popen(command, env=_env(data), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=delay)  # the random moment of the kill (it may already be done)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        count, integrity = _journal_state(data) if journal_path(data).exists() else (0, "ok")
        assert integrity == "ok"
        assert count in (0, N_FILLS), f"seed {seed}: {count} fills after a kill at {delay:.3f}s"


def test_sync_without_network_is_one_line_and_never_shows_the_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cockpit.cli import main

    monkeypatch.setenv("COCKPIT_BYBIT_API_KEY", "canary-key-31337")
    monkeypatch.setenv("COCKPIT_BYBIT_SECRET", "canary-secret-31337")
    monkeypatch.setattr("keyring.get_password", lambda *a: None, raising=False)
    assert main(["journal", "sync", "--since", "2d"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("cockpit: error: cannot import fills from bybit")
    assert captured.err.count("\n") == 1
    assert "canary" not in captured.err + captured.out


def test_sync_without_a_key_says_where_to_put_one(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from cockpit.cli import main

    monkeypatch.delenv("COCKPIT_BYBIT_API_KEY", raising=False)
    monkeypatch.setattr("keyring.get_password", lambda *a: None, raising=False)
    assert main(["journal", "sync"]) == 2
    assert "COCKPIT_BYBIT_API_KEY" in capsys.readouterr().err
