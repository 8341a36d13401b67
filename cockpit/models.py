"""Frozen records shared by every ring: flags, source health, readings and the snapshot.

Nothing here imports polars, numpy or textual. The kinds (flag ids, severities, regimes, profiles, sources)
live in `cockpit.kinds` and are re-exported here; the screen's first frame loads only those.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import cache
from types import MappingProxyType, UnionType
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin, get_type_hints

# the records' kinds, re-exported: every ring reads them here too
from cockpit.kinds import FlagId as FlagId  # noqa: TC001
from cockpit.kinds import ProfileName as ProfileName  # noqa: TC001
from cockpit.kinds import Regime as Regime  # noqa: TC001
from cockpit.kinds import Severity as Severity  # noqa: TC001
from cockpit.kinds import SourceKind as SourceKind  # noqa: TC001

if TYPE_CHECKING:
    import polars as pl

SCHEMA_VERSION = 2

Evidence = Mapping[str, float | int | str | bool | None]


def frozen_map(values: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only copy of a mapping, for payloads that cross threads."""
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True, slots=True)
class Flag:
    """One rule's verdict: id, severity, a one-line message and the numbers behind it."""

    id: FlagId
    severity: Severity
    message: str
    evidence: Evidence = field(default_factory=frozen_map)
    since: datetime | None = None  # start of the flag's active span (SPEC §3 v2, §13); None until spans are known

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", frozen_map(self.evidence))


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """How fresh one source is: age of its newest data, whether that is past its limit, the last error.

    `state` is one of ok, stale, closed (equity market shut: not stale), down, disabled, unsupported.
    """

    name: str
    age_s: float | None
    stale: bool
    error: str | None = None
    state: str = "ok"
    limit_s: float | None = None
    retry_in_s: float | None = None


NOT_AGED = frozenset({"closed", "disabled", "unsupported"})  # states an age past the limit does not make stale


def aged_health(health: SourceHealth, late: float, note: str | None = None) -> SourceHealth:
    """`health` `late` seconds on: older, STALE once past its limit, with `note` added to its error."""
    if not late and note is None:
        return health
    age = None if health.age_s is None else health.age_s + late
    past = age is not None and health.limit_s is not None and age > health.limit_s
    stale = health.stale or (past and health.state not in NOT_AGED)
    state = "stale" if stale and health.state == "ok" else health.state
    error = "; ".join(x for x in (health.error, note) if x) or None
    return replace(health, age_s=age, stale=stale, state=state, error=error)


@dataclass(frozen=True, slots=True)
class DataQuality:
    """What cleaning did to the input: every dropped row is counted, never silently lost."""

    rows_in: int = 0
    rows_used: int = 0
    duplicates_dropped: int = 0
    bad_prices_dropped: int = 0
    was_unsorted: bool = False
    missing_roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MarketState:
    """Immutable market state a source delivers: long-form 1h bars up to `as_of`, plus health."""

    kind: SourceKind
    as_of: datetime
    bars: pl.DataFrame
    health: tuple[SourceHealth, ...] = ()
    quality: DataQuality = DataQuality()
    label: str = ""


# --- readings: what analytics computed, one record per pane -------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyPoint:
    """One fed funds futures contract: implied rate = 100 - price, and its change over the lookback."""

    symbol: str
    rate: float
    change_bp: float | None


@dataclass(frozen=True, slots=True)
class ImpliedVolReading:
    """An implied-vol index (VIX, VIX3M, MOVE): level, change over the macro lookback, age."""

    value: float | None = None
    change_pct: float | None = None
    age_s: float | None = None


@dataclass(frozen=True, slots=True)
class CreditReading:
    """HYG/LQD: the ratio's change over the macro lookback; spreads widen when it falls >= 0.5 %."""

    hyg_lqd_change_pct: float | None = None
    spreads_widening: bool | None = None
    age_s: float | None = None


@dataclass(frozen=True, slots=True)
class MacroReading:
    """Rates, dollar, policy path and the risk-budget verdict."""

    us10y: float | None = None
    us10y_change_bp: float | None = None
    us10y_age_s: float | None = None
    dxy: float | None = None
    dxy_change_pct: float | None = None
    dxy_age_s: float | None = None
    policy_path: tuple[PolicyPoint, ...] = ()
    policy_change_bp: float | None = None
    policy_age_s: float | None = None
    risk_budget: str | None = None
    lookback_h: int = 24
    us10y_history: tuple[float, ...] = ()
    dxy_history: tuple[float, ...] = ()
    vix: ImpliedVolReading | None = None  # None when ^VIX has no data (SPEC §3 v2)
    vix3m: ImpliedVolReading | None = None
    move: ImpliedVolReading | None = None
    backwardation: bool | None = None  # VIX above VIX3M; None without both
    credit: CreditReading | None = None


