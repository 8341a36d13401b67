"""The sizing pane: the risk-tier calculator of SPEC §5 in the screen, keyboard-only, validated as typed.

Typing in a field never reaches the cockpit's single-key bindings (the Input consumes printable keys); `Esc`
leaves the field, focus goes back to the screen and the cockpit keys work again at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.message import Message
from textual.widgets import Input, Label

from cockpit.kinds import Regime
from cockpit.models import Flag, Readings, RegimeCall
from cockpit.rules.pretrade import ClosedTrade, TradePlan, pretrade_flags
from cockpit.sizing import (
    DEFAULT_MULTIPLIERS,
    DEFAULT_TIERS,
    SizingError,
    SizingResult,
    format_number,
    format_target,
    parse_positive,
    parse_regime,
    parse_side,
    parse_tier,
    size_position,
)
from cockpit.widgets.format import money, styled, typed_price
from cockpit.widgets.text_block import TextBlock, update_text

if TYPE_CHECKING:
    from cockpit.book import BookRisk
    from cockpit.config import Profile

FIELDS = ("equity", "entry", "stop", "side", "tier", "leverage")
SEVERITY_STYLE = {"critical": "bold $alert", "warning": "$warning", "info": "$text-muted"}


@dataclass(frozen=True, slots=True)
class PaneMarket:
    """What the cockpit told the pane about the market: focused symbol, its last price, the regime."""

    symbol: str = ""
    last_price: float | None = None
    regime_label: str = Regime.UNKNOWN.value  # until a snapshot judges the regime, size as the worst
    multiplier: float = DEFAULT_MULTIPLIERS[Regime.UNKNOWN]


def _parse_field(name: str, text: str, tiers: Mapping[int, float]) -> object:
    if name == "side":
        return parse_side(text)
    if name == "tier":
        return parse_tier(text, tiers)
    if name == "leverage" and not text.strip():
        return None  # spot: no liquidation price
    return parse_positive(text, name)


def size_from_fields(values: Mapping[str, str], market: PaneMarket, tiers: Mapping[int, float]
                     ) -> tuple[SizingResult | None, dict[str, str]]:
    """Size the trade from the fields' text: the result, or None with one error per bad field."""
    errors: dict[str, str] = {}
    parsed: dict[str, object] = {}
    for name in FIELDS:
        try:
            parsed[name] = _parse_field(name, values.get(name, ""), tiers)
        except SizingError as exc:
            errors[name] = str(exc)
    if errors:
        return None, errors
    try:
        regime = parse_regime(market.regime_label)
    except SizingError:
        regime = Regime.UNKNOWN
    try:
        result = size_position(
            parsed["equity"], parsed["entry"], parsed["stop"],  # type: ignore[arg-type]
            side=parsed["side"], tier=parsed["tier"], tiers=tiers,  # type: ignore[arg-type]
            regime=regime, multiplier=market.multiplier, leverage=parsed["leverage"],  # type: ignore[arg-type]
        )
    except SizingError as exc:
        return None, {"stop" if "stop" in str(exc) else "entry": str(exc)}
    return result, {}


def render_result(result: SizingResult | None, errors: Mapping[str, str], flags: Sequence[Flag],
                  market: PaneMarket, scale_in_slice: float | None = None) -> str:
    """The pane's figures as markup: quantity, risk, targets, liquidation and the plan's flags."""
    regime = f"{market.regime_label} x{market.multiplier:g}"
    head = styled(f"{market.symbol or 'no symbol'} · regime {regime}", "$text-muted")
    if result is None:
        first = next(iter(errors.values()), "type your equity, entry and stop (s, then Tab between fields)")
        return "\n".join([head, styled(first, "$error" if errors else "$text-muted")])
    lines = [
        head,
        f"qty [b]{format_number(result.qty)}[/b]  notional {money(result.notional)}  "
        f"margin {money(result.margin)} at {result.leverage or 1:g}x  {result.leverage_used:.2f}x equity",
        f"risk {money(result.risk_amount)} = {result.risk_pct:.3g} % "
        + styled(f"(tier {result.tier} {result.tier_pct:g} % x {result.multiplier:g})", "$text-muted"),
        "  ".join(f"{name} {format_target(price)}" for name, price in result.targets.items()),
    ]
    if result.liquidation_price is not None:
        lines.append(f"liq {format_number(result.liquidation_price)} at {result.leverage:g}x")
    if scale_in_slice is not None and scale_in_slice < 1:
        lines.append(styled(f"scale in: first slice qty {format_number(result.qty * scale_in_slice)}",
                            "$text-muted"))
    lines += [styled(f"{f.id.value}: {f.message}", SEVERITY_STYLE.get(f.severity.value)) for f in flags]
    return "\n".join(lines)


