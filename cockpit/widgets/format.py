"""Formatting shared by every pane: numbers with units, ages, direction colours and glyphs, fixed columns.

Colours are theme variables inside Textual markup (`[$gain]`, `[$loss]`, `[$stale]`, `[$alert]`), so a theme
switch recolours everything. Direction never relies on colour alone: rises carry ▲ and falls ▼.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from textual.markup import escape

from cockpit.kinds import age_text as age_text  # pure: the checklist reads ages as the panes do

NA = "n/a"
UP, DOWN = "▲", "▼"


def is_number(value: float | None) -> bool:
    """True for a finite float or int (None, NaN and inf are not figures)."""
    return value is not None and not isinstance(value, bool) and math.isfinite(value)


def age_changes_in(seconds: float) -> float:
    """Seconds until `age_text(seconds)` shows something else: ages tick at the resolution they are shown in."""
    total = max(0.0, seconds)
    if total < 60:
        return 1.0 - total % 1.0
    if total < 36000:  # minutes are shown up to 9h59m
        return 60.0 - total % 60.0
    return 3600.0 - total % 3600.0


def num(value: float | None, spec: str = ".2f", unit: str = "") -> str:
    """A plain figure with its unit, or n/a."""
    if not is_number(value):
        return NA
    return f"{format(value, spec)}{unit}"


def _scaled(value: float) -> tuple[float, str]:
    """`value` in thousands, millions or billions, and the suffix that says which."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= limit:
            return value / limit, suffix
    return value, ""


def money(value: float | None) -> str:
    """Dollars scaled to K/M/B: $9.55B, $246K."""
    if not is_number(value):
        return NA
    assert value is not None
    scaled, suffix = _scaled(value)
    if not suffix:
        return f"${value:.0f}"
    return f"${scaled:.2f}{suffix}" if abs(scaled) < 100 else f"${scaled:.0f}{suffix}"


def short_money(value: float | None) -> str:
    """Dollars in at most four characters, without the sign: 2.8M, 952K, 1.2B."""
    if not is_number(value):
        return NA
    assert value is not None
    scaled, suffix = _scaled(abs(value))
    if not suffix:
        return f"{scaled:.0f}"
    return f"{scaled:.1f}{suffix}" if scaled < 10 else f"{scaled:.0f}{suffix}"


def price(value: float | None) -> str:
    """A price with precision that suits its size: 90,549 or 2,879.5 or 4.328."""
    if not is_number(value):
        return NA
    assert value is not None
    if abs(value) >= 10000:
        return f"{value:,.0f}"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    return f"{value:,.2f}" if abs(value) >= 10 else f"{value:.3f}"


def typed_price(value: float) -> str:
    """A price as it is typed in a field: no separators, two decimals at least and five significant digits, so
    its length stays the same from one bar to the next (91807.96, 6543.50, 2.3456, 0.012346)."""
    decimals = max(2, 4 - math.floor(math.log10(abs(value)))) if value and math.isfinite(value) else 2
    return f"{value:.{decimals}f}"


def pad(text: str, width: int, align: str = ">") -> str:
    """Plain text padded (never cut) to `width`."""
    return format(text, f"{align}{width}")


def styled(text: str, style: str | None) -> str:
    """Escape `text` for markup and wrap it in `style` (e.g. '$gain', 'bold $alert')."""
    safe = escape(text)
    return f"[{style}]{safe}[/]" if style else safe


def direction_style(value: float | None, rising_is_good: bool = True) -> str | None:
    """`$gain` or `$loss` by sign (flipped when a rise is bad for risk), None for zero or n/a."""
    if not is_number(value) or value == 0:
        return None
    assert value is not None
    good = (value > 0) == rising_is_good
    return "$gain" if good else "$loss"


def signed(value: float | None, spec: str = "+.2f", unit: str = "", width: int = 0,
           rising_is_good: bool = True) -> str:
    """A change with its glyph and colour, padded to `width`: ▲+0.53% in $gain."""
    if not is_number(value):
        return styled(pad(NA, width), "$stale")
    assert value is not None
    text = format(value, spec)
    try:
        shown = float(text.replace(",", ""))
    except ValueError:
        shown = value
    if shown == 0:  # a change that rounds to nothing is shown flat: no "▼-0.00%" for -0.001 %
        value, text = 0.0, format(0.0, spec)
    glyph = UP if value > 0 else DOWN if value < 0 else " "
    return styled(pad(f"{glyph}{text}{unit}", width), direction_style(value, rising_is_good))


def cell(text: str, width: int, style: str | None = None, align: str = ">") -> str:
    """One padded column of a figures row, styled after padding so columns stay aligned."""
    if text == NA and style is None:
        style = "$stale"
    return styled(pad(text, width, align), style)


def row(label: str, cells: Sequence[str], label_width: int = 8) -> str:
    """A figures row: a left-aligned label then already-padded cells separated by one space."""
    return " ".join([styled(pad(label, label_width, "<"), "$text-muted"), *cells])


def yes_no(value: bool | None) -> str:
    """yes / no / n/a."""
    return NA if value is None else ("yes" if value else "no")
