"""The kinds every ring names: flag ids, severities, regimes, profiles and sources; and how an age reads.

Apart from the records of `cockpit.models` (which re-exports them), so the screen's first frame, its settings
and its key bindings load these without the records' dataclasses (each one costs Python a compile of its
generated methods: 18 of them were a sixth of the cockpit's imports before the first frame).
"""

from __future__ import annotations

import math
from enum import StrEnum


class Severity(StrEnum):
    """How loud a flag is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for critical."""
        return ("info", "warning", "critical").index(self.value)


class FlagId(StrEnum):
    """Every flag id of SPEC §3, §5, §6 and §12 (a contract: alerts and scripts match on these)."""

    RISK_BUDGET_SHRINKING = "RISK_BUDGET_SHRINKING"
    LIQUIDATION_CASCADE = "LIQUIDATION_CASCADE"
    OI_BUILD_INTO_DECLINE = "OI_BUILD_INTO_DECLINE"
    LEADERSHIP_BREAK = "LEADERSHIP_BREAK"
    CORRELATED_RISK_OFF = "CORRELATED_RISK_OFF"
    SINGLE_RISK_BOOK = "SINGLE_RISK_BOOK"
    VOL_SPIKE = "VOL_SPIKE"
    STALE_DATA = "STALE_DATA"
    STOP_BEYOND_LIQUIDATION = "STOP_BEYOND_LIQUIDATION"
    REVENGE_ENTRY = "REVENGE_ENTRY"
    FIRST_FLUSH = "FIRST_FLUSH"
    AGAINST_DOMINANT_TREND = "AGAINST_DOMINANT_TREND"
    MACRO_NOT_STABLE = "MACRO_NOT_STABLE"
    ALL_IN_ENTRY = "ALL_IN_ENTRY"
    OVERSIZED = "OVERSIZED"
    # the book (SPEC §12)
    BOOK_RISK_LIMIT = "BOOK_RISK_LIMIT"
    DRAWDOWN_LIMIT = "DRAWDOWN_LIMIT"
    RE_ENTRY_WINDOW = "RE_ENTRY_WINDOW"


class Regime(StrEnum):
    """Regime labels of SPEC §3, mildest first."""

    CALM = "calm"
    TREND_BREAK = "trend_break"
    VOLATILITY_EVENT = "volatility_event"
    LIQUIDITY_SHOCK = "liquidity_shock"
    UNKNOWN = "unknown"  # the data cannot judge the regime (a source stale or down, a core role missing)


class ProfileName(StrEnum):
    """Trading horizons of SPEC §4."""

    SHORT = "short"
    SWING = "swing"
    LONG = "long"


class SourceKind(StrEnum):
    """Where the market state came from (the snapshot's `source`)."""

    DEMO = "demo"
    FILE = "file"
    REPLAY = "replay"
    LIVE = "live"


def age_text(seconds: float | None) -> str:
    """A short age: 0s, 42s, 12m, 3h05m, 2d04h; '?' when unknown."""
    if seconds is None or isinstance(seconds, bool) or not math.isfinite(seconds):
        return "?"
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m"
    if total < 86400:
        hours, minutes = divmod(total // 60, 60)
        return f"{hours}h{minutes:02d}m" if minutes and hours < 10 else f"{hours}h"
    days, hours = divmod(total // 3600, 24)
    return f"{days}d{hours:02d}h" if hours else f"{days}d"
