"""Flag spans, holds and the regime's hysteresis (SPEC §3 v2, §13): a pure function of the bars up to the moment.

Every hour of the profile's `span_window_h` before the moment is evaluated the way the moment is
(`compute_readings` on the bars complete by that hour, then the raw rules); the active spans, the holds
(LIQUIDATION_CASCADE, VOL_SPIKE, LEADERSHIP_BREAK) and the held regime are derived from that sequence, so
a screen, a replay, `watch` and a one-shot snapshot reach the same answer at the same moment. For the
outlook's "stress in the last 7 days", the older hours are sampled every `STRESS_STRIDE_H` hours.

An hour's evaluation is memoized per (profile, universe, hour, fingerprint of the bars it reads), so
consecutive evaluations (the app, a timeline) compute only the hours they have not seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cockpit.models import (
    CryptoAsset,
    Flag,
    FlagId,
    MarketState,
    Readings,
    Regime,
    RegimeCall,
)
from cockpit.rules.bar_index import HOUR, BarIndex, bar_index, sharing
from cockpit.rules.market import by_severity, market_flags, stale_since
from cockpit.rules.memo import MEMO_SIZE, HourMemo, memo_horizon_h
from cockpit.rules.regime import LADDER, STRESS_FLAGS, classify_regime, severity_rank
from cockpit.universe import Universe, floor_hour

if TYPE_CHECKING:
    from cockpit.settings import Profile

STRESS_STRIDE_H = 6  # older hours of the outlook's stress window: sampled at 00, 06, 12 and 18 UTC


@dataclass(frozen=True, slots=True)
class HourView:
    """One hour as the rules saw it: the readings (without their chart histories) and the raw flags."""

    at: datetime
    readings: Readings
    raw: tuple[Flag, ...]


@dataclass(frozen=True, slots=True)
class PastHour:
    """One hour before the moment as the rules judged it: its held regime and its active flags (with since)."""

    at: datetime
    regime: Regime
    flags: tuple[Flag, ...]
    readings: Readings


@dataclass(frozen=True, slots=True)
class Timeline:
    """The moment's active flags (with `since`), its held regime and the stress the outlook needs; `hours`
    are the window's hours as the rules judged them (the flag log and the cause map read them)."""

    flags: tuple[Flag, ...]
    regime: RegimeCall
    stress: str | None
    hours: tuple[PastHour, ...] = ()


_MEMO: HourMemo[HourView] = HourMemo(MEMO_SIZE)


def clear_memo() -> None:
    """Forget every memoized hour (tests use it to compare a cold evaluation with a stepped one)."""
    _MEMO.clear()


def _slim_asset(asset: CryptoAsset) -> CryptoAsset:
    return replace(asset, price_history=(), liq_history=())


def slim(readings: Readings) -> Readings:
    """The readings without chart histories: what the holds and the regime read, small enough to memoize."""
    return replace(
        readings,
        health=(),
        macro=replace(readings.macro, us10y_history=(), dxy_history=()),
        leadership=replace(readings.leadership, rs_history=()),
        crypto=replace(readings.crypto, btc=_slim_asset(readings.crypto.btc), eth=_slim_asset(readings.crypto.eth)),
        correlation=replace(readings.correlation, history_1h=(), history_4h=()),
    )


def _first_hour(now: datetime, profile: Profile) -> datetime:
    """The oldest hour an evaluation at `now` reads (its span window or the outlook's sparse samples)."""
    dense, sparse = _hours(now, profile)
    return min([*sparse, *dense, now])


@contextmanager
def shared_bars(state: MarketState, profile: Profile, first: datetime, last: datetime) -> Iterator[None]:
    """Within this block (and this thread), evaluations of `state`'s bars at moments `first`..`last` read one
    index of them: a timeline's hours are evaluated without sorting, hashing and splitting the bars each time.
    """
    index = BarIndex(state.bars, _first_hour(floor_hour(first), profile), floor_hour(last), profile.history_hours())
    with sharing(index):
        yield


def moment_bars(state: MarketState, profile: Profile) -> BarIndex:
    """One index of `state`'s bars for its whole evaluation: the moment's figures (`split_until(state.as_of)`)
    and every past hour its timeline reads, so the bars are filtered, sorted and split by symbol once."""
    now = floor_hour(state.as_of)
    return bar_index(state.bars, _first_hour(now, profile), now, profile.history_hours(), state.as_of)


def _view(bars: BarIndex, state: MarketState, hour: datetime, profile: Profile, universe: Universe,
          context: tuple[str, str]) -> HourView:
    """The view of an indexed hour of `bars`, from the memo where known (`context`: the memo's profile and
    universe, their reprs made once per evaluation)."""
    from cockpit.analytics.readings import readings_of

    key = (*context, hour, *bars.fingerprint(hour))
    known = _MEMO.get(key)
    if known is not None:
        return known
    readings = readings_of(bars.split_until(hour), MarketState(state.kind, hour, bars.at(hour)), profile, universe,
                           histories=False)
    made = HourView(hour, slim(readings), _raw(readings, profile))
    _MEMO.put(key, made, memo_horizon_h(profile))
    return made


