"""The issue's acceptance at flag level: each scenario's story as the cockpit itself reads it, hour by hour.

One pass per seed walks the scenario an hour at a time through `build_snapshot` (the span memo carries from
hour to hour, as `snapshot --every` does) and records when each flag and reading first appears; a long
planned at the first and at the second cascade goes through the pre-trade checks. Hours are bar hours from
the scenario start (the snapshot at start + h + 1 has seen bar h).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.scenario_bars import Market, crypto_weekend, us_session
from benchmarks.scenario_story import OUTLOOK_OF, shock_index

CASCADE_ROWS = ("shock", "RISK_BUDGET_SHRINKING", "LEADERSHIP_BREAK", "index below trend", "VOL_SPIKE",
                "first LIQUIDATION_CASCADE", "second LIQUIDATION_CASCADE", "second: first US hour at >= 0.7",
                "4h corr at the second",
                "oi_reset", "FIRST_FLUSH at the first / second")
CALM_SHARE = 85  # % of hours the calm scenario's regime is calm
OUTLOOK_NULL_SHARE = 75  # % of hours the calm scenario calls no outlook
NAMED_SHARE = 50  # % of hours after the first day an outlook scenario is called as named ("most")


@dataclass
class Acceptance:
    """One seed's rows (hours, figures) and the acceptance items it misses."""

    rows: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _walk(m: Market) -> tuple[list[dict[str, Any]], Any, Any]:
    """Every hour's readings that the acceptance needs, from the cockpit's own snapshots; and what a plan needs."""
    from cockpit.config import load_config
    from cockpit.snapshot import build_snapshot
    from cockpit.sources.simulator import SimulatorSource

    with tempfile.TemporaryDirectory() as folder:
        config = load_config(Path(folder) / "none.toml")
    profile = config.profile("swing")
    source = SimulatorSource(m.scenario.name, m.seed, speed=0.0, universe=m.universe)
    out: list[dict[str, Any]] = []
    for hour in range(1, m.scenario.hours + 1):
        snap = build_snapshot(source.state_at(m.scenario.start + timedelta(hours=hour)), profile, m.universe)
        r = snap.readings
        evidence = " ".join(str(e) for e in snap.regime.evidence)
        out.append({
            "h": hour - 1,
            "ids": {str(f.id) for f in snap.flags},
            "regime": str(snap.regime.label),
            "below_trend": r.correlation.trend_index == "down" or "below its trend" in evidence,
            "corr_4h": r.correlation.c4h.value,
            "oi_reset": r.crypto.oi_reset is True,
            "outlook": snap.outlook.label,
        })
    return out, source, profile


def _first(hours: list[dict[str, Any]], test: Any, start: int = -1) -> int | None:
    return next((x["h"] for x in hours if x["h"] >= start and test(x)), None)


def _first_flush_flag(m: Market, source: Any, profile: Any, hour: int) -> bool:
    """Does a BTC long planned at bar `hour` get FIRST_FLUSH from the pre-trade checks?"""
    from cockpit.commands.size import PlanInputs, plan_snapshot
    from cockpit.rules.pretrade import plan_from_json

    at = m.scenario.start + timedelta(hours=hour + 1)
    price = float(m.close(m.universe.btc)[m.start_index + hour])
    plan = plan_from_json({"symbol": m.universe.btc, "side": "long", "entry": price, "stop": price * 0.95,
                           "qty": 0.01, "ts": at.isoformat()}, profile.tiers)
    snap = plan_snapshot(source.state_at(at), profile, m.universe, PlanInputs(plan, ()))
    return any(str(f.id) == "FIRST_FLUSH" for f in snap.flags)