class SizingPane(Vertical, can_focus=False):
    """Equity, entry, stop, side, tier and leverage fields; quantity, risk, R targets, liquidation, flags."""

    BINDINGS = [Binding("escape", "leave_field", "Leave field", show=False)]
    # Unscoped: the layout classes are the screen's (a scoped rule group gets SizingPane put before its last
    # selector, and `.-compact SizingPane ...` never matched)
    SCOPED_CSS = False
    DEFAULT_CSS = """
    SizingPane { height: auto; border: round $panel; border-title-color: $primary; padding: 0 1; }
    SizingPane .sizing-fields { layout: grid; grid-size: 6; grid-columns: 7 1fr; grid-rows: 1; height: auto; }
    SizingPane Label { width: 7; color: $text-muted; }
    SizingPane Input { width: 1fr; margin-right: 1; }
    .-medium SizingPane .sizing-fields, .-compact SizingPane .sizing-fields { grid-size: 2; }
    SizingPane .sizing-errors { color: $error; height: auto; }
    SizingPane .sizing-figures { height: auto; }
    """

    class Sized(Message):
        """The plan changed: its sizing (None while a field is invalid) and its flags."""

        def __init__(self, pane: SizingPane, result: SizingResult | None, flags: tuple[Flag, ...]) -> None:
            self.pane = pane
            self.result = result
            self.flags = flags
            super().__init__()

        @property
        def control(self) -> SizingPane:
            """The pane that posted this."""
            return self.pane

    def __init__(self, profile: Profile | None = None, *, equity: float | None = None, id: str | None = None,
                 classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id or "sizing", classes=classes)
        self.border_title = "Sizing"
        self.profile = profile
        self.market = PaneMarket()
        self.result: SizingResult | None = None
        self.errors: dict[str, str] = {}
        self.flags: tuple[Flag, ...] = ()
        self.readings: Readings | None = None
        self.round_trips: Sequence[ClosedTrade] = ()
        self.book_risk: BookRisk | None = None  # the book's open risk: the plan's BOOK_RISK_LIMIT check adds to it
        self._equity = "" if equity is None else format_number(equity).replace(",", "")
        self._prefilled_entry = ""
        self._shown = ""
        self._shown_errors = ""

    @property
    def tiers(self) -> Mapping[int, float]:
        """The active profile's tier percentages."""
        return self.profile.tiers if self.profile else DEFAULT_TIERS

    @property
    def default_tier(self) -> int:
        """The active profile's default tier."""
        return self.profile.default_tier if self.profile else 1

    def compose(self) -> ComposeResult:
        """Two rows of three fields, the inline errors, then the figures."""
        placeholders = {"equity": "? $", "entry": "price", "stop": "price", "side": "long/short",
                        "tier": "1-3", "leverage": "spot"}
        values = {"equity": self._equity, "side": "long", "tier": str(self.default_tier)}
        # three fields a row; one a row in the narrower panes of the medium and compact layouts (at 100
        # columns three a row left each field two cells: an entry of 91807.96 read "91")
        with Container(classes="sizing-fields"):
            for name in FIELDS:
                yield Label(name[:3] if name == "leverage" else name)
                yield Input(values.get(name, ""), placeholder=placeholders[name], id=f"sizing-{name}",
                            compact=True, select_on_focus=True)
        yield TextBlock("", classes="sizing-errors")
        yield TextBlock("", classes="sizing-figures")

    def on_mount(self) -> None:
        """Show the empty calculator."""
        self.recompute()

    def field(self, name: str) -> Input:
        """The Input of one field."""
        return self.query_one(f"#sizing-{name}", Input)

    @property
    def entry_edited(self) -> bool:
        """True once the user typed an entry of their own (cleared, the field follows the market again)."""
        value = self.field("entry").value.strip()
        return bool(value) and value != self._prefilled_entry

    def set_market(self, symbol: str, last_price: float | None, regime_label: str, multiplier: float) -> None:
        """The focused symbol, its last price (prefills entry unless the user edited it) and the regime."""
        self.market = PaneMarket(symbol, last_price, regime_label, multiplier)
        if last_price is not None and not self.entry_edited:
            text = typed_price(last_price)  # the same length bar after bar: the field is not laid out again
            self._prefilled_entry = text
            entry = self.field("entry")
            entry.value = text
            if not entry.has_focus:  # show its first digits: a narrow field scrolled to the end cut "9" off 91807.96
                entry.cursor_position = 0
        self.recompute()

    def set_profile(self, profile: Profile) -> None:
        """Switch tiers with the profile; a tier the user did not change follows the new default."""
        old_default = str(self.default_tier)
        self.profile = profile
        tier = self.field("tier")
        if tier.value.strip() in ("", old_default):
            tier.value = str(profile.default_tier)
        self.recompute()

    def set_context(self, readings: Readings | None, round_trips: Sequence[ClosedTrade] = ()) -> None:
        """Readings and the journal's round trips, so the plan's pre-trade checks run live too."""
        self.readings = readings
        self.round_trips = round_trips
        self.recompute()

    def set_book(self, book_risk: BookRisk | None) -> None:
        """The book's open risk (SPEC §12), so the plan's risk is judged together with it."""
        if book_risk != self.book_risk:
            self.book_risk = book_risk
            self.recompute()

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.recompute()

    @on(Input.Blurred)
    def _field_left(self, event: Input.Blurred) -> None:
        """A field left shows its first digits: scrolled to where the cursor was, BTC's 81761.382 read 761.382."""
        event.stop()
        event.input.cursor_position = 0

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()

    def action_leave_field(self) -> None:
        """Esc: give focus back to the screen, so the cockpit's keys work again."""
        self.screen.set_focus(None)

    def recompute(self) -> None:
        """Validate every field, size the trade, check the plan and show it all."""
        if not self.is_mounted:
            return
        values = {name: self.field(name).value for name in FIELDS}
        self.result, self.errors = size_from_fields(values, self.market, self.tiers)
        self.flags = self._plan_flags(self.result)
        for name in FIELDS:
            self.field(name).set_class(name in self.errors and bool(values[name].strip()), "-invalid")
        shown_errors = [msg for name, msg in self.errors.items() if values[name].strip()]
        error_line = self.query_one(".sizing-errors", TextBlock)
        errors_text = styled("; ".join(shown_errors), None)
        if errors_text != self._shown_errors:
            self._shown_errors = errors_text
            update_text(error_line, errors_text)
        error_line.display = bool(shown_errors)
        slice_ = self.profile.scale_in_slice if self.profile else None
        figures = render_result(self.result, {} if not shown_errors else self.errors, self.flags, self.market,
                                slice_)
        if figures != self._shown:
            self._shown = figures
            update_text(self.query_one(".sizing-figures", TextBlock), figures)
            self.post_message(self.Sized(self, self.result, self.flags))

    def _plan_flags(self, result: SizingResult | None) -> tuple[Flag, ...]:
        if result is None:
            return ()
        if self.profile is None:
            return result.flags
        plan = TradePlan(self.market.symbol or "?", result.side, result.entry, result.stop, result.qty,
                         ts=self.readings.as_of if self.readings else None, equity=result.equity,
                         tier=result.tier, leverage=result.leverage, mmr=result.mmr)
        regime = RegimeCall(result.regime, result.multiplier)
        return tuple(pretrade_flags(plan, self.round_trips, self.readings, regime, self.profile, book=self.book_risk))
