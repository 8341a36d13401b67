"""The sizing pane in a tiny host app: typed keys stay in the field, Esc gives the cockpit keys back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from cockpit.config import load_config
from cockpit.journal.fills import RoundTrip
from cockpit.models import (
    CorrelationReading,
    CryptoReading,
    FlagId,
    LeadershipReading,
    MacroReading,
    Readings,
)
from cockpit.widgets.sizing import SizingPane

NOW = datetime(2026, 2, 2, 15, tzinfo=UTC)


class Host(App[None]):
    """A cockpit stand-in with a single-key binding `p` (switch profile in the real app)."""

    BINDINGS = [Binding("p", "switch_profile", "Profile")]

    def __init__(self) -> None:
        super().__init__()
        self.profile_switches = 0
        self.sized: list[SizingPane.Sized] = []

    def compose(self) -> ComposeResult:
        yield SizingPane(load_config().profile("swing"), equity=10_000)

    def action_switch_profile(self) -> None:
        self.profile_switches += 1

    def on_sizing_pane_sized(self, message: SizingPane.Sized) -> None:
        self.sized.append(message)


def figures(app: Host) -> str:
    return str(app.query_one(".sizing-figures", Static).render())


def errors(app: Host) -> str:
    return str(app.query_one(".sizing-errors", Static).render())


async def test_typing_p_in_a_field_does_not_fire_the_app_binding_and_esc_gives_it_back() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(SizingPane)
        pane.field("entry").focus()
        await pilot.press("p")
        await pilot.pause()
        assert app.profile_switches == 0
        assert pane.field("entry").value == "p"
        assert "entry must be a number" in errors(app)  # validated as typed, shown inline
        assert pane.field("entry").has_class("-invalid")
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is None
        await pilot.press("p")
        await pilot.pause()
        assert app.profile_switches == 1
        assert pane.field("entry").value == "p"


async def test_tab_moves_between_fields_and_enter_goes_to_the_next() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(SizingPane)
        pane.field("equity").focus()
        await pilot.press("tab")
        assert app.focused is pane.field("entry")
        await pilot.press("tab")
        assert app.focused is pane.field("stop")
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is pane.field("side")


async def test_live_sizing_with_the_regime_multiplier() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(SizingPane)
        pane.set_market("BTC/USDT:USDT", 100.0, "volatility_event", 0.5)
        pane.field("stop").focus()
        await pilot.press(*"95")
        await pilot.pause()
        assert pane.result is not None
        assert pane.result.qty == 5.0  # 10k x 0.5 % (swing tier 2) x 0.5 / 5
        assert pane.result.risk_amount == 25.0
        text = figures(app)
        assert "qty 5" in text and "1R 105" in text and "volatility_event x0.5" in text
        assert app.sized and app.sized[-1].result == pane.result
        await pilot.press("tab", "tab", "tab", *"20")  # leverage 20x: liquidation 95.5 is above the stop
        await pilot.pause()
        assert pane.field("leverage").value == "20"
        assert FlagId.STOP_BEYOND_LIQUIDATION in {f.id for f in pane.flags}
        assert "liq 95.5" in figures(app) and "STOP_BEYOND_LIQUIDATION" in figures(app)


async def test_before_any_snapshot_the_pane_sizes_at_unknown_not_calm() -> None:
    """The pane sized at calm x1.0 before the first snapshot or with no source."""
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(SizingPane)
        pane.field("entry").focus()
        await pilot.press(*"100", "tab", *"95")
        await pilot.pause()
        assert pane.result is not None and pane.result.multiplier == 0.25
        assert pane.result.qty == 2.5  # 10k x 0.5 % x 0.25 / 5
        text = figures(app)
        assert "unknown x0.25" in text and "margin $250 at 1x" in text and "0.03x equity" in text


async def test_bad_values_show_inline_errors_and_no_result() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(SizingPane)
        pane.set_market("ES=F", 5000.0, "calm", 1.0)
        pane.field("stop").focus()
        await pilot.press(*"5100")
        await pilot.pause()
        assert pane.result is None
        assert "below entry" in errors(app) or "below entry" in figures(app)
        pane.field("equity").focus()
        await pilot.press("ctrl+u", "-", "5")
        await pilot.pause()
        assert pane.field("equity").has_class("-invalid")
        assert "equity must be greater than zero" in errors(app)
        assert "nan" not in figures(app).lower() and "inf" not in figures(app).lower()


async def test_market_prefills_entry_only_until_the_user_edits_it() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(SizingPane)
        pane.set_market("BTC/USDT:USDT", 82_000.5, "calm", 1.0)
        pane.set_market("BTC/USDT:USDT", 82_100.25, "calm", 1.0)
        await pilot.pause()
        assert pane.field("entry").value == "82100.25" and not pane.entry_edited
        pane.field("entry").focus()
        await pilot.press("ctrl+u", *"81000")
        await pilot.pause()
        pane.set_market("BTC/USDT:USDT", 83_000.0, "trend_break", 0.75)
        await pilot.pause()
        assert pane.field("entry").value == "81000" and pane.entry_edited
        assert pane.market.multiplier == 0.75
        await pilot.press("ctrl+u")  # cleared: follow the market again
        pane.set_market("BTC/USDT:USDT", 83_500.0, "calm", 1.0)
        await pilot.pause()
        assert pane.field("entry").value == "83500.00"


async def test_profile_switch_moves_the_default_tier_and_journal_checks_show() -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(SizingPane)
        assert pane.field("tier").value == "2"
        pane.set_profile(load_config().profile("long"))
        await pilot.pause()
        assert pane.field("tier").value == "3"
        readings = Readings(NOW, MacroReading(), LeadershipReading(), CryptoReading(), CorrelationReading())
        loss = RoundTrip("BTC/USDT:USDT", "long", 1.0, NOW - timedelta(hours=5), NOW - timedelta(minutes=10),
                         100.0, 90.0, 0.0, -10.0)
        pane.set_market("BTC/USDT:USDT", 100.0, "calm", 1.0)
        pane.set_context(readings, [loss])
        pane.field("stop").focus()
        await pilot.press(*"95")
        await pilot.pause()
        assert FlagId.REVENGE_ENTRY in {f.id for f in pane.flags}
        assert "REVENGE_ENTRY" in figures(app)
        assert isinstance(app.focused, Input)


async def test_a_prefilled_entry_wider_than_its_field_shows_its_first_digits() -> None:
    """At 160 columns the entry field is eight cells: BTC's 91807.96 scrolled to its end read 1807.96."""
    app = Host()
    async with app.run_test(size=(52, 30)) as pilot:  # the pane as wide as in the 160-column grid
        pane = app.query_one(SizingPane)
        pane.set_market("BTC/USDT:USDT", 91_807.96, "calm", 1.0)
        await pilot.pause()
        entry = pane.field("entry")
        assert entry.value == "91807.96" and entry.content_region.width <= len(entry.value)
        assert entry.cursor_position == 0 and entry.scroll_x == 0


async def test_a_field_left_shows_its_first_digits() -> None:
    """Tabbing through the entry left it scrolled to its end: a prefilled 81761.38 in eight cells read 761.38."""
    app = Host()
    async with app.run_test(size=(52, 30)) as pilot:
        pane = app.query_one(SizingPane)
        pane.set_market("BTC/USDT:USDT", 81_761.382, "calm", 1.0)
        entry = pane.field("entry")
        entry.focus()
        entry.cursor_position = len(entry.value)  # where typing or a tab in leaves it
        await pilot.pause()
        assert entry.scroll_x > 0
        pane.field("stop").focus()
        await pilot.pause()
        assert entry.value == "81761.38" and entry.cursor_position == 0 and entry.scroll_x == 0
