"""What happened and why (SPEC §13): flag spans, the stress episode, the cause map of §1 and the driver.

Pure: a timeline of hourly views (one per evaluated hour, oldest first) in, records out. The views come
from the same evaluation the screen shows (`cockpit.story` builds them), so the cause map, the flag log and
the snapshot agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cockpit.liquidity import thin_window
from cockpit.models import Evidence, Flag, FlagId, Readings, Regime, Severity, Snapshot, frozen_map

STRESS = frozenset({Regime.TREND_BREAK, Regime.VOLATILITY_EVENT, Regime.LIQUIDITY_SHOCK})
SHOCK_LEAD = timedelta(hours=24)  # a shock up to a day before the regime left calm is the episode's trigger
CASCADE_LEADS_FOR = timedelta(hours=24)  # a cascade leads the episode while its last hour is this recent
GAP_SHOCK_PCT = 1.0
LEADERS_GAP_PCT = 2.0
VIX_STRESS = 25.0

STAGES: tuple[tuple[str, str], ...] = (
    ("narrative_shock", "narrative shock"),
    ("rates_dollar", "rates and dollar reprice"),
    ("equities_gap", "long-duration equities gap down"),
    ("vol_rises", "volatility rises, risk models cut"),
    ("crypto_deleverages", "crypto deleverages"),
    ("thin_liquidity", "thin liquidity amplifies"),
)
DRIVERS = ("rates_shock", "equity_leadership", "liquidation_cascade", "mixed")


@dataclass(frozen=True, slots=True)
class HourView:
    """What one evaluated hour says, reduced to what the cause map and the flag log read."""

    as_of: datetime
    regime: Regime
    flags: tuple[Flag, ...] = ()
    index_gap_pct: float | None = None
    leaders_gap_pct: float | None = None
    vix: float | None = None
    shocks: tuple[str, ...] = ()  # 1h moves >= 3x their vol, in words (ES, US10Y, DXY)
    us10y_change_bp: float | None = None
    dxy_change_pct: float | None = None
    relative_strength_pct: float | None = None
    btc_change_4h_pct: float | None = None
    btc_long_liq_usd_1h: float | None = None

    def flag(self, flag_id: FlagId) -> Flag | None:
        """The active flag with this id, if any."""
        return next((f for f in self.flags if f.id == flag_id), None)


def hour_view(snap: Snapshot, shocks: tuple[str, ...] = (), leaders_gap_pct: float | None = None) -> HourView:
    """The view of one snapshot."""
    return judged_hour(snap.as_of, snap.regime.label, snap.flags, snap.readings, shocks, leaders_gap_pct)


def judged_hour(at: datetime, regime: Regime, flags: tuple[Flag, ...], r: Readings, shocks: tuple[str, ...] = (),
                leaders_gap_pct: float | None = None) -> HourView:
    """The view of one judged hour: its regime, its active flags and the readings the stages read."""
    return HourView(
        as_of=at,
        regime=regime,
        flags=flags,
        index_gap_pct=r.correlation.gap_pct,
        leaders_gap_pct=leaders_gap_pct,
        vix=r.macro.vix.value if r.macro.vix is not None else None,
        shocks=shocks,
        us10y_change_bp=r.macro.us10y_change_bp,
        dxy_change_pct=r.macro.dxy_change_pct,
        relative_strength_pct=r.leadership.relative_strength_pct,
        btc_change_4h_pct=r.crypto.btc.change_4h_pct,
        btc_long_liq_usd_1h=r.crypto.btc.long_liq_usd_1h,
    )


# --- flag spans ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlagSpan:
    """One flag's active span: since, until (None while active), its peak severity and the evidence there."""

    id: FlagId
    since: datetime
    until: datetime | None
    severity: Severity
    message: str
    evidence: Evidence = field(default_factory=frozen_map)

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", frozen_map(self.evidence))

    @property
    def active(self) -> bool:
        """Whether the span has not ended."""
        return self.until is None


