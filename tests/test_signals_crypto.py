"""SPEC §3 v2 crypto structure, as a trader would check it: robust liquidation intensity, flushes within the
current move, coin open interest, the venue's funding interval."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from cockpit.analytics.crypto import with_oi_columns
from cockpit.analytics.liquidations import FlushTest, liquidation_path, tape_flushes
from cockpit.config import load_config
from cockpit.models import FlagId, MarketState, SourceKind
from cockpit.rules.pretrade import TradePlan, pretrade_flags
from cockpit.sizing import Side
from cockpit.snapshot import build_snapshot
from tests.signal_fixtures import BTC, ETH, bars, hours, snapshot_at

START = datetime(2026, 2, 2, tzinfo=UTC)
HOURS = 240
AS_OF = START + timedelta(hours=HOURS)  # the last complete bar is the last one built
COINS = 110_000.0  # BTC perp open interest in coins (about $10 B at 90,000)


def perp(symbol: str = BTC, closes: np.ndarray | None = None, long_liq: np.ndarray | None = None,
         coins: np.ndarray | None = None, usd_only: bool = False, **columns: Any) -> Any:
    """A perp's hourly bars: flat price by default, quiet lognormal liquidations around $0.3 M, constant coin OI."""
    rng = np.random.default_rng(11)
    stamps = hours(START, AS_OF)
    closes = np.full(HOURS, 90_000.0) if closes is None else closes
    long_liq = np.exp(rng.normal(math.log(3e5), 0.6, HOURS)) if long_liq is None else long_liq
    coins = np.full(HOURS, COINS) if coins is None else coins
    oi = {"open_interest_usd": coins * closes} if usd_only else {"open_interest": coins}
    return bars(symbol, stamps, closes, long_liq_usd=long_liq, short_liq_usd=np.full(HOURS, 1e5),
                funding_rate=np.full(HOURS, 0.0001), **oi, **columns)


def falling(last_hours: int, total_pct: float, start: float = 90_000.0) -> np.ndarray:
    """Flat, then a steady fall of `total_pct` over the last `last_hours` hours."""
    closes = np.full(HOURS, start)
    closes[-last_hours:] = start * np.exp(np.linspace(0, math.log(1 + total_pct / 100), last_hours + 1)[1:])
    return closes


def crypto(*frames: Any) -> dict[str, Any]:
    return snapshot_at(list(frames), AS_OF)["crypto"]  # type: ignore[no-any-return]


def test_a_small_hour_on_a_flat_tape_is_no_cascade() -> None:
    """Symptom: a $3.6 M hour with BTC -0.2 % fired LIQUIDATION_CASCADE (z in the thousands)."""
    liq = np.exp(np.random.default_rng(3).normal(math.log(3e5), 0.6, HOURS))
    liq[-1] = 3.6e6
    payload = crypto(perp(closes=falling(4, -0.2), long_liq=liq))
    btc = payload["btc"]
    assert btc["liq_oi_pct_1h"] == pytest.approx(3.6e6 / (COINS * 90_000.0 * 0.998) * 100, rel=1e-3)
    assert btc["liq_oi_pct_1h"] < 0.05
    assert 3 <= btc["liq_zscore_1h"] < 10  # unusual for the hour, but a few $M is not a cascade
    assert payload["state"] != "liquidation-driven"


def test_the_robust_z_by_hand() -> None:
    liq = np.exp(np.random.default_rng(4).normal(math.log(1e6), 0.8, HOURS))
    liq[-1] = 5e7
    btc = crypto(perp(long_liq=liq))["btc"]
    logs = np.log1p(liq)
    baseline = logs[-169:-1]
    median = np.median(baseline)
    scale = max(1.4826 * np.median(np.abs(baseline - median)), 0.25)
    assert btc["liq_zscore_1h"] == pytest.approx((logs[-1] - median) / scale, abs=1e-4)
    assert btc["liq_baseline_h"] == 168


def test_an_all_zero_baseline_does_not_hide_a_300m_hour() -> None:
    """Symptom: an all-zero baseline made a $300 M hour with BTC -5.8 % invisible."""
    liq = np.zeros(HOURS)
    liq[-1] = 3e8
    payload = crypto(perp(closes=falling(4, -5.8), long_liq=liq))
    assert payload["btc"]["liq_zscore_1h"] == pytest.approx(math.log1p(3e8) / 0.25, rel=1e-6)
    assert payload["state"] == "liquidation-driven"
    assert payload["flush_active"] is True
    assert payload["flush_count"] == 1


