"""The read-only tools an AI agent may call, as plain functions over the CLI's own code paths.

Every answer is the JSON a headless command prints for the same inputs: `snapshot` is `cockpit snapshot
--json`, `size` is `cockpit size --json`, `check_plan` is `cockpit snapshot --plan`, `checklist_history` is
`cockpit checklist history --json`, `scenarios` is `cockpit scenarios --json`. Nothing here places an order
or writes the journal: the journal is opened read-only, and not at all when there is none yet.
"""

from __future__ import annotations

import argparse
import threading
import time
from typing import TYPE_CHECKING, Any

from cockpit.errors import UserError

if TYPE_CHECKING:
    from cockpit.config import Config
    from cockpit.journal.fills import RoundTrip
    from cockpit.models import MarketState
    from cockpit.sources.base import Source


def journal_round_trips() -> tuple[RoundTrip, ...]:
    """The journal's closed round trips, read without creating or migrating it (none without a journal)."""
    from cockpit.journal.fills import load_fills, round_trips
    from cockpit.journal.store import connect_readonly

    con = connect_readonly()
    if con is None:
        return ()
    try:
        return tuple(round_trips(load_fills(con)))
    finally:
        con.close()


class AgentTools:
    """One source, evaluated on demand; each public method is one tool and returns a JSON object."""

    def __init__(self, args: argparse.Namespace, config: Config, source: Source | None = None) -> None:
        from cockpit.commands.snapshot import evaluation_source

        self._config = config
        self._profile = config.profile(args.profile)
        self._source: Source = source or evaluation_source(args, config)
        self._lock = threading.Lock()  # tools run in worker threads; a source polls one caller at a time
        self._last: tuple[float, MarketState] | None = None

    @property
    def source_kind(self) -> str:
        """What the tools read: demo, file, replay or live (the snapshot's `source`)."""
        return self._source.kind.value

    def close(self) -> None:
        """Release the source."""
        self._source.close()

    def _state(self) -> MarketState:
        """The source's state, polled at most once per its poll interval (calls in a burst read one moment)."""
        with self._lock:
            now = time.monotonic()
            if self._last is None or now - self._last[0] >= self._source.poll_interval_s:
                self._last = (now, self._source.poll())
            return self._last[1]

    def snapshot(self) -> dict[str, Any]:
        """Exactly `cockpit snapshot --json` at the source's current moment."""
        from cockpit.commands.snapshot import moment_payload

        return moment_payload(self._state(), self._profile, self._config.universe)

    def flags(self) -> dict[str, Any]:
        """The active flags with their evidence, the regime they set, the freshness behind them, and the log."""
        payload = self.snapshot()
        return {
            "as_of": payload["as_of"],
            "source": payload["source"],
            "profile": payload["profile"],
            "regime": payload["regime"],
            "active": payload["flags"],
            # The flag log of spans (SPEC §13) joins the snapshot as `flag_log`; null until this build keeps one.
            "log": payload.get("flag_log"),
            "freshness": payload["freshness"],
        }

    def size(self, *, equity: float, entry: float, stop: float, side: str = "long", tier: int | None = None,
             regime: str | None = None, leverage: float | None = None, mmr: float | None = None) -> dict[str, Any]:
        """`cockpit size --json`; without `regime`, the regime the cockpit judges now (unknown's when it cannot)."""
        from cockpit.commands.size import sizing_payload

        judged_at = None
        if regime is None:
            now = self.snapshot()
            regime, judged_at = now["regime"]["label"], now["as_of"]
        payload = sizing_payload(self._profile, equity=equity, entry=entry, stop=stop, side=side, tier=tier,
                                 regime=regime, leverage=leverage, mmr=mmr)
        if judged_at is not None:
            payload["regime_judged_at"] = judged_at
        return payload

    def check_plan(self, plan: dict[str, Any]) -> dict[str, Any]:
        """`cockpit snapshot --plan --json` for a plan object, against the journal's round trips (read-only).

        `checks` lists the plan's own pre-trade flags; `snapshot` is the whole evaluation with them joined.
        """
        from cockpit.commands.size import PlanInputs
        from cockpit.commands.snapshot import moment_payload
        from cockpit.rules.pretrade import plan_from_json
        from cockpit.sizing import SizingError

        try:
            trade = plan_from_json({key: value for key, value in plan.items() if value is not None},
                                   self._profile.tiers)
        except SizingError as exc:
            raise UserError(f"plan: {exc}") from None
        state = self._state()
        market = {flag["id"] for flag in moment_payload(state, self._profile, self._config.universe)["flags"]}
        payload = moment_payload(state, self._profile, self._config.universe,
                                 PlanInputs(trade, journal_round_trips()))
        return {"as_of": payload["as_of"], "checks": [f for f in payload["flags"] if f["id"] not in market],
                "snapshot": payload}

    def checklist_history(self, since: str | None = None) -> dict[str, Any]:
        """`cockpit checklist history --json`, read-only: saved daily checklist runs, newest last."""
        from cockpit.commands.checklist import load_runs, run_json

        runs = load_runs(since, read_only=True, option="since")
        return {"count": len(runs), "runs": [run_json(run) for run in runs]}

    def scenarios(self) -> dict[str, Any]:
        """`cockpit scenarios --json`: the simulator's named scenarios."""
        from cockpit.commands.scenarios import scenario_rows

        return {"scenarios": scenario_rows()}
