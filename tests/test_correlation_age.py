"""The Correlation pane's age is the reading's own (its older input), not BTC's: on a weekend it is the
index's Friday close, shown CLOSED with that age."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from cockpit.config import load_config
from cockpit.models import ProfileName
from cockpit.snapshot import build_snapshot
from cockpit.sources.simulator import SimulatorSource
from cockpit.widgets.correlation import render_correlation
from cockpit.widgets.pane_view import PaneContext


def _context(as_of: datetime, corr_age_s: float, btc_age_s: float) -> PaneContext:
    config = load_config()
    source = SimulatorSource("cascade-2026-01", 7, universe=config.universe)
    snap = build_snapshot(source.state_at(source.scenario.start + timedelta(hours=40)),
                          config.profile(ProfileName.SWING), config.universe)
    readings = snap.readings
    btc = dataclasses.replace(readings.crypto.btc, age_s=btc_age_s)
    readings = dataclasses.replace(readings, crypto=dataclasses.replace(readings.crypto, btc=btc),
                                   correlation=dataclasses.replace(readings.correlation, age_s=corr_age_s))
    snap = dataclasses.replace(snap, as_of=as_of, readings=readings)
    return PaneContext(snap, config.profile(ProfileName.SWING), config.universe)


def test_on_a_weekend_the_pane_shows_the_correlation_age_not_btc() -> None:
    saturday = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    since_friday = 40 * 3600.0
    view = render_correlation(_context(saturday, since_friday, 60.0))
    assert view.state == "closed"
    assert "CLOSED · last bar 1d16h ago" in view.subtitle
    assert "1m" not in view.subtitle


def test_on_a_weekday_the_age_is_the_older_input() -> None:
    tuesday = datetime(2026, 1, 27, 15, 0, tzinfo=UTC)
    view = render_correlation(_context(tuesday, 50 * 60.0, 5.0))
    assert view.state == "ok" and "50m" in view.subtitle
    age_row = next(line for line in view.body.splitlines() if "age" in line)
    assert "50m" in age_row


def test_the_flags_pane_says_when_its_flags_were_judged_not_a_frozen_age() -> None:
    """The flags are as fresh as the data of the other panes; between polls their pane said "age 0s"
    however long ago they were judged (its age was never ticked). It names the minute they were judged."""
    from cockpit.widgets.flags import FlagsPane

    context = _context(datetime(2026, 1, 27, 15, 7, tzinfo=UTC), 60.0, 60.0)
    for extra in (0.0, 17.0, 600.0):  # just judged, 17 s and 10 min later, before the next snapshot
        view = FlagsPane().render_view(dataclasses.replace(context, extra_age_s=extra))
        assert "judged 15:07Z" in view.subtitle
        assert "age" not in view.subtitle
