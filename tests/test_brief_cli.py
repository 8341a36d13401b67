"""`cockpit brief` and `cockpit flags`: a trader's note whose figures equal `snapshot --json` of the moment."""

from __future__ import annotations

import json

import pytest

from cockpit.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_brief_figures_equal_the_snapshot_of_the_same_moment(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "brief", "--demo", "--at", "100h", "--format", "json")
    assert code == 0
    brief = json.loads(out)
    code, out, _ = run(capsys, "snapshot", "--demo", "--at", "100h", "--json")
    snap = json.loads(out)
    assert brief["as_of"] == snap["as_of"]
    assert brief["regime"] == snap["regime"]
    assert brief["outlook"] == snap["outlook"]
    assert brief["flags"] == snap["flags"]
    figures = brief["figures"]
    assert figures["us10y_change_bp"] == snap["macro"]["us10y"]["change_bp"]
    assert figures["corr_4h"] == snap["correlation"]["4h"]["value"]
    assert figures["btc_long_liq_usd_1h"] == snap["crypto"]["btc"]["long_liq_usd_1h"]
    stages = [s["id"] for s in brief["cause_map"]["stages"]]
    assert stages == ["narrative_shock", "rates_dollar", "equities_gap", "vol_rises", "crypto_deleverages",
                      "thin_liquidity"]
    assert brief["driver"]["label"] in ("rates_shock", "equity_leadership", "liquidation_cascade", "mixed")


def test_brief_markdown_reads_as_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "brief", "--demo", "--at", "100h")
    assert code == 0
    assert out.startswith("## Cockpit brief 2026-")
    assert "Regime **" in out and "| stage | reached | evidence |" in out and "| flag | severity |" in out


def test_calm_brief_has_no_episode(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "brief", "--demo", "--scenario", "calm", "--format", "json")
    assert code == 0
    assert json.loads(out)["cause_map"]["episode_start"] is None


def test_flags_lists_the_log_and_a_restart_keeps_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "flags", "--demo", "--at", "100h", "--json")
    assert code == 0
    spans = json.loads(out)
    assert spans and all({"id", "since", "until", "severity", "evidence"} <= set(s) for s in spans)
    code, again, _ = run(capsys, "flags", "--demo", "--at", "100h", "--json")
    assert json.loads(again) == spans


@pytest.mark.parametrize("argv", [("brief", "--format", "pdf"), ("flags", "--since", "soon"),
                                  ("flags", "--since", "0h")])
def test_bad_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and err.startswith("cockpit: error:")