def hour_readings(state: MarketState, profile: Profile, universe: Universe) -> Readings | None:
    """The readings of a past hour of a timeline (`state.as_of` on the UTC hour, no source health), without
    chart histories: what the rules read. From the memo when a later hour's evaluation saw this one; None for
    a state that is not such an hour (its readings are computed as the moment's are)."""
    now = floor_hour(state.as_of)
    if now != state.as_of or state.health:
        return None
    bars = bar_index(state.bars, _first_hour(now, profile), now, profile.history_hours())
    bars.index([now])
    return _view(bars, state, now, profile, universe, (repr(profile), repr(universe))).readings


def _raw(readings: Readings, profile: Profile) -> tuple[Flag, ...]:
    return tuple(f for f in market_flags(readings, profile) if f.id is not FlagId.STALE_DATA)


def _hours(now: datetime, profile: Profile) -> tuple[list[datetime], list[datetime]]:
    """The dense past hours (oldest first, without `now`) and the sparse older samples of the stress window."""
    dense = [now - HOUR * k for k in range(max(1, profile.span_window_h) - 1, 0, -1)]
    oldest = now - HOUR * max(1, profile.span_window_h)
    start = now - HOUR * profile.outlook_stress_h
    sparse = [h for k in range(profile.outlook_stress_h, profile.span_window_h, -1)
              if (h := now - HOUR * k).hour % STRESS_STRIDE_H == 0 and start <= h <= oldest]
    return dense, sparse


def hour_views(state: MarketState, profile: Profile, universe: Universe, current: Readings,
               bars: BarIndex | None = None) -> tuple[list[HourView], Iterator[HourView]]:
    """The dense views (oldest first, the moment last), and the sparse older ones newest first, evaluated only
    as they are asked for; from the memo where known (`bars`: the moment's index, from `moment_bars`)."""
    now = floor_hour(state.as_of)
    dense_hours, sparse_hours = _hours(now, profile)
    first = min([*sparse_hours, *dense_hours, now])
    if bars is None or not bars.covers(state.bars, first, now, profile.history_hours()):
        bars = bar_index(state.bars, first, now, profile.history_hours())
    bars.index([*sparse_hours, *dense_hours, now])
    context = (repr(profile), repr(universe))

    def view(hour: datetime) -> HourView:
        return _view(bars, state, hour, profile, universe, context)

    dense = [view(h) for h in dense_hours]
    moment = HourView(now, current, tuple(market_flags(current, profile)))
    if state.as_of == now:  # the moment is an hour of the grid: the next evaluation reads it from the memo
        _MEMO.put((*context, now, *bars.fingerprint(now)), HourView(now, slim(current), _raw(current, profile)),
                  memo_horizon_h(profile))
    return [*dense, moment], (view(h) for h in reversed(sparse_hours))


# --- holds and spans -----------------------------------------------------------------------------------


def _still_held(flag_id: FlagId, view: HourView, last_hit: datetime, profile: Profile) -> bool:
    """Whether a flag that qualified last at `last_hit` is still active at `view` without qualifying again."""
    quiet_h = (view.at - last_hit) / HOUR
    if flag_id is FlagId.LIQUIDATION_CASCADE:
        return quiet_h <= profile.liq_hold_h
    if flag_id is FlagId.VOL_SPIKE:
        c = view.readings.correlation
        ratios = [r for r in (c.vol_index.ratio, c.vol_btc.ratio) if r is not None]
        return quiet_h < profile.vol_spike_hold_h or (bool(ratios) and max(ratios) >= profile.vol_release_ratio)
    if flag_id is FlagId.LEADERSHIP_BREAK:
        return view.readings.leadership.rs_below_ma is True
    return False


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def active_flags(views: Sequence[HourView], profile: Profile) -> list[dict[FlagId, Flag]]:
    """Per view, the flags active there (raw or held), each with the start of its span as `since`."""
    out: list[dict[FlagId, Flag]] = [{} for _ in views]
    ids = {f.id for v in views for f in v.raw}
    for flag_id in (f for f in FlagId if f in ids):  # declaration order: the same in every process
        active, since, last_hit, last_flag = False, views[0].at, views[0].at, None
        for i, v in enumerate(views):
            raw = next((f for f in v.raw if f.id is flag_id), None)
            if raw is not None:
                now_active, last_hit, last_flag = True, v.at, raw
            else:
                now_active = active and last_flag is not None and _still_held(flag_id, v, last_hit, profile)
            if now_active and not active:
                since = v.at
            active = now_active
            if not active or last_flag is None:
                continue
            if raw is not None:
                out[i][flag_id] = replace(raw, since=since)
            else:
                out[i][flag_id] = replace(
                    last_flag, since=since, message=f"{last_flag.message} (held: last qualified {_iso(last_hit)})",
                    evidence={**last_flag.evidence, "held": True, "last_qualified": _iso(last_hit)})
    return out