def test_the_fourth_hour_of_a_flush_does_not_mask_itself() -> None:
    """Symptom: with the flush's own hours in the baseline, its fourth hour read z 1.4."""
    liq = np.exp(np.random.default_rng(5).normal(math.log(1e6), 0.5, HOURS))
    liq[-4:] = [3e8, 5e8, 4e8, 1.5e8]
    payload = crypto(perp(closes=falling(6, -6.0), long_liq=liq))
    z = payload["btc"]["liq_zscore_1h"]
    logs = np.log1p(liq)
    before = logs[-172:-4]  # the 168 hours before the flush began
    median = np.median(before)
    assert z == pytest.approx((logs[-1] - median) / max(1.4826 * np.median(np.abs(before - median)), 0.25), abs=1e-4)
    assert z > 5  # the v1 mean/std z with the flush in its own baseline was under 3
    assert payload["flush_count"] == 1 and payload["flush_active"] is True
    assert payload["state"] == "liquidation-driven"


def test_eth_alone_can_make_the_tape_liquidation_driven() -> None:
    """Symptom: ETH at z 150 with -8 % over 4 h raised nothing, because only BTC was read."""
    liq = np.exp(np.random.default_rng(6).normal(math.log(2e5), 0.5, HOURS))
    liq[-1] = 2e8
    eth = perp(ETH, closes=falling(4, -8.0, 2500.0), long_liq=liq, coins=np.full(HOURS, 2_000_000.0))
    payload = crypto(perp(), eth)
    assert payload["eth"]["liq_zscore_1h"] > 3 and payload["eth"]["liq_oi_pct_1h"] > 0.05
    assert payload["btc"]["liq_zscore_1h"] < 3
    assert payload["state"] == "liquidation-driven"
    assert payload["cascade_assets"] == [ETH]


@pytest.mark.parametrize(("share_pct", "fall_pct", "driven"), [(0.3, -2.5, True), (0.1, -2.5, False),
                                                               (0.3, -1.0, False)])
def test_a_fresh_start_uses_the_absolute_test(share_pct: float, fall_pct: float, driven: bool) -> None:
    liq = np.full(HOURS, np.nan)
    liq[-10:] = 2e5
    closes = falling(4, fall_pct)
    liq[-1] = share_pct / 100 * COINS * closes[-1]
    payload = crypto(perp(closes=closes, long_liq=liq))
    assert payload["btc"]["liq_zscore_1h"] is None
    assert payload["btc"]["liq_baseline_h"] < 24
    assert (payload["state"] == "liquidation-driven") is driven


@pytest.mark.parametrize("usd_only", [True, False])
def test_a_price_fall_alone_is_no_open_interest_reset(usd_only: bool) -> None:
    """Symptom: price -10 % with contracts unchanged read "OI -10 %, reset"."""
    payload = crypto(perp(closes=falling(20, -10.0), usd_only=usd_only))
    btc = payload["btc"]
    assert btc["oi_change_pct_24h"] == pytest.approx(0.0, abs=1e-9)
    assert btc["open_interest"] == pytest.approx(COINS)
    assert btc["open_interest_usd"] == pytest.approx(COINS * 81_000.0, rel=1e-6)
    assert payload["oi_reset"] is False


def test_contracts_up_while_price_falls_reads_the_contracts() -> None:
    """Symptom: contracts +7 % with price -6 % read +0.6 % (USD), so OI building into a decline stayed silent."""
    coins = np.full(HOURS, COINS)
    coins[-20:] = COINS * np.linspace(1, 1.07, 21)[1:]
    btc = crypto(perp(closes=falling(20, -6.0), coins=coins, usd_only=True))["btc"]
    assert btc["oi_change_pct_24h"] == pytest.approx(7.0, abs=1e-6)
    assert btc["oi_change_pct"] == pytest.approx(7.0, abs=1e-6)
    assert btc["oi_price_change_pct"] == pytest.approx(-6.0, abs=1e-6)


def test_coin_oi_well_below_its_high_since_the_move_began_is_a_reset() -> None:
    coins = np.full(HOURS, COINS)
    coins[-30:-10] = COINS * 1.05
    coins[-10:] = COINS * 1.05 * 0.91  # 9 % below the high that followed the top
    assert crypto(perp(closes=falling(30, -5.0), coins=coins))["oi_reset"] is True
    coins[-10:] = COINS * 1.05 * 0.95
    assert crypto(perp(closes=falling(30, -5.0), coins=coins))["oi_reset"] is False


