"""The daily risk-off checklist (SPEC §7), pure: five steps, their budgets, per-profile questions, the
readings each step shows and the suggested answer, all computed from a Snapshot. No clock: times come in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cockpit.kinds import age_text
from cockpit.models import FlagId, ProfileName, Regime, Severity, Snapshot, frozen_map

STEP_COUNT = 5
LIQ_RISING_Z = 2.0  # a liquidation z-score this high counts as "rising liquidations" for step 3


class StepKey(StrEnum):
    """The five steps, in order."""

    MACRO = "macro"
    LEADERSHIP = "leadership"
    CRYPTO = "crypto"
    CORRELATION = "correlation"
    EXECUTION = "execution"


class Answer(StrEnum):
    """Answers to steps 1-4: every question is put so that `yes` means the risk-off signal is there."""

    YES = "yes"
    NO = "no"


class Decision(StrEnum):
    """Step 5: exactly one execution rule."""

    HEDGE = "hedge"
    REDUCE = "reduce"
    WAIT = "wait"


@dataclass(frozen=True, slots=True)
class StepSpec:
    """A step's fixed parts: number, key, name and time budget."""

    number: int
    key: StepKey
    name: str
    budget_s: int


STEPS: tuple[StepSpec, ...] = (
    StepSpec(1, StepKey.MACRO, "Macro", 120),
    StepSpec(2, StepKey.LEADERSHIP, "Equity leadership", 240),
    StepSpec(3, StepKey.CRYPTO, "Crypto structure", 240),
    StepSpec(4, StepKey.CORRELATION, "Correlation", 180),
    StepSpec(5, StepKey.EXECUTION, "Execution rule", 120),
)

BASE_QUESTIONS: Mapping[int, str] = {
    1: "Yields and dollar together up: is the risk budget shrinking?",
    2: "AI/semis/software breadth vs the index: leaders breaking while the index holds?",
    3: "Funding, OI, liquidation pressure: is price falling into rising liquidations?",
    4: "SPX futures vs BTC on 1h/4h: both down and vol rising, so trade smaller?",
    5: "Choose exactly one: hedge, reduce or wait.",
}

# Where SPEC §4 says a profile looks at something else, its question replaces the base one.
PROFILE_QUESTIONS: Mapping[ProfileName, Mapping[int, str]] = {
    ProfileName.SHORT: {
        3: "Price falling into rising liquidations with open interest not yet reset (a first flush)?",
    },
    ProfileName.SWING: {
        1: "Yields and dollar still rising together: risk budget shrinking, macro not yet stabilized?",
        2: "Leaders still making lower lows (breaking while the index holds)?",
    },
    ProfileName.LONG: {
        4: "Correlation and vol still elevated, not yet normalized for re-entry?",
        5: "Inside your portfolio risk limit and drawdown tolerance? Choose one: hedge, reduce or wait.",
    },
}

PROFILE_PROMPTS: Mapping[ProfileName, Mapping[int, tuple[str, ...]]] = {
    ProfileName.SHORT: {
        3: ("Where are the nearest liquidation levels below price?",
            "First flush or second? Prefer entries on the second, after open interest resets."),
        4: ("Vol spiking: cut size before the next trade.",),
        5: ("Minutes to hours: flatten into a flush, or wait for the second one.",),
    },
    ProfileName.SWING: {
        1: ("Swing waits for yields to stabilize and the dollar to stop rising.",),
        2: ("Scale in only after leaders stop making lower lows.",),
        5: ("Scale in gradually: one slice at a time, never all in.",),
    },
    ProfileName.LONG: {
        4: ("Re-enter when correlation and vol normalize.",),
        5: ("Portfolio risk limit: is total exposure inside it?",
            "Max drawdown tolerance: how far is the book from it?",
            "Hedges: are they in place and sized to the book?"),
    },
}


def question_for(number: int, profile: ProfileName) -> str:
    """The question step `number` asks in `profile`."""
    return PROFILE_QUESTIONS.get(profile, {}).get(number, BASE_QUESTIONS[number])


