"""One evaluation (pure): market state -> readings -> flags, regime, outlook; and its JSON form (SPEC §6)."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cockpit.models import (
    SCHEMA_VERSION,
    CryptoAsset,
    DataQuality,
    Flag,
    FlagId,
    ImpliedVolReading,
    MacroReading,
    MarketState,
    OutlookCall,
    Readings,
    Regime,
    RegimeCall,
    Snapshot,
    SourceHealth,
    SourceKind,
    VolReading,
    aged_health,
    clean_number,
    to_plain,
)
from cockpit.rules import classify_outlook

if TYPE_CHECKING:
    from cockpit.settings import Profile
    from cockpit.universe import Universe


def build_snapshot(
    state: MarketState, profile: Profile, universe: Universe, extra_flags: tuple[Flag, ...] = (), *,
    past_hour: bool = False,
) -> Snapshot:
    """Evaluate every analytic and rule at `state.as_of` for `profile`; spans, holds and the regime's
    hysteresis come from the hours before it (cockpit.rules.spans), so they depend on the bars alone.

    `past_hour` is a timeline's hour before the moment (on the hour, no source health): its readings come
    without chart histories, which no rule reads, from the memo when a later hour was judged first.
    """
    from cockpit.analytics.readings import readings_of
    from cockpit.rules.spans import evaluate_timeline, hour_readings, moment_bars

    readings = hour_readings(state, profile, universe) if past_hour else None
    bars = None
    if readings is None:  # the moment's figures from the index its timeline reads: the bars split once
        bars = moment_bars(state, profile)
        readings = readings_of(bars.split_until(state.as_of), state, profile, universe)
    quality = replace(state.quality, missing_roles=readings.missing_roles)
    timeline = evaluate_timeline(state, profile, universe, readings, bars)
    snap = Snapshot(
        as_of=state.as_of,
        source=state.kind,
        profile=profile.name,
        readings=readings,
        flags=timeline.flags,
        regime=timeline.regime,
        outlook=classify_outlook(readings, timeline.stress),
        quality=quality,
        label=state.label,
        history=timeline.hours,
    )
    return with_extra_flags(snap, extra_flags) if extra_flags else snap


def preview_snapshot(state: MarketState, profile: Profile, universe: Universe) -> Snapshot:
    """The moment's figures before its span window is judged (`judged` False): no flag but STALE_DATA (which
    reads only the moment's health), the regime `unknown` and no outlook, each saying it is being judged.

    The screen shows it while the first full evaluation of a profile (every hour of the span window) runs,
    so the figures are on screen at once and nothing is claimed that the hours before could change.
    """
    from cockpit.analytics.readings import compute_readings

    readings = compute_readings(state, profile, universe)
    return _preview(readings, profile, state.kind, replace(state.quality, missing_roles=readings.missing_roles),
                    state.label, f"judging the last {profile.span_window_h} h of bars")


def last_figures(snap: Snapshot, profile: Profile, now: datetime, note: str) -> Snapshot:
    """A snapshot kept from an earlier session, as a preview at `now`: every age is older by the time since,
    each source is STALE once past its limit (its health saying `note` instead of that session's last
    error), STALE_DATA is judged again from that health alone, and the regime, flags and outlook wait for
    the span window to be judged."""
    late = max(0.0, (now - snap.as_of).total_seconds())
    health = tuple(aged_health(replace(h, error=None), late, note) for h in snap.readings.health)
    readings = _moved(snap.readings, now, late, health)
    return _preview(readings, profile, snap.source, snap.quality, snap.label,
                    f"{note}; judging the last {profile.span_window_h} h of bars")


def with_new_health(snap: Snapshot, state: MarketState, profile: Profile) -> Snapshot:
    """`snap` moved to a later live state of the same bars, quarter hour and health but for its sources' next
    tries (`feed_keys.only_retries_moved`): every age older by the time between, the new health, STALE_DATA's
    message and evidence from it (its span unchanged). Equal to judging `state` afresh, which reads the
    health only there; the feed uses it for a failed retry instead of evaluating the same bars again."""
    from cockpit.rules.market import stale_data

    late = (state.as_of - snap.as_of).total_seconds()
    readings = _moved(snap.readings, state.as_of, late, state.health)
    flags = []
    for flag in snap.flags:
        if flag.id is FlagId.STALE_DATA:
            fresh = stale_data(readings, profile)
            if fresh is None:
                continue
            flag = replace(fresh, since=flag.since)
        flags.append(flag)
    return replace(snap, as_of=state.as_of, readings=readings, flags=tuple(flags))


def _moved(r: Readings, at: datetime, late: float, health: tuple[SourceHealth, ...]) -> Readings:
    """Readings `late` seconds on, at `at`: every age older by that much, the sources' health `health`."""
    return replace(r, as_of=at, macro=_older(r.macro, late), leadership=_older(r.leadership, late),
                   crypto=_older(r.crypto, late), correlation=_older(r.correlation, late), health=health)


