"""Macro pane analytics: US10Y, DXY, the policy path, VIX/VIX3M/MOVE and credit over the lookback, the risk budget.

Changes over the macro lookback count each instrument's own bars back (its open-market hours, SPEC §3 v2), so a
closed weekend is never read as "stable": on Monday the change reaches back into Friday's session.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl

from cockpit.analytics.bars import age_seconds, last_value
from cockpit.analytics.calendar import stamps_us, values_of
from cockpit.analytics.series import pct_change
from cockpit.models import CreditReading, ImpliedVolReading, MacroReading, PolicyPoint

HISTORY_POINTS = 96


def change_over(series: pl.DataFrame | None, bars: int) -> tuple[float | None, float | None]:
    """(latest close, the close `bars` of the instrument's own bars earlier); None where there are too few."""
    if series is None or series.is_empty():
        return None, None
    closes = series.get_column("close")
    if closes.null_count():
        closes = closes.drop_nulls()
    if closes.is_empty():
        return None, None
    latest = float(closes[-1])
    return latest, float(closes[-1 - bars]) if closes.len() > bars else None


def implied_vol(series: pl.DataFrame | None, as_of: datetime, lookback: int) -> ImpliedVolReading | None:
    """An implied-vol index's level, its % change over `lookback` of its own bars, and its age; None without data."""
    now, then = change_over(series, lookback)
    if now is None:
        return None
    return ImpliedVolReading(now, pct_change(now, then), age_seconds(as_of, last_value(series, "close")[1]))


def credit(hyg: pl.DataFrame | None, lqd: pl.DataFrame | None, as_of: datetime, lookback: int,
           widening_pct: float) -> CreditReading | None:
    """HYG/LQD on their common bars: the ratio's % change over `lookback` bars; spreads widen on a fall."""
    if hyg is None or lqd is None or hyg.is_empty() or lqd.is_empty():
        return None
    common, in_hyg, in_lqd = np.intersect1d(stamps_us(hyg), stamps_us(lqd), assume_unique=True,
                                            return_indices=True)  # sorted: the ratio on common bars, in time
    if len(common) == 0:
        return None
    ratio = values_of(hyg, "close")[in_hyg] / values_of(lqd, "close")[in_lqd]
    known = ratio[~np.isnan(ratio)]
    if len(known) == 0:
        return None
    now, then = float(known[-1]), float(known[-1 - lookback]) if len(known) > lookback else None
    change = pct_change(now, then)
    last = datetime.fromtimestamp(int(common[-1]) / 1e6, UTC)
    return CreditReading(
        hyg_lqd_change_pct=change,
        spreads_widening=None if change is None else change <= -widening_pct,
        age_s=age_seconds(as_of, last),
    )


def risk_budget(
    us10y_change_bp: float | None, dxy_change_pct: float | None, rise_bp: float, rise_pct: float
) -> str | None:
    """shrinking when yields and the dollar both rose past the thresholds, expanding when both fell."""
    if us10y_change_bp is None or dxy_change_pct is None:
        return None
    if us10y_change_bp >= rise_bp and dxy_change_pct >= rise_pct:
        return "shrinking"
    if us10y_change_bp <= -rise_bp and dxy_change_pct <= -rise_pct:
        return "expanding"
    return "stable"


def macro_reading(
    us10y: pl.DataFrame | None,
    dxy: pl.DataFrame | None,
    policy: list[tuple[str, pl.DataFrame | None]],
    as_of: datetime,
    lookback_h: int,
    rise_bp: float,
    rise_pct: float,
    vol_credit: dict[str, pl.DataFrame | None] | None = None,
    widening_pct: float = 0.5,
) -> MacroReading:
    """Everything the Macro pane shows; missing roles stay None. `vol_credit` maps vix, vix3m, move, hyg, lqd."""
    y_now, y_then = change_over(us10y, lookback_h)
    y_change = None if y_now is None or y_then is None else (y_now - y_then) * 100.0
    d_now, d_then = change_over(dxy, lookback_h)
    d_change = pct_change(d_now, d_then)
    points = []
    for symbol, series in policy:
        p_now, p_then = change_over(series, lookback_h)
        if p_now is None:
            continue
        rate = 100.0 - p_now
        change = None if p_then is None else (rate - (100.0 - p_then)) * 100.0
        points.append(PolicyPoint(symbol, rate, change))
    changes = [p.change_bp for p in points if p.change_bp is not None]
    inputs = vol_credit or {}
    vix = implied_vol(inputs.get("vix"), as_of, lookback_h)
    vix3m = implied_vol(inputs.get("vix3m"), as_of, lookback_h)
    backwardation = None
    if vix is not None and vix3m is not None and vix.value is not None and vix3m.value is not None:
        backwardation = vix.value > vix3m.value
    return MacroReading(
        us10y=y_now,
        us10y_change_bp=y_change,
        us10y_age_s=age_seconds(as_of, last_value(us10y, "close")[1]),
        dxy=d_now,
        dxy_change_pct=d_change,
        dxy_age_s=age_seconds(as_of, last_value(dxy, "close")[1]),
        policy_path=tuple(points),
        policy_change_bp=sum(changes) / len(changes) if changes else None,
        policy_age_s=age_seconds(as_of, last_value(policy[0][1], "close")[1]) if policy else None,
        risk_budget=risk_budget(y_change, d_change, rise_bp, rise_pct),
        lookback_h=lookback_h,
        us10y_history=_history(us10y),
        dxy_history=_history(dxy),
        vix=vix,
        vix3m=vix3m,
        move=implied_vol(inputs.get("move"), as_of, lookback_h),
        credit=credit(inputs.get("hyg"), inputs.get("lqd"), as_of, lookback_h, widening_pct),
        backwardation=backwardation,
    )


def _history(series: pl.DataFrame | None) -> tuple[float, ...]:
    if series is None:
        return ()
    return tuple(float(v) for v in series["close"].tail(HISTORY_POINTS).to_list())