def flag_spans(views: Sequence[HourView]) -> list[FlagSpan]:
    """Every span in the timeline: a flag's consecutive hours (or its own `since`), peak severity kept."""
    open_spans: dict[FlagId, FlagSpan] = {}
    done: list[FlagSpan] = []
    previous: datetime | None = None
    for view in views:
        present = {f.id: f for f in view.flags}
        for flag_id, span in list(open_spans.items()):
            flag = present.get(flag_id)
            # a span restarts only when its new start falls after the last hour it was seen: an hour judged on
            # a later window may date a long span from that window's first hour, which is no new span
            restarted = flag is not None and flag.since is not None and previous is not None and flag.since > previous
            if flag is None or restarted:
                done.append(_ended(span, view.as_of))
                del open_spans[flag_id]
        for flag_id, flag in present.items():
            current = open_spans.get(flag_id)
            if current is None:
                open_spans[flag_id] = FlagSpan(flag_id, flag.since or view.as_of, None, flag.severity, flag.message,
                                               flag.evidence)
            elif flag.severity.rank > current.severity.rank:
                open_spans[flag_id] = FlagSpan(flag_id, current.since, None, flag.severity, flag.message,
                                               flag.evidence)
        previous = view.as_of
    return sorted([*done, *open_spans.values()], key=lambda s: (s.since, s.id.value))


def _ended(span: FlagSpan, at: datetime) -> FlagSpan:
    return FlagSpan(span.id, span.since, at, span.severity, span.message, span.evidence)


# --- episodes, stages, driver --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of SPEC §1 and when the current episode first reached it."""

    id: str
    name: str
    reached_at: datetime | None = None
    evidence: str | None = None


@dataclass(frozen=True, slots=True)
class CauseMap:
    """The current stress episode: when it began, the stages reached in it, and the leading driver."""

    episode_start: datetime | None
    stages: tuple[Stage, ...]
    driver: str | None = None
    driver_evidence: str | None = None
    thin: tuple[str, ...] = ()  # flushes inside a thin window, in words
    looked_from: datetime | None = None  # the first hour the map could see (an episode may have begun before)

    def reached(self) -> list[Stage]:
        """The stages reached, in the order they were reached."""
        return sorted((s for s in self.stages if s.reached_at is not None), key=lambda s: s.reached_at)  # type: ignore[arg-type, return-value]


def episode_start(views: Sequence[HourView], hold_h: int) -> int | None:
    """Index of the first hour of the current episode: the regime left calm, and has not been calm for hold_h."""
    start: int | None = None
    calm_hours = 0
    for i, view in enumerate(views):
        if view.regime in STRESS:
            if start is None:
                start = i
            calm_hours = 0
        elif view.regime == Regime.CALM and start is not None:
            calm_hours += 1
            if calm_hours >= max(1, hold_h):
                start, calm_hours = None, 0
    return start


def _pct(value: float | None, spec: str = "+.2f") -> str:
    return "n/a" if value is None else format(value, spec)


def _stage_evidence(view: HourView, stage: str) -> str | None:
    """Why `view` reaches `stage`, in words with figures; None when it does not."""
    if stage == "narrative_shock":
        parts = list(view.shocks)
        if view.index_gap_pct is not None and view.index_gap_pct <= -GAP_SHOCK_PCT:
            parts.append(f"ES opened {view.index_gap_pct:+.1f} % from the last close")
        return "; ".join(parts) or None
    if stage == "rates_dollar":
        if view.flag(FlagId.RISK_BUDGET_SHRINKING):
            return f"US10Y {_pct(view.us10y_change_bp, '+.1f')} bp and DXY {_pct(view.dxy_change_pct)} %"
        return None
    if stage == "equities_gap":
        if view.flag(FlagId.LEADERSHIP_BREAK):
            return f"leaders at a new relative low ({_pct(view.relative_strength_pct)} % vs the index)"
        if view.leaders_gap_pct is not None and view.leaders_gap_pct <= -LEADERS_GAP_PCT:
            return f"leaders opened {view.leaders_gap_pct:+.1f} %"
        return None
    if stage == "vol_rises":
        if flag := view.flag(FlagId.VOL_SPIKE):
            return flag.message
        if view.vix is not None and view.vix >= VIX_STRESS:
            return f"VIX {view.vix:.1f}"
        return None
    if stage == "crypto_deleverages":
        if flag := view.flag(FlagId.LIQUIDATION_CASCADE):
            return flag.message  # names the perp (BTC or ETH) that flushed, with its liquidations and fall
        return None
    if stage == "thin_liquidity":
        window = thin_window(view.as_of) if view.flag(FlagId.LIQUIDATION_CASCADE) else None
        if window is not None:
            return f"flush in the {window.name} (until {window.end:%a %H:%M} UTC)"
        return None
    raise ValueError(stage)


