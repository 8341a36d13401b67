"""Contract multipliers (pure): how many units of the underlying one contract of a symbol moves.

A future's PnL and notional are price × quantity × multiplier; stocks, ETFs and linear perps are 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DEFAULT_MULTIPLIERS: Mapping[str, float] = MappingProxyType({
    "ES=F": 50.0,
    "MES=F": 5.0,
    "NQ=F": 20.0,
    "MNQ=F": 2.0,
})


def multiplier(symbol: str, overrides: Mapping[str, float] | None = None) -> float:
    """The symbol's multiplier: the config's override, else the default table, else 1."""
    if overrides and symbol in overrides:
        return float(overrides[symbol])
    return float(DEFAULT_MULTIPLIERS.get(symbol, 1.0))


def merged_multipliers(overrides: Mapping[str, float] | None = None) -> Mapping[str, float]:
    """The default table with the config's per-symbol overrides applied."""
    return MappingProxyType({**DEFAULT_MULTIPLIERS, **{k: float(v) for k, v in (overrides or {}).items()}})
