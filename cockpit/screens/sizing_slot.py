"""The Sizing pane's frame: the risk-tier calculator is mounted into it just after the first frame.

The calculator is another module's widget (many inputs); mounting it after the first paint keeps the
cockpit's first frame fast. Until it is there, the frame says so.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from cockpit.config import Profile
from cockpit.models import ProfileName, Readings, Snapshot
from cockpit.widgets.format import styled

Market = tuple[str, float | None, str, float]


def make_calculator(profile: Profile) -> Widget:
    """The sizing calculator (imported here, after the first frame)."""
    from cockpit.widgets.sizing import SizingPane

    return SizingPane(profile, id="sizing-calculator")


class SizingSlot(Vertical):
    """Frames the calculator and feeds it the market, the profile and the readings when they change."""

    can_focus = True

    def __init__(self, profile: Profile) -> None:
        super().__init__(id="sizing", classes="pane")
        self.border_title = "Sizing"
        self.profile = profile
        self.calculator: Widget | None = None
        self._market: Market | None = None
        self._readings: Readings | None = None
        self._sent: tuple[ProfileName | None, Market | None, Readings | None] = (profile.name, None, None)

    def compose(self) -> ComposeResult:
        """A line until the calculator is mounted."""
        yield Static(styled("loading the sizing calculator…", "$text-muted"), classes="figures")

    def on_mount(self) -> None:
        """Mount the calculator once the first frame is on screen."""
        self.call_after_refresh(self._mount_calculator)

    async def _mount_calculator(self) -> None:
        calculator = make_calculator(self.profile)
        note = self.query_one(".figures", Static)
        await note.remove()
        await self.mount(calculator)
        self.calculator = calculator
        self._sent = (None, None, None)
        self._push()

    def update(self, snap: Snapshot, profile: Profile) -> None:
        """The latest market and profile; passed to the calculator if they changed."""
        btc, regime = snap.readings.crypto.btc, snap.regime
        self.profile = profile
        self._market = (btc.symbol, btc.price, regime.label.value, regime.multiplier)
        self._readings = snap.readings
        self._push()

    def _push(self) -> None:
        calculator = self.calculator
        if calculator is None:
            return
        sent_profile, sent_market, sent_readings = self._sent
        set_profile = getattr(calculator, "set_profile", None)
        if self.profile.name != sent_profile and callable(set_profile):
            set_profile(self.profile)
        set_market = getattr(calculator, "set_market", None)
        if self._market is not None and self._market != sent_market and callable(set_market):
            set_market(*self._market)
        set_context = getattr(calculator, "set_context", None)
        if self._readings is not None and self._readings is not sent_readings and callable(set_context):
            set_context(self._readings)
        self._sent = (self.profile.name, self._market, self._readings)

    def focus_inside(self) -> None:
        """Focus the calculator's first field (or the frame itself)."""
        target = next((w for w in self.query("*") if w.focusable), None)
        (target or self).focus()