@pytest.mark.parametrize(("interval", "annualised"), [(1.0, 87.6), (8.0, 10.95), (None, 10.95)])
def test_funding_is_annualised_with_the_venues_interval(interval: float | None, annualised: float) -> None:
    """Symptom: an hourly-settling perp was annualised 8x too low."""
    extra = {} if interval is None else {"funding_interval_h": np.full(HOURS, interval)}
    btc = crypto(perp(**extra))["btc"]
    assert btc["funding_interval_h"] == (interval or 8.0)
    assert btc["funding_annualised_pct"] == pytest.approx(annualised)
    per_interval = 0.0001 * COINS * 90_000.0
    assert btc["funding_spend_usd"] == pytest.approx(per_interval)
    assert btc["funding_spend_usd_per_day"] == pytest.approx(per_interval * 24 / (interval or 8.0))


def test_warm_up_flushes_before_the_move_never_count() -> None:
    """Symptom: FIRST_FLUSH counted flushes from before the move (the warm-up)."""
    closes = np.full(HOURS, 90_000.0)
    closes[: HOURS - 80] = np.linspace(80_000, 90_000, HOURS - 80)  # rising to the top, 80 h before now
    closes[-80:] = 90_000.0 * np.exp(np.linspace(0, math.log(0.95), 80))
    liq = np.exp(np.random.default_rng(7).normal(math.log(3e5), 0.5, HOURS))
    liq[HOURS - 120 : HOURS - 118] = 2e8  # a flush while price still rose, before the 72 h high
    payload = crypto(perp(closes=closes, long_liq=liq))
    assert payload["flush_count"] == 0 and payload["flush_active"] is False
    assert payload["move_start"] == (START + timedelta(hours=HOURS - 72)).isoformat().replace("+00:00", "Z")
    liq[-30:-28] = 2e8  # a flush after the top: the move's first
    assert crypto(perp(closes=closes, long_liq=liq))["flush_count"] == 1


def test_flushes_are_clusters_separated_by_four_quiet_hours() -> None:
    liq = np.exp(np.random.default_rng(8).normal(math.log(3e5), 0.5, HOURS))
    liq[[-20, -18, -15]] = 2e8  # gaps of one and two quiet hours: one flush
    liq[-10] = 2e8  # four quiet hours later: a second
    series = with_oi_columns(perp(long_liq=liq))
    path = liquidation_path(series, baseline_h=168, pass_h=72, test=FlushTest())
    assert path is not None
    assert len(path.flushes) == 2
    assert not path.active  # nine quiet hours since


def test_an_eth_flush_ahead_of_btc_is_the_moves_first_flush() -> None:
    """Symptom (the cascade at 63 h): ETH flushed an hour before BTC, LIQUIDATION_CASCADE fired on ETH, and the
    crypto line read "flushes in this move 0" beside it, so a long planned in that hour got no FIRST_FLUSH."""
    closes = falling(30, -8.0)
    btc = perp(closes=closes)
    liq = np.exp(np.random.default_rng(12).normal(math.log(2e5), 0.5, HOURS))
    liq[-1] = 2e8
    eth = perp(ETH, closes=falling(30, -9.0, 2500.0), long_liq=liq, coins=np.full(HOURS, 2_000_000.0))
    payload = crypto(btc, eth)
    assert payload["btc"]["liq_zscore_1h"] < 3 and payload["eth"]["liq_zscore_1h"] > 3
    assert payload["flush_count"] == 1 and payload["flush_active"] is True
    config = load_config()
    state = MarketState(SourceKind.FILE, AS_OF, pl.concat([btc, eth]).sort(["ts", "symbol"]))
    snap = build_snapshot(state, config.profile("swing"), config.universe)
    plan = TradePlan(BTC, Side.LONG, entry=82_000.0, stop=80_000.0, qty=0.01, ts=AS_OF)
    flag = next(f for f in pretrade_flags(plan, [], snap.readings, snap.regime, config.profile("swing"))
                if f.id is FlagId.FIRST_FLUSH)
    assert "its first flush is under way" in flag.message


def test_a_perp_whose_bars_stopped_does_not_hold_a_flush_open() -> None:
    """Counting ETH's flushes made its path's own last bar decide "under way": ETH bars that stopped 30 h ago on
    a qualifying hour kept the tape's flush open, and FIRST_FLUSH said the first flush was under way."""
    liq = np.exp(np.random.default_rng(15).normal(math.log(2e5), 0.5, HOURS))
    liq[-31] = 2e8
    eth = perp(ETH, closes=falling(40, -9.0, 2500.0), long_liq=liq, coins=np.full(HOURS, 2_000_000.0))
    eth = eth.filter(pl.col("ts") <= AS_OF - timedelta(hours=31))  # its last bar is the flush hour, 30 h back
    payload = crypto(perp(closes=falling(40, -8.0)), eth)
    assert payload["flush_count"] == 1 and payload["flush_active"] is False
    assert payload["state"] != "liquidation-driven"


