"""The story of a moment (SPEC §13): the hourly views up to it, from a snapshot's span window or a week of
evaluations, and what they tell: the flag log, the cause map, the thin window now.

The bars-only stage evidence (risk-off shocks, the leaders' opening gaps) is read here, vectorized over the
bars; everything else comes from each hour's own readings and flags (`cockpit.causes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cockpit.causes import (
    SHOCK_LEAD,
    CauseMap,
    FlagSpan,
    HourView,
    cause_map,
    cause_map_json,
    flag_spans,
    hour_view,
    judged_hour,
    span_json,
)
from cockpit.liquidity import ThinWindow, thin_window
from cockpit.universe import floor_hour

if TYPE_CHECKING:
    import polars as pl

    from cockpit.models import MarketState, Snapshot
    from cockpit.settings import Profile
    from cockpit.universe import Universe


SHOCK_SIGMA = 3.0
SHOCK_BASELINE_H = 168


def _moves(series: pl.DataFrame, level: bool) -> pl.DataFrame:
    """Per bar: the move since the previous bar when exactly one hour apart, its baseline RMS, the session gap."""
    import polars as pl

    move = (pl.col("close") - pl.col("close").shift(1)) if level else (pl.col("close") / pl.col("close").shift(1)).log()
    consecutive = pl.col("ts").diff() == timedelta(hours=1)
    kept = pl.when(consecutive).then(move)
    return series.sort("ts").select(
        "ts",
        kept.alias("move"),
        (kept.pow(2).shift(1).rolling_mean(SHOCK_BASELINE_H, min_samples=24)).sqrt().alias("rms"),
        pl.when(~consecutive).then((pl.col("open") / pl.col("close").shift(1) - 1.0) * 100.0).alias("gap_pct"),
    )


def hourly_shocks(
    by_symbol: Mapping[str, pl.DataFrame], names: Mapping[str, tuple[str, bool, float]]
) -> dict[datetime, list[str]]:
    """Hours whose 1h move in the risk-off direction (`sign`) is >= 3x its trailing RMS, in words.

    {bar close time: ["ES 1h -1.9 % (3.4x its vol)"]}; a rally of the same size is no risk-off shock.
    """
    import polars as pl

    out: dict[datetime, list[str]] = {}
    for symbol, (label, level, sign) in names.items():
        series = by_symbol.get(symbol)
        if series is None or series.height < 26:
            continue
        moves = _moves(series, level).filter(
            pl.col("move").is_not_null() & (pl.col("rms") > 0) & (pl.col("move") * sign >= SHOCK_SIGMA * pl.col("rms"))
        )
        for ts, move, rms in moves.select("ts", "move", "rms").iter_rows():
            text = f"{label} 1h {move * 100:+.1f} bp" if level else f"{label} 1h {move * 100:+.2f} %"
            out.setdefault(ts + timedelta(hours=1), []).append(f"{text} ({abs(move) / rms:.1f}x its vol)")
    return out


def leaders_gaps(by_symbol: Mapping[str, pl.DataFrame], leaders: Sequence[str]) -> dict[datetime, float]:
    """The leaders' average session opening gap (%), keyed by the close time of the opening bar."""
    import polars as pl

    frames = [_moves(by_symbol[s], False).select("ts", "gap_pct").drop_nulls() for s in leaders if s in by_symbol]
    if not frames:
        return {}
    gaps = pl.concat(frames).group_by("ts").agg(pl.col("gap_pct").mean())
    return {ts + timedelta(hours=1): float(g) for ts, g in gaps.iter_rows()}


Stages = tuple[dict[datetime, list[str]], dict[datetime, float]]  # risk-off shocks and leaders' gaps, by hour


def bar_stages(state: MarketState, universe: Universe, hours: int) -> Stages:
    """The stage evidence read straight from the bars: risk-off shocks and the leaders' opening gaps, by hour."""
    from cockpit.analytics.bars import split_symbols, trim_history

    by_symbol = split_symbols(trim_history(state.bars, state.as_of, hours + SHOCK_BASELINE_H + 48))
    shocks = hourly_shocks(by_symbol, {universe.index: ("ES", False, -1.0), universe.us10y: ("US10Y", True, 1.0),
                                       universe.dxy: ("DXY", False, 1.0)})
    return shocks, leaders_gaps(by_symbol, universe.leaders)


