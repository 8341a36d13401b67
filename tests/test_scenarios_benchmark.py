"""The simulator against history: benchmarks/scenarios.py over two seeds, every figure in range (SPEC §11)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scenarios import run  # noqa: E402
from cockpit.sources.simulator.scenarios import SCENARIOS  # noqa: E402


def test_every_scenario_stays_in_its_calibrated_ranges_and_tells_its_story() -> None:
    lines: list[str] = []
    failures = run(list(SCENARIOS), [1, 2], with_flags=False, out=lines.append)
    assert not failures, "\n".join(failures)
    assert any("| second wave |" in line for line in lines)
