"""Alerts (SPEC §10): which flags are new, and telling the user: terminal bell, desktop, ntfy push.

`watch` and the screen use the same pieces: `FlagTracker` says which flags are new, `Notifier` delivers
those at or above `[alerts] min_severity`. Delivery never raises: a missing `notify-send`, a dead ntfy
server or a closed terminal is recorded in `Notifier.errors` and the watch goes on. The HTTP post, the
process runner and the terminal are injectable.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from cockpit.errors import ConfigError
from cockpit.kinds import FlagId, Severity

if TYPE_CHECKING:
    from cockpit.models import Flag

DEFAULT_NTFY_SERVER = "https://ntfy.sh"
NTFY_PRIORITY = {Severity.INFO: "3", Severity.WARNING: "4", Severity.CRITICAL: "5"}
NTFY_TAGS = {Severity.INFO: "information_source", Severity.WARNING: "warning", Severity.CRITICAL: "rotating_light"}
DESKTOP_URGENCY = {Severity.INFO: "low", Severity.WARNING: "normal", Severity.CRITICAL: "critical"}


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """Where alerts go and from which severity on."""

    bell: bool = True
    desktop: bool = True
    min_severity: Severity = Severity.CRITICAL
    ntfy_topic: str | None = None
    ntfy_server: str = DEFAULT_NTFY_SERVER


def parse_severity(text: str, where: str) -> Severity:
    """A Severity, or a ConfigError naming the valid ones."""
    try:
        return Severity(text.strip().lower())
    except ValueError:
        valid = ", ".join(s.value for s in Severity)
        raise ConfigError(f"{where}: '{text}' is not a severity (valid: {valid})") from None


def alert_settings(config: Any) -> AlertSettings:
    """`[alerts]` of the config: the one place the bell, the severity and the channels are set."""
    alerts: Mapping[str, Any] = getattr(config, "alerts", {}) or {}
    severity = alerts.get("min_severity", "critical")
    topic = alerts.get("ntfy_topic") or None
    return AlertSettings(
        bell=bool(alerts.get("bell", True)),
        desktop=bool(alerts.get("desktop", True)),
        min_severity=parse_severity(str(severity), "[alerts] min_severity"),
        ntfy_topic=str(topic) if topic else None,
        ntfy_server=str(alerts.get("ntfy_server") or DEFAULT_NTFY_SERVER),
    )


class FlagTracker:
    """Announces a flag span once: when it starts, and again only when it escalates (SPEC §13).

    A span is known by its `since`. A flag judged on a later window can date a long span from that window's
    first hour, so its `since` moves on while the span goes on: a `since` at or before the previous
    evaluation (when the flag was already up) is the same span; only one after it is a new one.
    """

    def __init__(self) -> None:
        self._active: dict[FlagId, tuple[datetime | None, Severity]] = {}
        self._last_at: datetime | None = None

    def new_flags(self, flags: Iterable[Flag], as_of: datetime | None = None) -> list[Flag]:
        """The flags of this evaluation whose span is new, or whose severity rose above the span's peak."""
        fired, active = [], {}
        for flag in flags:
            known = self._active.get(flag.id)
            if known is None or not self._same_span(flag, known[0]):
                fired.append(flag)
                active[flag.id] = (flag.since, flag.severity)
                continue
            if flag.severity.rank > known[1].rank:
                fired.append(flag)
            peak = flag.severity if flag.severity.rank > known[1].rank else known[1]
            active[flag.id] = (known[0] if known[0] is not None else flag.since, peak)
        self._active = active
        self._last_at = as_of
        return fired

    def _same_span(self, flag: Flag, since: datetime | None) -> bool:
        if flag.since is None or since is None or flag.since == since:
            return True
        return self._last_at is not None and flag.since <= self._last_at

def alert_record(flag: Flag, as_of: datetime, source: str) -> dict[str, Any]:
    """The JSON line `cockpit watch --json` prints for one flag."""
    from cockpit.models import to_plain

    return {"as_of": to_plain(as_of), "source": source, "id": flag.id.value, "severity": flag.severity.value,
            "message": flag.message, "evidence": to_plain(flag.evidence), "since": to_plain(flag.since)}


