"""Pre-trade checks of SPEC §6 (pure): a planned trade against the journal's round trips, market and profile.

Each rule takes the plan and a context and returns at most one Flag with its evidence; the profile's `rules`
set decides which run. Nothing here reads the clock: the plan carries its own time (or the readings' `as_of`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from cockpit.book import BookRisk, plan_book_flag
from cockpit.contracts import multiplier as contract_multiplier
from cockpit.models import Flag, FlagId, Readings, Regime, RegimeCall, Severity
from cockpit.sizing import (
    DEFAULT_MMR,
    DEFAULT_TIERS,
    Side,
    SizingError,
    check_leverage,
    check_mmr,
    format_money,
    format_number,
    liquidation_flag,
    parse_number,
    parse_positive,
    parse_side,
    parse_tier,
)

if TYPE_CHECKING:
    from cockpit.settings import Profile

EARLIEST_PLAN = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_PLAN = datetime(2101, 1, 1, tzinfo=UTC)  # exclusive
PLAN_KEYS = ("ts", "symbol", "side", "entry", "stop", "qty", "equity", "tier", "leverage", "mmr")
INDEX_ALIASES = frozenset({"ES=F", "ES", "SPX", "^GSPC", "SPY", "MES=F"})


class ClosedTrade(Protocol):
    """What the checks read of a round trip (the journal's RoundTrip has these fields)."""

    @property
    def symbol(self) -> str: ...
    @property
    def side(self) -> str: ...
    @property
    def qty(self) -> float: ...
    @property
    def entry_price(self) -> float: ...
    @property
    def exit_ts(self) -> datetime: ...
    @property
    def pnl(self) -> float: ...


@dataclass(frozen=True, slots=True)
class TradePlan:
    """A trade about to be entered; `equity` and `tier` let the size be judged, `leverage` the stop."""

    symbol: str
    side: Side
    entry: float
    stop: float
    qty: float
    ts: datetime | None = None
    equity: float | None = None
    tier: int | None = None
    leverage: float | None = None
    mmr: float = DEFAULT_MMR

    @property
    def risk(self) -> float:
        """What the plan loses at its stop: qty × |entry − stop|."""
        return self.qty * abs(self.entry - self.stop)

    @property
    def notional(self) -> float:
        """qty × entry."""
        return self.qty * self.entry


@dataclass(frozen=True, slots=True)
class PlanContext:
    """Everything the checks may read besides the plan."""

    profile: Profile
    round_trips: Sequence[ClosedTrade] = ()
    readings: Readings | None = None
    regime: RegimeCall | None = None
    index_symbol: str = "ES=F"
    book: BookRisk | None = None  # the book's open risk (SPEC §12), when the caller knows it

    @property
    def multiplier(self) -> float:
        """The regime's sizing multiplier (unknown's, the most conservative, until a regime is judged)."""
        return self.regime.multiplier if self.regime else self.profile.multiplier(Regime.UNKNOWN)

    def allowed_risk(self, plan: TradePlan) -> float | None:
        """equity × tier % × multiplier, or None without equity."""
        if plan.equity is None:
            return None
        tier = plan.tier if plan.tier is not None else self.profile.default_tier
        return plan.equity * self.profile.tiers.get(tier, 0.0) / 100 * self.multiplier


PlanRule = Callable[[TradePlan, PlanContext], Flag | None]


def _minutes(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 60


def revenge_entry(plan: TradePlan, ctx: PlanContext) -> Flag | None:
    """An entry within the revenge window after closing a losing trade; critical if larger or into a flush."""
    at = plan.ts or (ctx.readings.as_of if ctx.readings else None)
    if at is None:
        return None
    window = ctx.profile.revenge_window_min
    closes: dict[tuple[str, str, datetime], list[ClosedTrade]] = {}
    for trip in ctx.round_trips:  # one closing fill may close several FIFO lots: that is one trade
        if trip.exit_ts <= at and _minutes(at, trip.exit_ts) <= window:
            closes.setdefault((trip.symbol, trip.side, trip.exit_ts), []).append(trip)
    losses = [(key, parts) for key, parts in closes.items() if sum(t.pnl for t in parts) < 0]
    if not losses:
        return None
    (symbol, _side, exit_ts), parts = max(losses, key=lambda item: item[0][2])
    pnl = sum(t.pnl for t in parts)
    trade_notional = sum(t.qty * t.entry_price for t in parts)
    minutes = _minutes(at, exit_ts)
    larger = plan.notional > trade_notional
    flushing = bool(ctx.readings and ctx.readings.crypto.state == "liquidation-driven")
    reasons = (("larger than that trade", larger), ("into a liquidation-driven tape", flushing))
    worse = [why for why, hit in reasons if hit]
    return Flag(
        FlagId.REVENGE_ENTRY,
        Severity.CRITICAL if worse else Severity.WARNING,
        f"Revenge entry: {minutes:.0f} min after closing {symbol} at a loss of {format_number(pnl)}"
        + (f" ({', '.join(worse)})" if worse else ""),
        {"symbol": symbol, "pnl": pnl, "exit_ts": exit_ts.isoformat().replace("+00:00", "Z"),
         "minutes_since": round(minutes, 1), "window_min": window, "trade_notional": trade_notional,
         "plan_notional": plan.notional, "liquidation_driven": flushing},
    )


def first_flush(plan: TradePlan, ctx: PlanContext) -> Flag | None:
    """A long while the current move has had exactly one flush (or its first is under way) and coin OI has
    not reset: prefer the second flush. Never before any flush."""
    if plan.side is not Side.LONG or ctx.readings is None:
        return None
    crypto = ctx.readings.crypto
    first_under_way = crypto.flush_active is True and crypto.flush_count <= 1
    if not (crypto.flush_count == 1 or first_under_way) or crypto.oi_reset is True:
        return None
    moment = "its first flush is under way" if crypto.flush_active else "it has had one flush"
    since = "" if crypto.move_start is None else f" (move since {crypto.move_start:%Y-%m-%d %H:%M} UTC)"
    return Flag(
        FlagId.FIRST_FLUSH,
        Severity.WARNING,
        f"First flush: buying while {moment}{since} and open interest in coins has not reset "
        "- prefer the second flush",
        {"flush_count": crypto.flush_count, "flush_active": crypto.flush_active, "oi_reset": crypto.oi_reset,
         "move_start": None if crypto.move_start is None else crypto.move_start.isoformat().replace("+00:00", "Z"),
         "state": crypto.state, "btc_oi_change_pct_24h": crypto.btc.oi_change_pct_24h,
         "btc_liq_zscore_1h": crypto.btc.liq_zscore_1h},
    )


def dominant_trend(symbol: str, readings: Readings, index_symbol: str = "ES=F") -> str | None:
    """The dominant-timeframe trend the readings know for this symbol (BTC, ETH or the index), else None."""
    upper = symbol.upper()
    if symbol == readings.crypto.btc.symbol or "BTC" in upper or "XBT" in upper:
        return readings.crypto.btc.trend or readings.correlation.trend_btc
    if symbol == readings.crypto.eth.symbol or "ETH" in upper:
        return readings.crypto.eth.trend
    if symbol == index_symbol or upper in INDEX_ALIASES:
        return readings.correlation.trend_index
    return None


def against_dominant_trend(plan: TradePlan, ctx: PlanContext) -> Flag | None:
    """A long against a down trend or a short against an up trend on the dominant timeframe."""
    if ctx.readings is None:
        return None
    trend = dominant_trend(plan.symbol, ctx.readings, ctx.index_symbol)
    against = "down" if plan.side is Side.LONG else "up"
    if trend != against:
        return None
    timeframe = ctx.profile.dominant_timeframe
    return Flag(
        FlagId.AGAINST_DOMINANT_TREND,
        Severity.WARNING,
        f"Against the trend: {plan.side.value} {plan.symbol} while its {timeframe} trend is {trend}",
        {"symbol": plan.symbol, "side": plan.side.value, "trend": trend, "timeframe": timeframe},
    )


def macro_not_stable(plan: TradePlan, ctx: PlanContext) -> Flag | None:
    """A long risk entry while yields or the dollar still rise past the profile's thresholds over the macro
    lookback (open-market hours)."""
    if plan.side is not Side.LONG or ctx.readings is None:
        return None
    macro, p = ctx.readings.macro, ctx.profile
    yields_bp, dollar_pct = macro.us10y_change_bp, macro.dxy_change_pct
    parts = [f"US10Y {yields_bp:+.1f} bp"] if yields_bp is not None and yields_bp >= p.macro_stable_bp else []
    parts += [f"DXY {dollar_pct:+.2f} %"] if dollar_pct is not None and dollar_pct >= p.macro_stable_pct else []
    if not parts:
        return None
    return Flag(
        FlagId.MACRO_NOT_STABLE,
        Severity.WARNING,
        f"Macro not stable: {' and '.join(parts)} over {macro.lookback_h} open-market hours "
        f"(limits +{p.macro_stable_bp:g} bp, +{p.macro_stable_pct:g} %) - wait for yields and the dollar to stabilize",
        {"us10y_change_bp": macro.us10y_change_bp, "dxy_change_pct": macro.dxy_change_pct,
         "lookback_h": macro.lookback_h, "threshold_bp": p.macro_stable_bp, "threshold_pct": p.macro_stable_pct,
         "risk_budget": macro.risk_budget},
    )


def _size_evidence(plan: TradePlan, ctx: PlanContext, allowed: float) -> dict[str, Any]:
    tier = plan.tier if plan.tier is not None else ctx.profile.default_tier
    return {"risk": plan.risk, "allowed_risk": allowed, "equity": plan.equity, "tier": tier,
            "tier_pct": ctx.profile.tiers.get(tier), "multiplier": ctx.multiplier,
            "regime": ctx.regime.label.value if ctx.regime else Regime.UNKNOWN.value,
            "max_qty": allowed / abs(plan.entry - plan.stop)}


def oversized(plan: TradePlan, ctx: PlanContext) -> Flag | None:
    """Risk above tier × regime multiplier × equity, or notional above equity × the profile's max gross leverage
    (critical beyond twice either limit)."""
    allowed = ctx.allowed_risk(plan)
    if allowed is None or plan.equity is None:
        return None
    max_notional = plan.equity * ctx.profile.max_gross_leverage
    too_risky = plan.risk > allowed * (1 + 1e-9)
    too_large = plan.notional > max_notional * (1 + 1e-9)
    if not (too_risky or too_large):
        return None
    parts = []
    if too_risky:
        parts.append(f"risks {format_money(plan.risk)}, the regime allows {format_money(allowed)} "
                     f"(max qty {format_number(allowed / abs(plan.entry - plan.stop))})")
    if too_large:
        parts.append(f"notional {format_money(plan.notional)} is {plan.notional / plan.equity:.1f}x equity, "
                     f"the profile allows {ctx.profile.max_gross_leverage:g}x ({format_money(max_notional)})")
    critical = plan.risk > 2 * allowed or plan.notional > 2 * max_notional
    evidence = _size_evidence(plan, ctx, allowed)
    evidence.update(notional=plan.notional, max_notional=max_notional,
                    max_gross_leverage=ctx.profile.max_gross_leverage, gross_leverage=plan.notional / plan.equity)
    return Flag(FlagId.OVERSIZED, Severity.CRITICAL if critical else Severity.WARNING,
                "Oversized: " + "; ".join(parts), evidence)


def _entries_needed(risk: float, slice_risk: float) -> int | None:
    """How many slices the risk takes, or None when that is not a finite count."""
    if slice_risk <= 0:
        return None
    count = risk / slice_risk - 1e-9
    return math.ceil(count) if math.isfinite(count) else None


def all_in_entry(plan: TradePlan, ctx: PlanContext) -> Flag | None:
    """One entry risking more than the profile's scale-in slice of the allowed risk."""
    allowed = ctx.allowed_risk(plan)
    if allowed is None:
        return None
    slice_risk = allowed * ctx.profile.scale_in_slice
    if plan.risk <= slice_risk * (1 + 1e-9):
        return None
    evidence = _size_evidence(plan, ctx, allowed)
    evidence.update(scale_in_slice=ctx.profile.scale_in_slice, slice_risk=slice_risk,
                    entries_needed=_entries_needed(plan.risk, slice_risk))
    return Flag(
        FlagId.ALL_IN_ENTRY,
        Severity.WARNING,
        f"All-in entry: one entry risks {format_number(plan.risk)}, a scale-in slice is "
        f"{format_number(slice_risk)} ({ctx.profile.scale_in_slice:.0%} of the allowed risk) - scale in",
        evidence,
    )


def stop_beyond_liq(plan: TradePlan, ctx: PlanContext) -> Flag | None:
    """With leverage, a stop at or beyond the isolated liquidation price."""
    return liquidation_flag(plan.entry, plan.stop, plan.side, plan.leverage, plan.mmr)


def book_risk_limit(plan: TradePlan, ctx: PlanContext) -> Flag | None:
    """The plan's risk (× its contract multiplier) added to the book's open risk, against the book limit."""
    if ctx.book is None:
        return None
    return plan_book_flag(plan.symbol, plan.risk * contract_multiplier(plan.symbol), plan.equity, ctx.book)


PLAN_RULES: tuple[tuple[FlagId, PlanRule], ...] = (
    (FlagId.STOP_BEYOND_LIQUIDATION, stop_beyond_liq),
    (FlagId.REVENGE_ENTRY, revenge_entry),
    (FlagId.OVERSIZED, oversized),
    (FlagId.FIRST_FLUSH, first_flush),
    (FlagId.AGAINST_DOMINANT_TREND, against_dominant_trend),
    (FlagId.MACRO_NOT_STABLE, macro_not_stable),
    (FlagId.ALL_IN_ENTRY, all_in_entry),
)


def pretrade_flags(
    plan: TradePlan,
    round_trips: Sequence[ClosedTrade],
    readings: Readings | None,
    regime: RegimeCall | None,
    profile: Profile,
    *,
    index_symbol: str = "ES=F",
    book: BookRisk | None = None,
) -> list[Flag]:
    """Every active pre-trade rule that fires for the plan, most severe first (with a book: its limit too)."""
    ctx = PlanContext(profile, round_trips, readings, regime, index_symbol, book)
    flags = [flag for flag_id, rule in PLAN_RULES if flag_id in profile.rules and (flag := rule(plan, ctx))]
    if (book_flag := book_risk_limit(plan, ctx)) is not None:  # judged whenever the book is known
        flags.append(book_flag)
    return sorted(flags, key=lambda f: -f.severity.rank)


def _plan_ts(value: Any) -> datetime:
    if not isinstance(value, str):
        raise SizingError(f"ts must be an ISO 8601 time, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SizingError(f"ts '{value}' is not an ISO 8601 time") from None
    try:
        moment = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:  # an offset that pushes the time past year 9999 or before year 1
        moment = None
    if moment is None or not EARLIEST_PLAN <= moment < LATEST_PLAN:
        raise SizingError(f"ts '{value}' is outside the years 1970-2100")
    return moment


def _whole(value: object) -> str:
    """A JSON number like 1.0 as the whole number it is; anything else unchanged, for parse_tier to judge."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _field(obj: Mapping[str, Any], key: str) -> str | float:
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise SizingError(f"{key} must be a number, got {value!r}")
    return value


def plan_from_json(obj: Any, tiers: Mapping[int, float] | None = None) -> TradePlan:
    """A TradePlan from a decoded JSON object; SizingError names the bad or unknown key."""
    if not isinstance(obj, Mapping):
        raise SizingError("a plan must be a JSON object with ts, symbol, side, entry, stop, qty")
    unknown = [k for k in obj if k not in PLAN_KEYS]
    if unknown:
        raise SizingError(f"unknown plan key '{unknown[0]}' (known: {', '.join(PLAN_KEYS)})")
    missing = [k for k in ("symbol", "side", "entry", "stop", "qty") if k not in obj]
    if missing:
        raise SizingError(f"the plan needs {', '.join(missing)}")
    symbol = obj["symbol"]

    def present(key: str) -> bool:
        return obj.get(key) is not None

    if not isinstance(symbol, str) or not symbol.strip():
        raise SizingError("symbol must be a non-empty string")
    plan = TradePlan(
        symbol=symbol.strip(),
        side=parse_side(str(obj["side"])),
        entry=parse_positive(_field(obj, "entry"), "entry"),
        stop=parse_positive(_field(obj, "stop"), "stop"),
        qty=parse_positive(_field(obj, "qty"), "qty"),
        ts=_plan_ts(obj["ts"]) if obj.get("ts") is not None else None,
        equity=parse_positive(_field(obj, "equity"), "equity") if present("equity") else None,
        tier=parse_tier(_whole(_field(obj, "tier")), tiers or DEFAULT_TIERS) if present("tier") else None,
        leverage=check_leverage(parse_positive(_field(obj, "leverage"), "leverage")) if present("leverage") else None,
        mmr=check_mmr(parse_number(_field(obj, "mmr"), "mmr")) if present("mmr") else DEFAULT_MMR,
    )
    if not (math.isfinite(plan.notional) and math.isfinite(plan.risk)):
        raise SizingError(f"qty {format_number(plan.qty)} at entry {format_number(plan.entry)} is too large "
                          "to be a trade (its notional or risk is not a finite number)")
    if plan.stop == plan.entry:
        raise SizingError("stop equals entry: the risk per unit would be zero")
    if (plan.stop - plan.entry) * plan.side.sign > 0:
        where = "below" if plan.side is Side.LONG else "above"
        raise SizingError(f"a {plan.side.value} needs its stop {where} entry "
                          f"(stop {format_number(plan.stop)}, entry {format_number(plan.entry)})")
    return plan


def at_time(plan: TradePlan, ts: datetime) -> TradePlan:
    """The plan with its time set to `ts` when it carries none (a headless check at the snapshot's as_of)."""
    return plan if plan.ts is not None else replace(plan, ts=ts)