def prompts_for(number: int, profile: ProfileName) -> tuple[str, ...]:
    """The profile's extra points to check on step `number` (may be empty)."""
    return PROFILE_PROMPTS.get(profile, {}).get(number, ())


@dataclass(frozen=True, slots=True)
class Reading:
    """One figure a step shows: its value with unit and the text drawn on screen."""

    key: str
    label: str
    value: float | int | str | bool | None
    unit: str
    text: str

    def to_json(self) -> dict[str, Any]:
        """The reading as saved in the journal: label, value, unit and text."""
        return {"label": self.label, "value": self.value, "unit": self.unit, "text": self.text}


@dataclass(frozen=True, slots=True)
class StepView:
    """Everything one page of the walk-through shows: question, readings and the suggested answer."""

    spec: StepSpec
    question: str
    prompts: tuple[str, ...]
    readings: tuple[Reading, ...]
    suggested: str | None
    reason: str

    @property
    def number(self) -> int:
        """1..5."""
        return self.spec.number

    def readings_json(self) -> dict[str, dict[str, Any]]:
        """Readings keyed by name, ready for JSON."""
        return {r.key: r.to_json() for r in self.readings}


def format_clock(seconds: float) -> str:
    """Seconds as m:ss (sign kept, rounded down to whole seconds)."""
    whole = int(abs(seconds))
    sign = "-" if seconds < 0 and whole else ""
    return f"{sign}{whole // 60}:{whole % 60:02d}"


def countdown(budget_s: float, spent_s: float) -> tuple[str, bool]:
    """Remaining time as m:ss (negative once over) and whether the budget is exceeded."""
    remaining = budget_s - spent_s
    return format_clock(remaining), remaining < 0


def _num(key: str, label: str, value: float | None, unit: str, spec: str, scale: float = 1.0) -> Reading:
    if value is None:
        return Reading(key, label, None, unit, "n/a")
    scaled = value * scale
    return Reading(key, label, round(scaled, 6), unit, f"{format(scaled, spec)} {unit}".rstrip())


def _flag(key: str, label: str, value: bool | None) -> Reading:
    return Reading(key, label, value, "", "n/a" if value is None else ("yes" if value else "no"))


def _word(key: str, label: str, value: str | None) -> Reading:
    return Reading(key, label, value, "", value or "n/a")


def _money(key: str, label: str, value: float | None) -> Reading:
    if value is None:
        return Reading(key, label, None, "USD", "n/a")
    text = f"${value / 1e6:,.1f}M" if abs(value) >= 1e5 else f"${value:,.0f}"
    return Reading(key, label, round(value, 2), "USD", text)


def _last_bar(key: str, label: str, as_of: datetime, *ages_s: float | None) -> Reading:
    """When the oldest of these figures' newest bars closed, and how long before `as_of` (the data's time): on a
    weekend the rates and the leaders are Friday's, which "data as of" Saturday does not say."""
    known = [age for age in ages_s if age is not None]
    if not known:
        return Reading(key, label, None, "UTC", "n/a")
    age = max(known)
    closed = as_of - timedelta(seconds=age)
    old = age_text(age)  # as the panes read ages: 3,599 s is 59m, 2.5 h is 2h30m, 17 h is 17h
    return Reading(key, label, closed.isoformat().replace("+00:00", "Z"), "UTC",
                   f"{closed:%a %Y-%m-%d %H:%M} UTC ({old} old)")


