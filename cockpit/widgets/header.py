"""The header line: source (LIVE / DEMO with scenario and simulated clock / REPLAY), profile, regime and
its risk tier, and the age of the oldest data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cockpit.kinds import Regime
from cockpit.universe import Universe, market_open
from cockpit.widgets.format import age_text, styled
from cockpit.widgets.text_block import TextBlock, update_text

if TYPE_CHECKING:
    from cockpit.liquidity import ThinWindow
    from cockpit.models import Snapshot

REGIME_STYLES = {
    Regime.CALM: "bold $gain",
    Regime.TREND_BREAK: "bold $warning",
    Regime.VOLATILITY_EVENT: "bold $loss",
    Regime.LIQUIDITY_SHOCK: "bold reverse $alert",
    Regime.UNKNOWN: "bold $stale",
}
SOURCE_WORDS = {"demo": "DEMO", "live": "LIVE", "replay": "REPLAY", "file": "DATA"}


@dataclass(frozen=True, slots=True)
class Oldest:
    """The oldest figure on screen: what it is, its age, and whether its market is closed."""

    name: str
    age_s: float
    closed: bool


def oldest_data(snap: Snapshot, universe: Universe, extra_age_s: float = 0.0) -> Oldest | None:
    """The oldest figure among the panes' readings and the sources' health."""
    r = snap.readings
    leaders_open = bool(universe.leaders) and market_open(universe.leaders[0], universe, snap.as_of)
    futures_open = market_open(universe.us10y, universe, snap.as_of)
    candidates = [
        Oldest("US10Y", r.macro.us10y_age_s, not futures_open) if r.macro.us10y_age_s is not None else None,
        Oldest("DXY", r.macro.dxy_age_s, not futures_open) if r.macro.dxy_age_s is not None else None,
        Oldest("leaders", r.leadership.age_s, not leaders_open) if r.leadership.age_s is not None else None,
        Oldest("BTC", r.crypto.btc.age_s, False) if r.crypto.btc.age_s is not None else None,
        Oldest("ETH", r.crypto.eth.age_s, False) if r.crypto.eth.age_s is not None else None,
        *(Oldest(h.name, h.age_s, h.state == "closed") for h in r.health if h.age_s is not None),
    ]
    present = [c for c in candidates if c is not None]
    if not present:
        return None
    worst = max(present, key=lambda c: c.age_s)
    return Oldest(worst.name, worst.age_s + extra_age_s, worst.closed)


def side_notice(snap: Snapshot | None) -> str | None:
    """A side job that stopped while the figures still flow (e.g. 'recording stopped: disk full')."""
    if snap is None:
        return None
    return next((h.error for h in snap.readings.health if h.state == "disabled" and not h.stale and h.error), None)


@dataclass(frozen=True, slots=True)
class HeaderInfo:
    """Everything the header shows, as plain values."""

    source: str = ""
    label: str = ""
    clock: datetime | None = None
    clocked: bool = False
    paused: bool = False
    speed: float | None = None
    profile: str = ""
    horizon: str = ""
    regime: Regime | None = None
    multiplier: float | None = None
    oldest: Oldest | None = None
    trouble: str | None = None
    notice: str | None = None
    pages: str | None = None
    narrow: bool = False
    thin: ThinWindow | None = None
    judging: bool = False  # the regime is not judged yet (the first evaluation of the span window runs)


def header_markup(info: HeaderInfo) -> str:
    """The header as one markup line (it wraps on narrow terminals; `narrow` drops the extra words)."""
    parts: list[str] = []
    word = SOURCE_WORDS.get(info.source, info.source.upper() or "…")
    source = styled(f" {word} ", "bold reverse $primary")
    if info.label:
        source += " " + styled(info.label, "bold")
    if info.clock is not None:
        stamp = "%m-%d %H:%MZ" if info.narrow else "%a %Y-%m-%d %H:%MZ"
        source += " " + styled(info.clock.strftime(stamp), None)
    if info.clocked:
        if info.paused:
            source += " " + styled("⏸ PAUSED", "bold $warning")
        elif info.speed:
            source += " " + styled(f"▶ ×{info.speed:g}", "$text-muted")
    parts.append(source)
    if info.notice:
        parts.append(styled(info.notice, "bold $warning"))
    if info.profile:
        parts.append(("" if info.narrow else styled("profile ", "$text-muted"))
                     + styled(info.profile.upper(), "bold $accent")
                     + (styled(f" {info.horizon}", "$text-muted") if info.horizon and not info.narrow else ""))
    if info.regime is not None:
        tier = "" if info.multiplier is None else f" ×{info.multiplier:.2f}" if info.narrow else \
            f" size ×{info.multiplier:.2f}"
        parts.append(("" if info.narrow else styled("regime ", "$text-muted"))
                     + (styled("JUDGING…", "$text-muted") if info.judging else
                        styled(info.regime.value.replace("_", " ").upper(), REGIME_STYLES.get(info.regime)))
                     + styled(tier, "bold"))
    if info.thin is not None:
        until = info.thin.end.strftime("%a %H:%MZ")
        parts.append(styled(" THIN ", "bold reverse $warning")
                     + ("" if info.narrow else styled(f" {info.thin.name} → {until}", "$warning")))
    if info.trouble:
        parts.append(styled(f"SOURCE FAILING: {info.trouble}", "bold $alert"))
    elif info.oldest is not None:
        closed = ", closed" if info.oldest.closed else ""
        parts.append(styled("oldest " if info.narrow else "oldest data ", "$text-muted")
                     + styled(f"{age_text(info.oldest.age_s)} ({info.oldest.name}{closed})", None))
    if info.pages:
        parts.append(styled(info.pages, "$text-muted"))
    return styled(" │ ", "$text-muted").join(parts)


class CockpitHeader(TextBlock):
    """The top line of the cockpit; repaints only when what it shows changes. Where it wraps it keeps its
    tallest height at that width: a notice or a thin window that comes and goes does not resize every pane
    (and redraw every chart) twice."""

    DEFAULT_CSS = """
    CockpitHeader { height: auto; background: $panel; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, steady=True)
        self.info = HeaderInfo()
        self._markup = ""

    def show(self, info: HeaderInfo) -> None:
        """Show `info` if it differs from what is on screen."""
        if info == self.info and self._markup:
            return
        self.info = info
        markup = header_markup(info)
        if markup != self._markup:
            self._markup = markup
            update_text(self, markup)
