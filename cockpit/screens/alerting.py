"""Alerts on the screen as in `watch` (SPEC §10, §13): a span's start or escalation at or above
`[alerts] min_severity` gets a note and the bell here, desktop and ntfy from a thread worker."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel
from textual.screen import Screen

from cockpit.alerts import FlagTracker, Notifier
from cockpit.kinds import Severity

if TYPE_CHECKING:
    from cockpit.models import Flag, Snapshot


class ScreenAlerts:
    """One span tracker and one notifier for a screen; delivery that can block runs off the UI thread."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        self.tracker = FlagTracker()

    def announce(self, screen: Screen[None], snap: Snapshot) -> list[Flag]:
        """Tell the user about the spans this snapshot starts or escalates; returns the flags announced."""
        fired = [flag for flag in self.tracker.new_flags(snap.flags, snap.as_of) if self.notifier.wants(flag)]
        for flag in fired:
            level: SeverityLevel = "error" if flag.severity is Severity.CRITICAL else "warning"
            screen.app.notify(flag.message, title=flag.id.value, severity=level, timeout=8)
        if fired and self.notifier.settings.bell:
            screen.app.bell()
        if fired and (self.notifier.settings.desktop or self.notifier.settings.ntfy_topic):
            screen.run_worker(partial(self._deliver, tuple(fired), snap.as_of, snap.source.value), thread=True,
                              exit_on_error=False, group="alerts", name="alerts:deliver")
        return fired

    def _deliver(self, flags: tuple[Flag, ...], as_of: datetime, source: str) -> None:
        for flag in flags:
            self.notifier.notify(flag, as_of, source, bell=False)