# --- the regime's hysteresis -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Hysteresis:
    """Escalate at once; step down one rung only after `hold` hours without the current rung's evidence."""

    hold: timedelta
    label: Regime | None = None
    since: datetime | None = None
    evidence_at: datetime | None = None  # the last hour the raw label reached the held one
    clock: datetime | None = None  # when the hold began counting (the evidence, or the last step down)

    def step(self, at: datetime, raw: Regime) -> None:
        if raw is Regime.UNKNOWN:
            return
        if self.label is None or severity_rank(raw) >= severity_rank(self.label):
            if raw is not self.label:
                self.since = at
            self.label, self.evidence_at, self.clock = raw, at, at
            return
        assert self.clock is not None
        if at - self.clock >= self.hold:
            self.label = LADDER[max(severity_rank(raw), severity_rank(self.label) - 1)]
            self.since, self.clock = at, at
            if raw is self.label:
                self.evidence_at = at


def held_regime(views: Sequence[HourView], actives: Sequence[dict[FlagId, Flag]], profile: Profile
                ) -> tuple[RegimeCall, list[Regime], list[Regime]]:
    """The regime at the last view after the hysteresis ran over every view, each view's own label, and the
    label the hysteresis held at each view.

    `unknown` (a gap in the data) is never held and never holds: it shows while the gap lasts.
    """
    machine = _Hysteresis(timedelta(hours=profile.regime_hold_h))
    held_labels: list[Regime] = []
    unknown_since: datetime | None = None
    raw = RegimeCall(Regime.UNKNOWN, profile.multiplier(Regime.UNKNOWN))
    labels: list[Regime] = []
    for view, active in zip(views, actives, strict=True):
        raw = classify_regime(view.readings, active.values(), profile)
        labels.append(raw.label)
        machine.step(view.at, raw.label)
        held_labels.append(raw.label if raw.label is Regime.UNKNOWN or machine.label is None else machine.label)
        unknown_since = (unknown_since or view.at) if raw.label is Regime.UNKNOWN else None
    if raw.label is Regime.UNKNOWN or machine.label is None:
        return replace(raw, since=unknown_since), labels, held_labels
    label = machine.label
    if label is raw.label:
        return replace(raw, since=machine.since), labels, held_labels
    held = (f"held at {label.value} ({profile.regime_hold_h} h hysteresis): its evidence last held "
            f"{_iso(machine.evidence_at or views[-1].at)}; this hour alone says {raw.label.value}")
    call = RegimeCall(label, profile.multiplier(label), (held, *raw.evidence), since=machine.since,
                      held_from=machine.evidence_at)
    return call, labels, held_labels


def _stress_of(labels: Sequence[Regime], flag_ids: Iterable[FlagId]) -> str | None:
    """What stress an hour shows (its regime above calm, its stress flags), or None."""
    names = sorted(i.value for i in flag_ids if i in STRESS_FLAGS)
    above_calm = [label.value for label in labels if severity_rank(label) >= 1]
    return ", ".join([*above_calm, *names]) or None


def _stress_text(views: Sequence[HourView], actives: Sequence[dict[FlagId, Flag]], regime_labels: Sequence[Regime],
                 sparse: Iterator[HourView], profile: Profile) -> str | None:
    """The latest stress within the outlook's window: the dense hours first, then older samples newest first
    (evaluated only while no stress has been found)."""
    latest: tuple[datetime, str] | None = None
    for view, active, label in zip(views, actives, regime_labels, strict=True):
        what = _stress_of([label], active)
        latest = (view.at, what) if what else latest
    for view in sparse if latest is None else ():
        what = _stress_of([classify_regime(view.readings, view.raw, profile).label], (f.id for f in view.raw))
        if what:
            latest = (view.at, what)
            break
    if latest is None:
        return None
    return f"stress within {profile.outlook_stress_h // 24} days ({latest[1]}, {_iso(latest[0])})"


def evaluate_timeline(state: MarketState, profile: Profile, universe: Universe, current: Readings,
                      bars: BarIndex | None = None) -> Timeline:
    """The moment's flags with spans and holds, its held regime, and the stress the outlook is gated on
    (`bars`: the moment's index of its bars, when its figures were read from one)."""
    views, sparse = hour_views(state, profile, universe, current, bars)
    actives = active_flags(views, profile)
    now = dict(actives[-1])
    stale = next((f for f in views[-1].raw if f.id is FlagId.STALE_DATA), None)
    if stale is not None:
        now[FlagId.STALE_DATA] = replace(stale, since=stale_since(current))
    regime, labels, held_labels = held_regime(views, actives, profile)
    stress = _stress_text(views, actives, labels, sparse, profile)
    hours = tuple(PastHour(v.at, held, tuple(by_severity(list(active.values()))), v.readings)
                  for v, active, held in zip(views[:-1], actives[:-1], held_labels[:-1], strict=True))
    return Timeline(tuple(by_severity(list(now.values()))), regime, stress, hours)
