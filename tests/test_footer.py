"""The footer is rebuilt once per change of the keys it shows, not once per notice that they may have changed."""

from __future__ import annotations

from typing import Any

import pytest
from test_app_helpers import cockpit, make_app, settle, simulator
from textual.widgets import Footer

from cockpit.widgets.footer import CockpitFooter


def footer_text(app: Any) -> str:
    """The footer's keys as the screen shows them."""
    footer = app.screen.query_one(CockpitFooter)
    return " ".join(str(key.render()) for key in footer.children)


def count_rebuilds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each rebuild of a cockpit footer's keys, counted as it happens."""
    rebuilds: list[int] = []
    recompose = CockpitFooter.recompose

    async def counted(self: CockpitFooter) -> None:
        rebuilds.append(len(rebuilds))
        await recompose(self)

    monkeypatch.setattr(CockpitFooter, "recompose", counted)
    return rebuilds


@pytest.mark.parametrize("coalesced", [True, False])
async def test_start_up_rebuilds_the_footer_once_per_change_of_its_keys(coalesced: bool,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if not coalesced:  # Textual's own notice handling: one rebuild per notice
        monkeypatch.setattr(CockpitFooter, "bindings_changed", Footer.bindings_changed)
    rebuilds = count_rebuilds(monkeypatch)
    app = make_app(lambda: simulator())
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.pause()
        assert "Profile" in footer_text(app) and "Pause" in footer_text(app)
    # The keys appear after the first frame, and again once the real panes are in (the focus moves): at most
    # twice. Textual's footer rebuilt them at every notice: 11 times here, 10 in a terminal.
    if coalesced:
        assert len(rebuilds) <= 2
    else:
        assert len(rebuilds) >= 4


async def test_the_footer_follows_a_change_of_its_keys() -> None:
    app = make_app(None, notice="live sources are not available: press d for the demo",
                   demo_factory=lambda: simulator())
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert "Start demo" in footer_text(app)
        await pilot.press("d")
        await settle(pilot)
        await pilot.pause()
        assert cockpit(app).feed is not None
        assert "Start demo" not in footer_text(app)