def step_readings(number: int, snap: Snapshot | None) -> tuple[Reading, ...]:
    """The cockpit's live readings for step `number` (all n/a without a snapshot)."""
    if snap is None:
        return (Reading("data", "Data", None, "", "waiting for the first evaluation"),)
    r = snap.readings
    as_of = Reading("as_of", "Data as of", snap.as_of.isoformat().replace("+00:00", "Z"), "UTC",
                    snap.as_of.strftime("%Y-%m-%d %H:%M UTC"))
    if number == 1:
        m = r.macro
        return (
            _num("us10y", "US10Y", m.us10y, "%", ".3f"),
            _num("us10y_change_bp", f"US10Y change ({m.lookback_h}h)", m.us10y_change_bp, "bp", "+.1f"),
            _num("dxy", "DXY", m.dxy, "", ".2f"),
            _num("dxy_change_pct", f"DXY change ({m.lookback_h}h)", m.dxy_change_pct, "%", "+.2f"),
            _word("risk_budget", "Risk budget", m.risk_budget),
            _last_bar("last_bar", "Last bar", snap.as_of, m.us10y_age_s, m.dxy_age_s),
            as_of,
        )
    if number == 2:
        lead = r.leadership
        have, of = len(lead.members), len(lead.members) + len(lead.missing)
        return (
            _num("breadth_above_ma", "Leaders above their average", lead.breadth_above_ma, "%", ".0f", 100.0),
            _num("breadth_new_lows", "Leaders at new lows", lead.breadth_new_lows, "%", ".0f", 100.0),
            _num("relative_strength_pct", f"Relative strength vs index ({lead.timeframe})",
                 lead.relative_strength_pct, "%", "+.2f"),
            _flag("rs_new_low", "Relative strength at a new low", lead.rs_new_low),
            _flag("index_holding", "Index holding above its average", lead.index_holding),
            _word("verdict", "Verdict", lead.verdict),
            Reading("coverage", "Members with data", have, f"of {of}", f"{have}/{of}"),
            _last_bar("last_bar", "Last bar", snap.as_of, lead.age_s),
            as_of,
        )
    if number == 3:
        btc, c = r.crypto.btc, r.crypto
        flushes = c.flush_count if c.flushes_known else None  # no liquidation tape: unknown, not 0
        return (
            _num("funding_rate", "BTC funding per interval", btc.funding_rate, "%", "+.4f", 100.0),
            _num("funding_annualised_pct", "BTC funding annualised", btc.funding_annualised_pct, "%", "+.1f"),
            _num("oi_change_pct_24h", "BTC open interest change", btc.oi_change_pct_24h, "%", "+.1f"),
            _money("long_liq_usd_1h", "BTC long liquidations (1h)", btc.long_liq_usd_1h),
            _num("liq_zscore_1h", "Liquidations z-score (1h)", btc.liq_zscore_1h, "z", "+.1f"),
            _num("change_4h_pct", "BTC price change (4h)", btc.change_4h_pct, "%", "+.2f"),
            _word("trend", "BTC trend", btc.trend),
            _word("state", "Structure", c.state),
            Reading("flush_count", "Liquidation flushes", flushes, "", "n/a" if flushes is None else str(flushes)),
            _flag("oi_reset", "Open interest reset", c.oi_reset),
            _last_bar("last_bar", "Last bar", snap.as_of, btc.age_s),
            as_of,
        )
    if number == 4:
        co = r.correlation
        return (
            _num("corr_1h", f"Correlation 1h (window {co.c1h.window})", co.c1h.value, "", "+.2f"),
            _num("corr_4h", f"Correlation 4h (window {co.c4h.window})", co.c4h.value, "", "+.2f"),
            _num("vol_ratio_index", "SPX futures vol, recent/prior", co.vol_index.ratio, "x", ".2f"),
            _num("vol_ratio_btc", "BTC vol, recent/prior", co.vol_btc.ratio, "x", ".2f"),
            _word("trend_index", "SPX futures trend", co.trend_index),
            _word("trend_btc", "BTC trend", co.trend_btc),
            _flag("both_down_vol_rising", "Both down and vol rising", co.both_down_vol_rising),
            _last_bar("last_bar", "Last bar", snap.as_of, co.age_s),
            as_of,
        )
    flags = tuple(Reading(f.id.value, f.id.value, f.severity.value, "", f"{f.severity}: {f.message}")
                  for f in snap.flags)
    regime = snap.regime
    return (
        *(flags or (Reading("flags", "Flags", None, "", "none"),)),
        Reading("regime", "Regime", regime.label.value, "", f"{regime.label} (size x{regime.multiplier:g})"),
        as_of,
    )


def _flag_ids(snap: Snapshot) -> set[FlagId]:
    return {f.id for f in snap.flags}


