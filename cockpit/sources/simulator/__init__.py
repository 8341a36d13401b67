"""The built-in market simulator as a source: a seeded scenario on a simulated clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from cockpit.errors import UserError
from cockpit.models import MarketState, SourceHealth, SourceKind
from cockpit.sources.simulator.scenarios import DEFAULT_SCENARIO, SCENARIOS, Scenario
from cockpit.universe import Universe

DEFAULT_SEED = 7
DEFAULT_SPEED = 720.0  # simulated seconds per real second: one hourly bar every 5 s


def get_scenario(name: str) -> Scenario:
    """The named scenario, or a UserError listing the valid names."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise UserError(f"unknown scenario '{name}' (valid: {', '.join(SCENARIOS)})") from None


class SimulatorSource:
    """Deterministic in (scenario, seed); the clock runs at `speed` x real time from `start_offset`."""

    kind = SourceKind.DEMO
    name = "simulator"

    def __init__(
        self,
        scenario: str = DEFAULT_SCENARIO,
        seed: int = DEFAULT_SEED,
        *,
        speed: float = DEFAULT_SPEED,
        start_offset: timedelta = timedelta(0),
        universe: Universe | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        poll_interval_s: float = 1.0,
    ) -> None:
        from cockpit.sources.simulator.model import generate

        self.scenario = get_scenario(scenario)
        if start_offset > timedelta(hours=self.scenario.hours) or start_offset < timedelta(0):
            raise UserError(f"--at {start_offset} is outside scenario '{scenario}' "
                            f"({self.scenario.hours // 24}d long)")
        self.seed = seed
        self.speed = speed
        self.paused = False
        self.poll_interval_s = poll_interval_s
        self.universe = universe or Universe()
        self._monotonic = monotonic
        self._bars = generate(self.scenario, seed, self.universe)
        self._sim_time = self.scenario.start + start_offset
        self._last_tick = monotonic()

    @property
    def end(self) -> datetime:
        """The last moment of the scenario."""
        return self.scenario.start + timedelta(hours=self.scenario.hours)

    @property
    def now(self) -> datetime:
        """The simulated clock, advanced for real time elapsed while running."""
        tick = self._monotonic()
        if not self.paused:
            self._sim_time = min(self.end, self._sim_time + timedelta(seconds=(tick - self._last_tick) * self.speed))
        self._last_tick = tick
        return self._sim_time

    @property
    def offset(self) -> timedelta:
        """Simulated time since the scenario start."""
        return self.now - self.scenario.start

    def step(self, hours: float) -> None:
        """Move the clock by `hours` (negative moves back), within the scenario."""
        now = self.now
        self._sim_time = max(self.scenario.start, min(self.end, now + timedelta(hours=hours)))

    def seek(self, at: datetime) -> None:
        """Put the clock at `at` (clamped to the scenario)."""
        self._sim_time = max(self.scenario.start, min(self.end, at))
        self._last_tick = self._monotonic()

    def state_at(self, at: datetime) -> MarketState:
        """Everything the market showed by `at`: no bar from the future."""
        import polars as pl

        bars = self._bars.filter(pl.col("ts") <= at - timedelta(hours=1))
        health = SourceHealth(self.name, 0.0, False, None, "ok")
        return MarketState(SourceKind.DEMO, at, bars, (health,), label=self.scenario.name)

    def poll(self) -> MarketState:
        """The market at the simulated clock's current time."""
        return self.state_at(self.now)

    def close(self) -> None:
        """Nothing to release."""
