"""Risk-tier position sizing of SPEC §5 (pure): quantity, R targets, linear-perp liquidation price.

`qty = equity × tier_risk_pct × regime_multiplier / |entry − stop|`; tier percentages are percent of equity.
Every bad input raises SizingError (a ValueError) whose message is one line a trader can act on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cockpit.models import Flag, FlagId, Regime, Severity, to_plain

DEFAULT_MMR = 0.005
R_MULTIPLES = (1, 2, 3)
DEFAULT_TIERS: Mapping[int, float] = {1: 0.25, 2: 0.50, 3: 1.00}
DEFAULT_MULTIPLIERS: Mapping[Regime, float] = {
    Regime.CALM: 1.0,
    Regime.TREND_BREAK: 0.75,
    Regime.VOLATILITY_EVENT: 0.5,
    Regime.LIQUIDITY_SHOCK: 0.25,
    Regime.UNKNOWN: 0.25,
}

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_SIDE_ALIASES = {"long": "long", "l": "long", "buy": "long", "short": "short", "s": "short", "sell": "short"}


class SizingError(ValueError):
    """Input the calculator refuses; the message is one line naming the field."""


class Side(StrEnum):
    """Direction of a position."""

    LONG = "long"
    SHORT = "short"

    @property
    def sign(self) -> int:
        """+1 for long, -1 for short (profit per unit of favourable price move)."""
        return 1 if self is Side.LONG else -1


def parse_number(text: str | float | int, name: str) -> float:
    """A finite float from user text ('1e3', '1,000', ' 2.5 '); NaN, inf and other scripts' digits refused."""
    if isinstance(text, bool):
        raise SizingError(f"{name} must be a number, got {text!r}")
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        cleaned = text.strip().replace("_", "")
        if _THOUSANDS.fullmatch(cleaned):
            cleaned = cleaned.replace(",", "")
        if not cleaned:
            raise SizingError(f"{name} is empty")
        if not cleaned.isascii() or not _NUMBER.fullmatch(cleaned):
            raise SizingError(f"{name} must be a number, got '{text.strip()}'")
        value = float(cleaned)
    if not math.isfinite(value):
        raise SizingError(f"{name} must be a finite number, got {text}")
    return value


def parse_positive(text: str | float | int, name: str) -> float:
    """A finite number > 0, else SizingError."""
    value = parse_number(text, name)
    if value <= 0:
        raise SizingError(f"{name} must be greater than zero, got {format_number(value)}")
    return value


def parse_side(text: str | Side) -> Side:
    """long/short (also l, s, buy, sell), else SizingError."""
    side = _SIDE_ALIASES.get(str(text).strip().lower())
    if side is None:
        raise SizingError(f"side must be long or short, got '{text}'")
    return Side(side)


def parse_tier(text: str | int, tiers: Mapping[int, float]) -> int:
    """A tier number that the profile defines, else SizingError listing the valid ones."""
    valid = ", ".join(str(t) for t in sorted(tiers))
    cleaned = str(text).strip()
    if not cleaned.isascii() or not cleaned.lstrip("+-").isdigit():  # int() would take other scripts' digits
        raise SizingError(f"tier must be one of {valid}, got '{text}'")
    tier = int(cleaned)
    if tier not in tiers:
        raise SizingError(f"tier must be one of {valid}, got {tier}")
    return tier


def parse_regime(text: str | Regime) -> Regime:
    """A regime label, else SizingError listing the valid ones."""
    try:
        return Regime(str(text).strip().lower())
    except ValueError:
        valid = ", ".join(r.value for r in Regime)
        raise SizingError(f"unknown regime '{text}' (valid: {valid})") from None


def format_number(value: float) -> str:
    """Compact display of a price or amount: no float noise, no scientific notation for usual sizes."""
    return f"{value:,.8f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else f"{value:.6g}"


def format_money(value: float) -> str:
    """An amount of money to the cent, with thousands separators ('1,560.19')."""
    return f"{value:,.2f}" if abs(value) < 1e15 else f"{value:.6g}"


def check_mmr(mmr: float) -> float:
    """A maintenance margin rate in [0, 1), else SizingError."""
    if not math.isfinite(mmr) or not 0 <= mmr < 1:
        raise SizingError(f"maintenance margin rate must be between 0 and 1, got {mmr:g}")
    return mmr


def check_leverage(leverage: float | None) -> float | None:
    """No leverage, or a finite leverage above zero, else SizingError."""
    if leverage is not None and (not math.isfinite(leverage) or leverage <= 0):
        raise SizingError(f"leverage must be greater than zero, got {leverage:g}")
    return leverage


def r_targets(entry: float, risk_per_unit: float, side: Side) -> dict[str, float | None]:
    """Prices at 1R, 2R, 3R; a short's target at or below zero is unreachable (None)."""
    targets: dict[str, float | None] = {}
    for r in R_MULTIPLES:
        price = entry + side.sign * r * risk_per_unit
        targets[f"{r}R"] = price if price > 0 else None
    return targets


def format_target(price: float | None) -> str:
    """A target price, or 'unreachable' for a short's target at or below zero."""
    return "unreachable" if price is None else format_number(price)


def liquidation_price(entry: float, side: Side, leverage: float, mmr: float = DEFAULT_MMR) -> float:
    """Isolated linear-perp liquidation: long entry×(1−1/L+m), short entry×(1+1/L−m); never below zero."""
    if side is Side.LONG:
        return max(0.0, entry * (1 - 1 / leverage + mmr))
    return max(0.0, entry * (1 + 1 / leverage - mmr))


