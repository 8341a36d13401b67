"""`cockpit mcp`: the read-only agent tools, driven over stdio by the MCP SDK's own client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_checklist_cli import seed_runs

from cockpit.journal.store import journal_path

mcp = pytest.importorskip("mcp", reason="the agent extra (mcp) is not installed")

AT = "46h"  # the shock's Friday close: flags up, so the plan has checks to join
TOOLS = {"snapshot", "flags", "size", "check_plan", "checklist_history", "scenarios"}
PLAN = {"symbol": "BTC/USDT:USDT", "side": "long", "entry": 84250.0, "stop": 82900.0, "qty": 1.0}


def child_env() -> dict[str, str]:
    """What the server process needs from this one: the isolated config and data folders, the import path."""
    names = ("COCKPIT_CONFIG", "COCKPIT_DATA", "PYTHONPATH")
    return {name: os.environ[name] for name in names if name in os.environ}


def cli_json(*argv: str) -> Any:
    """The JSON a headless command prints, from its own process."""
    out = subprocess.run([sys.executable, "-m", "cockpit", *argv], capture_output=True, text=True, timeout=120,
                         env={**os.environ}, check=True)
    return json.loads(out.stdout)


def structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    payload: dict[str, Any] = result.structured_content
    assert json.loads(result.content[0].text) == payload  # the text a client shows says the same
    return payload


def error_text(result: Any) -> str:
    assert result.is_error
    return " ".join(block.text for block in result.content)


async def test_every_tool_over_stdio_answers_what_the_cli_prints(tmp_path: Path) -> None:
    seed_runs()
    params = mcp.StdioServerParameters(command=sys.executable, env=child_env(),
                                       args=["-m", "cockpit", "mcp", "--demo", "--at", AT])
    async with mcp.Client(params) as client:
        listed = (await client.list_tools()).tools
        assert {tool.name for tool in listed} == TOOLS
        for tool in listed:
            assert tool.annotations is not None and tool.annotations.read_only_hint, tool.name
            assert len(tool.description or "") > 150, tool.name
        for name in ("snapshot", "flags", "check_plan"):
            described = next(tool.description or "" for tool in listed if tool.name == name)
            assert "stale" in described.lower() and "age_s" in described

        snapshot = structured(await client.call_tool("snapshot", {}))
        flags = structured(await client.call_tool("flags", {}))
        size = structured(await client.call_tool("size", {"equity": 50000, "entry": 84250, "stop": 82900,
                                                          "tier": 2, "regime": "volatility_event", "leverage": 5}))
        sized_now = structured(await client.call_tool("size", {"equity": 50000, "entry": 84250, "stop": 82900}))
        plan = structured(await client.call_tool("check_plan", PLAN))
        history = structured(await client.call_tool("checklist_history", {}))
        recent = structured(await client.call_tool("checklist_history", {"since": "2026-03-11"}))
        scenarios = structured(await client.call_tool("scenarios", {}))

    assert snapshot == cli_json("snapshot", "--demo", "--at", AT, "--json")
    assert snapshot["as_of"] == "2026-01-30T22:00:00Z" and snapshot["source"] == "demo"
    assert all("stale" in source and "age_s" in source for source in snapshot["freshness"].values())

    assert flags["active"] == snapshot["flags"] and flags["regime"] == snapshot["regime"]
    assert flags["freshness"] == snapshot["freshness"] and flags["as_of"] == snapshot["as_of"]
    assert "log" in flags  # null until the cockpit keeps a flag log; the key is where it will appear

    assert size == cli_json("size", "--equity", "50000", "--entry", "84250", "--stop", "82900", "--tier", "2",
                            "--regime", "volatility_event", "--leverage", "5", "--json")
    regime = snapshot["regime"]["label"]
    assert sized_now["regime"] == regime and sized_now["regime_judged_at"] == snapshot["as_of"]
    assert {k: v for k, v in sized_now.items() if k != "regime_judged_at"} == cli_json(
        "size", "--equity", "50000", "--entry", "84250", "--stop", "82900", "--regime", regime, "--json")

    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(PLAN), encoding="utf-8")
    assert plan["snapshot"] == cli_json("snapshot", "--demo", "--at", AT, "--json", "--plan", str(plan_file))
    assert plan["checks"] and {c["id"] for c in plan["checks"]} <= {f["id"] for f in plan["snapshot"]["flags"]}
    assert not {c["id"] for c in plan["checks"]} & {f["id"] for f in snapshot["flags"]}

    assert history["runs"] == cli_json("checklist", "history", "--json") and history["count"] == 2
    assert [run["profile"] for run in recent["runs"]] == ["short"]
    assert scenarios["scenarios"] == cli_json("scenarios", "--json")


async def test_bad_arguments_are_mcp_errors_and_the_server_keeps_serving() -> None:
    params = mcp.StdioServerParameters(command=sys.executable, env=child_env(),
                                       args=["-m", "cockpit", "mcp", "--demo", "--at", AT])
    async with mcp.Client(params) as client:
        bad = {
            ("size", "equity must be greater than zero"): {"equity": -1, "entry": 100, "stop": 90},
            ("size", "equity"): {"equity": "lots", "entry": 100, "stop": 90},
            ("size", "stop equals entry"): {"equity": 1000, "entry": 100, "stop": 100},
            ("size", "unknown regime"): {"equity": 1000, "entry": 100, "stop": 90, "regime": "bullish"},
            ("size", "tier must be one of"): {"equity": 1000, "entry": 100, "stop": 90, "tier": 7},
            ("size", "stop"): {"equity": 1000, "entry": 100},
            ("check_plan", "needs its stop below entry"): {**PLAN, "stop": 90000.0},
            ("check_plan", "side must be long or short"): {**PLAN, "side": "sideways"},
            ("checklist_history", "is not a date"): {"since": "last tuesday"},
            ("nope", "Unknown tool"): {},
        }
        for (name, words), arguments in bad.items():
            assert words in error_text(await client.call_tool(name, arguments)), (name, arguments)
        assert structured(await client.call_tool("snapshot", {}))["as_of"] == "2026-01-30T22:00:00Z"
    assert not journal_path().exists()  # reading the journal never creates it


def test_bad_source_options_are_one_line_and_status_2() -> None:
    result = subprocess.run([sys.executable, "-m", "cockpit", "mcp", "--demo", "--scenario", "nope"],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "unknown scenario 'nope'" in result.stderr


@pytest.mark.parametrize(("command", "module", "extra"), [("mcp", "mcp", "agent"),
                                                          ("serve", "textual_serve", "web")])
def test_without_the_extra_one_line_names_it_and_status_2(command: str, module: str, extra: str) -> None:
    code = (f"import sys; sys.modules[{module!r}] = None; from cockpit.cli import main; "
            f"sys.exit(main([{command!r}, '--demo']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"cockpit: error: `cockpit {command}` needs the {extra} extra: " \
                            f"pip install 'cockpit[{extra}]'\n"
