"""`cockpit watch`: each new flag printed once, deterministic on the stepped simulator, never sleeping."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from cockpit.cli import main

CASCADE = ("--at", "2d", "--steps", "24", "--step", "2h")  # the weekend flywheel, two hours a step


def watch_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["watch", "--json", "--no-notify", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_stepped_demo_prints_each_new_flag_as_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    alerts = watch_json(capsys, "--demo", *CASCADE)
    assert len(alerts) >= 3, "the cascade's weekend flywheel raises flags"
    for alert in alerts:
        assert set(alert) == {"as_of", "source", "id", "severity", "message", "evidence", "since"}
        assert alert["since"] is not None and alert["since"] <= alert["as_of"]
        assert alert["source"] == "demo"
    moments = [a["as_of"] for a in alerts]
    assert moments == sorted(moments)
    repeated = Counter((a["as_of"], a["id"]) for a in alerts)
    assert max(repeated.values()) == 1  # a flag is announced when it fires, not at every step


def test_same_scenario_same_alerts(capsys: pytest.CaptureFixture[str]) -> None:
    first = watch_json(capsys, "--demo", *CASCADE, "--seed", "11")
    second = watch_json(capsys, "--demo", *CASCADE, "--seed", "11")
    assert first == second


def test_min_severity_filters_what_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    everything = watch_json(capsys, "--demo", *CASCADE)
    critical = watch_json(capsys, "--demo", *CASCADE, "--min-severity", "critical")
    assert critical == [a for a in everything if a["severity"] == "critical"]


def test_text_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "--no-notify", "--demo", *CASCADE]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all("Z  demo   [" in line for line in lines)


def test_once_evaluates_a_single_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["watch", "--once", "--no-notify", "--demo", "--at", "5d"]) == 0
    assert len(capsys.readouterr().out.splitlines()) >= 1


def test_replay_walks_the_recorded_moments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "rec"
    live = watch_json(capsys, "--demo", *CASCADE, "--record", str(folder))
    replayed = watch_json(capsys, "--replay", str(folder))
    assert [{k: v for k, v in a.items() if k != "source"} for a in replayed] == \
        [{k: v for k, v in a.items() if k != "source"} for a in live]


@pytest.mark.parametrize("args", [["--steps", "-1"], ["--step", "0h"], ["--min-severity", "loud"], ["--step", "x"]])
def test_bad_arguments_are_one_line_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    assert main(["watch", "--demo", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("cockpit: error:")


def test_real_time_demo_runs_its_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    import cockpit.commands.watch as watch

    seen: list[bool] = []

    def fake_loop(source: object, evaluate: object, steps: object, sleep: object) -> int:
        seen.append(bool(source.paused))  # type: ignore[attr-defined]
        return 0

    monkeypatch.setattr(watch, "_run_real_time", fake_loop)
    assert main(["watch", "--demo", "--no-notify"]) == 0
    assert seen == [False], "a paused simulator would print the first moment's flags and then nothing"
