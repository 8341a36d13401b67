"""Shared test fixtures: every test gets its own config and data folders, and no network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Properties are judged on their examples, not on time: a shared 2-core machine can take an example past
# hypothesis' 200 ms default deadline, which would fail a test whose property holds.
settings.register_profile("cockpit", deadline=None)
settings.load_profile("cockpit")

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """COCKPIT_CONFIG and COCKPIT_DATA point into tmp_path, so no test touches the user's files."""
    config_dir = tmp_path / "config"
    data_dir = tmp_path / "data"
    config_dir.mkdir()
    data_dir.mkdir()
    monkeypatch.setenv("COCKPIT_CONFIG", str(config_dir / "config.toml"))
    monkeypatch.setenv("COCKPIT_DATA", str(data_dir))
    yield tmp_path


class _NetworkBlocked(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Outbound connections fail unless the test is marked `online` (loopback stays allowed)."""
    if request.node.get_closest_marker("online"):
        return
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")):
            return real_connect(self, address)  # type: ignore[arg-type]
        if self.family == socket.AF_UNIX:
            return real_connect(self, address)  # type: ignore[arg-type]
        raise _NetworkBlocked(f"network disabled in tests: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def shared_dir() -> Path:
    """`../shared` beside the project; tests that read its fixtures skip with a reason when absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the project (fixtures unavailable)")
    return SHARED
