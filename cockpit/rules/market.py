"""Market flags of SPEC §3 v2: each a small pure rule from one hour's readings and a profile to at most one flag.

A rule here says whether its condition holds *at that hour*; how long a flag stays active after (its hold)
and when its span began are decided over the hours before it, in `cockpit.rules.spans`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cockpit.models import CryptoAsset, Flag, FlagId, Readings, Severity
from cockpit.settings import Profile

Rule = Callable[[Readings, Profile], Flag | None]
MIN_BASELINE_H = 24  # fewer liquidation baseline hours than this: the absolute test decides (a fresh live start)


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "n/a" if value is None else format(value, spec)


def _signed(value: float | None, spec: str = ".2f") -> str:
    return "n/a" if value is None else format(value, "+" + spec)


def risk_budget_shrinking(r: Readings, p: Profile) -> Flag | None:
    """US10Y up >= threshold bp and DXY up >= threshold % over the macro lookback (open-market hours)."""
    m = r.macro
    if m.us10y_change_bp is None or m.dxy_change_pct is None:
        return None
    if m.us10y_change_bp < p.us10y_rise_bp or m.dxy_change_pct < p.dxy_rise_pct:
        return None
    return Flag(
        FlagId.RISK_BUDGET_SHRINKING,
        Severity.WARNING,
        f"Risk budget shrinking: US10Y {_signed(m.us10y_change_bp, '.1f')} bp and DXY "
        f"{_signed(m.dxy_change_pct)} % over {m.lookback_h} open-market hours",
        {"us10y_change_bp": m.us10y_change_bp, "dxy_change_pct": m.dxy_change_pct,
         "lookback_h": m.lookback_h, "threshold_bp": p.us10y_rise_bp, "threshold_pct": p.dxy_rise_pct},
    )


def _cascade_test(asset: CryptoAsset, p: Profile) -> str | None:
    """'robust' or 'absolute' when this perp's last hour qualifies as a liquidation cascade, else None."""
    fall, oi_pct = asset.price_change_pct, asset.liq_oi_pct_1h
    if fall is None or oi_pct is None:
        return None
    if asset.liq_baseline_h >= MIN_BASELINE_H and asset.liq_zscore_1h is not None:
        hit = asset.liq_zscore_1h >= p.liq_zscore and oi_pct >= p.liq_oi_pct and fall <= -p.liq_fall_pct
        return "robust" if hit else None
    if asset.liq_baseline_h < MIN_BASELINE_H:
        return "absolute" if oi_pct >= p.liq_abs_oi_pct and fall <= -p.liq_abs_fall_pct else None
    return None


def _short_symbol(asset: CryptoAsset) -> str:
    return asset.symbol.split("/")[0].split("-")[0]


def liquidation_cascade(r: Readings, p: Profile) -> Flag | None:
    """BTC or ETH: liq z >= 3 and liquidations >= 0.05 % of OI in the hour, and that perp down >= 1 % over 4 h."""
    hits = [(asset, test) for asset in (r.crypto.btc, r.crypto.eth) if (test := _cascade_test(asset, p))]
    if not hits:
        return None
    parts = []
    for asset, test in hits:
        z = "z n/a (fresh start)" if test == "absolute" else f"z {_fmt(asset.liq_zscore_1h, '.1f')}"
        parts.append(f"{_short_symbol(asset)} long liqs ${_fmt((asset.long_liq_usd_1h or 0) / 1e6, '.1f')}M "
                     f"({_fmt(asset.liq_oi_pct_1h, '.2f')} % of OI, {z}), {_signed(asset.price_change_pct)} % "
                     f"over {asset.price_lookback_h}h")
    evidence: dict[str, float | int | str | bool | None] = {"threshold_z": p.liq_zscore,
                                                            "threshold_oi_pct": p.liq_oi_pct}
    for asset, test in hits:
        key = _short_symbol(asset).lower()
        evidence.update({f"{key}_long_liq_usd_1h": asset.long_liq_usd_1h, f"{key}_liq_zscore_1h": asset.liq_zscore_1h,
                         f"{key}_liq_oi_pct_1h": asset.liq_oi_pct_1h, f"{key}_change_pct": asset.price_change_pct,
                         f"{key}_baseline_h": asset.liq_baseline_h, f"{key}_test": test})
    return Flag(FlagId.LIQUIDATION_CASCADE, Severity.CRITICAL, "Liquidation cascade: " + "; ".join(parts), evidence)