def driver_of(stages: Sequence[Stage], views: Sequence[HourView]) -> tuple[str | None, str | None]:
    """The leading driver: a recent cascade leads; otherwise the earlier of the rates and the equity stages."""
    by_id = {s.id: s for s in stages}
    if not views:
        return None, None
    now = views[-1].as_of
    cascade_hours = [v.as_of for v in views if v.flag(FlagId.LIQUIDATION_CASCADE)]
    if by_id["crypto_deleverages"].reached_at is not None and cascade_hours and (
        now - cascade_hours[-1] <= CASCADE_LEADS_FOR
    ):
        return "liquidation_cascade", by_id["crypto_deleverages"].evidence
    rates, equity = by_id["rates_dollar"].reached_at, by_id["equities_gap"].reached_at
    if rates is None and equity is None:
        if by_id["crypto_deleverages"].reached_at is not None:
            return "liquidation_cascade", by_id["crypto_deleverages"].evidence
        return None, None
    if rates is not None and (equity is None or rates < equity):
        return "rates_shock", by_id["rates_dollar"].evidence
    if equity is not None and (rates is None or equity < rates):
        return "equity_leadership", by_id["equities_gap"].evidence
    # the same hour: the shock's first mover names the driver; with both (or neither) it is mixed
    shock = by_id["narrative_shock"].evidence or ""
    rates_moved, equity_moved = "US10Y" in shock or "DXY" in shock, "ES " in shock
    if rates_moved and not equity_moved:
        return "rates_shock", f"{shock}; {by_id['rates_dollar'].evidence}"
    if equity_moved and not rates_moved:
        return "equity_leadership", f"{shock}; {by_id['equities_gap'].evidence}"
    return "mixed", f"{by_id['rates_dollar'].evidence}; {by_id['equities_gap'].evidence}"


def cause_map(views: Sequence[HourView], hold_h: int) -> CauseMap:
    """The cause map of the current episode (no episode: every stage unreached and no driver)."""
    start = episode_start(views, hold_h)
    looked_from = views[0].as_of if views else None
    if start is None:
        return CauseMap(None, tuple(Stage(i, n) for i, n in STAGES), looked_from=looked_from)
    first = views[start].as_of
    window = [v for v in views if v.as_of >= first - SHOCK_LEAD]
    stages = []
    for stage_id, name in STAGES:
        reached = None
        for view in window:
            if stage_id != "narrative_shock" and view.as_of < first:
                continue
            evidence = _stage_evidence(view, stage_id)
            if evidence is not None:
                reached = Stage(stage_id, name, view.as_of, evidence)
                break
        stages.append(reached or Stage(stage_id, name))
    episode_views = [v for v in views if v.as_of >= first]
    driver, why = driver_of(stages, episode_views)
    thin = tuple(e for v in episode_views if (e := _stage_evidence(v, "thin_liquidity")))
    return CauseMap(first, tuple(stages), driver, why, thin, looked_from)


def cause_map_json(cmap: CauseMap) -> dict[str, object]:
    """The cause map as the snapshot's `cause_map` object."""
    from cockpit.models import to_plain

    return {
        "episode_start": to_plain(cmap.episode_start),
        "stages": [{"id": s.id, "name": s.name, "reached_at": to_plain(s.reached_at), "evidence": s.evidence}
                   for s in cmap.stages],
        "order": [s.id for s in cmap.reached()],
        "driver": cmap.driver,
        "driver_evidence": cmap.driver_evidence,
        "looked_from": to_plain(cmap.looked_from),
    }


def span_json(span: FlagSpan, acknowledged: Mapping[tuple[str, str], bool] | None = None) -> dict[str, object]:
    """One flag span as a `flag_log` entry."""
    from cockpit.models import to_plain

    since = to_plain(span.since)
    return {"id": span.id.value, "since": since, "until": to_plain(span.until), "severity": span.severity.value,
            "message": span.message, "evidence": to_plain(span.evidence),
            "acknowledged": bool((acknowledged or {}).get((span.id.value, str(since)), False))}
