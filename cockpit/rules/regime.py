"""Regime label with its sizing multiplier, and the A/B/C outlook with evidence (SPEC §3)."""

from __future__ import annotations

from cockpit.config import Profile
from cockpit.models import Flag, FlagId, OutlookCall, Readings, Regime, RegimeCall

OUTLOOKS = ("A_normalization", "B_liquidity_tightening", "C_reflation")


def judgement_gaps(readings: Readings) -> list[str]:
    """What keeps the regime from being judged: a core role without data, a source stale or down."""
    index_seen = readings.correlation.trend_index is not None or readings.leadership.index_above_ma is not None
    gaps = [f"no {name}" for name, present in (
        ("US10Y", readings.macro.us10y is not None), ("DXY", readings.macro.dxy is not None),
        ("SPX futures", index_seen), ("BTC", readings.crypto.btc.price is not None),
    ) if not present]
    gaps += [f"{h.name} {'down' if h.state == 'down' else 'stale'}" for h in readings.health
             if h.stale or h.state == "down"]
    return gaps


def classify_regime(readings: Readings, flags: list[Flag], profile: Profile) -> RegimeCall:
    """liquidity_shock > volatility_event > trend_break > calm, chosen by the flags that fired."""
    ids = {f.id for f in flags}
    evidence: list[str] = []
    gaps = judgement_gaps(readings)
    if FlagId.LIQUIDATION_CASCADE in ids or readings.crypto.state == "liquidation-driven":
        label = Regime.LIQUIDITY_SHOCK
        evidence.append(f"crypto structure {readings.crypto.state}")
    elif gaps:
        label = Regime.UNKNOWN
        evidence.append("cannot judge the regime (" + "; ".join(gaps) + "): size as in the worst regime")
    elif ids & {FlagId.VOL_SPIKE, FlagId.CORRELATED_RISK_OFF, FlagId.SINGLE_RISK_BOOK}:
        label = Regime.VOLATILITY_EVENT
    elif ids & {FlagId.LEADERSHIP_BREAK, FlagId.RISK_BUDGET_SHRINKING, FlagId.OI_BUILD_INTO_DECLINE} or (
        readings.correlation.trend_index == "down"
    ):
        label = Regime.TREND_BREAK
        if readings.correlation.trend_index == "down":
            evidence.append(f"index below its {profile.dominant_timeframe} trend")
    else:
        label = Regime.CALM
        evidence.append("no stress flag active")
    evidence.extend(sorted(f.id.value for f in flags if f.id != FlagId.STALE_DATA))
    return RegimeCall(label, profile.multiplier(label), tuple(evidence))


def _signals(readings: Readings) -> dict[str, list[tuple[str, bool | None]]]:
    m, lead, c = readings.macro, readings.leadership, readings.correlation
    y, d, pol = m.us10y_change_bp, m.dxy_change_pct, m.policy_change_bp
    vols = [v for v in (c.vol_index.ratio, c.vol_btc.ratio) if v is not None]
    vol = sum(vols) / len(vols) if vols else None

    def check(value: float | bool | str | None, test: bool) -> bool | None:
        return None if value is None else test

    return {
        "A_normalization": [
            ("yields stabilizing", check(y, y is not None and y <= 1.0)),
            ("dollar not rising", check(d, d is not None and d <= 0.05)),
            ("leaders no longer making lower lows", check(lead.rs_new_low, lead.rs_new_low is False)),
            ("volatility easing", check(vol, vol is not None and vol < 1.0)),
        ],
        "B_liquidity_tightening": [
            ("yields rising", check(y, y is not None and y >= 3.0)),
            ("dollar rising", check(d, d is not None and d >= 0.2)),
            ("hawkish policy repricing", check(pol, pol is not None and pol >= 3.0)),
            ("stress spreading (vol up, correlation high)",
             check(vol, vol is not None and (vol >= 1.2 or (c.c4h.value or 0.0) >= 0.6))),
        ],
        "C_reflation": [
            ("volatility collapsing", check(vol, vol is not None and vol < 0.8)),
            ("leadership returning", check(lead.relative_strength_pct,
                                           (lead.relative_strength_pct or 0.0) > 0 and lead.verdict == "leading")),
            ("dollar easing", check(d, d is not None and d < 0)),
            ("BTC trending up", check(c.trend_btc, c.trend_btc == "up")),
        ],
    }


def classify_outlook(readings: Readings) -> OutlookCall:
    """The outlook whose signals most outnumber those against it; None when nothing can be judged."""
    signals = _signals(readings)
    scores: dict[str, int] = {}
    signals_for: dict[str, tuple[str, ...]] = {}
    signals_against: dict[str, tuple[str, ...]] = {}
    for name in OUTLOOKS:
        yes = tuple(text for text, ok in signals[name] if ok is True)
        no = tuple(text for text, ok in signals[name] if ok is False)
        scores[name] = len(yes) - len(no)
        signals_for[name], signals_against[name] = yes, no
    judged = any(signals_for[n] or signals_against[n] for n in OUTLOOKS)
    label = max(OUTLOOKS, key=lambda n: (scores[n], len(signals_for[n]))) if judged else None
    return OutlookCall(label, scores, signals_for, signals_against)