def _older(record: Any, late: float) -> Any:
    """`record` with every age in it (`age_s`, `*_age_s`, nested records too) `late` seconds older."""
    changes = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if (f.name == "age_s" or f.name.endswith("_age_s")) and isinstance(value, (int, float)):
            changes[f.name] = value + late
        elif is_dataclass(value) and not isinstance(value, type):
            older = _older(value, late)
            if older is not value:
                changes[f.name] = older
    return replace(record, **changes) if changes else record


def _preview(readings: Readings, profile: Profile, source: SourceKind, quality: DataQuality, label: str,
             judging: str) -> Snapshot:
    from cockpit.rules.market import stale_data, stale_since

    flag = stale_data(readings, profile)  # the one rule read from the moment's health alone
    stale = () if flag is None else (replace(flag, since=stale_since(readings)),)
    return Snapshot(
        as_of=readings.as_of,
        source=source,
        profile=profile.name,
        readings=readings,
        flags=stale,
        regime=RegimeCall(Regime.UNKNOWN, profile.multiplier(Regime.UNKNOWN), (judging,)),
        outlook=OutlookCall(None, reason=judging),
        quality=quality,
        label=label,
        judged=False,
    )


def with_extra_flags(snap: Snapshot, extra_flags: tuple[Flag, ...] | list[Flag]) -> Snapshot:
    """The snapshot with more flags (a plan's pre-trade checks) joined, most severe first; nothing recomputed."""
    return replace(snap, flags=tuple(sorted((*snap.flags, *extra_flags), key=lambda f: -f.severity.rank)))


def _num(value: float | None, digits: int = 6) -> float | None:
    return clean_number(value, digits)


def _asset_json(asset: CryptoAsset) -> dict[str, Any]:
    return {
        "symbol": asset.symbol,
        "price": _num(asset.price, 4),
        "change_4h_pct": _num(asset.change_4h_pct, 4),
        "change_24h_pct": _num(asset.change_24h_pct, 4),
        "funding_rate": _num(asset.funding_rate, 8),
        "funding_annualised_pct": _num(asset.funding_annualised_pct, 4),
        "funding_rate_settled": _num(asset.funding_settled_rate, 8),
        "funding_spend_usd": _num(asset.funding_spend_usd_per_interval, 2),
        "funding_spend_usd_per_day": _num(asset.funding_spend_usd_per_day, 2),
        "funding_interval_h": _num(asset.funding_interval_h, 4),
        "open_interest": _num(asset.open_interest, 6),
        "open_interest_usd": _num(asset.open_interest_usd, 2),
        "oi_change_pct_24h": _num(asset.oi_change_pct_24h, 4),
        "price_change_pct": _num(asset.price_change_pct, 4),
        "price_lookback_h": asset.price_lookback_h,
        "oi_change_pct": _num(asset.oi_change_pct, 4),
        "oi_price_change_pct": _num(asset.oi_price_change_pct, 4),
        "oi_lookback_h": asset.oi_lookback_h,
        "long_liq_usd_1h": _num(asset.long_liq_usd_1h, 2),
        "short_liq_usd_1h": _num(asset.short_liq_usd_1h, 2),
        "liq_zscore_1h": _num(asset.liq_zscore_1h, 4),
        "liq_oi_pct_1h": _num(asset.liq_oi_pct_1h, 6),
        "liq_baseline_h": asset.liq_baseline_h,
        "trend": asset.trend,
        "age_s": _num(asset.age_s, 1),
    }


def _implied_vol_json(reading: ImpliedVolReading | None) -> dict[str, Any] | None:
    if reading is None:
        return None
    return {"value": _num(reading.value, 4), "change_pct": _num(reading.change_pct, 4), "age_s": _num(reading.age_s, 1)}


def _macro_vol_credit_json(m: MacroReading) -> dict[str, Any]:
    """macro.vix (with `backwardation`: VIX above VIX3M), macro.vix3m, macro.move, macro.credit; null when absent."""
    vix = _implied_vol_json(m.vix)
    if vix is not None:
        vix["backwardation"] = m.backwardation
    credit = None if m.credit is None else {
        "hyg_lqd_change_pct": _num(m.credit.hyg_lqd_change_pct, 4),
        "spreads_widening": m.credit.spreads_widening,
        "age_s": _num(m.credit.age_s, 1),
    }
    return {"vix": vix, "vix3m": _implied_vol_json(m.vix3m), "move": _implied_vol_json(m.move), "credit": credit}


def _vol_json(vol: VolReading) -> dict[str, Any]:
    return {"recent": _num(vol.recent, 8), "prior": _num(vol.prior, 8), "ratio": _num(vol.ratio, 4),
            "annualised_pct": _num(vol.annualised_pct, 4)}


def _health_json(health: SourceHealth) -> dict[str, Any]:
    return {"age_s": _num(health.age_s, 1), "stale": health.stale, "error": health.error, "state": health.state}


