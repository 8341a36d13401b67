"""The flag-evidence modal: one flag's id, severity, message, age and the numbers behind it."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from cockpit.widgets.flags import SEVERITY_STYLES, FlagRow
from cockpit.widgets.format import age_text, is_number, styled


def evidence_value(value: object) -> str:
    """One evidence value in words: numbers rounded, booleans as yes/no, None as n/a."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not is_number(value):
            return "n/a"
        # from 1,000 on in whole units with separators (an hour's liquidations: 16,020,489, not 1.602e+07);
        # four figures below (a z of 4.153, a share of 0.4163 %)
        return f"{value:,.0f}" if abs(value) >= 999.95 else f"{value:,.4g}"
    return str(value)


def evidence_markup(row: FlagRow, as_of: datetime | None) -> str:
    """The modal's body as markup."""
    flag = row.flag
    lines = [
        styled(flag.id.value, SEVERITY_STYLES[flag.severity]) + "  " + styled(flag.severity.value.upper(),
                                                                            SEVERITY_STYLES[flag.severity]),
        "",
        styled(flag.message, None),
        "",
        styled(f"up for {age_text(row.age_s)}", "$text-muted")
        + (styled(f" · judged {as_of:%Y-%m-%d %H:%MZ}", "$text-muted") if as_of else ""),
        "",
        styled("evidence", "bold"),
    ]
    width = max((len(k) for k in flag.evidence), default=0)
    lines += [f"  {styled(key.ljust(width), '$text-muted')}  {styled(evidence_value(value), None)}"
              for key, value in flag.evidence.items()]
    if not flag.evidence:
        lines.append(styled("  (none recorded)", "$text-muted"))
    return "\n".join(lines)


class FlagEvidenceScreen(ModalScreen[None]):
    """Why a flag fired: Esc or Enter closes."""

    BINDINGS = [
        Binding("escape,enter,q", "close", "Close"),
    ]

    def __init__(self, row: FlagRow, as_of: datetime | None) -> None:
        super().__init__(id="evidence")
        self.row = row
        self.as_of = as_of

    def compose(self) -> ComposeResult:
        """A bordered box with the flag and its evidence."""
        with Vertical(id="evidence-box") as box:
            box.border_title = "Flag evidence"
            box.border_subtitle = "Esc closes"
            yield Static(evidence_markup(self.row, self.as_of), id="evidence-body")

    def action_close(self) -> None:
        """Back to the cockpit."""
        self.dismiss(None)