def _suggest_macro(snap: Snapshot, profile: ProfileName) -> tuple[str | None, str]:
    m = snap.readings.macro
    if m.risk_budget is None or m.us10y_change_bp is None or m.dxy_change_pct is None:
        return None, "no macro data: answer from your own screens"
    moves = f"US10Y {m.us10y_change_bp:+.1f} bp, DXY {m.dxy_change_pct:+.2f} % over {m.lookback_h}h"
    if m.risk_budget == "shrinking":
        return Answer.YES, f"{moves}: risk budget shrinking"
    if profile is ProfileName.SWING and m.us10y_change_bp > 0 and m.dxy_change_pct > 0:
        return Answer.YES, f"{moves}: both still rising, macro not yet stable"
    return Answer.NO, f"{moves}: risk budget {m.risk_budget}"


def _suggest_leadership(snap: Snapshot, profile: ProfileName) -> tuple[str | None, str]:
    lead = snap.readings.leadership
    if lead.verdict is None:
        return None, "no leadership data: answer from your own screens"
    if profile is ProfileName.SWING:
        lows = lead.rs_new_low or (lead.breadth_new_lows or 0.0) >= 0.25
        share = f"{(lead.breadth_new_lows or 0.0):.0%} of leaders at new lows"
        return (Answer.YES, f"leaders still making lower lows ({share})") if lows else (
            Answer.NO, f"no new relative low, {share}")
    breaking = lead.verdict in ("breaking", "broken")
    if breaking and lead.index_holding:
        return Answer.YES, f"leaders {lead.verdict} while the index holds above its average"
    if breaking:
        return Answer.NO, f"leaders {lead.verdict}, but the index is no longer holding: the break has spread"
    return Answer.NO, f"leaders {lead.verdict}"


def _suggest_crypto(snap: Snapshot, profile: ProfileName) -> tuple[str | None, str]:
    c = snap.readings.crypto
    btc = c.btc
    if c.state is None or btc.change_4h_pct is None:
        return None, "no crypto data: answer from your own screens"
    liq_rising = btc.liq_zscore_1h is not None and btc.liq_zscore_1h >= LIQ_RISING_Z
    falling_into_liqs = c.state == "liquidation-driven" or (btc.change_4h_pct < 0 and liq_rising)
    z = "n/a" if btc.liq_zscore_1h is None else f"{btc.liq_zscore_1h:+.1f}"
    detail = f"BTC {btc.change_4h_pct:+.2f} % over 4h, liquidations z {z}, structure {c.state}"
    if profile is ProfileName.SHORT:
        if falling_into_liqs and not c.oi_reset:
            return Answer.YES, f"{detail}, OI not reset: a first flush, wait for the second"
        if falling_into_liqs:
            return Answer.NO, f"{detail}, OI reset after {c.flush_count} flush(es): second-flush territory"
        return Answer.NO, detail
    return (Answer.YES if falling_into_liqs else Answer.NO), detail


def _suggest_correlation(snap: Snapshot, profile: ProfileName) -> tuple[str | None, str]:
    co = snap.readings.correlation
    c4h = "n/a" if co.c4h.value is None else f"{co.c4h.value:+.2f}"
    if profile is ProfileName.LONG:
        if co.c4h.value is None and co.both_down_vol_rising is None:
            return None, "no correlation data: answer from your own screens"
        elevated = _flag_ids(snap) & {FlagId.SINGLE_RISK_BOOK, FlagId.CORRELATED_RISK_OFF, FlagId.VOL_SPIKE}
        if elevated or co.both_down_vol_rising:
            names = ", ".join(sorted(elevated)) or "both down and vol rising"
            return Answer.YES, f"4h correlation {c4h}; not normalized: {names}"
        return Answer.NO, f"4h correlation {c4h}; correlation and vol look normal"
    if co.both_down_vol_rising is None:
        return None, "no correlation data: answer from your own screens"
    if co.both_down_vol_rising:
        return Answer.YES, f"4h correlation {c4h}; SPX futures and BTC both down, vol rising: trade smaller"
    return Answer.NO, f"4h correlation {c4h}; not both down with vol rising"