def snapshot_views(state: MarketState | None, snap: Snapshot, universe: Universe | None) -> list[HourView]:
    """The views of the hours a snapshot's spans were judged on (its span window), the moment last.

    Without the market state (a snapshot kept alone, as a checklist run keeps it) the bars-only stage
    evidence is left out: no risk-off shocks and no leaders' opening gaps. Everything else comes from each
    hour's own readings and flags, so the index's session gap still marks a narrative shock and a
    leadership break still marks the equities stage.
    """
    hours = len(snap.history) + 1
    shocks: dict[datetime, list[str]] = {}
    gaps: dict[datetime, float] = {}
    if state is not None and universe is not None:
        shocks, gaps = bar_stages(state, universe, hours)

    def at_hour(at: datetime) -> tuple[tuple[str, ...], float | None]:
        hour = at.replace(minute=0, second=0, microsecond=0)
        return tuple(shocks.get(hour, ())), gaps.get(hour)

    views = [judged_hour(h.at, h.regime, h.flags, h.readings, *at_hour(h.at)) for h in snap.history]
    return [*views, hour_view(snap, *at_hour(snap.as_of))]


def timeline(state: MarketState, profile: Profile, universe: Universe, hours: int,
             cache: dict[datetime, HourView] | None = None, budget: int | None = None,
             moment: Snapshot | None = None, stages: Stages | None = None) -> list[HourView]:
    """Hourly views for the `hours` hours up to `state.as_of` (oldest first); past hours reuse `cache`.

    A past hour is evaluated on the same bars with an earlier `as_of` (only bars complete by then count),
    without the present's source health, which says nothing about the past. With a `budget`, at most that
    many uncached past hours are evaluated, newest first, and the views start where the budget ran out:
    the screen fills its week over a few polls instead of stalling the first one. `moment` is the snapshot
    of `state` when the caller has judged it already (it is not evaluated again); `stages` what `bar_stages`
    gives for these bars and hours, when the caller kept it (a poll that brought no new bar).
    """
    from contextlib import nullcontext
    from dataclasses import replace

    from cockpit.rules.spans import shared_bars
    from cockpit.snapshot import build_snapshot

    end = floor_hour(state.as_of)
    shocks, gaps = stages if stages is not None else bar_stages(state, universe, hours)

    def evaluate(at: datetime, past: MarketState, past_hour: bool = True) -> HourView:
        hour = floor_hour(at)
        snap = build_snapshot(past, profile, universe, past_hour=past_hour)
        return hour_view(snap, tuple(shocks.get(hour, ())), gaps.get(hour))

    if moment is not None and moment.as_of == state.as_of and moment.judged and moment.profile is profile.name:
        newest_first = [hour_view(moment, tuple(shocks.get(end, ())), gaps.get(end))]
    else:
        newest_first = [evaluate(state.as_of, state, past_hour=False)]
    spent = 0
    hours_back = [end - timedelta(hours=step) for step in range(0 if end < state.as_of else 1, hours + 1)]
    unknown = len(hours_back) if cache is None else sum(at not in cache for at in hours_back)
    # one index of the bars for the hours to evaluate, when there are several: a new bar's one hour is indexed
    # alone, cheaper than the week
    with shared_bars(state, profile, end - timedelta(hours=hours), end) if unknown > 2 else nullcontext():
        for at in hours_back:
            view = None if cache is None else cache.get(at)
            if view is None:
                if budget is not None and spent >= budget:
                    break
                view = evaluate(at, replace(state, as_of=at, health=()))
                spent += 1
                if cache is not None:
                    cache[at] = view
            newest_first.append(view)
    return newest_first[::-1]


FLAG_LOG_DAYS = 7


@dataclass(frozen=True, slots=True)
class Story:
    """What the timeline up to a moment says: spans of the last 7 days, the cause map, the thin window now."""

    spans: tuple[FlagSpan, ...]
    cause_map: CauseMap
    thin_now: ThinWindow | None


