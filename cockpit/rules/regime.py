"""One hour's regime label with its evidence, and the A/B/C outlook with the signals for and against (SPEC §3 v2).

The label here is what that hour's evidence says; holding it (escalate at once, de-escalate one step at a
time after `regime_hold_h` without its evidence) happens over the hours before, in `cockpit.rules.spans`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cockpit.models import Flag, FlagId, OutlookCall, Readings, Regime, RegimeCall

if TYPE_CHECKING:
    from cockpit.settings import Profile

OUTLOOKS = ("A_normalization", "B_liquidity_tightening", "C_reflation")
SHORT_NAMES = {"A_normalization": "A", "B_liquidity_tightening": "B", "C_reflation": "C"}
LADDER = (Regime.CALM, Regime.TREND_BREAK, Regime.VOLATILITY_EVENT, Regime.LIQUIDITY_SHOCK)
VOLATILITY_FLAGS = frozenset({FlagId.VOL_SPIKE, FlagId.CORRELATED_RISK_OFF})
TREND_FLAGS = frozenset({FlagId.LEADERSHIP_BREAK, FlagId.RISK_BUDGET_SHRINKING, FlagId.OI_BUILD_INTO_DECLINE})
STRESS_FLAGS = frozenset(FlagId) - {FlagId.STALE_DATA}


_RANKS = {label: rank for rank, label in enumerate(LADDER)}


def severity_rank(label: Regime) -> int:
    """0 calm … 3 liquidity_shock; unknown is not on the ladder (-1)."""
    return _RANKS.get(label, -1)


def judgement_gaps(readings: Readings) -> list[str]:
    """What keeps the regime from being judged: a core role or a trend without data, a source stale or down."""
    m, c = readings.macro, readings.correlation
    index_seen = c.trend_index is not None or readings.leadership.index_above_ma is not None
    gaps = [f"no {name}" for name, present in (
        ("US10Y", m.us10y is not None), ("DXY", m.dxy is not None),
        ("SPX futures", index_seen), ("BTC", readings.crypto.btc.price is not None),
    ) if not present]
    if index_seen and c.trend_index is None:
        gaps.append("no SPX futures trend")
    if readings.crypto.btc.price is not None and c.trend_btc is None:
        gaps.append("no BTC trend")
    gaps += [f"{h.name} {'down' if h.state == 'down' else 'stale'}" for h in readings.health
             if h.stale or h.state == "down"]
    return gaps


def _volatility_evidence(readings: Readings, messages: dict[FlagId, str], profile: Profile) -> list[str]:
    vol, vix = readings.correlation.vol_index.annualised_pct, readings.macro.vix
    found = [messages[i] for i in sorted(messages.keys() & VOLATILITY_FLAGS)]
    if vol is not None and vol >= profile.regime_index_vol_pct:
        found.append(f"ES realized vol {vol:.0f} % annualised (>= {profile.regime_index_vol_pct:g} %)")
    if vix is not None and vix.value is not None and vix.value >= profile.regime_vix:
        found.append(f"VIX {vix.value:.1f} (>= {profile.regime_vix:g})")
    return found


def _trend_evidence(readings: Readings, messages: dict[FlagId, str], profile: Profile) -> list[str]:
    gap = readings.correlation.index_trend_gap_atr
    found = [messages[i] for i in sorted(messages.keys() & TREND_FLAGS)]
    if gap is not None and gap < -profile.trend_break_atr:
        found.append(f"index {-gap:.1f} ATR below its {profile.dominant_timeframe} trend "
                     f"(> {profile.trend_break_atr:g} ATR)")
    return found


def classify_regime(readings: Readings, flags: Iterable[Flag], profile: Profile) -> RegimeCall:
    """liquidity_shock > volatility_event > trend_break > calm from this hour's active flags and figures.

    `unknown` (sized as the worst) when a core role, a trend or a source is missing: a gap is never calm.
    """
    messages = {f.id: f.message for f in flags}  # each flag's message carries its figures
    gaps = judgement_gaps(readings)
    volatility = _volatility_evidence(readings, messages, profile)
    trend = _trend_evidence(readings, messages, profile)
    if FlagId.LIQUIDATION_CASCADE in messages:
        label, evidence = Regime.LIQUIDITY_SHOCK, [messages[FlagId.LIQUIDATION_CASCADE]]
    elif gaps:
        label = Regime.UNKNOWN
        evidence = ["cannot judge the regime (" + "; ".join(gaps) + "): size as in the worst regime"]
    elif volatility:
        label, evidence = Regime.VOLATILITY_EVENT, volatility
    elif trend:
        label, evidence = Regime.TREND_BREAK, trend
    else:
        label, evidence = Regime.CALM, ["no stress evidence: every core role and trend judged"]
    if label not in (Regime.VOLATILITY_EVENT, Regime.CALM):
        evidence += [e for e in volatility if e not in evidence]
    if label is not Regime.CALM:
        evidence += [e for e in trend if e not in evidence]
    return RegimeCall(label, profile.multiplier(label), tuple(evidence))


# --- outlook ------------------------------------------------------------------------------------------

Signal = tuple[str, bool | None]  # the observation in words with its figure; True for, False against, None unknown


def _judge(value: float | None, ok: bool, yes: str, no: str, what: str) -> Signal:
    if value is None:
        return f"{what}: no data", None
    return (yes if ok else no), ok


def _signals(readings: Readings) -> dict[str, list[Signal]]:
    m, lead, c = readings.macro, readings.leadership, readings.correlation
    y, d, pol = m.us10y_change_bp, m.dxy_change_pct, m.policy_change_bp
    ratios = [v for v in (c.vol_index.ratio, c.vol_btc.ratio) if v is not None]
    vol = sum(ratios) / len(ratios) if ratios else None
    c4h = c.c4h.value
    rs = lead.relative_strength_pct
    vix = m.vix.value if m.vix else None
    vix_chg = m.vix.change_pct if m.vix else None
    credit = m.credit.hyg_lqd_change_pct if m.credit else None
    widening = m.credit.spreads_widening if m.credit else None
    yb, dp = f"{y:+.1f} bp" if y is not None else "", f"{d:+.2f} %" if d is not None else ""
    volx = f"{vol:.2f}x" if vol is not None else ""
    rs_txt = f"RS {rs:+.1f} %" if rs is not None else "RS n/a"
    return {
        "A_normalization": [
            _judge(y, y is not None and y <= 1.0, f"yields flat, {yb}" if y is not None and y > -1.0
                   else f"yields falling, {yb}", f"yields still rising, {yb}", "yields"),
            _judge(d, d is not None and d <= 0.05, f"dollar not rising, {dp}", f"dollar still rising, {dp}",
                   "dollar"),
            _judge(None if lead.rs_new_low is None else 0.0, lead.rs_new_low is False,
                   f"leaders no longer making lower lows ({rs_txt})",
                   f"leaders still making new relative lows ({rs_txt})", "leaders"),
            _judge(vol, vol is not None and vol < 1.0, f"volatility easing, {volx}",
                   f"volatility not easing, {volx}", "volatility"),
        ],
        "B_liquidity_tightening": [
            _judge(y, y is not None and y >= 3.0, f"yields rising, {yb}", f"yields not rising, {yb}", "yields"),
            _judge(d, d is not None and d >= 0.2, f"dollar rising, {dp}", f"dollar not rising, {dp}", "dollar"),
            _judge(pol, pol is not None and pol >= 3.0, f"hawkish policy repricing, {pol or 0.0:+.1f} bp",
                   f"no hawkish repricing, {pol or 0.0:+.1f} bp", "policy path"),
            _judge(vol, vol is not None and (vol >= 1.2 or (c4h or 0.0) >= 0.6),
                   f"stress spreading, vol {volx}, 4h corr {c4h or 0.0:.2f}",
                   f"stress not spreading, vol {volx}, 4h corr {c4h or 0.0:.2f}", "volatility"),
            _judge(credit, widening is True, f"credit spreads widening, HYG/LQD {credit or 0.0:+.2f} %",
                   f"credit spreads steady, HYG/LQD {credit or 0.0:+.2f} %", "credit spreads"),
            _judge(vix, vix is not None and vix >= 20.0 and (vix_chg or 0.0) >= 0.0,
                   f"VIX elevated, {vix or 0.0:.1f} ({vix_chg or 0.0:+.0f} %)",
                   f"VIX calm, {vix or 0.0:.1f} ({vix_chg or 0.0:+.0f} %)", "VIX"),
        ],
        "C_reflation": [
            _judge(vol, vol is not None and vol < 0.8, f"volatility collapsing, {volx}",
                   f"volatility not collapsing, {volx}", "volatility"),
            _judge(rs, rs is not None and rs > 0 and lead.verdict == "leading", f"leadership returning ({rs_txt})",
                   f"leadership not returning ({rs_txt}, {lead.verdict})", "leadership"),
            _judge(d, d is not None and d < 0, f"dollar easing, {dp}", f"dollar not easing, {dp}", "dollar"),
            _judge(0.0 if c.trend_btc is not None else None, c.trend_btc == "up", "BTC trending up",
                   f"BTC trend {c.trend_btc}", "BTC trend"),
        ],
    }


def _b_lacks_its_core(signals: list[Signal]) -> bool:
    """B needs widening spreads or an elevated VIX wherever either has data."""
    core = [ok for text, ok in signals if text.startswith(("credit spreads", "VIX"))]
    judged = [ok for ok in core if ok is not None]
    return bool(judged) and not any(judged)


def classify_outlook(readings: Readings, stress: str | None = None) -> OutlookCall:
    """The outlook whose signals most outnumber those against it, called only after stress (`stress` says which).

    No call (label None, with the reason) without recent stress, when nothing is judged, when no outlook has
    more for than against, or on a tie.
    """
    signals = _signals(readings)
    scores: dict[str, int] = {}
    signals_for: dict[str, tuple[str, ...]] = {}
    signals_against: dict[str, tuple[str, ...]] = {}
    unknown: dict[str, tuple[str, ...]] = {}
    for name in OUTLOOKS:
        signals_for[name] = tuple(text for text, ok in signals[name] if ok is True)
        signals_against[name] = tuple(text for text, ok in signals[name] if ok is False)
        unknown[name] = tuple(text for text, ok in signals[name] if ok is None)
        scores[name] = len(signals_for[name]) - len(signals_against[name])

    def call(label: str | None, reason: str | None) -> OutlookCall:
        return OutlookCall(label, scores, signals_for, signals_against, reason, unknown)

    if stress is None:
        return call(None, "no stress in the last 7 days (regime calm, no stress flag): nothing to call")
    if not any(signals_for[n] or signals_against[n] for n in OUTLOOKS):
        return call(None, "no outlook signal has data")
    candidates = [n for n in OUTLOOKS if not (n == "B_liquidity_tightening" and _b_lacks_its_core(signals[n]))]
    best = max((scores[n] for n in candidates), default=0)
    if best <= 0:
        return call(None, "no outlook has more signals for than against")
    top = [n for n in candidates if scores[n] == best]
    if len(top) > 1:
        tied = " and ".join(SHORT_NAMES[n] for n in top)
        return call(None, f"tie between {tied} (score {best} each): no call")
    return call(top[0], f"after {stress}")