def suggest_decision(snap: Snapshot | None, profile: ProfileName,
                     answers: Mapping[int, str | None]) -> tuple[str | None, str]:
    """Step 5's suggestion from the trader's answers to steps 1-4, the flags and the regime."""
    if snap is None:
        return None, "no data yet"
    yes = sum(1 for n in range(1, STEP_COUNT) if answers.get(n) == Answer.YES)
    critical = sorted(f.id.value for f in snap.flags if f.severity is Severity.CRITICAL)
    regime = snap.regime.label
    why = f"{yes} of 4 answers risk-off, regime {regime.value}"
    if critical:
        why += ", critical: " + ", ".join(critical)
    if critical or regime is Regime.LIQUIDITY_SHOCK or yes >= 3:
        if profile is ProfileName.LONG and yes < 4 and regime is not Regime.LIQUIDITY_SHOCK:
            return Decision.HEDGE, why + ": hedge the book rather than sell it"
        return Decision.REDUCE, why + ": reduce exposure"
    if yes == 2 or (yes == 1 and regime in (Regime.VOLATILITY_EVENT, Regime.TREND_BREAK)):
        return Decision.HEDGE, why + ": hedge"
    return Decision.WAIT, why + ": no forced action, wait"


_SUGGESTERS = (_suggest_macro, _suggest_leadership, _suggest_crypto, _suggest_correlation)


def step_view(number: int, snap: Snapshot | None, profile: ProfileName,
              answers: Mapping[int, str | None] | None = None) -> StepView:
    """Page `number` (1..5) for `profile`; step 5's suggestion uses `answers` to steps 1-4."""
    if not 1 <= number <= STEP_COUNT:
        raise ValueError(f"step must be 1..{STEP_COUNT}, got {number}")
    if number == STEP_COUNT:
        suggested, reason = suggest_decision(snap, profile, answers or {})
    elif snap is None:
        suggested, reason = None, "no data yet"
    else:
        suggested, reason = _SUGGESTERS[number - 1](snap, profile)
    return StepView(
        spec=STEPS[number - 1],
        question=question_for(number, profile),
        prompts=prompts_for(number, profile),
        readings=step_readings(number, snap),
        suggested=None if suggested is None else str(suggested),
        reason=reason,
    )


def overridden_choice(view: StepView, current: str | None) -> str:
    """The answer `o` moves to: the other of yes/no (from the current answer, else the suggestion)."""
    base = current or view.suggested
    return Answer.NO.value if base == Answer.YES else Answer.YES.value


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One answered step as saved: question, readings (JSON-ready), suggestion, answer, note and time."""

    number: int
    key: str
    name: str
    question: str
    readings: Mapping[str, Any]
    suggested: str | None
    answer: str | None
    overridden: bool
    note: str = ""
    seconds_spent: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "readings", frozen_map(self.readings))

    @property
    def budget_s(self) -> int:
        """The step's time budget in seconds."""
        return STEPS[self.number - 1].budget_s


def record_step(view: StepView, chosen: str | None, note: str, seconds_spent: float) -> StepRecord:
    """The record of a step as left: the trader's choice, else (steps 1-4) the suggestion, confirmed."""
    answer = chosen if chosen is not None or view.number == STEP_COUNT else view.suggested
    return StepRecord(
        number=view.number,
        key=view.spec.key.value,
        name=view.spec.name,
        question=view.question,
        readings=view.readings_json(),
        suggested=view.suggested,
        answer=answer,
        overridden=chosen is not None and chosen != view.suggested,
        note=note.strip(),
        seconds_spent=round(max(0.0, seconds_spent), 3),
    )


@dataclass(frozen=True, slots=True)
class RunDraft:
    """The whole run as the screen holds it; each save writes it all, newest revision wins."""

    revision: int
    started_at: datetime
    profile: ProfileName
    source: str
    steps: tuple[StepRecord, ...] = ()
    decision: Decision | None = None
    note: str = ""
    finished_at: datetime | None = None
    # the snapshot on screen when the decision was saved: the run keeps the brief of that moment
    moment: Snapshot | None = field(default=None, compare=False, repr=False)
