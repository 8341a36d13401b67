"""Visual snapshots: the seeded demo market 36 h into the cascade, its clock frozen, no timer firing.

Update with `pytest tests/test_snapshots.py --snapshot-update` after a deliberate visual change.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_app_helpers import cached_simulator, make_app, settle  # noqa: F401

from cockpit.models import ProfileName


async def _ready(pilot: Any) -> None:
    """Until the judged snapshot and the week's story are both on screen: the poll's worker posts the snapshot
    and then tells the story, so the snapshot alone can land while the flags pane still waits for the story."""
    screen = pilot.app.cockpit
    await settle(pilot, lambda: screen.snapshot is not None and screen.snapshot.judged and screen.story is not None)


@pytest.mark.parametrize("size", [(160, 45), (100, 30), (60, 20)], ids=["160x45", "100x30", "60x20"])
def test_swing_profile_at_each_size(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_ready)


@pytest.mark.parametrize("profile", [ProfileName.SHORT, ProfileName.LONG], ids=["short", "long"])
def test_each_profile_at_160x45(snap_compare: Any, profile: ProfileName) -> None:
    assert snap_compare(make_app(profile=profile), terminal_size=(160, 45), run_before=_ready)


def test_the_second_page_at_100x30(snap_compare: Any) -> None:
    async def second_page(pilot: Any) -> None:
        await _ready(pilot)
        await pilot.press("n")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=second_page)


def test_help_at_100x30(snap_compare: Any) -> None:
    async def help_open(pilot: Any) -> None:
        await _ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=help_open)
