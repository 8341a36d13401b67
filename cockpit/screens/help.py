"""The help screen: every key of the cockpit (as remapped by the config) and what it does."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.widgets.format import styled


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One key: what to press, the action's short name and its description."""

    key: str
    description: str
    action: str


def help_markup(keys: tuple[KeyHelp, ...]) -> str:
    """The keys as an aligned table, then how to remap them."""
    width = max((len(k.key) for k in keys), default=3)
    described = max((len(k.description) for k in keys), default=10) + 2
    lines = [styled("Keys", "bold") + styled("  (the last column is the name to remap in config.toml [keys])",
                                             "$text-muted"), ""]
    lines += [f"  {styled(k.key.ljust(width), 'bold $accent')}  {styled(k.description.ljust(described), None)}"
              f"{styled(k.action, '$text-muted')}" for k in keys]
    lines += [
        "",
        styled("ctrl+p opens the command palette: every action is there too.", "$text-muted"),
        styled("Remap any key in config.toml, e.g.  [keys]  profile = \"x\"", "$text-muted"),
        styled("Colours: ▲ rise ▼ fall; yields, dollar and funding rising are drawn as risk-negative.",
               "$text-muted"),
    ]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """Lists the keys; Esc, ? or q closes."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, keys: tuple[KeyHelp, ...]) -> None:
        super().__init__(id="help")
        self.keys = keys

    def compose(self) -> ComposeResult:
        """The key table in a bordered, scrollable box."""
        with VerticalScroll(id="help-box") as box:
            box.border_title = "cockpit help"
            box.border_subtitle = "Esc closes"
            yield Static(help_markup(self.keys), id="help-body")

    def action_close(self) -> None:
        """Back to the cockpit."""
        self.dismiss(None)