def http_post(url: str, body: bytes, headers: Mapping[str, str], timeout_s: float = 5.0) -> int:
    """POST `body` and return the HTTP status (raises OSError for transport failures)."""
    import urllib.error  # imported here: the screen's first frame does not pay for http.client
    import urllib.request

    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 - user's own server
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


class Notifier:
    """Sends one flag to every enabled channel at or above the minimum severity."""

    def __init__(
        self,
        settings: AlertSettings,
        *,
        post: Callable[[str, bytes, Mapping[str, str]], int] = http_post,
        run: Callable[..., Any] = subprocess.run,
        which: Callable[[str], str | None] = shutil.which,
        terminal: TextIO | None = None,
        platform: str = sys.platform,
    ) -> None:
        self.settings = settings
        self._post = post
        self._run = run
        self._which = which
        self._terminal = terminal if terminal is not None else sys.stderr
        self._platform = platform
        self.errors: list[str] = []

    def wants(self, flag: Flag) -> bool:
        """Whether `flag` is at or above the chosen severity."""
        return flag.severity.rank >= self.settings.min_severity.rank

    def notify(self, flag: Flag, as_of: datetime, source: str, *, bell: bool = True) -> list[str]:
        """Deliver `flag`; returns the channels that took it (never raises).

        `bell=False` leaves the bell to the caller (the screen rings its own, on its own thread).
        """
        if not self.wants(flag):
            return []
        title = f"cockpit {flag.severity.value}: {flag.id.value}"
        body = f"{flag.message} ({source}, {as_of:%Y-%m-%d %H:%M} UTC)"
        delivered = []
        if bell and self.settings.bell and self._bell():
            delivered.append("bell")
        if self.settings.desktop and self._desktop(flag, title, body):
            delivered.append("desktop")
        if self.settings.ntfy_topic and self._ntfy(flag, title, body):
            delivered.append("ntfy")
        return delivered

    def _bell(self) -> bool:
        try:
            self._terminal.write("\a")
            self._terminal.flush()
        except (OSError, ValueError) as exc:
            self.errors.append(f"bell: {exc}")
            return False
        return True

    def desktop_command(self, flag: Flag, title: str, body: str) -> list[str] | None:
        """The command that raises a desktop notification here, or None when the system has none."""
        if self._platform.startswith("linux") and self._which("notify-send"):
            return ["notify-send", "-a", "cockpit", "-u", DESKTOP_URGENCY[flag.severity], title, body]
        if self._platform == "darwin" and self._which("osascript"):
            quoted_body, quoted_title = (text.replace("\\", "\\\\").replace('"', '\\"') for text in (body, title))
            return ["osascript", "-e", f'display notification "{quoted_body}" with title "{quoted_title}"']
        return None

    def _desktop(self, flag: Flag, title: str, body: str) -> bool:
        command = self.desktop_command(flag, title, body)
        if command is None:
            return False
        try:
            result = self._run(command, timeout=5, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as exc:
            self.errors.append(f"desktop: {exc}")
            return False
        ok = getattr(result, "returncode", 0) == 0
        if not ok:
            self.errors.append(f"desktop: {command[0]} exited {result.returncode}")
        return ok

    def _ntfy(self, flag: Flag, title: str, body: str) -> bool:
        url = f"{self.settings.ntfy_server.rstrip('/')}/{self.settings.ntfy_topic}"
        headers = {"Title": title.encode("ascii", "replace").decode("ascii"),
                   "Priority": NTFY_PRIORITY[flag.severity], "Tags": NTFY_TAGS[flag.severity]}
        try:
            status = self._post(url, body.encode("utf-8"), headers)
        except (OSError, ValueError) as exc:
            self.errors.append(f"ntfy: {exc}")
            return False
        if status >= 300:
            self.errors.append(f"ntfy: HTTP {status}")
            return False
        return True
