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