@dataclass(frozen=True, slots=True)
class LeadershipReading:
    """Leaders basket against the index: relative strength, breadth, the verdict."""

    relative_strength_pct: float | None = None
    rs_new_low: bool | None = None
    breadth_above_ma: float | None = None
    breadth_new_lows: float | None = None
    index_above_ma: bool | None = None
    index_holding: bool | None = None
    verdict: str | None = None
    members: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    timeframe: str = "4h"
    age_s: float | None = None
    rs_history: tuple[float, ...] = ()
    rs_below_ma: bool | None = None  # relative strength below its own moving average (LEADERSHIP_BREAK ends above)
    relative_move_sigma: float | None = None  # relative move over the window in sigmas of its bar noise


@dataclass(frozen=True, slots=True)
class CryptoAsset:
    """One perp's structure: price, funding, open interest, liquidations and trend."""

    symbol: str
    price: float | None = None
    change_4h_pct: float | None = None
    change_24h_pct: float | None = None
    funding_rate: float | None = None
    funding_annualised_pct: float | None = None
    funding_settled_rate: float | None = None  # the rate settled at the last funding time (each interval from 00 UTC)
    funding_spend_usd_per_interval: float | None = None
    funding_spend_usd_per_day: float | None = None
    funding_interval_h: float | None = None  # the venue's funding interval (8 h only as the last default)
    open_interest: float | None = None  # coins (base units); changes and resets are measured on this
    open_interest_usd: float | None = None
    oi_change_pct_24h: float | None = None
    price_change_pct: float | None = None  # over the profile's liquidation price lookback
    price_lookback_h: int = 4
    oi_change_pct: float | None = None  # over the profile's OI lookback
    oi_price_change_pct: float | None = None  # price over that same OI lookback
    oi_lookback_h: int = 24
    long_liq_usd_1h: float | None = None
    short_liq_usd_1h: float | None = None
    liq_zscore_1h: float | None = None  # robust: (ln(1+L) - median) / max(1.4826 MAD, 0.25), SPEC §3 v2
    liq_oi_pct_1h: float | None = None  # long liquidations of the hour as % of open interest in USD
    liq_baseline_h: int = 0
    trend: str | None = None
    age_s: float | None = None
    price_history: tuple[float, ...] = ()
    liq_history: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class CryptoReading:
    """BTC and ETH perps, and the structure verdict."""

    btc: CryptoAsset = CryptoAsset("BTC/USDT:USDT")
    eth: CryptoAsset = CryptoAsset("ETH/USDT:USDT")
    state: str | None = None
    flush_count: int = 0  # flushes within the current move (SPEC §3 v2), on either perp
    oi_reset: bool | None = None
    move_start: datetime | None = None  # the highest close of the move lookback: where the current move began
    flush_active: bool | None = None  # a flush is under way on either perp (its last hour qualifies, or its quiet gap)
    cascade_assets: tuple[str, ...] = ()  # perps passing the LIQUIDATION_CASCADE test in the last hour (BTC or ETH)
    liq_tape: bool = False  # a perp has liquidations in its bars (not the venue down, nor BTC-USD spot)

    @property
    def flushes_known(self) -> bool:
        """Whether there is a liquidation tape to count flushes in: without one the count is unknown, not 0."""
        return self.liq_tape or self.flush_count > 0


@dataclass(frozen=True, slots=True)
class CorrelationValue:
    """A correlation and the window (number of returns) it used; `n` is how many it had."""

    value: float | None
    window: int
    n: int = 0
    gap_pairs_dropped: int = 0  # return pairs spanning a session gap, left out of the window (SPEC §3 v2)


@dataclass(frozen=True, slots=True)
class VolReading:
    """Realized vol of 1h log returns: the recent window against the one before it."""

    recent: float | None
    prior: float | None
    annualised_pct: float | None = None  # the recent window's RMS vol, annualised with the instrument's bars/year

    @property
    def ratio(self) -> float | None:
        """recent / prior, None when either is missing or prior is zero."""
        if self.recent is None or self.prior is None or self.prior == 0:
            return None
        return self.recent / self.prior

    @property
    def rising(self) -> bool | None:
        """True when recent vol is above the prior window's."""
        ratio = self.ratio
        return None if ratio is None else ratio > 1.0


