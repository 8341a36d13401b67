"""The cause-map modal (SPEC §13): the six stages of §1 in the current stress episode, when each was reached
and why, the driver, and the flushes that happened inside a thin-liquidity window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.widgets.format import styled

if TYPE_CHECKING:
    from cockpit.causes import CauseMap

DRIVER_WORDS = {"rates_shock": "rates shock", "equity_leadership": "equity leadership (AI/tech) repricing",
                "liquidation_cascade": "liquidation cascade", "mixed": "mixed: rates and equity leadership"}


def cause_map_markup(cmap: CauseMap | None) -> str:
    """The stages as a short timeline, oldest first, then the driver."""
    if cmap is None:
        return styled("the week is still being evaluated…", "$text-muted")
    if cmap.episode_start is None:
        return styled("No stress episode: the regime has been calm for its hold.", "$gain")
    lines = [styled(f"episode since {cmap.episode_start:%a %Y-%m-%d %H:%MZ}", "bold")]
    if cmap.looked_from is not None and cmap.episode_start <= cmap.looked_from:
        lines.append(styled(f"the week before is still being evaluated: the episode may have begun before "
                            f"{cmap.looked_from:%a %H:%MZ}, and earlier stages may show in a moment", "$warning"))
    lines.append("")
    for number, stage in enumerate(cmap.stages, start=1):
        if stage.reached_at is None:
            lines.append(styled(f" {number}. {stage.name:<34} not reached", "$text-muted"))
        else:
            lines.append(f" {number}. {styled(f'{stage.name:<34}', 'bold')} {stage.reached_at:%a %H:%MZ}  "
                         + styled(stage.evidence or "", None))
    lines.append("")
    if cmap.driver:
        lines.append(styled("driver  ", "$text-muted") + styled(DRIVER_WORDS[cmap.driver], "bold $warning")
                     + styled(f"  {cmap.driver_evidence or ''}", None))
    else:
        lines.append(styled("driver  none stands out yet", "$text-muted"))
    return "\n".join(lines)


class CauseMapScreen(ModalScreen[None]):
    """What happened and why: Esc closes."""

    BINDINGS = [Binding("escape,enter,q,m", "close", "Close")]

    def __init__(self, cmap: CauseMap | None) -> None:
        super().__init__(id="cause-map")
        self.cmap = cmap

    def compose(self) -> ComposeResult:
        """A bordered box with the timeline."""
        with VerticalScroll(id="evidence-box") as box:
            box.border_title = "Cause map"
            box.border_subtitle = "Esc closes"
            yield Static(cause_map_markup(self.cmap), id="cause-map-body")

    def action_close(self) -> None:
        """Back to the cockpit."""
        self.dismiss(None)
