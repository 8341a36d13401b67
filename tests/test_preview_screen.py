"""The first evaluation of a profile judges every hour of its span window; its figures are on screen first.

The judged evaluation is held at the seam the feed calls (`cockpit.snapshot.build_snapshot`) until the test has
read the screen showing the preview, then released.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from test_app_helpers import cockpit, make_app, settle

import cockpit.snapshot as snapshot_module
from cockpit.widgets.flags import FlagList
from cockpit.widgets.header import CockpitHeader

SIZE = (160, 45)


async def wait(pilot: Any, condition: Any, rounds: int = 2000) -> None:
    """Let messages land (without waiting on workers: one is held on purpose) until `condition()` holds."""
    for _ in range(rounds):
        await pilot.pause(0.005)
        if condition():
            return
    raise AssertionError("condition never held")


async def test_the_figures_show_while_the_span_window_is_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    build = snapshot_module.build_snapshot

    def held_build(*args: Any, **kwargs: Any) -> Any:
        gate.wait(timeout=60)
        return build(*args, **kwargs)

    monkeypatch.setattr(snapshot_module, "build_snapshot", held_build)
    app = make_app()
    announced: list[Any] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = cockpit(app)
        monkeypatch.setattr(screen.alerts, "announce", lambda _screen, snap: announced.append(snap) or [])
        try:
            await wait(pilot, lambda: screen.snapshot is not None)
            snap = screen.snapshot
            assert snap is not None and not snap.judged
            header = str(screen.query_one(CockpitHeader).visual)
            assert "regime JUDGING…" in header and "size ×" in header
            assert str(screen.query_one(FlagList).render()) == "judging the last 48 h of bars…"
            macro = screen.query_one("#macro").figures_text  # type: ignore[attr-defined]
            assert f"US10Y   {snap.readings.macro.us10y:.3f}%" in macro  # the figures themselves are there
            assert screen.first_seen == {} and announced == []  # nothing remembered or announced from a preview
        finally:
            gate.set()
        await settle(pilot)
        judged = screen.snapshot
        assert judged is not None and judged.judged and judged.readings == snap.readings
        header = str(screen.query_one(CockpitHeader).visual)
        assert "JUDGING" not in header and judged.regime.label.value.replace("_", " ").upper() in header
        assert announced == [judged]