@dataclass(frozen=True, slots=True)
class CorrelationReading:
    """SPX futures against BTC on 1h and 4h bars, their realized vols and the both-down marker."""

    c1h: CorrelationValue = CorrelationValue(None, 0)
    c4h: CorrelationValue = CorrelationValue(None, 0)
    vol_index: VolReading = VolReading(None, None)
    vol_btc: VolReading = VolReading(None, None)
    trend_index: str | None = None
    trend_btc: str | None = None
    both_down_vol_rising: bool | None = None
    age_s: float | None = None  # the older of the two series' newest bars
    gap_pct: float | None = None  # the index's latest session opening gap: first open vs the previous last close
    index_trend_gap_atr: float | None = None  # index close minus its dominant trend MA, in average true ranges
    history_1h: tuple[float, ...] = ()
    history_4h: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Readings:
    """Everything analytics computed for one evaluation; the rules read only this."""

    as_of: datetime
    macro: MacroReading
    leadership: LeadershipReading
    crypto: CryptoReading
    correlation: CorrelationReading
    health: tuple[SourceHealth, ...] = ()
    early_warnings: Mapping[str, bool | None] = field(default_factory=frozen_map)
    missing_roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RegimeCall:
    """The regime label, its sizing multiplier and why it was chosen."""

    label: Regime
    multiplier: float
    evidence: tuple[str, ...] = ()
    since: datetime | None = None  # when the regime took this label
    held_from: datetime | None = None  # when its evidence last held, while the label is kept by hysteresis


@dataclass(frozen=True, slots=True)
class OutlookCall:
    """A/B/C outlook with the signals for and against each."""

    label: str | None
    scores: Mapping[str, int] = field(default_factory=frozen_map)
    signals_for: Mapping[str, tuple[str, ...]] = field(default_factory=frozen_map)
    signals_against: Mapping[str, tuple[str, ...]] = field(default_factory=frozen_map)
    reason: str | None = None  # why there is no call (no stress in 7 days, a tie, nothing judged)
    signals_unknown: Mapping[str, tuple[str, ...]] = field(default_factory=frozen_map)  # signals without data


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One evaluation of the whole cockpit: readings, flags, regime and outlook."""

    as_of: datetime
    source: SourceKind
    profile: ProfileName
    readings: Readings
    flags: tuple[Flag, ...]
    regime: RegimeCall
    outlook: OutlookCall
    quality: DataQuality = DataQuality()
    label: str = ""
    history: tuple[Any, ...] = ()  # the span window's past hours (cockpit.rules.spans.PastHour), oldest first
    judged: bool = True  # False: the moment's figures only, shown while the span window is still being judged


def clean_number(value: float | None, digits: int = 10) -> float | None:
    """A finite float rounded for JSON, or None (NaN and inf never reach the user)."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def to_plain(value: Any) -> Any:
    """Turn records, enums, datetimes and mappings into JSON-ready plain values."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return clean_number(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


@cache
def _field_types(record: type) -> dict[str, Any]:
    return get_type_hints(record)


def from_plain(kind: Any, value: Any) -> Any:
    """A value of type `kind` from what `to_plain` made of it (the records here, their enums, datetimes,
    tuples, mappings and optionals). A missing record field takes its default; a wrong shape is a
    ValueError or TypeError."""
    if value is None or kind is Any:
        return value
    origin = get_origin(kind)
    if origin in (Union, UnionType):
        options = [a for a in get_args(kind) if a is not type(None)]
        if type(value) in options:
            return value
        if float in options and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return from_plain(options[0], value)
    if origin is tuple:
        item = get_args(kind)[0]
        return tuple(from_plain(item, v) for v in value)
    if origin is Mapping or origin is dict:
        _, item = get_args(kind)
        if not isinstance(value, dict):
            raise TypeError(f"expected a mapping, got {type(value).__name__}")
        return frozen_map({str(k): from_plain(item, v) for k, v in value.items()})
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return kind(value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind in (int, str, bool):
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value
    if isinstance(kind, type) and is_dataclass(kind):
        if not isinstance(value, dict):
            raise TypeError(f"expected a {kind.__name__} record, got {type(value).__name__}")
        types = _field_types(kind)
        return kind(**{f.name: from_plain(types[f.name], value[f.name]) for f in fields(kind) if f.name in value})
    raise TypeError(f"cannot read a {kind!r} from {type(value).__name__}")
