"""The first frame draws each pane as one placeholder; the real panes swapped in after it change nothing on screen."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from test_app_helpers import ScriptedSource, cached_simulator, cockpit, make_app, settle, simulator  # noqa: F401

from cockpit.screens.main import CockpitScreen
from cockpit.screens.skeleton import PanePlaceholder
from cockpit.widgets.pane import Pane


def drawn(app: Any) -> list[list[tuple[str, str]]]:
    """What the eye sees, cell by cell: the character and its colours (a blank shows only its background)."""
    lines = []
    for strip in app.screen._compositor.render_strips():
        cells = []
        for segment in strip:
            style = segment.style
            for char in segment.text:
                if style is None:
                    cells.append((char, ""))
                elif char == " " and not (style.reverse or style.underline or style.strike):
                    cells.append((char, str(style.bgcolor)))
                else:
                    cells.append((char, f"{style.color} {style.bgcolor} {style.bold} {style.dim} {style.reverse}"))
        lines.append(cells)
    return lines


async def steady(pilot: Any, rounds: int = 50) -> list[list[tuple[str, str]]]:
    """What the screen shows once two frames in a row are the same."""
    last = drawn(pilot.app)
    for _ in range(rounds):
        await pilot.pause()
        now = drawn(pilot.app)
        if now == last:
            return now
        last = now
    raise AssertionError("the screen did not settle")


@pytest.mark.parametrize("size", [(160, 45), (100, 30), (60, 20)])
@pytest.mark.parametrize("notice", [None, "live sources are not available: press d for the demo"])
async def test_the_real_panes_look_as_their_placeholders_did(size: tuple[int, int], notice: str | None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    swap = CockpitScreen.mount_panes

    async def held(self: CockpitScreen) -> None:
        return None

    monkeypatch.setattr(CockpitScreen, "mount_panes", held)
    source = ScriptedSource([simulator().poll()])
    source.gate = threading.Event()  # no figures while we look
    app = make_app((lambda: source) if notice is None else None, notice=notice)
    async with app.run_test(size=size) as pilot:
        screen = cockpit(app)
        await pilot.pause()
        assert screen.query(PanePlaceholder) and not screen.query(Pane)
        first_frame = await steady(pilot)  # the header's source, the footer's keys, the calculator when asked for
        await swap(screen)
        after = await steady(pilot)
        assert screen.query(Pane) and not screen.query(PanePlaceholder)
        assert screen.query_one("#macro").region.height > 0
        for row, (was, now) in enumerate(zip(first_frame, after, strict=True)):
            assert now == was, f"line {row}: {''.join(c for c, _ in now)!r}"
        source.gate.set()


async def test_the_panes_are_swapped_in_before_the_first_figures() -> None:
    seen: list[Any] = []
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = cockpit(app)
        seen.extend(screen.query(PanePlaceholder))
        assert not seen and {p.id for p in screen.panes()} == {"macro", "leadership", "crypto", "correlation",
                                                              "flags", "book"}
        assert "US10Y" in screen.query_one("#macro").figures_text  # type: ignore[attr-defined]


async def test_the_cockpit_is_drawn_once_for_its_first_frame() -> None:
    """No render of the cockpit screen is thrown away: Textual writes no frame inside a batch, and the screen was
    pushed inside the app's start-up batch, so it was laid out and drawn once there and again for its first frame.
    The theme is chosen before the style sheets are first parsed (set on mount, every sheet was parsed again)."""
    source = ScriptedSource([simulator().poll()])
    source.gate = threading.Event()  # no figures: only the start-up is looked at
    app = make_app(lambda: source)
    renders: list[tuple[str | None, int]] = []
    display = app._display

    def recorded(screen: Any, renderable: Any) -> None:
        if renderable is not None:
            renders.append((screen.id, app._batch_count))
        display(screen, renderable)

    app._display = recorded  # type: ignore[method-assign]
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert app.theme == "cockpit-dark" and app.screen.id == "cockpit"
        source.gate.set()
    drawn_in_batch = [screen for screen, batch in renders if screen == "cockpit" and batch]
    assert drawn_in_batch == [] and ("cockpit", 0) in renders


def looks(app: Any) -> dict[str, tuple[str, ...]]:
    """Each of the cockpit screen's widgets' resolved colours and border, by its place in the screen."""
    seen = {}
    for widget in cockpit(app).walk_children(with_self=True):
        path = "/".join(f"{type(node).__name__}#{node.id}" for node in reversed(widget.ancestors_with_self))
        styles = widget.styles
        seen[path] = (str(styles.background), str(styles.color), str(styles.border), str(widget.rich_style))
    return seen


@pytest.mark.parametrize("theme", ["cockpit-light", "cockpit-contrast"])
async def test_a_theme_from_the_config_is_parsed_once_and_looks_as_when_chosen_with_t(
        theme: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The config's theme is set before the style sheets are first parsed, so they are not parsed again before
    the first frame; the screen it gives is the one Textual's own theme switch (the `t` key) gives."""
    from dataclasses import replace

    from textual.css.stylesheet import Stylesheet

    from cockpit.config import load_config

    reparsed: list[int] = []
    reparse = Stylesheet.reparse
    monkeypatch.setattr(Stylesheet, "reparse", lambda self: (reparsed.append(1), reparse(self))[1])
    gated = ScriptedSource([simulator().poll()])
    gated.gate = threading.Event()  # no figures: only the colours are compared
    app = make_app(lambda: gated, config=replace(load_config(), theme=theme))
    async with app.run_test(size=(160, 45)) as pilot:
        await steady(pilot)
        assert reparsed == [] and app.theme == theme
        assert f"-theme-{theme}" in app.classes and ("-light-mode" in app.classes) == (theme == "cockpit-light")
        started = looks(app)
        gated.gate.set()

    reference = ScriptedSource([simulator().poll()])
    reference.gate = threading.Event()
    app = make_app(lambda: reference)
    async with app.run_test(size=(160, 45)) as pilot:
        await steady(pilot)
        while app.theme != theme:
            await pilot.press("t")
        await steady(pilot)
        assert reparsed and f"-theme-{theme}" in app.classes
        switched = {path: look for path, look in looks(app).items() if "Toast" not in path}
        reference.gate.set()
    assert switched == {path: look for path, look in started.items() if "Toast" not in path}
