"""The v2 figures on the Macro, Crypto and Correlation panes: capped z, term structure, credit, coin OI, gaps."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from cockpit.config import load_config
from cockpit.models import CreditReading, CryptoAsset, ImpliedVolReading, MarketState, SourceKind
from cockpit.snapshot import build_snapshot
from cockpit.widgets.correlation import render_correlation
from cockpit.widgets.crypto import render_crypto, z_text
from cockpit.widgets.macro import render_macro
from cockpit.widgets.pane_view import PaneContext
from tests.signal_fixtures import BTC, ES, bars, hours

AS_OF = datetime(2026, 1, 12, 1, tzinfo=UTC)


def plain(markup: str) -> str:
    return re.sub(r"\[/?[^\]]*\]", "", markup)


def context(**readings: object) -> PaneContext:
    config = load_config()
    stamps = hours(datetime(2026, 1, 5, tzinfo=UTC), AS_OF)
    frame = bars(BTC, stamps, np.full(len(stamps), 90_000.0))
    snap = build_snapshot(MarketState(SourceKind.FILE, AS_OF, frame), config.profile(), config.universe)
    snap = replace(snap, readings=replace(snap.readings, **readings))  # type: ignore[arg-type]
    return PaneContext(snap, config.profile(), config.universe)


def test_liquidation_z_is_capped_on_screen_only() -> None:
    assert z_text(35_000.0) == ">10" and z_text(9.96) == "+10.0" and z_text(None) == "n/a"
    ctx = context()
    btc = replace(CryptoAsset(BTC), price=90_000.0, liq_zscore_1h=78.3, liq_oi_pct_1h=0.31, open_interest=110_000.0,
                  open_interest_usd=9.9e9, funding_interval_h=1.0, funding_rate=0.0001,
                  funding_spend_usd_per_interval=990_000.0, funding_spend_usd_per_day=23_760_000.0)
    eth = replace(CryptoAsset("ETH/USDT:USDT"), funding_interval_h=1.0)
    crypto = replace(ctx.snapshot.readings.crypto, btc=btc, eth=eth, flush_count=1, flush_active=True)
    body = plain(render_crypto(context(crypto=crypto)).body)
    assert ">10" in body and "78" not in body
    assert "0.310%" in body and "110K" in body and "$9.90B" in body
    assert "0.010%/1h" in body and "990K/24M" in body
    assert "flushes 1 (now)" in body


def test_flushes_are_unknown_without_a_liquidation_tape() -> None:
    # live with the venue down (or BTC-USD spot as the fallback): no perp has liquidations to count flushes in
    ctx = context()  # its bars are BTC spot-like bars with no liquidation column
    assert ctx.snapshot.readings.crypto.liq_tape is False
    assert "flushes n/a" in plain(render_crypto(ctx).body)
    crypto = replace(ctx.snapshot.readings.crypto, liq_tape=True)  # a quiet tape: none yet
    assert "flushes 0 ·" in plain(render_crypto(context(crypto=crypto)).body)


def test_macro_shows_vix_term_structure_move_and_credit() -> None:
    ctx = context()
    macro = replace(ctx.snapshot.readings.macro, vix=ImpliedVolReading(27.4, 31.0, 60.0),
                    vix3m=ImpliedVolReading(24.0, 12.0, 60.0), move=ImpliedVolReading(128.0, 9.0, 60.0),
                    credit=CreditReading(-0.8, True, 60.0), backwardation=True)
    body = plain(render_macro(context(macro=macro)).body)
    assert "VIX     27.4  ▲+31% BACKWD" in body
    assert "MOVE     128   ▲+9%" in body
    assert "HY/IG  ▼-0.80% WIDEN" in body
    assert max(len(line) for line in body.splitlines()) <= 29  # fits the 100x30 layout's pane


def test_macro_without_the_new_inputs_says_so() -> None:
    body = plain(render_macro(context()).body)
    assert "VIX      n/a" in body and "MOVE     n/a" in body and "HY/IG    n/a" in body


def test_correlation_shows_dropped_gap_pairs_annualised_vol_and_a_large_gap() -> None:
    ctx = context()
    corr = ctx.snapshot.readings.correlation
    corr = replace(corr, c1h=replace(corr.c1h, gap_pairs_dropped=3), gap_pct=-5.04,
                   vol_index=replace(corr.vol_index, annualised_pct=31.6))
    body = plain(render_correlation(context(correlation=corr)).body)
    assert " gaps out         3" in body
    assert re.search(r"vol ann +32%", body)
    assert f"{ES} opened -5.0% vs last close" in body
    small = plain(render_correlation(context(correlation=replace(corr, gap_pct=0.4))).body)
    assert "opened" not in small


def test_the_snapshot_json_has_no_flush_count_without_a_tape() -> None:
    from cockpit.snapshot import snapshot_json

    ctx = context()
    for tape, expected in ((False, None), (True, 0)):
        crypto = replace(ctx.snapshot.readings.crypto, liq_tape=tape)
        snap = replace(ctx.snapshot, readings=replace(ctx.snapshot.readings, crypto=crypto))
        assert snapshot_json(snap)["crypto"]["flush_count"] == expected