def snapshot_json(snap: Snapshot) -> dict[str, Any]:
    """The snapshot as the stable JSON object (schema 2: SPEC §3 version 2 figures; every schema 1 key kept)."""
    r = snap.readings
    m, lead, c = r.macro, r.leadership, r.correlation
    return {
        "schema": SCHEMA_VERSION,
        "as_of": to_plain(snap.as_of),
        "source": snap.source.value,
        "label": snap.label,
        "profile": snap.profile.value,
        "macro": {
            "us10y": {"value": _num(m.us10y, 4), "change_bp": _num(m.us10y_change_bp, 3),
                      "age_s": _num(m.us10y_age_s, 1)},
            "dxy": {"value": _num(m.dxy, 4), "change_pct": _num(m.dxy_change_pct, 4),
                    "age_s": _num(m.dxy_age_s, 1)},
            "policy": {
                "front_rate": _num(m.policy_path[0].rate, 4) if m.policy_path else None,
                "change_bp": _num(m.policy_change_bp, 3),
                "age_s": _num(m.policy_age_s, 1),
                "path": [{"symbol": p.symbol, "rate": _num(p.rate, 4), "change_bp": _num(p.change_bp, 3)}
                         for p in m.policy_path],
            },
            **_macro_vol_credit_json(m),
            "risk_budget": m.risk_budget,
            "lookback_h": m.lookback_h,
        },
        "leadership": {
            "relative_strength_pct": _num(lead.relative_strength_pct, 4),
            "rs_new_low": lead.rs_new_low,
            "breadth_above_ma": _num(lead.breadth_above_ma, 4),
            "breadth_new_lows": _num(lead.breadth_new_lows, 4),
            "index_above_ma": lead.index_above_ma,
            "index_holding": lead.index_holding,
            "verdict": lead.verdict,
            "relative_move_sigma": _num(lead.relative_move_sigma, 4),
            "timeframe": lead.timeframe,
            "coverage": {"have": len(lead.members), "of": len(lead.members) + len(lead.missing),
                         "missing": list(lead.missing)},
            "age_s": _num(lead.age_s, 1),
        },
        "crypto": {
            "btc": _asset_json(r.crypto.btc),
            "eth": _asset_json(r.crypto.eth),
            "state": r.crypto.state,
            "flush_count": r.crypto.flush_count if r.crypto.flushes_known else None,  # null: no liquidation tape
            "flush_active": r.crypto.flush_active,
            "cascade_assets": list(r.crypto.cascade_assets),
            "move_start": to_plain(r.crypto.move_start),
            "oi_reset": r.crypto.oi_reset,
        },
        "correlation": {
            "1h": {"value": _num(c.c1h.value, 12), "window": c.c1h.window, "n": c.c1h.n,
                   "gap_pairs_dropped": c.c1h.gap_pairs_dropped},
            "4h": {"value": _num(c.c4h.value, 12), "window": c.c4h.window, "n": c.c4h.n,
                   "gap_pairs_dropped": c.c4h.gap_pairs_dropped},
            "vol": {"index": _vol_json(c.vol_index), "btc": _vol_json(c.vol_btc)},
            "trend": {"index": c.trend_index, "btc": c.trend_btc},
            "gap_pct": _num(c.gap_pct, 4),
            "index_trend_gap_atr": _num(c.index_trend_gap_atr, 4),
            "both_down_vol_rising": c.both_down_vol_rising,
            "age_s": _num(c.age_s, 1),
        },
        "early_warnings": dict(r.early_warnings),
        "regime": {"label": snap.regime.label.value, "multiplier": snap.regime.multiplier,
                   "evidence": list(snap.regime.evidence), "since": to_plain(snap.regime.since),
                   **({"held_from": to_plain(snap.regime.held_from)} if snap.regime.held_from else {})},
        "outlook": {
            "label": snap.outlook.label,
            "reason": snap.outlook.reason,
            "scores": dict(snap.outlook.scores),
            "for": {k: list(v) for k, v in snap.outlook.signals_for.items()},
            "against": {k: list(v) for k, v in snap.outlook.signals_against.items()},
            "unknown": {k: list(v) for k, v in snap.outlook.signals_unknown.items()},
        },
        "flags": [
            {"id": f.id.value, "severity": f.severity.value, "message": f.message, "evidence": to_plain(f.evidence),
             "since": to_plain(f.since)}
            for f in snap.flags
        ],
        "freshness": {h.name: _health_json(h) for h in r.health},
        "data_quality": {
            "rows_in": snap.quality.rows_in,
            "rows_used": snap.quality.rows_used,
            "duplicates_dropped": snap.quality.duplicates_dropped,
            "bad_prices_dropped": snap.quality.bad_prices_dropped,
            "was_unsorted": snap.quality.was_unsorted,
            "missing_roles": list(snap.quality.missing_roles),
        },
    }