@pytest.mark.parametrize(("gap", "tape"), [(4, 1), (5, 2)])
def test_btc_and_eth_flushes_merge_as_one_perps_clusters_do(gap: int, tape: int) -> None:
    """One perp's flush ends at its fourth quiet hour: a BTC hour `gap` hours after ETH's is the same flush when
    fewer than four quiet hours part them, another when four do."""
    eth_liq = np.exp(np.random.default_rng(13).normal(math.log(2e5), 0.5, HOURS))
    btc_liq = np.exp(np.random.default_rng(14).normal(math.log(3e5), 0.5, HOURS))
    eth_liq[-20], btc_liq[-20 + gap] = 2e8, 2e8
    paths = [liquidation_path(with_oi_columns(frame), baseline_h=168, pass_h=72, test=FlushTest())
             for frame in (perp(long_liq=btc_liq), perp(ETH, closes=np.full(HOURS, 2500.0), long_liq=eth_liq,
                                                         coins=np.full(HOURS, 2_000_000.0)))]
    assert all(path is not None and len(path.flushes) == 1 for path in paths)
    assert len(tape_flushes([p for p in paths if p is not None])) == tape
    one = perp(long_liq=np.where(np.arange(HOURS) == HOURS - 20 + gap, 2e8, btc_liq) + np.where(
        np.arange(HOURS) == HOURS - 20, 2e8, 0.0))
    single = liquidation_path(with_oi_columns(one), baseline_h=168, pass_h=72, test=FlushTest())
    assert single is not None and len(single.flushes) == tape  # the same rule on one perp's hours


@pytest.mark.parametrize(("quiet", "active"), [(0, True), (3, True), (4, False)])
def test_a_flush_is_under_way_until_its_fourth_quiet_hour(quiet: int, active: bool) -> None:
    """Symptom: a quiet hour inside a flush read "structure CALM" beside "flushes 3 (now)" and a held cascade."""
    liq = np.exp(np.random.default_rng(9).normal(math.log(3e5), 0.5, HOURS))
    liq[HOURS - 1 - quiet] = 2e8
    payload = crypto(perp(closes=falling(8, -4.0), long_liq=liq))
    assert payload["flush_active"] is active and payload["flush_count"] == 1
    assert (payload["state"] == "liquidation-driven") is active  # driven until the flush ends


def test_a_flush_on_a_flat_tape_is_not_liquidation_driven_in_its_lull() -> None:
    """The lull reads liquidation-driven only after a flush that moved price (the cascade test's fall)."""
    liq = np.exp(np.random.default_rng(9).normal(math.log(3e5), 0.5, HOURS))
    liq[HOURS - 3] = 2e8
    payload = crypto(perp(long_liq=liq))  # flat price
    assert payload["flush_active"] is True and payload["state"] == "calm"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_data_files_carry_coin_oi_and_the_funding_interval(tmp_path: Path, suffix: str) -> None:
    import polars as pl

    from cockpit.config import load_config
    from cockpit.snapshot import build_snapshot, snapshot_json
    from cockpit.sources.replay import FileSource

    frame = perp(funding_interval_h=np.full(HOURS, 1.0))
    path = tmp_path / f"bars{suffix}"
    if suffix == ".csv":
        frame.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%SZ")).write_csv(path)
    else:
        frame.write_parquet(path)
    config = load_config()
    state = FileSource(path).poll()
    btc = snapshot_json(build_snapshot(state, config.profile(), config.universe))["crypto"]["btc"]
    assert btc["funding_interval_h"] == 1.0 and btc["funding_annualised_pct"] == pytest.approx(87.6)
    assert btc["open_interest"] == pytest.approx(COINS)


def test_bars_without_liquidations_count_no_flushes_and_judge_no_structure() -> None:
    """BTC-USD spot (the fallback when no venue answers), or a bar file without liquidation columns: there is no
    tape, so the flush count is unknown (null, 'n/a' on screen), not 0, and the structure is not 'calm'."""
    stamps = hours(START, AS_OF)
    spot = bars("BTC-USD", stamps, falling(12, -3.0))
    payload = crypto(spot)
    assert payload["flush_count"] is None and payload["state"] is None and payload["btc"]["price"] is not None
    taped = crypto(perp(closes=falling(12, -3.0)))  # the same fall on a perp with its quiet tape
    assert taped["flush_count"] == 0 and taped["state"] == "calm"