def stop_beyond_liquidation(stop: float, liquidation: float, side: Side) -> bool:
    """True when the position would be liquidated at or before its stop (long: stop ≤ liq; short: stop ≥ liq).

    "At" is judged to a relative 1e-9, so float noise in the formula never hides a stop typed at the price.
    """
    slack = abs(liquidation) * 1e-9
    return stop <= liquidation + slack if side is Side.LONG else stop >= liquidation - slack


def liquidation_flag(entry: float, stop: float, side: Side, leverage: float | None,
                     mmr: float = DEFAULT_MMR) -> Flag | None:
    """STOP_BEYOND_LIQUIDATION when, at this leverage, the position is liquidated at or before its stop."""
    if leverage is None:
        return None
    liq = liquidation_price(entry, side, leverage, mmr)
    if not stop_beyond_liquidation(stop, liq, side):
        return None
    return Flag(
        FlagId.STOP_BEYOND_LIQUIDATION,
        Severity.CRITICAL,
        f"Stop {format_number(stop)} is beyond the liquidation price {format_number(liq)} "
        f"at {leverage:g}x: the position is liquidated before the stop fills",
        {"stop": stop, "liquidation_price": liq, "leverage": leverage, "mmr": mmr, "side": side.value},
    )


@dataclass(frozen=True, slots=True)
class SizingResult:
    """What the calculator says: how much, what it risks, where the targets and the liquidation are."""

    side: Side
    equity: float
    entry: float
    stop: float
    tier: int
    tier_pct: float
    regime: Regime
    multiplier: float
    qty: float
    notional: float
    risk_amount: float
    risk_pct: float
    risk_per_unit: float
    targets: Mapping[str, float | None]  # None: unreachable (a short's target at or below zero)
    leverage: float | None
    mmr: float
    liquidation_price: float | None
    margin: float  # notional / leverage (the whole notional for spot)
    leverage_used: float  # notional as a multiple of equity
    flags: tuple[Flag, ...]

    @property
    def allowed_risk(self) -> float:
        """equity × tier % × multiplier: the most this trade may lose at its stop."""
        return self.equity * self.tier_pct / 100 * self.multiplier


def size_position(
    equity: float,
    entry: float,
    stop: float,
    *,
    side: Side = Side.LONG,
    tier: int = 1,
    tiers: Mapping[int, float] = DEFAULT_TIERS,
    regime: Regime = Regime.UNKNOWN,
    multiplier: float | None = None,
    leverage: float | None = None,
    mmr: float = DEFAULT_MMR,
) -> SizingResult:
    """Size one trade by SPEC §5; `multiplier` defaults to the SPEC's value for `regime` (unknown's, the most
    conservative, until a regime is judged)."""
    for value, name in ((equity, "equity"), (entry, "entry"), (stop, "stop")):
        if not math.isfinite(value) or value <= 0:
            raise SizingError(f"{name} must be a finite number greater than zero, got {value}")
    if tier not in tiers:
        raise SizingError(f"tier must be one of {', '.join(str(t) for t in sorted(tiers))}, got {tier}")
    if stop == entry:
        raise SizingError("stop equals entry: the risk per unit would be zero")
    if (stop - entry) * side.sign > 0:
        where = "below" if side is Side.LONG else "above"
        other = Side.SHORT if side is Side.LONG else Side.LONG
        raise SizingError(f"a {side.value} needs its stop {where} entry (stop {format_number(stop)}, "
                          f"entry {format_number(entry)}); for a {other.value} use --side {other.value}")
    check_leverage(leverage)
    check_mmr(mmr)
    mult = DEFAULT_MULTIPLIERS.get(regime, 1.0) if multiplier is None else multiplier
    if not math.isfinite(mult) or mult < 0:
        raise SizingError(f"regime multiplier must be zero or more, got {mult}")

    tier_pct = float(tiers[tier])
    budget = equity * tier_pct / 100 * mult
    risk_per_unit = abs(entry - stop)
    qty = budget / risk_per_unit
    while qty > 0 and qty * risk_per_unit > budget:  # float rounding must never risk more than the budget
        qty = math.nextafter(qty, 0.0)
    notional = qty * entry
    targets = r_targets(entry, risk_per_unit, side)
    liq = None if leverage is None else liquidation_price(entry, side, leverage, mmr)
    liq_flag = liquidation_flag(entry, stop, side, leverage, mmr)
    flags = (liq_flag,) if liq_flag else ()
    return SizingResult(
        side=side, equity=equity, entry=entry, stop=stop, tier=tier, tier_pct=tier_pct, regime=regime,
        multiplier=mult, qty=qty, notional=notional, risk_amount=qty * risk_per_unit,
        risk_pct=tier_pct * mult, risk_per_unit=risk_per_unit, targets=targets, leverage=leverage, mmr=mmr,
        liquidation_price=liq, margin=notional / (leverage or 1.0),
        leverage_used=notional / equity, flags=flags,
    )


def sizing_json(result: SizingResult) -> dict[str, Any]:
    """The stable JSON object of `cockpit size --json`."""
    return {
        "side": result.side.value,
        "equity": result.equity,
        "entry": result.entry,
        "stop": result.stop,
        "tier": result.tier,
        "tier_pct": result.tier_pct,
        "regime": result.regime.value,
        "multiplier": result.multiplier,
        "qty": result.qty,
        "notional": result.notional,
        "risk_amount": result.risk_amount,
        "risk_pct": result.risk_pct,
        "risk_per_unit": result.risk_per_unit,
        "targets": dict(result.targets),
        "leverage": result.leverage,
        "mmr": result.mmr,
        "liquidation_price": result.liquidation_price,
        "margin": result.margin,
        "leverage_used": result.leverage_used,
        "notional_to_equity": result.leverage_used,
        "flags": [{"id": f.id.value, "severity": f.severity.value, "message": f.message,
                   "evidence": to_plain(f.evidence)} for f in result.flags],
    }