def story(views: Sequence[HourView], hold_h: int) -> Story:
    """The flag log, cause map and thin window of a timeline (its last view is the moment)."""
    if not views:
        return Story((), cause_map((), hold_h), None)
    now = views[-1].as_of
    horizon = now - timedelta(days=FLAG_LOG_DAYS)
    spans = tuple(s for s in flag_spans(views) if s.until is None or s.until >= horizon)
    return Story(spans, cause_map(views, hold_h), thin_window(now))


def story_json(st: Story, acknowledged: Mapping[tuple[str, str], bool] | None = None) -> dict[str, object]:
    """The snapshot's `flag_log`, `cause_map`, `driver` and `thin` keys."""
    from cockpit.models import to_plain

    thin = st.thin_now
    return {
        "flag_log": [span_json(s, acknowledged) for s in reversed(st.spans)],
        "cause_map": cause_map_json(st.cause_map),
        "driver": {"label": st.cause_map.driver, "evidence": st.cause_map.driver_evidence},
        "thin": None if thin is None else {"id": thin.id, "name": thin.name, "until": to_plain(thin.end)},
    }


def with_logged(spans: Sequence[FlagSpan], logged: Sequence[FlagSpan], window_start: datetime) -> list[FlagSpan]:
    """The window's spans joined by the log's older ones; a span running into the window keeps its logged start.

    The window can only see a span from its first hour on; the log, written as the hours went by, knows when
    such a span really began.
    """
    older = {s.id: s for s in logged if s.since < window_start and (s.until is None or s.until >= window_start)}
    joined = []
    for span in spans:
        earlier = older.pop(span.id, None) if span.since <= window_start else None
        joined.append(span if earlier is None else FlagSpan(span.id, earlier.since, span.until, span.severity,
                                                            span.message, span.evidence))
    joined += [s for s in logged if s.until is not None and s.until < window_start]
    return sorted(joined, key=lambda s: (s.since, s.id.value))


def moment_story(state: MarketState | None, snap: Snapshot, universe: Universe | None, hold_h: int,
                 logged: Sequence[FlagSpan] = ()) -> Story:
    """The story of one snapshot: its span window's hours, and the log's older spans of the last week.

    `state` None tells it from the snapshot alone (see `snapshot_views`: no bars-only stage evidence).
    """
    views = snapshot_views(state, snap, universe)
    told = story(views, hold_h)
    if not logged:
        return told
    horizon = snap.as_of - timedelta(days=FLAG_LOG_DAYS)
    spans = [s for s in with_logged(told.spans, logged, views[0].as_of) if s.until is None or s.until >= horizon]
    return Story(tuple(spans), told.cause_map, told.thin_now)


class StoryLine:
    """The story of a timeline walked forward (`snapshot --every`): each moment joins the week before it.

    The bars-only stage evidence is read once from the whole timeline's bars (an hour's shock or gap is
    known from its own bar on, so reading ahead never changes a past hour).
    """

    def __init__(self, final: MarketState, universe: Universe, hold_h: int) -> None:
        first: datetime | None = final.bars.get_column("ts").min() if final.bars.height else None  # type: ignore[assignment]
        span_h = 0 if first is None else int((final.as_of - first).total_seconds() // 3600)
        self._shocks, self._gaps = bar_stages(final, universe, span_h)
        self._hold_h = hold_h
        self._views: list[HourView] = []

    def add(self, snap: Snapshot) -> dict[str, object]:
        """The story keys of the snapshot JSON at this moment."""
        hour = snap.as_of.replace(minute=0, second=0, microsecond=0)
        self._views.append(hour_view(snap, tuple(self._shocks.get(hour, ())), self._gaps.get(hour)))
        horizon = snap.as_of - timedelta(days=FLAG_LOG_DAYS) - timedelta(hours=SHOCK_LEAD.total_seconds() // 3600)
        self._views = [v for v in self._views if v.as_of >= horizon]
        return story_json(story(self._views, self._hold_h))