def oi_build_into_decline(r: Readings, p: Profile) -> Flag | None:
    """BTC open interest in coins up >= threshold % over the OI lookback while price is down."""
    btc = r.crypto.btc
    if btc.oi_change_pct is None or btc.oi_price_change_pct is None:
        return None
    if btc.oi_change_pct < p.oi_build_pct or btc.oi_price_change_pct >= 0:
        return None
    return Flag(
        FlagId.OI_BUILD_INTO_DECLINE,
        Severity.WARNING,
        f"OI building into decline: BTC OI {_signed(btc.oi_change_pct, '.1f')} % in coins over "
        f"{btc.oi_lookback_h}h while price {_signed(btc.oi_price_change_pct)} %",
        {"oi_change_pct": btc.oi_change_pct, "price_change_pct": btc.oi_price_change_pct,
         "lookback_h": btc.oi_lookback_h, "threshold_pct": p.oi_build_pct},
    )


def leadership_break(r: Readings, p: Profile) -> Flag | None:
    """Leaders make a new relative low against the index while the index holds above its average.

    The low must be more than noise: the basket's relative move over the window beyond 1.5 sigma of its own
    bar-to-bar moves (the threshold the Leadership pane's "breaking" uses), else a random walk's routine new
    low would flag a calm tape and contradict the pane's own verdict.
    """
    from cockpit.analytics.leadership import BREAKING_SIGMA

    lead = r.leadership
    if not lead.rs_new_low or not lead.index_above_ma:
        return None
    if lead.relative_move_sigma is not None and lead.relative_move_sigma > BREAKING_SIGMA:
        return None
    return Flag(
        FlagId.LEADERSHIP_BREAK,
        Severity.WARNING,
        f"Leadership break: leaders at a new {p.leadership_bars}-bar relative low ({lead.timeframe}, "
        f"RS {_signed(lead.relative_strength_pct, '.1f')} %) while the index holds above its average",
        {"relative_strength_pct": lead.relative_strength_pct, "relative_move_sigma": lead.relative_move_sigma,
         "breadth_above_ma": lead.breadth_above_ma, "breadth_new_lows": lead.breadth_new_lows,
         "bars": p.leadership_bars, "timeframe": lead.timeframe},
    )


def _mean_vol_ratio(r: Readings) -> float | None:
    ratios = [v for v in (r.correlation.vol_index.ratio, r.correlation.vol_btc.ratio) if v is not None]
    return sum(ratios) / len(ratios) if ratios else None


def correlated_risk_off(r: Readings, p: Profile) -> Flag | None:
    """ES and BTC both below their dominant trend, realized vol rising and 1h or 4h correlation >= 0.5."""
    c = r.correlation
    vol_ratio = _mean_vol_ratio(r)
    corrs = {name: v.value for name, v in (("1h", c.c1h), ("4h", c.c4h)) if v.value is not None}
    if c.trend_index != "down" or c.trend_btc != "down" or vol_ratio is None or vol_ratio < p.vol_rising_ratio:
        return None
    if not any(value >= p.corr_risk_off_min for value in corrs.values()):
        return None
    corr_text = ", ".join(f"{name} {value:.2f}" for name, value in corrs.items())
    return Flag(
        FlagId.CORRELATED_RISK_OFF,
        Severity.WARNING,
        f"Correlated risk-off: ES and BTC both below their {p.dominant_timeframe} trend, realized vol "
        f"{vol_ratio:.2f}x, correlation {corr_text}: trade smaller",
        {"trend_index": c.trend_index, "trend_btc": c.trend_btc, "vol_ratio_index": c.vol_index.ratio,
         "vol_ratio_btc": c.vol_btc.ratio, "corr_1h": c.c1h.value, "corr_4h": c.c4h.value,
         "timeframe": p.dominant_timeframe, "threshold_corr": p.corr_risk_off_min},
    )


def single_risk_book(r: Readings, p: Profile) -> Flag | None:
    """4h correlation >= threshold on enough kept pairs, or all three early warnings of SPEC §1 at once."""
    c4h = r.correlation.c4h
    warnings = r.early_warnings
    all_warnings = len(warnings) >= 3 and all(v is True for v in warnings.values())
    high = c4h.value is not None and c4h.value >= p.single_book_corr and c4h.n >= p.single_book_min_pairs
    if not (high or all_warnings):
        return None
    reason = f"4h correlation {_fmt(c4h.value)} on {c4h.n} pairs" if high else "all three early warnings"
    return Flag(
        FlagId.SINGLE_RISK_BOOK,
        Severity.CRITICAL if high and (c4h.value or 0.0) >= 0.85 else Severity.WARNING,
        f"One risk book: size stocks and crypto as one ({reason})",
        {"corr_4h": c4h.value, "pairs_4h": c4h.n, "gap_pairs_dropped_4h": c4h.gap_pairs_dropped,
         "threshold": p.single_book_corr, "min_pairs": p.single_book_min_pairs, **dict(warnings.items())},
    )


