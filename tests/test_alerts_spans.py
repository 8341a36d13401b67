"""Alerts fire once per flag span (SPEC §13): a counting notifier over a week of the cascade, hour by hour.

VOL_SPIKE used to re-alert three times in seven hours as it blinked; with spans and holds, every span of
every flag is announced when it starts (and again only if it escalates), however many hours it is seen.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from cockpit.alerts import AlertSettings, FlagTracker, Notifier
from cockpit.config import load_config
from cockpit.models import Severity
from cockpit.snapshot import build_snapshot
from cockpit.sources.simulator import SimulatorSource


class CountingChannels:
    """Stands in for ntfy: counts what it was asked to push."""

    def __init__(self) -> None:
        self.posts: list[Mapping[str, str]] = []

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.posts.append(headers)
        return 200

    def run(self, command: list[str], **_: Any) -> Any:
        return dataclasses.make_dataclass("Done", [("returncode", int)])(0)


def test_each_span_is_alerted_once_over_the_cascade_week() -> None:
    config = load_config()
    profile = config.profile("swing")
    source = SimulatorSource("cascade-2026-01", 7, universe=config.universe)
    channels = CountingChannels()
    notifier = Notifier(AlertSettings(bell=False, desktop=False, min_severity=Severity.INFO, ntfy_topic="desk",
                                      ntfy_server="http://127.0.0.1:9"), post=channels.post, run=channels.run)
    tracker = FlagTracker()
    alerted: Counter[tuple[str, object]] = Counter()
    per_flag: Counter[str] = Counter()
    seen: Counter[tuple[str, object]] = Counter()
    at = source.scenario.start + timedelta(hours=36)
    while at <= source.end:
        snap = build_snapshot(source.state_at(at), profile, config.universe)
        for flag in snap.flags:
            seen[(flag.id.value, flag.since)] += 1
        for flag in tracker.new_flags(snap.flags, snap.as_of):
            if notifier.notify(flag, snap.as_of, "demo"):
                alerted[(flag.id.value, flag.since)] += 1
                per_flag[flag.id.value] += 1
        at += timedelta(hours=1)
    assert seen and max(seen.values()) > 3, "spans last several hours"
    assert len(channels.posts) == sum(alerted.values())
    assert alerted.keys() <= seen.keys()
    # a span may be announced twice only when it escalated (warning -> critical); never once per hour
    assert all(count <= 2 for count in alerted.values()), alerted
    assert sum(alerted.values()) < sum(seen.values()) / 3
    # a span longer than the span window is dated from each hour's window start: still one alert, not one an hour
    assert per_flag["VOL_SPIKE"] <= 3 and per_flag["RISK_BUDGET_SHRINKING"] <= 3, per_flag
