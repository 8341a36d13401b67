"""The simulator against history: benchmarks/scenarios.py over two seeds, every figure in range (SPEC §11)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scenario_acceptance import scenario_acceptance  # noqa: E402
from benchmarks.scenario_bars import load  # noqa: E402
from benchmarks.scenarios import run  # noqa: E402
from cockpit.sources.simulator.scenarios import SCENARIOS  # noqa: E402
from cockpit.universe import Universe  # noqa: E402


def test_every_scenario_stays_in_its_calibrated_ranges_and_tells_its_story() -> None:
    lines: list[str] = []
    failures = run(list(SCENARIOS), [1, 2], with_flags=False, out=lines.append)
    assert not failures, "\n".join(failures)
    assert any("| second wave |" in line for line in lines)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_cascade_meets_the_acceptance_as_the_cockpit_reads_it(seed: int) -> None:
    """Flag order, the weekend flush, the correlated second wave in a US session, oi_reset, FIRST_FLUSH."""
    acc = scenario_acceptance(load(SCENARIOS["cascade-2026-01"], seed, Universe()))
    assert not acc.problems, acc.problems
    assert acc.rows["4h corr at the second"] >= 0.7
    assert acc.rows["FIRST_FLUSH at the first / second"] == "yes / no"


def test_calm_stays_calm_as_the_cockpit_reads_it() -> None:
    acc = scenario_acceptance(load(SCENARIOS["calm"], 1, Universe()))
    assert not acc.problems, acc.problems
