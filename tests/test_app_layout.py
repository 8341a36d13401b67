"""The screen at every size, and a failing source: stale panes with age and error, the app still up."""

from __future__ import annotations

from typing import Any

import pytest
from test_app_helpers import FrozenClock, ScriptedSource, cached_simulator, cockpit, make_app, settle, simulator  # noqa: F401

from cockpit.widgets.header import CockpitHeader


def shown(app: Any) -> list[str]:
    """Ids of the panes on screen, with a usable size."""
    screen = cockpit(app)
    return [p.id for p in screen.query(".pane") if p.display and p.region.height >= 5 and p.region.width >= 20]


async def test_at_100x30_macro_correlation_and_flags_stay_on_screen_with_their_figures() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        assert shown(app) == ["macro", "correlation", "flags"]
        assert "US10Y" in screen.query_one("#macro").figures_text  # type: ignore[attr-defined]
        assert "corr" in screen.query_one("#correlation").figures_text  # type: ignore[attr-defined]
        assert screen.snapshot is not None and screen.snapshot.flags
        assert screen.snapshot.flags[0].id.value in str(screen.query_one("#flag-list").render())
        for pane in ("macro", "correlation", "flags"):
            region = screen.query_one(f"#{pane}").region
            assert region.right <= 100 and region.bottom <= 30
        assert "panes 1/3 (n: next)" in str(screen.query_one(CockpitHeader).visual)  # the Book page is the third
        await pilot.press("n")
        assert shown(app) == ["leadership", "crypto", "sizing"]
        await pilot.press("f")
        assert shown(app) == ["macro", "correlation", "flags"]
        await pilot.press("escape", "s")
        assert "sizing" in shown(app)


async def test_resizing_keeps_a_usable_screen_down_to_40x12_and_back() -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert len(shown(app)) == 6
        for size, expected in (((100, 30), 3), ((60, 20), 1), ((40, 12), 1), ((20, 6), 0), ((160, 45), 6)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert app.is_running
            visible = [p for p in cockpit(app).query(".pane") if p.display]
            assert len(visible) == max(expected, 1), size
            if expected:
                assert len(shown(app)) == expected, size
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        order = []
        for _ in range(6):
            order += shown(app)
            await pilot.press("n")
        assert order == ["macro", "correlation", "flags", "leadership", "crypto", "sizing"]


async def test_compact_view_keeps_the_figures_and_drops_charts_when_short() -> None:
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        assert screen.has_class("-compact") and not screen.has_class("-no-charts")
        assert "US10Y" in screen.query_one("#macro").figures_text  # type: ignore[attr-defined]
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert screen.has_class("-no-charts")
        assert "SWING" in str(screen.query_one(CockpitHeader).visual)


async def test_a_source_that_raises_on_every_poll_leaves_the_app_up_with_panes_stale() -> None:
    source = ScriptedSource([RuntimeError("venue unreachable")])
    app = make_app(lambda: source)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, lambda: cockpit(app).trouble is not None)
        screen = cockpit(app)
        assert app.is_running
        for pane in screen.panes():
            assert pane.has_class("-stale"), pane.id
            assert "STALE" in str(pane.border_subtitle) and "venue unreachable" in str(pane.border_subtitle)
        assert "RuntimeError: venue unreachable" in screen.query_one("#macro").figures_text  # type: ignore[attr-defined]
        assert "SOURCE FAILING" in str(screen.query_one(CockpitHeader).visual)
        await pilot.press("r", "p", "f")
        await pilot.pause()
        assert app.is_running


async def test_a_source_that_fails_after_good_data_keeps_the_last_figures_drawn_stale() -> None:
    clock = FrozenClock()
    source = ScriptedSource([simulator().poll(), RuntimeError("timeout after 10s")])
    app = make_app(lambda: source, clock=clock)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = cockpit(app)
        # the judged snapshot drawn and its poll over (the panes swapped in, the week's story may go on)
        await settle(pilot, lambda: screen.snapshot is not None and screen.snapshot.judged
                     and screen.feed is not None and not screen.feed.busy and screen.trouble is None
                     and not screen.query_one("#macro").has_class("-stale"))
        assert source.calls == 1
        us10y = f"US10Y   {screen.snapshot.readings.macro.us10y:.3f}%"  # type: ignore[union-attr]
        assert f"{us10y}" in screen.query_one("#macro").figures_text  # type: ignore[attr-defined]
        assert screen.query_one("#macro").figures_text.splitlines()[0].endswith(" 0s")  # type: ignore[attr-defined]
        assert not screen.query_one("#macro").has_class("-stale")
        clock.advance(95)
        await pilot.press("r")
        await settle(pilot, lambda: screen.trouble is not None)
        macro = screen.query_one("#macro")
        assert macro.has_class("-stale")
        # The last good figures stay, their ages grown by the time since that poll.
        assert us10y in macro.figures_text and macro.figures_text.splitlines()[0].endswith(" 1m")  # type: ignore[attr-defined]
        assert "STALE last good 1m ago · RuntimeError: timeout after 10s" in str(macro.border_subtitle)
        source.script.append(simulator().poll())
        source.script.pop(1)
        await pilot.press("r")
        await settle(pilot, lambda: screen.trouble is None)
        assert not macro.has_class("-stale")


async def test_a_stale_source_in_the_health_marks_only_its_panes() -> None:
    import dataclasses

    from cockpit.models import SourceHealth

    state = simulator().poll()
    health = (SourceHealth("exchange", 600.0, True, "RequestTimeout", "stale"), SourceHealth("yahoo", 60.0, False))
    source = ScriptedSource([dataclasses.replace(state, health=health)])
    app = make_app(lambda: source)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        assert screen.query_one("#crypto").has_class("-stale")
        assert "STALE 10m · exchange stale (RequestTimeout)" in str(screen.query_one("#crypto").border_subtitle)
        assert not screen.query_one("#macro").has_class("-stale")
        assert any(f.id.value == "STALE_DATA" for f in screen.snapshot.flags)  # type: ignore[union-attr]


@pytest.mark.parametrize("size", [(100, 30), (50, 30)])  # the medium layout and the compact one
async def test_every_sizing_field_is_wide_enough_for_a_btc_price(size: tuple[int, int]) -> None:
    """Three fields a row left each two cells at 100 columns (an entry of 91807.96 read "91"): one a row."""
    from cockpit.widgets.sizing import SizingPane

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot, lambda: cockpit(app).snapshot is not None and cockpit(app).snapshot.judged
                     and cockpit(app).sizing.calculator is not None)
        pane = cockpit(app).query_one(SizingPane)
        for _ in range(cockpit(app).layout_state.pages):  # to the page with the Sizing pane
            if pane.region.width:
                break
            await pilot.press("n")
            await pilot.pause()
        widths = {name: pane.field(name).content_region.width for name in ("equity", "entry", "stop", "leverage")}
        assert pane.region.width and all(width >= len("91807.96") for width in widths.values()), widths
