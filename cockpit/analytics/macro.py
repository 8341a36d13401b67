"""Macro pane analytics: US10Y and DXY changes over the lookback, the policy path, the risk budget."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from cockpit.analytics.bars import age_seconds, last_value, value_at
from cockpit.analytics.series import pct_change
from cockpit.models import MacroReading, PolicyPoint

HISTORY_POINTS = 96


def change_over(series: pl.DataFrame | None, as_of: datetime, hours: int) -> tuple[float | None, float | None]:
    """(latest close, close at `hours` before the latest complete bar's close)."""
    latest, latest_ts = last_value(series, "close")
    if series is None or latest is None or latest_ts is None:
        return None, None
    then = value_at(series, "close", as_of - timedelta(hours=hours) - timedelta(hours=1))
    return latest, then


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
) -> MacroReading:
    """Everything the Macro pane shows; missing roles stay None."""
    y_now, y_then = change_over(us10y, as_of, lookback_h)
    y_change = None if y_now is None or y_then is None else (y_now - y_then) * 100.0
    d_now, d_then = change_over(dxy, as_of, lookback_h)
    d_change = pct_change(d_now, d_then)
    points = []
    for symbol, series in policy:
        p_now, p_then = change_over(series, as_of, lookback_h)
        if p_now is None:
            continue
        rate = 100.0 - p_now
        change = None if p_then is None else (rate - (100.0 - p_then)) * 100.0
        points.append(PolicyPoint(symbol, rate, change))
    changes = [p.change_bp for p in points if p.change_bp is not None]
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
    )


def _history(series: pl.DataFrame | None) -> tuple[float, ...]:
    if series is None:
        return ()
    return tuple(float(v) for v in series["close"].tail(HISTORY_POINTS).to_list())