def cascade_acceptance(m: Market) -> Acceptance:
    """cascade-2026-01: the order of the flags, the two cascades, the correlation, the reset and FIRST_FLUSH."""
    acc = Acceptance()
    hours, source, profile = _walk(m)
    shock_t = shock_index(m)
    shock = None if shock_t is None else int(m.hours[shock_t])
    row = acc.rows
    row["shock"] = shock
    for name in ("RISK_BUDGET_SHRINKING", "LEADERSHIP_BREAK", "VOL_SPIKE"):
        row[name] = _first(hours, lambda x, n=name: n in x["ids"])
    below = _first(hours, lambda x: x["below_trend"])
    row["index below trend"] = below
    cascades = [x for x in hours if "LIQUIDATION_CASCADE" in x["ids"]]
    first = cascades[0]["h"] if cascades else None
    row["first LIQUIDATION_CASCADE"] = first
    if shock is None:
        acc.problems.append("no shock in the bars")
    elif first is not None and first < shock:
        acc.problems.append(f"LIQUIDATION_CASCADE at h {first}, before the shock (h {shock})")
    for a, b in (("RISK_BUDGET_SHRINKING", "VOL_SPIKE"), ("LEADERSHIP_BREAK", "index below trend")):
        if row[a] is None or row[b] is None or row[a] >= row[b]:
            acc.problems.append(f"{a} (h {row[a]}) not before {b} (h {row[b]})")
    if first is None:
        acc.problems.append("no LIQUIDATION_CASCADE")
        return acc
    stamp = m.stamps[m.start_index + first]
    es_shut = not math.isfinite(float(m.close(m.universe.index)[m.start_index + first]))
    if not (crypto_weekend(stamp) and es_shut):
        acc.problems.append(f"the first LIQUIDATION_CASCADE (h {first}) is not on the weekend while ES is shut")
    # the second: a cascade span starting >= 12 h after the first, with a US-session hour at a 4h correlation >= 0.7
    spans: list[list[dict[str, Any]]] = []
    for x in cascades:
        if spans and x["h"] == spans[-1][-1]["h"] + 1:
            spans[-1].append(x)
        else:
            spans.append([x])
    us = [(span, [x for x in span if us_session(m.stamps[m.start_index + x["h"]])]) for span in spans[1:]
          if span[0]["h"] >= first + 12]
    us = [(span, hours_us) for span, hours_us in us if hours_us]
    qualifying = [(span, x) for span, hours_us in us for x in hours_us if (x["corr_4h"] or 0.0) >= 0.7]
    if not qualifying:
        shown = us[0][1][0] if us else None
        row["second LIQUIDATION_CASCADE"] = None if shown is None else shown["h"]
        row["4h corr at the second"] = None if shown is None else shown["corr_4h"]
        corr = "none" if shown is None else f"{shown['corr_4h'] or math.nan:.2f}"
        acc.problems.append(f"no second LIQUIDATION_CASCADE in a US session with the 4h correlation >= 0.7 "
                            f"(first US-session one: h {row['second LIQUIDATION_CASCADE']}, correlation {corr})")
        return acc
    span, hit = qualifying[0]
    second = span[0]["h"]
    row["second LIQUIDATION_CASCADE"] = second
    row["4h corr at the second"] = hit["corr_4h"]
    row["second: first US hour at >= 0.7"] = hit["h"]
    reset = _first(hours, lambda x: x["oi_reset"])
    row["oi_reset"] = reset
    if reset is None or reset < second:
        acc.problems.append(f"oi_reset (h {reset}) not after the second cascade began (h {second})")
    # a long planned during the first flush (any of its hours) is warned; one planned as the second hits is not
    at_first = any(_first_flush_flag(m, source, profile, x["h"]) for x in spans[0])
    at_second = _first_flush_flag(m, source, profile, hit["h"])
    row["FIRST_FLUSH at the first / second"] = f"{'yes' if at_first else 'no'} / {'yes' if at_second else 'no'}"
    if not at_first or at_second:
        acc.problems.append(f"FIRST_FLUSH at the first cascade {at_first}, at the second {at_second}")
    return acc


def scenario_acceptance(m: Market) -> Acceptance:
    """calm and the outlooks: the shares SPEC §11 names; the cascade has its own story."""
    if m.scenario.name == "cascade-2026-01":
        return cascade_acceptance(m)
    acc = Acceptance()
    hours, _, _ = _walk(m)
    share = lambda test: round(100 * sum(1 for x in hours if test(x)) / max(len(hours), 1))  # noqa: E731
    if m.scenario.name == "calm":
        for name in ("LIQUIDATION_CASCADE", "SINGLE_RISK_BOOK"):
            acc.rows[name] = _first(hours, lambda x, n=name: n in x["ids"])
            if acc.rows[name] is not None:
                acc.problems.append(f"{name} at h {acc.rows[name]}")
        acc.rows["regime calm, % of hours"] = share(lambda x: x["regime"] == "calm")
        acc.rows["no outlook, % of hours"] = share(lambda x: x["outlook"] is None)
        if acc.rows["regime calm, % of hours"] < CALM_SHARE:
            acc.problems.append(f"regime calm {acc.rows['regime calm, % of hours']} % of hours (< {CALM_SHARE})")
        if acc.rows["no outlook, % of hours"] < OUTLOOK_NULL_SHARE:
            acc.problems.append(f"an outlook called in {100 - acc.rows['no outlook, % of hours']} % of hours")
    elif m.scenario.name in OUTLOOK_OF:
        named = OUTLOOK_OF[m.scenario.name]
        after = [x for x in hours if x["h"] >= 24]
        value = round(100 * sum(1 for x in after if x["outlook"] == named) / max(len(after), 1))
        acc.rows["called as named after day 1, % of hours"] = value
        if value < NAMED_SHARE:
            acc.problems.append(f"{named} called in {value} % of the hours after day 1 (< {NAMED_SHARE})")
    return acc
