"""Market flags of SPEC §3: each a small pure rule from readings and a profile to at most one flag."""

from __future__ import annotations

from collections.abc import Callable

from cockpit.config import Profile
from cockpit.models import Flag, FlagId, Readings, Severity

Rule = Callable[[Readings, Profile], Flag | None]


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "n/a" if value is None else format(value, spec)


def risk_budget_shrinking(r: Readings, p: Profile) -> Flag | None:
    """US10Y up >= threshold bp and DXY up >= threshold % over the macro lookback."""
    m = r.macro
    if m.risk_budget != "shrinking":
        return None
    return Flag(
        FlagId.RISK_BUDGET_SHRINKING,
        Severity.WARNING,
        f"Risk budget shrinking: US10Y +{_fmt(m.us10y_change_bp, '.1f')} bp and DXY "
        f"+{_fmt(m.dxy_change_pct)} % over {p.macro_lookback_h}h",
        {"us10y_change_bp": m.us10y_change_bp, "dxy_change_pct": m.dxy_change_pct,
         "lookback_h": p.macro_lookback_h, "threshold_bp": p.us10y_rise_bp, "threshold_pct": p.dxy_rise_pct},
    )


def liquidation_cascade(r: Readings, p: Profile) -> Flag | None:
    """BTC long liquidations z >= threshold against 7 days, and BTC down over the last hours."""
    btc = r.crypto.btc
    if btc.liq_zscore_1h is None or btc.price_change_pct is None:
        return None
    if btc.liq_zscore_1h < p.liq_zscore or btc.price_change_pct >= 0:
        return None
    return Flag(
        FlagId.LIQUIDATION_CASCADE,
        Severity.CRITICAL,
        f"Liquidation cascade: BTC long liqs ${_fmt((btc.long_liq_usd_1h or 0) / 1e6, '.1f')}M in 1h "
        f"(z {_fmt(btc.liq_zscore_1h, '.1f')}), BTC {_fmt(btc.price_change_pct)} % over {btc.price_lookback_h}h",
        {"long_liq_usd_1h": btc.long_liq_usd_1h, "liq_zscore_1h": btc.liq_zscore_1h,
         "baseline_h": btc.liq_baseline_h, "btc_change_pct": btc.price_change_pct,
         "price_lookback_h": btc.price_lookback_h, "threshold_z": p.liq_zscore},
    )


def oi_build_into_decline(r: Readings, p: Profile) -> Flag | None:
    """BTC open interest up >= threshold % over the OI lookback while price is down."""
    btc = r.crypto.btc
    if btc.oi_change_pct is None or btc.oi_price_change_pct is None:
        return None
    if btc.oi_change_pct < p.oi_build_pct or btc.oi_price_change_pct >= 0:
        return None
    return Flag(
        FlagId.OI_BUILD_INTO_DECLINE,
        Severity.WARNING,
        f"OI building into decline: BTC OI +{_fmt(btc.oi_change_pct, '.1f')} % over {btc.oi_lookback_h}h "
        f"while price {_fmt(btc.oi_price_change_pct)} %",
        {"oi_change_pct": btc.oi_change_pct, "price_change_pct": btc.oi_price_change_pct,
         "lookback_h": p.oi_lookback_h, "threshold_pct": p.oi_build_pct},
    )


def leadership_break(r: Readings, p: Profile) -> Flag | None:
    """Leaders make a new relative low against the index while the index holds above its average."""
    lead = r.leadership
    if not lead.rs_new_low or not lead.index_above_ma:
        return None
    return Flag(
        FlagId.LEADERSHIP_BREAK,
        Severity.WARNING,
        f"Leadership break: leaders at a new {p.leadership_bars}-bar relative low ({lead.timeframe}) "
        "while the index holds above its average: expect delayed index weakness",
        {"relative_strength_pct": lead.relative_strength_pct, "breadth_above_ma": lead.breadth_above_ma,
         "breadth_new_lows": lead.breadth_new_lows, "bars": p.leadership_bars, "timeframe": lead.timeframe},
    )


def correlated_risk_off(r: Readings, p: Profile) -> Flag | None:
    """SPX futures and BTC both below their dominant-timeframe trend, with realized vol rising."""
    c = r.correlation
    if not c.both_down_vol_rising:
        return None
    return Flag(
        FlagId.CORRELATED_RISK_OFF,
        Severity.WARNING,
        f"Correlated risk-off: SPX futures and BTC both below their {p.dominant_timeframe} trend, "
        "realized vol rising: trade smaller",
        {"trend_index": c.trend_index, "trend_btc": c.trend_btc, "vol_ratio_index": c.vol_index.ratio,
         "vol_ratio_btc": c.vol_btc.ratio, "timeframe": p.dominant_timeframe},
    )


def single_risk_book(r: Readings, p: Profile) -> Flag | None:
    """4h correlation >= threshold, or all three early warnings of SPEC §1 at once."""
    c4h = r.correlation.c4h.value
    warnings = r.early_warnings
    all_warnings = bool(warnings) and all(v is True for v in warnings.values())
    if not ((c4h is not None and c4h >= p.single_book_corr) or all_warnings):
        return None
    high = c4h is not None and c4h >= p.single_book_corr
    reason = f"4h correlation {_fmt(c4h)}" if high else "all three early warnings"
    return Flag(
        FlagId.SINGLE_RISK_BOOK,
        Severity.CRITICAL if c4h is not None and c4h >= 0.85 else Severity.WARNING,
        f"One risk book: stocks and crypto moving as one ({reason})",
        {"corr_4h": c4h, "window_4h": r.correlation.c4h.window, "threshold": p.single_book_corr,
         **{k: v for k, v in warnings.items()}},
    )


def vol_spike(r: Readings, p: Profile) -> Flag | None:
    """SPX futures or BTC realized vol of the recent window >= ratio x the prior window's."""
    c = r.correlation
    spikes = {name: v.ratio for name, v in (("index", c.vol_index), ("btc", c.vol_btc))
              if v.ratio is not None and v.ratio >= p.vol_spike_ratio}
    if not spikes:
        return None
    names = " and ".join("SPX futures" if n == "index" else "BTC" for n in spikes)
    worst = max(spikes.values())
    return Flag(
        FlagId.VOL_SPIKE,
        Severity.WARNING,
        f"Vol spike: {names} realized vol {worst:.1f}x its prior {p.vol_prior_n}h",
        {"vol_ratio_index": c.vol_index.ratio, "vol_ratio_btc": c.vol_btc.ratio, "recent_n": p.vol_recent_n,
         "prior_n": p.vol_prior_n, "threshold": p.vol_spike_ratio},
    )


def stale_data(r: Readings, p: Profile) -> Flag | None:
    """A source is older than its limit (a closed market is not stale)."""
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


def market_flags(readings: Readings, profile: Profile) -> list[Flag]:
    """Every active market rule that fires, most severe first."""
    flags = [flag for flag_id, rule in MARKET_RULES if flag_id in profile.rules and (flag := rule(readings, profile))]
    return sorted(flags, key=lambda f: -f.severity.rank)
