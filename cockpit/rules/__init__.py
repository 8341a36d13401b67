"""The rule engine (pure): market flags, regime and outlook from readings."""

from __future__ import annotations

from cockpit.rules.market import MARKET_RULES, market_flags
from cockpit.rules.regime import classify_outlook, classify_regime

__all__ = ["MARKET_RULES", "classify_outlook", "classify_regime", "market_flags"]
