"""The cockpit asks glibc to hand freed memory back (a fixed trim threshold) once its screen is up."""

from __future__ import annotations

import ctypes.util
import sys

import pytest

from cockpit.memory import release_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux") or ctypes.util.find_library("c") is None,
                    reason="glibc's mallopt is Linux-only")
def test_glibc_accepts_the_trim_threshold() -> None:
    assert release_freed_memory() is True
    assert release_freed_memory() is True  # idempotent: the app may start its feeds again


def test_a_platform_without_glibc_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert release_freed_memory() is False


def test_the_collector_is_settled_once_and_then_leaves_the_live_objects_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Once start-up is over, full collections no longer walk what lives as long as the app."""
    import gc

    import cockpit.memory as memory

    monkeypatch.setattr(memory, "_settled", False)
    garbage: list[object] = []
    garbage.append(garbage)  # a cycle: collected first, not frozen with the live objects
    del garbage
    live = [object() for _ in range(1000)]
    try:
        assert memory.settle_collector() is True
        assert gc.get_freeze_count() >= len(live)
        assert memory.settle_collector() is False  # once per process
    finally:
        gc.unfreeze()