def vol_spike_parts(r: Readings, p: Profile) -> list[str]:
    """What makes a volatility spike at this hour, in words with figures (empty: none)."""
    c, vix = r.correlation, r.macro.vix
    parts = []
    for name, vol, floor in (("ES", c.vol_index, p.vol_floor_index_pct), ("BTC", c.vol_btc, p.vol_floor_btc_pct)):
        ratio, level = vol.ratio, vol.annualised_pct
        if ratio is not None and ratio >= p.vol_spike_ratio and level is not None and level > floor:
            # two decimals: the ratio is read against 2 (fire) and 1.5 (release), and 1.96 must not read "2.0x"
            parts.append(f"{name} realized vol {ratio:.2f}x its prior {p.vol_prior_n}h ({level:.0f} % annualised)")
    if c.gap_pct is not None and abs(c.gap_pct) >= p.vol_gap_pct:
        parts.append(f"ES opening gap {c.gap_pct:+.1f} %")
    if vix is not None and vix.value is not None and vix.change_pct is not None and (
        vix.value >= p.vix_spike_level and vix.change_pct >= p.vix_spike_change_pct
    ):
        parts.append(f"VIX {vix.value:.1f}, {vix.change_pct:+.0f} % over {r.macro.lookback_h}h")
    return parts


def vol_spike(r: Readings, p: Profile) -> Flag | None:
    """ES or BTC vol ratio >= 2 above its level floor, an ES opening gap >= 3 %, or VIX >= 25 and up >= 20 %."""
    parts = vol_spike_parts(r, p)
    if not parts:
        return None
    c = r.correlation
    ratios = f"ES {_fmt(c.vol_index.ratio)}x, BTC {_fmt(c.vol_btc.ratio)}x"
    return Flag(
        FlagId.VOL_SPIKE,
        Severity.WARNING,
        f"Vol spike: {'; '.join(parts)} (ratios {ratios})",
        {"vol_ratio_index": c.vol_index.ratio, "vol_ratio_btc": c.vol_btc.ratio,
         "annualised_pct_index": c.vol_index.annualised_pct, "annualised_pct_btc": c.vol_btc.annualised_pct,
         "gap_pct": c.gap_pct, "vix": r.macro.vix.value if r.macro.vix else None,
         "vix_change_pct": r.macro.vix.change_pct if r.macro.vix else None,
         "recent_n": p.vol_recent_n, "prior_n": p.vol_prior_n, "threshold": p.vol_spike_ratio},
    )


def stale_data(r: Readings, p: Profile) -> Flag | None:
    """A source is older than its limit, or never delivered (a closed market is not stale)."""
    stale = [h for h in r.health if h.stale]
    if not stale:
        return None
    names = ", ".join(h.name for h in stale)
    ages = [h.age_s for h in stale if h.age_s is not None]
    oldest = max(ages) if ages else None
    age_text = "no data yet" if oldest is None else f"oldest {oldest / 60:.0f} min"
    errors = "; ".join(f"{h.name}: {h.error}" for h in stale if h.error)
    return Flag(
        FlagId.STALE_DATA,
        Severity.WARNING,
        f"Stale data: {names} ({age_text})" + (f" - {errors}" if errors else ""),
        {"sources": names, "oldest_age_s": oldest, "errors": errors or None},
    )


MARKET_RULES: tuple[tuple[FlagId, Rule], ...] = (
    (FlagId.LIQUIDATION_CASCADE, liquidation_cascade),
    (FlagId.SINGLE_RISK_BOOK, single_risk_book),
    (FlagId.RISK_BUDGET_SHRINKING, risk_budget_shrinking),
    (FlagId.CORRELATED_RISK_OFF, correlated_risk_off),
    (FlagId.VOL_SPIKE, vol_spike),
    (FlagId.OI_BUILD_INTO_DECLINE, oi_build_into_decline),
    (FlagId.LEADERSHIP_BREAK, leadership_break),
    (FlagId.STALE_DATA, stale_data),
)


def by_severity(flags: list[Flag]) -> list[Flag]:
    """Most severe first; equal severities keep their order."""
    return sorted(flags, key=lambda f: -f.severity.rank)


def market_flags(readings: Readings, profile: Profile) -> list[Flag]:
    """Every active market rule whose condition holds at this hour (no holds), most severe first."""
    flags = [flag for flag_id, rule in MARKET_RULES if flag_id in profile.rules and (flag := rule(readings, profile))]
    return by_severity(flags)


def stale_since(current: Readings) -> datetime:
    """When the stalest source crossed its limit (the moment itself when its age or limit is unknown)."""
    moments = [current.as_of - timedelta(seconds=h.age_s - (h.limit_s or 0.0))
               for h in current.health if h.stale and h.age_s is not None]
    return min(moments, default=current.as_of)
