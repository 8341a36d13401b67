"""RE_ENTRY_WINDOW (SPEC §12, pure): after a stress regime, the 4h correlation and the vol ratio back to normal
for long enough that a long-horizon trader may scale back in.

The interface is a sequence of hourly readings, oldest first, each with its correlation, vol ratio and regime;
whoever keeps the history (the screen's session, a replay, the flag log) hands it in. Nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cockpit.models import Flag, FlagId, Regime, Severity, Snapshot

STRESS = frozenset({Regime.TREND_BREAK, Regime.VOLATILITY_EVENT, Regime.LIQUIDITY_SHOCK})
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class HourlyReading:
    """One hour's figures: 4h ES~BTC correlation, the higher of the ES and BTC vol ratios, and the regime."""

    ts: datetime
    corr_4h: float | None
    vol_ratio: float | None
    regime: Regime


def reading_from_snapshot(snap: Snapshot) -> HourlyReading:
    """The reading of the hour a snapshot falls in (vol ratio: the higher of ES's and BTC's, None if neither)."""
    corr = snap.readings.correlation
    ratios = [r for r in (corr.vol_index.ratio, corr.vol_btc.ratio) if r is not None]
    hour = snap.as_of.replace(minute=0, second=0, microsecond=0)
    return HourlyReading(hour, corr.c4h.value, max(ratios) if ratios else None, snap.regime.label)


def _normal(reading: HourlyReading, max_corr: float, max_vol_ratio: float) -> bool:
    return (reading.regime not in STRESS and reading.corr_4h is not None and reading.vol_ratio is not None
            and reading.corr_4h < max_corr and reading.vol_ratio < max_vol_ratio)


def re_entry_window(
    readings: Sequence[HourlyReading],
    *,
    max_corr: float = 0.5,
    max_vol_ratio: float = 1.2,
    hold_h: int = 48,
) -> Flag | None:
    """RE_ENTRY_WINDOW (info) when every reading of the last `hold_h` hours is normal and a stress regime came before.

    Normal: no stress regime, correlation below `max_corr` and vol ratio below `max_vol_ratio`, both known. The
    streak is broken by an abnormal reading or by a missing hour (readings more than an hour apart).
    """
    if not readings:
        return None
    streak_start = len(readings)
    for index in range(len(readings) - 1, -1, -1):
        reading = readings[index]
        if not _normal(reading, max_corr, max_vol_ratio):
            break
        if index + 1 < len(readings) and readings[index + 1].ts - reading.ts > HOUR:
            break
        streak_start = index
    if streak_start == len(readings):
        return None
    first, last = readings[streak_start], readings[-1]
    held_h = (last.ts - first.ts) / HOUR + 1
    before = readings[streak_start - 1] if streak_start > 0 else None
    if held_h < hold_h or before is None or before.regime not in STRESS:
        return None
    return Flag(
        FlagId.RE_ENTRY_WINDOW,
        Severity.INFO,
        f"Re-entry window: 4h correlation {last.corr_4h:.2f} < {max_corr:g} and vol ratio {last.vol_ratio:.2f} "
        f"< {max_vol_ratio:g} for {held_h:.0f} h since the {before.regime.value} regime ended",
        {"corr_4h": last.corr_4h, "vol_ratio": last.vol_ratio, "held_h": held_h, "hold_h": hold_h,
         "stress_regime": before.regime.value, "stress_ended": first.ts.isoformat().replace("+00:00", "Z")},
        since=first.ts + timedelta(hours=hold_h - 1),
    )
