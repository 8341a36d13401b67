"""Alerts: which flags are new, and delivery by bell, desktop and ntfy (a local HTTP server, never the internet)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from cockpit.alerts import AlertSettings, FlagTracker, Notifier, alert_record, alert_settings, http_post
from cockpit.config import load_config
from cockpit.errors import ConfigError
from cockpit.models import Flag, FlagId, Severity

AT = datetime(2026, 1, 31, 2, tzinfo=UTC)
CASCADE = Flag(FlagId.LIQUIDATION_CASCADE, Severity.CRITICAL, "Liquidation cascade: BTC long liqs $996.6M in 1h",
               {"z": 21.6})
VOL = Flag(FlagId.VOL_SPIKE, Severity.WARNING, "Vol spike")


class _Inbox(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, str], bytes]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        type(self).received.append((self.path, dict(self.headers), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def ntfy_server() -> Iterator[str]:
    _Inbox.received = []
    _Inbox.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Inbox)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_tracker_announces_a_flag_when_it_fires_not_while_it_stays() -> None:
    tracker = FlagTracker()
    assert tracker.new_flags([VOL]) == [VOL]
    assert tracker.new_flags([VOL]) == []
    assert tracker.new_flags([VOL, CASCADE]) == [CASCADE]
    assert tracker.new_flags([]) == []
    assert tracker.new_flags([VOL]) == [VOL]  # cleared, then fired again
    louder = Flag(FlagId.VOL_SPIKE, Severity.CRITICAL, "Vol spike")
    assert tracker.new_flags([louder]) == [louder]  # escalation is news


def test_tracker_announces_a_new_span_even_between_two_looks() -> None:
    """A span that ended and began again between two evaluations (a 4 h --step) is a new alert (SPEC §13)."""
    from dataclasses import replace

    tracker = FlagTracker()
    first = replace(VOL, since=AT)
    assert tracker.new_flags([first]) == [first]
    assert tracker.new_flags([replace(VOL, since=AT)]) == []  # the same span, still held
    again = replace(VOL, since=AT + timedelta(hours=3))
    assert tracker.new_flags([again]) == [again]
    assert alert_record(again, AT, "demo")["since"] == "2026-01-31T05:00:00Z"


def test_ntfy_push_reaches_a_local_server(ntfy_server: str) -> None:
    terminal = io.StringIO()
    notifier = Notifier(AlertSettings(bell=True, desktop=False, min_severity=Severity.WARNING,
                                      ntfy_topic="my-desk", ntfy_server=ntfy_server), terminal=terminal)
    assert notifier.notify(CASCADE, AT, "live") == ["bell", "ntfy"]
    assert terminal.getvalue() == "\a"
    path, headers, body = _Inbox.received[0]
    assert path == "/my-desk"
    assert headers["Title"] == "cockpit critical: LIQUIDATION_CASCADE" and headers["Priority"] == "5"
    assert "996.6M" in body.decode() and "2026-01-31 02:00 UTC" in body.decode()


def test_delivery_failures_are_recorded_not_raised(ntfy_server: str) -> None:
    _Inbox.status = 500
    notifier = Notifier(AlertSettings(bell=False, desktop=False, ntfy_topic="t", ntfy_server=ntfy_server))
    assert notifier.notify(CASCADE, AT, "live") == []
    unreachable = Notifier(AlertSettings(bell=False, desktop=False, ntfy_topic="t",
                                         ntfy_server="http://127.0.0.1:9"))
    assert unreachable.notify(CASCADE, AT, "live") == []
    assert notifier.errors == ["ntfy: HTTP 500"] and unreachable.errors[0].startswith("ntfy:")


def test_below_the_chosen_severity_nothing_is_sent() -> None:
    sent: list[str] = []
    notifier = Notifier(AlertSettings(bell=False, desktop=False, ntfy_topic="t"),
                        post=lambda url, body, headers: sent.append(url) or 200)
    assert notifier.notify(VOL, AT, "demo") == []
    assert sent == []
    assert notifier.notify(CASCADE, AT, "demo") == ["ntfy"] and sent == ["https://ntfy.sh/t"]


def test_desktop_notification_where_the_system_has_one() -> None:
    ran: list[list[str]] = []

    class Done:
        returncode = 0

    linux = Notifier(AlertSettings(bell=False), run=lambda cmd, **kw: ran.append(cmd) or Done(),
                     which=lambda name: f"/usr/bin/{name}", platform="linux")
    assert linux.notify(CASCADE, AT, "live") == ["desktop"]
    assert ran[0][:5] == ["notify-send", "-a", "cockpit", "-u", "critical"]
    nothing = Notifier(AlertSettings(bell=False), which=lambda name: None, platform="linux")
    assert nothing.notify(CASCADE, AT, "live") == []
    mac = Notifier(AlertSettings(bell=False), which=lambda name: "/usr/bin/osascript", platform="darwin")
    command = mac.desktop_command(CASCADE, 'say "hi"', "body")
    assert command is not None and command[0] == "osascript" and '\\"hi\\"' in command[2]


def test_settings_from_config_and_bad_severity(monkeypatch: pytest.MonkeyPatch) -> None:
    from cockpit.config import config_path

    config_path().write_text('[alerts]\nmin_severity = "warning"\nntfy_topic = "desk"\ndesktop = false\n')
    settings = alert_settings(load_config())
    assert settings.min_severity == Severity.WARNING and settings.ntfy_topic == "desk" and not settings.desktop
    config_path().write_text('[alerts]\nmin_severity = "loud"\n')
    with pytest.raises(ConfigError, match="loud"):
        alert_settings(load_config())


def test_alert_record_is_plain_json() -> None:
    record = alert_record(CASCADE, AT, "live")
    assert record == {"as_of": "2026-01-31T02:00:00Z", "source": "live", "id": "LIQUIDATION_CASCADE",
                      "severity": "critical", "message": CASCADE.message, "evidence": {"z": 21.6}, "since": None}


def test_http_post_returns_the_status(ntfy_server: str) -> None:
    assert http_post(f"{ntfy_server}/x", b"hello", {"Title": "t"}) == 200


def test_tracker_alerts_once_per_span_and_on_escalation() -> None:
    """VOL_SPIKE used to re-alert 3 times in 7 hours: a held span is one alert, its escalation a second."""
    from datetime import timedelta

    tracker = FlagTracker()
    since = AT - timedelta(hours=3)
    held = Flag(FlagId.VOL_SPIKE, Severity.WARNING, "Vol spike", since=since)
    fired = [f for _ in range(7) for f in tracker.new_flags([held])]
    assert fired == [held]
    louder = Flag(FlagId.VOL_SPIKE, Severity.CRITICAL, "Vol spike", since=since)
    assert tracker.new_flags([louder]) == [louder]
    assert tracker.new_flags([held]) == []  # back to warning within the same span: no news
    assert tracker.new_flags([louder]) == []  # the span's peak was already announced
    again = Flag(FlagId.VOL_SPIKE, Severity.WARNING, "Vol spike", since=AT + timedelta(hours=5))
    assert tracker.new_flags([again]) == [again]  # a new span
