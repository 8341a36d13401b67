"""The agent tools as plain functions: the CLI's answers, the journal read and never written, one poll per interval."""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from cockpit.agent import AgentTools
from cockpit.cli import build_parser
from cockpit.commands.common import config_for
from cockpit.errors import UserError
from cockpit.journal.fills import Fill, FillSide, import_fills
from cockpit.journal.store import connect, journal_path
from cockpit.models import MarketState
from cockpit.sources.base import Source

AT = "46h"  # the shock's Friday close: flags up, so the plan has checks to join
MOMENT = datetime(2026, 1, 30, 12, 0, tzinfo=UTC)  # 36 h into the cascade
PLAN = {"symbol": "BTC/USDT:USDT", "side": "long", "entry": 84250.0, "stop": 82900.0, "qty": 0.5}


def demo_args(*extra: str) -> argparse.Namespace:
    return build_parser().parse_args(["mcp", "--demo", "--at", AT, *extra])


def tools_for(args: argparse.Namespace, source: Source | None = None) -> AgentTools:
    return AgentTools(args, config_for(args), source)


class CountingSource:
    """Wraps a real source and counts its polls."""

    def __init__(self, inner: Source, interval_s: float) -> None:
        self.inner, self.polls = inner, 0
        self.name, self.kind, self.poll_interval_s = inner.name, inner.kind, interval_s

    def poll(self) -> MarketState:
        self.polls += 1
        return self.inner.poll()

    def close(self) -> None:
        self.inner.close()


def test_a_burst_of_calls_reads_one_poll_and_a_later_call_polls_again() -> None:
    from cockpit.commands.snapshot import evaluation_source

    args = demo_args()
    slow = CountingSource(evaluation_source(args, config_for(args)), interval_s=3600)
    tools = tools_for(args, slow)
    first = tools.snapshot()
    assert tools.flags()["active"] == first["flags"] and tools.check_plan(PLAN)["as_of"] == first["as_of"]
    assert slow.polls == 1
    eager = CountingSource(slow.inner, interval_s=0)
    tools = tools_for(args, eager)
    tools.snapshot(), tools.snapshot()
    assert eager.polls == 2


def test_check_plan_reads_the_journals_round_trips_without_writing_it() -> None:
    loss = [Fill(MOMENT - timedelta(hours=3), "BTC/USDT:USDT", FillSide.BUY, 0.4, 86000.0),
            Fill(MOMENT - timedelta(hours=2), "BTC/USDT:USDT", FillSide.SELL, 0.4, 85000.0)]
    con = connect()
    try:
        import_fills(con, loss)
    finally:
        con.close()
    before = journal_path().read_bytes()
    answer = tools_for(demo_args()).check_plan(PLAN)
    revenge = [c for c in answer["checks"] if c["id"] == "REVENGE_ENTRY"]
    assert revenge and revenge[0]["evidence"]["minutes_since"] == 720.0  # the loss closed 10:00, the plan is 22:00
    assert revenge[0]["severity"] == "critical"  # 0.5 BTC is larger than the 0.4 BTC just lost on
    assert journal_path().read_bytes() == before


def test_no_journal_means_no_runs_and_no_round_trips_and_none_is_created() -> None:
    tools = tools_for(demo_args())
    assert tools.checklist_history() == {"count": 0, "runs": []}
    assert not [c for c in tools.check_plan(PLAN)["checks"] if c["id"] == "REVENGE_ENTRY"]
    assert not journal_path().exists()


def test_size_without_a_regime_uses_the_one_judged_now() -> None:
    tools = tools_for(demo_args("--profile", "long"))
    regime = tools.snapshot()["regime"]
    sized = tools.size(equity=50000, entry=84250, stop=82900)
    assert sized["regime"] == regime["label"] and sized["multiplier"] == regime["multiplier"]
    assert sized["regime_judged_at"] == "2026-01-30T22:00:00Z"
    assert "regime_judged_at" not in tools.size(equity=50000, entry=84250, stop=82900, regime="calm")


@pytest.mark.parametrize(("call", "words"), [
    (lambda t: t.size(equity=0, entry=100, stop=90), "equity must be greater than zero"),
    (lambda t: t.check_plan({**PLAN, "colour": "red"}), "plan: unknown plan key 'colour'"),
    (lambda t: t.check_plan({"symbol": "BTC/USDT:USDT"}), "plan: the plan needs side, entry, stop, qty"),
    (lambda t: t.checklist_history("soon"), "since: 'soon' is not a date"),
])
def test_bad_input_is_one_user_error_line(call: object, words: str) -> None:
    with pytest.raises(UserError) as caught:
        call(tools_for(demo_args()))  # type: ignore[operator]
    assert str(caught.value).startswith(words) and "\n" not in str(caught.value)


def test_the_command_line_imports_neither_extra_until_its_command_runs() -> None:
    code = "import sys; from cockpit.cli import build_parser; build_parser(); print(' '.join(sorted(sys.modules)))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                timeout=60).stdout.split())
    assert not {"mcp", "textual_serve", "aiohttp", "pydantic", "anyio", "polars", "textual"} & loaded
